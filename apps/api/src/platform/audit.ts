import { createHash } from 'node:crypto'
import { canonicalJson, toJsonValue } from './canonical-json.js'
import type { Executor, Tx } from './db/database.js'

declare module './db/schema.js' {
  interface DB {
    auditLog: {
      id: number
      at: Date
      actorId: string | null
      actorName: string | null
      action: string
      entityType: string
      entityId: string | null
      before: unknown
      after: unknown
      requestId: string | null
      ip: string | null
      prevHash: string
      hash: string
    }
    auditHead: { singleton: boolean; lastId: number; lastHash: string }
  }
}

/** Who did something and through which request: passed to every state-changing use case. */
export interface Actor {
  userId: string | null
  name: string
  requestId?: string | null
  ip?: string | null
}

export const SYSTEM_ACTOR: Actor = { userId: null, name: 'system' }

export interface AuditEntry {
  action: string
  entityType: string
  entityId?: string | null
  before?: unknown
  after?: unknown
}

interface HashedContent {
  id: number
  at: string
  actorId: string | null
  actorName: string | null
  action: string
  entityType: string
  entityId: string | null
  before: unknown
  after: unknown
  requestId: string | null
  ip: string | null
}

function hashRow(prevHash: string, content: HashedContent): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(content)).digest('hex')
}

/**
 * Append audit rows inside the caller's transaction. Locking the head row serialises appenders
 * until commit, so the chain has no forks; call it late in the transaction to keep the lock short.
 */
export async function appendAudit(tx: Tx, actor: Actor, entries: AuditEntry | AuditEntry[], at = new Date()): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries]
  if (list.length === 0) return
  const head = await tx.selectFrom('auditHead').select(['lastId', 'lastHash']).forUpdate().executeTakeFirstOrThrow()
  let { lastId, lastHash } = head
  const rows = list.map((e) => {
    const content: HashedContent = {
      id: lastId + 1,
      at: at.toISOString(),
      actorId: actor.userId,
      actorName: actor.name,
      action: e.action,
      entityType: e.entityType,
      entityId: e.entityId ?? null,
      before: toJsonValue(e.before),
      after: toJsonValue(e.after),
      requestId: actor.requestId ?? null,
      ip: actor.ip ?? null,
    }
    const hash = hashRow(lastHash, content)
    const row = {
      ...content,
      at,
      before: content.before === null ? null : JSON.stringify(content.before),
      after: content.after === null ? null : JSON.stringify(content.after),
      prevHash: lastHash,
      hash,
    }
    lastId += 1
    lastHash = hash
    return row
  })
  await tx.insertInto('auditLog').values(rows).execute()
  await tx.updateTable('auditHead').set({ lastId, lastHash }).execute()
}

export interface AuditVerification {
  ok: boolean
  checked: number
  firstBrokenId: number | null
  reason: string | null
}

/** Walk the chain in id order; report the first row whose content, link or position is wrong. */
export async function verifyAuditChain(db: Executor, batch = 5000): Promise<AuditVerification> {
  let prevHash = '0'.repeat(64)
  let expectedId = 1
  let checked = 0
  for (;;) {
    const rows = await db.selectFrom('auditLog').selectAll().where('id', '>=', expectedId).orderBy('id').limit(batch).execute()
    for (const r of rows) {
      const broken = (reason: string): AuditVerification => ({ ok: false, checked, firstBrokenId: Number(r.id), reason })
      if (Number(r.id) !== expectedId) {
        return { ok: false, checked, firstBrokenId: expectedId, reason: `row ${expectedId} is missing (deleted)` }
      }
      if (r.prevHash !== prevHash) return broken('link to the previous row does not match (a row before it was changed or removed)')
      const content: HashedContent = {
        id: Number(r.id),
        at: r.at.toISOString(),
        actorId: r.actorId,
        actorName: r.actorName,
        action: r.action,
        entityType: r.entityType,
        entityId: r.entityId,
        before: r.before ?? null,
        after: r.after ?? null,
        requestId: r.requestId,
        ip: r.ip,
      }
      if (hashRow(prevHash, content) !== r.hash) return broken('content does not match its hash (row edited)')
      prevHash = r.hash
      expectedId += 1
      checked += 1
    }
    if (rows.length < batch) break
  }
  const head = await db.selectFrom('auditHead').select(['lastId', 'lastHash']).executeTakeFirst()
  if (head && (Number(head.lastId) !== expectedId - 1 || head.lastHash !== prevHash)) {
    return { ok: false, checked, firstBrokenId: expectedId, reason: `rows after ${expectedId - 1} are missing (log truncated)` }
  }
  return { ok: true, checked, firstBrokenId: null, reason: null }
}

import { createHash } from 'node:crypto'
import { sql, type Generated, type Selectable } from 'kysely'
import { canonicalJson, toJsonValue } from './canonical-json.js'
import type { Db, Executor } from './db/database.js'
import type { DB } from './db/schema.js'

declare module './db/schema.js' {
  interface DB {
    auditLog: {
      id: Generated<number>
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
      /** Position in the hash chain, set when the row is sealed. */
      seq: Generated<number | null>
      prevHash: Generated<string | null>
      hash: Generated<string | null>
    }
    auditHead: { singleton: boolean; lastSeq: number; lastHash: string }
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

const GENESIS = '0'.repeat(64)

type StoredRow = Selectable<DB['auditLog']>

function contentOf(r: StoredRow): HashedContent {
  return {
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
}

/**
 * Append audit rows inside the caller's transaction: one INSERT, no lock. The rows are unsealed
 * (no chain position, no hash) until `sealAuditLog` chains them, normally within a second (the
 * `audit.seal` job); nothing else ever serialises writers on the audit log.
 */
export async function appendAudit(tx: Executor, actor: Actor, entries: AuditEntry | AuditEntry[], at = new Date()): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries]
  if (list.length === 0) return
  await tx.insertInto('auditLog').values(auditRows(actor, list, at)).execute()
}

/** The rows `appendAudit` inserts, for a caller that folds the insert into its own statement. */
export function auditRows(actor: Actor, entries: AuditEntry[], at: Date) {
  return entries.map((e) => {
    const before = toJsonValue(e.before)
    const after = toJsonValue(e.after)
    return {
      at,
      actorId: actor.userId,
      actorName: actor.name,
      action: e.action,
      entityType: e.entityType,
      entityId: e.entityId ?? null,
      before: before === null ? null : JSON.stringify(before),
      after: after === null ? null : JSON.stringify(after),
      requestId: actor.requestId ?? null,
      ip: actor.ip ?? null,
    }
  })
}

/**
 * Chain the unsealed rows, oldest id first, onto the head: each gets the next `seq`, the previous
 * row's hash and its own hash over its stored content. The head row is locked for the batch, so
 * two instances never seal at once. Returns how many rows were sealed.
 */
export async function sealAuditLog(db: Db, opts: { batch?: number; maxBatches?: number } = {}): Promise<number> {
  const batch = opts.batch ?? 2000
  let sealed = 0
  for (let i = 0; i < (opts.maxBatches ?? Infinity); i++) {
    const n = await db.transaction().execute(async (tx) => {
      const head = await tx.selectFrom('auditHead').select(['lastSeq', 'lastHash']).forUpdate().executeTakeFirstOrThrow()
      const rows = (await tx.selectFrom('auditLog').selectAll().where('seq', 'is', null).orderBy('id').limit(batch).execute())
      if (rows.length === 0) return 0
      let seq = Number(head.lastSeq)
      let prev = head.lastHash
      const ids: number[] = []
      const seqs: number[] = []
      const prevs: string[] = []
      const hashes: string[] = []
      for (const r of rows) {
        seq += 1
        const hash = hashRow(prev, contentOf(r))
        ids.push(Number(r.id))
        seqs.push(seq)
        prevs.push(prev)
        hashes.push(hash)
        prev = hash
      }
      await sql`
        update audit_log a set seq = s.seq, prev_hash = s.prev_hash, hash = s.hash
        from unnest(${ids}::bigint[], ${seqs}::bigint[], ${prevs}::text[], ${hashes}::text[]) as s(id, seq, prev_hash, hash)
        where a.id = s.id and a.seq is null`.execute(tx)
      await tx.updateTable('auditHead').set({ lastSeq: seq, lastHash: prev }).execute()
      return rows.length
    })
    sealed += n
    if (n < batch) break
  }
  return sealed
}

export interface AuditVerification {
  ok: boolean
  /** Sealed rows verified. */
  checked: number
  /** Audit id of the first broken row (or of the row after a missing one). */
  firstBrokenId: number | null
  reason: string | null
  /** Rows appended but not yet sealed into the chain (not covered by this verification). */
  unsealed: number
}

/**
 * Walk the sealed chain in `seq` order; report the first row whose content, link or position is
 * wrong, and a tail cut off behind the head row. Unsealed rows are counted, not verified.
 */
export async function verifyAuditChain(db: Executor, batch = 5000): Promise<AuditVerification> {
  let prevHash = GENESIS
  let expectedSeq = 1
  let checked = 0
  const unsealedRow = await db.selectFrom('auditLog').select((eb) => eb.fn.countAll<number>().as('n')).where('seq', 'is', null).executeTakeFirst()
  const unsealed = Number(unsealedRow?.n ?? 0)
  for (;;) {
    const rows = (await db.selectFrom('auditLog').selectAll().where('seq', '>=', expectedSeq).orderBy('seq').limit(batch).execute())
    for (const r of rows) {
      const broken = (reason: string): AuditVerification => ({ ok: false, checked, firstBrokenId: Number(r.id), reason, unsealed })
      if (Number(r.seq) !== expectedSeq) {
        return broken(`the row before audit row ${r.id} (chain position ${expectedSeq}) is missing (deleted)`)
      }
      if (r.prevHash !== prevHash) return broken('link to the previous row does not match (a row before it was changed or removed)')
      if (hashRow(prevHash, contentOf(r)) !== r.hash) return broken('content does not match its hash (row edited)')
      prevHash = r.hash
      expectedSeq += 1
      checked += 1
    }
    if (rows.length < batch) break
  }
  const head = await db.selectFrom('auditHead').select(['lastSeq', 'lastHash']).executeTakeFirst()
  if (head && (Number(head.lastSeq) !== expectedSeq - 1 || head.lastHash !== prevHash)) {
    return { ok: false, checked, firstBrokenId: null, reason: `sealed rows after chain position ${expectedSeq - 1} are missing (log truncated)`, unsealed }
  }
  return { ok: true, checked, firstBrokenId: null, reason: null, unsealed }
}

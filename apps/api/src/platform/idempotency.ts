import { createHash } from 'node:crypto'
import type { Generated } from 'kysely'
import { canonicalJson } from './canonical-json.js'
import type { Db, Tx } from './db/database.js'
import { DomainError } from './errors.js'
import type { EventBus, NewBusEvent } from './events.js'

declare module './db/schema.js' {
  interface DB {
    idempotencyKeys: {
      userId: string
      key: string
      requestHash: string
      statusCode: number
      response: unknown
      createdAt: Generated<Date>
    }
  }
}

export interface UnitOfWork<T> {
  body: T
  /** Announced on the bus after the commit. */
  events?: NewBusEvent[]
}

const KEY = /^[A-Za-z0-9_.:-]{1,200}$/

/** Refuse a malformed `Idempotency-Key` (400). */
export function assertIdempotencyKey(key: string | undefined): void {
  if (key !== undefined && !KEY.test(key)) {
    throw new DomainError('VALIDATION_FAILED', 'Idempotency-Key must be 1–200 letters, digits or ._:-', {
      errors: [{ field: 'Idempotency-Key', reason: 'invalid format' }],
    })
  }
}

/** What a retry must repeat exactly to be a retry: the hash of the request's canonical JSON. */
export function idempotencyRequestHash(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex')
}

/**
 * Run a state change in one transaction and, when the caller sent an `Idempotency-Key`, record
 * its response in the same transaction. A retry with the same key and request gets the recorded
 * response (`replayed`) and changes nothing; concurrent retries wait on the key's unique index
 * until the first commits. The same key with a different request is refused.
 */
export async function runIdempotent<T>(
  deps: { db: Db; bus: EventBus },
  opts: { userId: string | null; key: string | undefined; request: unknown; statusCode: number },
  work: (tx: Tx) => Promise<UnitOfWork<T>>,
): Promise<{ statusCode: number; body: T; replayed: boolean }> {
  const { key, userId } = opts
  assertIdempotencyKey(key)
  const requestHash = idempotencyRequestHash(opts.request)
  const outcome = await deps.db.transaction().execute(async (tx) => {
    if (key && userId) {
      const claimed = await tx
        .insertInto('idempotencyKeys')
        .values({ userId, key, requestHash, statusCode: 0, response: '{}' })
        .onConflict((oc) => oc.columns(['userId', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst()
      if (!claimed) {
        const previous = await tx
          .selectFrom('idempotencyKeys')
          .select(['requestHash', 'statusCode', 'response'])
          .where('userId', '=', userId)
          .where('key', '=', key)
          .executeTakeFirstOrThrow()
        if (previous.requestHash !== requestHash) throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request')
        return { statusCode: previous.statusCode, body: previous.response as T, replayed: true, events: [] }
      }
    }
    const done = await work(tx)
    if (key && userId) {
      await tx
        .updateTable('idempotencyKeys')
        .set({ statusCode: opts.statusCode, response: JSON.stringify(done.body) })
        .where('userId', '=', userId)
        .where('key', '=', key)
        .execute()
    }
    return { statusCode: opts.statusCode, body: done.body, replayed: false, events: done.events ?? [] }
  })
  for (const event of outcome.events) await deps.bus.publish(event)
  return { statusCode: outcome.statusCode, body: outcome.body, replayed: outcome.replayed }
}

/** Forget keys older than the retry window (run by a periodic job). */
export async function purgeIdempotencyKeys(db: Db, olderThan: Date): Promise<number> {
  const r = await db.deleteFrom('idempotencyKeys').where('createdAt', '<', olderThan).executeTakeFirst()
  return Number(r.numDeletedRows)
}

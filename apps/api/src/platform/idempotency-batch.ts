import { sql } from 'kysely'
import type { Db, Tx } from './db/database.js'
import { DomainError } from './errors.js'
import type { EventBus } from './events.js'
import type { Outcome } from './group-commit.js'
import { assertIdempotencyKey, idempotencyRequestHash, type UnitOfWork } from './idempotency.js'

export interface IdempotentRequest {
  userId: string | null
  key: string | undefined
  /** The request whose canonical JSON a retry must repeat. */
  request: unknown
  statusCode: number
}

export interface IdempotentResult<T> {
  statusCode: number
  body: T
  replayed: boolean
}

/**
 * `runIdempotent` for many requests in ONE transaction (for group commit, see group-commit.ts).
 * Each request keeps the single-request semantics:
 * - with an `Idempotency-Key`, the key is claimed in the transaction; a key already recorded
 *   replays its response (or is refused when the request differs) and `work` does not see it;
 * - a key that appears twice in the batch is handled in rounds inside the same transaction, so the
 *   second occurrence replays the first exactly as a sequential retry would;
 * - `work(tx, items)` returns one outcome per item it was given; an item that fails there must
 *   have written nothing — its key claim is withdrawn and only it gets the error;
 * - if `work` throws, everything rolls back and this throws (the caller retries items alone);
 * - bus events of the items that succeeded are published after the commit.
 */
export async function runIdempotentBatch<T>(
  deps: { db: Db; bus: EventBus },
  requests: IdempotentRequest[],
  work: (tx: Tx, items: number[]) => Promise<Outcome<UnitOfWork<T>>[]>,
): Promise<Outcome<IdempotentResult<T>>[]> {
  const results: (Outcome<IdempotentResult<T>> | undefined)[] = new Array(requests.length)
  // Only a keyed request is ever compared with a retry: hash those alone (canonical JSON + SHA-256 per request).
  const hashes = requests.map((r) => (r.key && r.userId ? idempotencyRequestHash(r.request) : ''))
  // Rounds: the n-th occurrence of a (user, key) goes in round n.
  const rounds: number[][] = []
  const seen = new Map<string, number>()
  requests.forEach((r, i) => {
    try {
      assertIdempotencyKey(r.key)
    } catch (error) {
      results[i] = { ok: false, error }
      return
    }
    const id = r.key && r.userId ? `${r.userId}\n${r.key}` : null
    const round = id ? (seen.get(id) ?? 0) : 0
    if (id) seen.set(id, round + 1)
    ;(rounds[round] ??= []).push(i)
  })
  const events: NonNullable<UnitOfWork<T>['events']> = []
  await deps.db.transaction().execute(async (tx) => {
    for (const round of rounds) {
      // Claim in a stable order, so two batches wanting the same keys cannot deadlock.
      const keyed = round.filter((i) => requests[i]!.key && requests[i]!.userId).sort((a, b) => keyOrder(requests[a]!, requests[b]!))
      const claimed = new Set<number>()
      if (keyed.length) {
        const rows = await tx
          .insertInto('idempotencyKeys')
          .values(keyed.map((i) => ({ userId: requests[i]!.userId!, key: requests[i]!.key!, requestHash: hashes[i]!, statusCode: 0, response: '{}' })))
          .onConflict((oc) => oc.columns(['userId', 'key']).doNothing())
          .returning(['userId', 'key'])
          .execute()
        const got = new Set(rows.map((r) => `${r.userId}\n${r.key}`))
        for (const i of keyed) if (got.has(`${requests[i]!.userId}\n${requests[i]!.key}`)) claimed.add(i)
        const taken = keyed.filter((i) => !claimed.has(i))
        if (taken.length) {
          const previous = await tx
            .selectFrom('idempotencyKeys')
            .select(['userId', 'key', 'requestHash', 'statusCode', 'response'])
            .where((eb) => eb.or(taken.map((i) => eb.and([eb('userId', '=', requests[i]!.userId!), eb('key', '=', requests[i]!.key!)]))))
            .execute()
          const byKey = new Map(previous.map((r) => [`${r.userId}\n${r.key}`, r]))
          for (const i of taken) {
            const prev = byKey.get(`${requests[i]!.userId}\n${requests[i]!.key}`)!
            results[i] =
              prev.requestHash !== hashes[i]
                ? { ok: false, error: new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request') }
                : { ok: true, value: { statusCode: prev.statusCode, body: prev.response as T, replayed: true } }
          }
        }
      }
      const fresh = round.filter((i) => results[i] === undefined)
      if (fresh.length === 0) continue
      const outcomes = await work(tx, fresh)
      if (outcomes.length !== fresh.length) throw new Error(`runIdempotentBatch: work returned ${outcomes.length} outcomes for ${fresh.length} items`)
      const record: { userId: string; key: string; statusCode: number; response: string }[] = []
      const withdraw: number[] = []
      fresh.forEach((i, n) => {
        const o = outcomes[n]!
        const r = requests[i]!
        if (o.ok) {
          results[i] = { ok: true, value: { statusCode: r.statusCode, body: o.value.body, replayed: false } }
          events.push(...(o.value.events ?? []))
          if (claimed.has(i)) record.push({ userId: r.userId!, key: r.key!, statusCode: r.statusCode, response: JSON.stringify(o.value.body) })
        } else {
          results[i] = o
          if (claimed.has(i)) withdraw.push(i)
        }
      })
      if (record.length) {
        const values = record.map((x) => sql`(${x.userId}::uuid, ${x.key}::text, ${x.statusCode}::int, ${x.response}::jsonb)`)
        await sql`update idempotency_keys k set status_code = v.status_code, response = v.response
          from (values ${sql.join(values)}) v (user_id, key, status_code, response)
          where k.user_id = v.user_id and k.key = v.key`.execute(tx)
      }
      if (withdraw.length) {
        await tx
          .deleteFrom('idempotencyKeys')
          .where((eb) => eb.or(withdraw.map((i) => eb.and([eb('userId', '=', requests[i]!.userId!), eb('key', '=', requests[i]!.key!)]))))
          .execute()
      }
    }
  })
  // Delivered locally in order; in server mode all the NOTIFYs go out in one statement.
  if (events.length) await deps.bus.publishAll(events)
  return results.map((r) => r!)
}

function keyOrder(a: IdempotentRequest, b: IdempotentRequest): number {
  const x = `${a.userId}\n${a.key}`
  const y = `${b.userId}\n${b.key}`
  return x < y ? -1 : x > y ? 1 : 0
}

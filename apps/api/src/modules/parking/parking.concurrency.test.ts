/**
 * Many concurrent HTTP clients book 50 spaces for overlapping windows, by name and as "any
 * space", for a bounded time. Afterwards SQL finds no overlap, every success is a row, and no
 * "no space" answer was false: a window ever refused for lack of space is full at the end
 * (bookings are never cancelled here, so fullness only grows). Every assignment strategy runs.
 * The 200-client × 30-second version is bench/parking/run.ts.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { ManualClock } from '../../platform/clock.js'
import { createTestApp, json, type TestApp } from '../../testing/test-app.js'
import { COMMUNITY, importCommunity, LOT_POINT, plateNo, spaceList } from './parking.fixtures.js'
import { setAssignStrategy, type AssignStrategy } from './reservations.service.js'

const SPACES = 50
const CLIENTS = 60
const ACCOUNTS = 6
const HOUR = 3_600_000
const DAY0 = Date.parse('2026-12-02T00:00:00+08:00')

interface Window {
  start: number
  end: number
}

interface LotRun {
  id: string
  spaceIds: string[]
  /** The windows clients ask for. */
  windows: Window[]
}

describe('parking under contention: many clients, 50 spaces, overlapping windows', () => {
  const clock = new ManualClock('2026-12-01T08:00:00+08:00')
  let t: TestApp
  let base: string
  let cookies: string[] = []

  before(async () => {
    t = await createTestApp({ clock })
    const admin = (await t.userWith({ username: 'root', roles: ['admin'] })).cookie
    await importCommunity((o) => t.inject(o), admin)
    cookies = await Promise.all(Array.from({ length: ACCOUNTS }, async (_, i) => (await t.userWith({ username: `driver${i}`, roles: ['resident'] })).cookie))
    base = await t.app.listen({ port: 0, host: '127.0.0.1' })
  })
  after(() => t.close())

  async function makeLot(name: string, windows: Window[]): Promise<LotRun> {
    const admin = await t.login('root')
    const lot = json(
      await t.inject({
        method: 'POST',
        url: '/api/v1/parking/lots',
        headers: { cookie: admin },
        payload: {
          name,
          type: 'public',
          location: LOT_POINT,
          capacity: SPACES,
          rules: { maxActivePerAccount: 1_000_000, maxActivePerPlate: 1_000_000, timeStepMinutes: 60, minDurationMinutes: 60 },
        },
      }),
    )
    const spaces = json(await t.inject({ method: 'POST', url: `/api/v1/parking/lots/${lot.id}/spaces`, headers: { cookie: admin }, payload: { spaces: spaceList('S', SPACES) } }))
    return { id: lot.id, spaceIds: spaces.items.map((s: { id: string }) => s.id), windows }
  }

  /**
   * Clients loop until every window of every lot has been refused for lack of space (saturated)
   * or the deadline; each request picks a lot, a window and (30%) a specific space.
   */
  async function contend(lots: LotRun[], ms: number) {
    const outcomes = { created: 0, conflict: 0, noSpace: 0, other: [] as string[] }
    const refused = new Map<string, Set<number>>(lots.map((l) => [l.id, new Set<number>()])) // lot → window indexes refused for lack of space
    const deadline = Date.now() + ms
    let seq = 0
    const client = async (c: number) => {
      const cookie = cookies[c % ACCOUNTS]!
      const plate = plateNo(c + 1)
      const saturated = () => lots.every((l) => refused.get(l.id)!.size === l.windows.length)
      while (Date.now() < deadline && !saturated()) {
        const lot = lots[seq++ % lots.length]!
        const w = Math.floor(Math.random() * lot.windows.length)
        const specific = Math.random() < 0.3
        const body = {
          lotId: lot.id,
          start: new Date(lot.windows[w]!.start).toISOString(),
          end: new Date(lot.windows[w]!.end).toISOString(),
          plate,
          ...(specific ? { spaceId: lot.spaceIds[Math.floor(Math.random() * SPACES)] } : {}),
        }
        const res = await fetch(`${base}/api/v1/parking/reservations`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) })
        const text = await res.text()
        if (res.status === 201) outcomes.created++
        else if (res.status === 409 && text.includes('RESERVATION_CONFLICT')) outcomes.conflict++
        else if (res.status === 409 && text.includes('NO_SPACE_AVAILABLE')) {
          outcomes.noSpace++
          refused.get(lot.id)!.add(w)
        } else outcomes.other.push(`${res.status} ${text.slice(0, 200)}`)
      }
    }
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)))
    return { outcomes, refused }
  }

  async function overlaps(): Promise<number> {
    const r = await sql<{ n: number }>`select count(*)::int as n from parking_reservations a join parking_reservations b
      on a.space_id = b.space_id and a.id < b.id and a.period && b.period
      where a.status in ('booked', 'checkedIn') and b.status in ('booked', 'checkedIn')`.execute(t.database.db)
    return r.rows[0]!.n
  }

  async function rows(lotId: string): Promise<number> {
    const r = await sql<{ n: number }>`select count(*)::int as n from parking_reservations where lot_id = ${lotId}`.execute(t.database.db)
    return r.rows[0]!.n
  }

  /** Spaces of the lot with an active booking overlapping the window. */
  async function spacesTaken(lotId: string, w: Window): Promise<number> {
    const r = await sql<{ n: number }>`select count(distinct space_id)::int as n from parking_reservations
      where lot_id = ${lotId} and status in ('booked', 'checkedIn')
        and period && tstzrange(${new Date(w.start)}::timestamptz, ${new Date(w.end)}::timestamptz, '[)')`.execute(t.database.db)
    return r.rows[0]!.n
  }

  async function runStrategy(strategy: AssignStrategy, ms: number) {
    setAssignStrategy(t.app.platform, strategy)
    // lot A: 2 aligned one-hour windows (identical windows contend: 100 places);
    // lot B: two-hour windows starting every hour from 08:00 to 11:00 (they overlap one another)
    const day = DAY0 + { retry: 0, lockLot: 2, groupCommit: 4 }[strategy] * 24 * HOUR
    const aligned = await makeLot(`${strategy} aligned`, Array.from({ length: 2 }, (_, i) => ({ start: day + (8 + i) * HOUR, end: day + (9 + i) * HOUR })))
    const sliding = await makeLot(`${strategy} sliding`, Array.from({ length: 4 }, (_, i) => ({ start: day + (8 + i) * HOUR, end: day + (10 + i) * HOUR })))
    const { outcomes, refused } = await contend([aligned, sliding], ms)
    // on a slow machine, keep the clients at the aligned lot until every window was refused
    if (refused.get(aligned.id)!.size < aligned.windows.length) {
      const more = await contend([aligned], 20_000)
      for (const k of ['created', 'conflict', 'noSpace'] as const) outcomes[k] += more.outcomes[k]
      outcomes.other.push(...more.outcomes.other)
      for (const w of more.refused.get(aligned.id)!) refused.get(aligned.id)!.add(w)
    }
    assert.deepEqual(outcomes.other.slice(0, 5), [], 'only 201 and the two 409 problems')
    assert.ok(outcomes.created > 0 && outcomes.conflict + outcomes.noSpace > 0, JSON.stringify(outcomes))

    assert.equal(await overlaps(), 0, 'no two active reservations of a space overlap')
    assert.equal((await rows(aligned.id)) + (await rows(sliding.id)), outcomes.created, 'every success is a row, nothing more')
    for (const lot of [aligned, sliding]) {
      for (const w of refused.get(lot.id)!) {
        assert.equal(await spacesTaken(lot.id, lot.windows[w]!), SPACES, `window ${w} of ${lot.id} was refused while a space was free`)
      }
    }
    // every window of the aligned lot was refused at least once, so it holds exactly one booking per space and window
    const fullAligned = refused.get(aligned.id)!.size
    const alignedRows = await rows(aligned.id)
    assert.equal(fullAligned, aligned.windows.length)
    assert.equal(alignedRows, SPACES * aligned.windows.length)
    return { strategy, ...outcomes, other: undefined, alignedFull: `${fullAligned}/${aligned.windows.length}`, alignedRows }
  }

  test('"groupCommit" (the default): bookings of a lot arriving together are decided in one statement, one after the other', { timeout: 60_000 }, async () => {
    const r = await runStrategy('groupCommit', 5000)
    console.log('# groupCommit', JSON.stringify(r))
  })

  test('"retry": one statement per attempt, lost races try the next free space', { timeout: 60_000 }, async () => {
    const r = await runStrategy('retry', 5000)
    console.log('# retry', JSON.stringify(r))
  })

  test('"lockLot": bookings of a lot take turns on the lot row', { timeout: 60_000 }, async () => {
    const r = await runStrategy('lockLot', 5000)
    console.log('# lockLot', JSON.stringify(r))
    assert.ok(COMMUNITY)
  })
})

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { ManualClock } from '../../platform/clock.js'
import type { BusEvent } from '../../platform/events.js'
import { createTestApp, json, type TestApp } from '../../testing/test-app.js'
import { COMMUNITY, GRID_NW, importCommunity, LOT_POINT, NOWHERE, OTHER_GRID_POINT, spaceList } from './parking.fixtures.js'

/** Beijing wall time 'YYYY-MM-DD HH:MM' → ISO instant. 2026-11-30 is a Monday. */
const bj = (s: string) => new Date(`${s.replace(' ', 'T')}:00+08:00`).toISOString()

describe('parking: lots, spaces, bookings, sharing, gates, occupancy', () => {
  const clock = new ManualClock(bj('2026-11-30 08:00'))
  let t: TestApp
  let admin: string
  let operator: string
  let alice: { id: string; cookie: string }
  let bob: { id: string; cookie: string }
  let carol: { id: string; cookie: string }
  let outsider: string
  let lotId: string
  const spaces = new Map<string, string>() // code → id
  const events: BusEvent[] = []

  type Method = 'GET' | 'POST' | 'PUT' | 'PATCH'
  const call = (method: Method, url: string, cookie: string, payload?: unknown, headers: Record<string, string> = {}) =>
    t.inject({ method, url: `/api/v1${url}`, headers: { cookie, ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) })
  const book = (cookie: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => call('POST', '/parking/reservations', cookie, { lotId, ...body }, headers)
  const gate = (body: Record<string, unknown>, cookie = operator) => call('POST', '/parking/gate-events', cookie, body)
  let cameraSeq = 0
  const reading = (lot: string, direction: 'entry' | 'exit', plate: string, at: string, extra: Record<string, unknown> = {}) =>
    gate({ lotId: lot, gate: direction === 'entry' ? 'E1' : 'X1', direction, plate, occurredAt: bj(at), cameraEventId: `cam-${++cameraSeq}`, confidence: 0.97, ...extra })
  const createLot = async (body: Record<string, unknown>, cookie = operator) => {
    const res = await call('POST', '/parking/lots', cookie, {
      type: 'community',
      location: LOT_POINT,
      capacity: 20,
      gates: [
        { code: 'E1', name: '东门入口', direction: 'entry' },
        { code: 'X1', name: '东门出口', direction: 'exit' },
      ],
      ...body,
    })
    assert.equal(res.statusCode, 201, res.body)
    return json(res)
  }
  const addSpaces = async (lot: string, list: unknown[]) => {
    const res = await call('POST', `/parking/lots/${lot}/spaces`, operator, { spaces: list })
    assert.equal(res.statusCode, 201, res.body)
    return json(res).items as { id: string; code: string }[]
  }
  const overlaps = async () => {
    const r = await sql<{ n: number }>`select count(*)::int as n from parking_reservations a join parking_reservations b
      on a.space_id = b.space_id and a.id < b.id and a.period && b.period
      where a.status in ('booked', 'checkedIn') and b.status in ('booked', 'checkedIn')`.execute(t.database.db)
    return r.rows[0]!.n
  }

  before(async () => {
    t = await createTestApp({ clock, env: { SESSION_TTL_MINUTES: String(30 * 24 * 60) } })
    admin = (await t.userWith({ username: 'root', roles: ['admin'] })).cookie
    await importCommunity((o) => t.inject(o), admin)
    operator = (await t.userWith({ username: 'parkop', roles: ['parkingOperator'], regionCodes: [COMMUNITY] })).cookie
    outsider = (await t.userWith({ username: 'farop', roles: ['parkingOperator'], regionCodes: ['320105001'] })).cookie
    alice = await t.userWith({ username: 'alice', roles: ['resident'] })
    bob = await t.userWith({ username: 'bob', roles: ['resident'] })
    carol = await t.userWith({ username: 'carol', roles: ['resident'] })
    t.app.platform.bus.subscribe((e) => events.push(e))
    const lot = await createLot({
      name: '停车社区地面停车场',
      rules: { maxActivePerAccount: 50, maxActivePerPlate: 20, noShowBanThreshold: 0 },
    })
    lotId = lot.id
    for (const s of await addSpaces(lotId, [
      ...spaceList('A', 3),
      { code: 'EV1', type: 'ev' },
      { code: 'ACC1', type: 'accessible' },
      { code: 'L1', type: 'large' },
      { code: 'P1', ownerId: bob.id, level: 'B1' },
    ])) {
      spaces.set(s.code, s.id)
    }
  })
  after(() => t.close())

  describe('places', () => {
    test('a lot is located in its grid; the district code is stored with it', async () => {
      const lot = json(await call('GET', `/parking/lots/${lotId}`, alice.cookie))
      assert.equal(lot.gridCode, GRID_NW)
      assert.equal(lot.communityCode, COMMUNITY)
      assert.equal(lot.districtCode, '320102')
      assert.equal(lot.gates.length, 2)
      assert.equal(lot.rules.graceMinutes, 30)
      assert.equal(lot.tariff.dayRateFen, 500)
    })

    test('a location outside every grid is refused; outside the operator’s regions is forbidden', async () => {
      const nowhere = await call('POST', '/parking/lots', operator, { name: 'x', type: 'public', location: NOWHERE, capacity: 1 })
      assert.equal(nowhere.statusCode, 400)
      assert.equal(json(nowhere).errors[0].field, 'location')
      const far = await call('POST', '/parking/lots', outsider, { name: 'x', type: 'public', location: OTHER_GRID_POINT, capacity: 1 })
      assert.equal(far.statusCode, 403)
      const resident = await call('POST', '/parking/lots', alice.cookie, { name: 'x', type: 'public', location: LOT_POINT, capacity: 1 })
      assert.equal(resident.statusCode, 403)
    })

    test('an operator outside the lot’s regions does not see it for management (404)', async () => {
      assert.equal((await call('PATCH', `/parking/lots/${lotId}`, outsider, { version: 1, name: 'y' })).statusCode, 404)
      assert.equal((await call('GET', `/parking/lots/${lotId}/sessions`, outsider)).statusCode, 404)
    })

    test('space codes are unique per lot; a stale version is a conflict', async () => {
      const dup = await call('POST', `/parking/lots/${lotId}/spaces`, operator, { spaces: [{ code: 'A01' }] })
      assert.equal(dup.statusCode, 409)
      const lot = json(await call('GET', `/parking/lots/${lotId}`, operator))
      const ok = await call('PATCH', `/parking/lots/${lotId}`, operator, { version: lot.version, address: '停车路 1 号' })
      assert.equal(ok.statusCode, 200)
      const stale = await call('PATCH', `/parking/lots/${lotId}`, operator, { version: lot.version, address: '停车路 2 号' })
      assert.equal(stale.statusCode, 409)
      assert.equal(json(stale).code, 'VERSION_CONFLICT')
    })

    test('lots near a point, nearest first', async () => {
      const res = json(await call('GET', `/parking/lots?lng=${LOT_POINT.lng}&lat=${LOT_POINT.lat + 0.001}&radiusM=500`, alice.cookie))
      assert.ok(res.items.length >= 1)
      assert.ok(res.items[0].distanceM >= 100 && res.items[0].distanceM <= 120, String(res.items[0].distanceM))
      const far = json(await call('GET', `/parking/lots?lng=118.9&lat=32.2&radiusM=500`, alice.cookie))
      assert.equal(far.items.length, 0)
    })
  })

  describe('booking without overlap', () => {
    test('an overlapping booking of the same space is refused with 409 RESERVATION_CONFLICT', async () => {
      const first = await book(alice.cookie, { spaceId: spaces.get('A01'), start: bj('2026-12-01 10:00'), end: bj('2026-12-01 12:00'), plate: '苏A10001' })
      assert.equal(first.statusCode, 201, first.body)
      assert.equal(json(first).quoteFen, 1000)
      assert.equal(json(first).status, 'booked')
      const clash = await book(carol.cookie, { spaceId: spaces.get('A01'), start: bj('2026-12-01 11:00'), end: bj('2026-12-01 13:00'), plate: '苏A10002' })
      assert.equal(clash.statusCode, 409)
      assert.equal(clash.headers['content-type'], 'application/problem+json; charset=utf-8')
      const problem = json(clash)
      assert.equal(problem.code, 'RESERVATION_CONFLICT')
      assert.equal(problem.type, 'https://civicgrid.dev/problems/reservation-conflict')
      assert.match(problem.detail, /A01 is already booked/)
    })

    test('back-to-back bookings are allowed (half-open periods)', async () => {
      const before = await book(carol.cookie, { spaceId: spaces.get('A01'), start: bj('2026-12-01 08:00'), end: bj('2026-12-01 10:00'), plate: '苏A10002' })
      const afterIt = await book(carol.cookie, { spaceId: spaces.get('A01'), start: bj('2026-12-01 12:00'), end: bj('2026-12-01 13:00'), plate: '苏A10002' })
      assert.equal(before.statusCode, 201, before.body)
      assert.equal(afterIt.statusCode, 201, afterIt.body)
    })

    test('the database itself refuses an overlap and an empty period, whatever the application does', async () => {
      const r = json(await call('GET', '/parking/reservations?limit=1', alice.cookie)).items[0]
      const copy = (period: string) =>
        sql`insert into parking_reservations (lot_id, space_id, grid_code, account_id, plate, plate_colour, period, quote_fen, terms_id, shared, booked_at)
          select lot_id, space_id, grid_code, account_id, plate, plate_colour, ${period}::tstzrange, 0, terms_id, shared, booked_at
          from parking_reservations where id = ${r.id}`.execute(t.database.db).then(() => 'inserted', (e: { code: string }) => e.code)
      assert.equal(await copy(`[${bj('2026-12-01 11:30')}, ${bj('2026-12-01 11:45')})`), '23P01')
      assert.equal(await copy('empty'), '23514')
      assert.equal(await copy(`[${bj('2026-12-01 14:00')}, ${bj('2026-12-01 15:00')}]`), '23514', 'closed upper bounds are refused')
    })

    test('a cancelled booking frees its space for the same time', async () => {
      const r = json(await book(alice.cookie, { spaceId: spaces.get('A02'), start: bj('2026-12-02 10:00'), end: bj('2026-12-02 11:00'), plate: '苏A10001' }))
      assert.equal((await call('POST', `/parking/reservations/${r.id}/cancel`, alice.cookie)).statusCode, 200)
      const again = await book(carol.cookie, { spaceId: spaces.get('A02'), start: bj('2026-12-02 10:00'), end: bj('2026-12-02 11:00'), plate: '苏A10002' })
      assert.equal(again.statusCode, 201)
    })

    test('"any space" assigns a free standard space, then a large one, then answers NO_SPACE_AVAILABLE', async () => {
      const window = { start: bj('2026-12-03 09:00'), end: bj('2026-12-03 10:00') }
      const got: string[] = []
      for (let i = 0; i < 4; i++) {
        const res = await book(alice.cookie, { ...window, plate: `苏B2000${i}` })
        assert.equal(res.statusCode, 201, res.body)
        got.push(json(res).spaceCode)
      }
      assert.deepEqual(got.slice(0, 3).sort(), ['A01', 'A02', 'A03'])
      assert.equal(got[3], 'L1', 'standard spaces first, then large')
      const none = await book(alice.cookie, { ...window, plate: '苏B20009' })
      assert.equal(none.statusCode, 409)
      assert.equal(json(none).code, 'NO_SPACE_AVAILABLE')
      assert.equal(await overlaps(), 0)
    })

    test('an Idempotency-Key retry returns the first booking and books nothing twice', async () => {
      const body = { spaceId: spaces.get('A03'), start: bj('2026-12-04 09:00'), end: bj('2026-12-04 10:00'), plate: '苏A10001' }
      const first = await book(alice.cookie, body, { 'idempotency-key': 'k-1' })
      const retry = await book(alice.cookie, body, { 'idempotency-key': 'k-1' })
      assert.equal(first.statusCode, 201)
      assert.equal(retry.statusCode, 201)
      assert.equal(retry.headers['idempotent-replayed'], 'true')
      assert.equal(json(retry).id, json(first).id)
      const reused = await book(alice.cookie, { ...body, plate: '苏A10009' }, { 'idempotency-key': 'k-1' })
      assert.equal(reused.statusCode, 422)
      assert.equal(json(reused).code, 'IDEMPOTENCY_KEY_REUSED')
    })
    test('requests arriving together (one group commit): each gets its own exact answer', async () => {
      const lot = await createLot({ name: '同时到达', rules: { maxActivePerAccount: 50, maxActivePerPlate: 2 } })
      const list = await addSpaces(lot.id, spaceList('G', 3))
      const at = (h: number) => ({ lotId: lot.id, start: bj(`2026-12-06 ${String(h).padStart(2, '0')}:00`), end: bj(`2026-12-06 ${String(h + 1).padStart(2, '0')}:00`) })
      const post = (cookie: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => call('POST', '/parking/reservations', cookie, body, headers)
      // five "any space" bookings of one window for three spaces, different plates: three booked, on three spaces
      const any = await Promise.all(Array.from({ length: 5 }, (_, i) => post(alice.cookie, { ...at(9), plate: `苏G1000${i}` })))
      assert.deepEqual(any.map((r) => r.statusCode).sort(), [201, 201, 201, 409, 409])
      assert.deepEqual(any.filter((r) => r.statusCode === 201).map((r) => json(r).spaceCode).sort(), ['G01', 'G02', 'G03'])
      assert.ok(any.filter((r) => r.statusCode === 409).every((r) => json(r).code === 'NO_SPACE_AVAILABLE'))
      // four bookings of one named space for one window: one booked, three conflicts
      const named = await Promise.all(Array.from({ length: 4 }, (_, i) => post(bob.cookie, { ...at(11), spaceId: list[0]!.id, plate: `苏G2000${i}` })))
      assert.deepEqual(named.map((r) => r.statusCode).sort(), [201, 409, 409, 409])
      assert.ok(named.filter((r) => r.statusCode === 409).every((r) => json(r).code === 'RESERVATION_CONFLICT'))
      // one plate, five windows at once, at most 2 active per plate: exactly two booked, the limit is exact inside a batch
      const plate = await Promise.all([13, 14, 15, 16, 17].map((h) => post(carol.cookie, { ...at(h), plate: '苏G30000' })))
      assert.deepEqual(plate.map((r) => r.statusCode).sort(), [201, 201, 422, 422, 422])
      // the same Idempotency-Key five times at once (and two requests without one beside them): one booking, four replays
      const keyed = await Promise.all([
        ...Array.from({ length: 5 }, () => post(alice.cookie, { ...at(19), plate: '苏G40000' }, { 'idempotency-key': 'together-1' })),
        post(bob.cookie, { ...at(19), plate: '苏G40001' }),
        post(bob.cookie, { ...at(19), plate: '苏G40002' }),
      ])
      assert.deepEqual(keyed.map((r) => r.statusCode), [201, 201, 201, 201, 201, 201, 201], keyed.map((r) => r.body).join('\n'))
      assert.equal(new Set(keyed.slice(0, 5).map((r) => json(r).id)).size, 1, 'one booking for the key')
      assert.equal(keyed.slice(0, 5).filter((r) => r.headers['idempotent-replayed'] === 'true').length, 4)
      const n = await sql<{ n: number }>`select count(*)::int as n from parking_reservations where lot_id = ${lot.id}`.execute(t.database.db)
      assert.equal(n.rows[0]!.n, 3 + 1 + 2 + 3)
      const charges = await sql<{ n: number }>`select count(*)::int as n from parking_charges where lot_id = ${lot.id} and kind = 'booking'`.execute(t.database.db)
      assert.equal(charges.rows[0]!.n, 9, 'one ledger row per booking, none for the refused ones')
      assert.equal(await overlaps(), 0)
    })

    test('a booking writes its reservation, ledger and audit rows together; a refused one writes none', async () => {
      const lot = await createLot({ name: '账目', rules: { maxActivePerAccount: 10, maxActivePerPlate: 10 } })
      const [space] = await addSpaces(lot.id, spaceList('D', 1))
      const window = { lotId: lot.id, start: bj('2026-12-05 09:00'), end: bj('2026-12-05 10:00') }
      const booked = await call('POST', '/parking/reservations', carol.cookie, { ...window, plate: '苏D00001' })
      assert.equal(booked.statusCode, 201, booked.body)
      assert.equal(json(booked).spaceId, space!.id)
      const byName = await call('POST', '/parking/reservations', alice.cookie, { ...window, spaceId: space!.id, plate: '苏D00002' })
      assert.equal(json(byName).code, 'RESERVATION_CONFLICT')
      const any = await call('POST', '/parking/reservations', alice.cookie, { ...window, plate: '苏D00002' })
      assert.equal(json(any).code, 'NO_SPACE_AVAILABLE')
      const rows = await sql<{ id: string; quoteFen: number; charged: number; audits: { actorId: string; after: Record<string, unknown> }[] }>`
        select r.id, r.quote_fen,
          (select coalesce(sum(amount_fen), 0)::int from parking_charges c where c.reservation_id = r.id and c.kind = 'booking') as charged,
          (select json_agg(json_build_object('actorId', a.actor_id, 'after', a.after)) from audit_log a
            where a.entity_type = 'parkingReservation' and a.entity_id = r.id::text and a.action = 'parking.reservation.create') as audits
        from parking_reservations r where r.lot_id = ${lot.id}`.execute(t.database.db)
      assert.equal(rows.rows.length, 1, 'the refused bookings left no row')
      const r = rows.rows[0]!
      assert.equal(r.charged, r.quoteFen)
      assert.equal(r.audits.length, 1)
      assert.equal(r.audits[0]!.actorId, carol.id)
      assert.deepEqual(r.audits[0]!.after, {
        lotId: lot.id, spaceId: space!.id, accountId: carol.id, plate: '苏D00001', start: window.start, end: window.end, status: 'booked', quoteFen: r.quoteFen, feeFen: null,
      })
      const charges = await sql<{ n: number }>`select count(*)::int as n from parking_charges where lot_id = ${lot.id}`.execute(t.database.db)
      assert.equal(charges.rows[0]!.n, 1)
    })
  })

  describe('booking rules and eligibility', () => {
    const rule = async (body: Record<string, unknown>, field: string, cookie = alice.cookie) => {
      const res = await book(cookie, body)
      assert.equal(res.statusCode, 422, res.body)
      assert.equal(json(res).code, 'BOOKING_RULE_VIOLATED')
      assert.ok(json(res).errors.some((e: { field: string }) => e.field === field), res.body)
      return json(res)
    }

    test('duration, step, past, advance and opening hours', async () => {
      await rule({ start: bj('2026-12-05 09:00'), end: bj('2026-12-05 09:15'), plate: '苏A10001' }, 'end')
      await rule({ start: bj('2026-12-05 09:03'), end: bj('2026-12-05 10:03'), plate: '苏A10001' }, 'start')
      await rule({ start: bj('2026-11-30 06:00'), end: bj('2026-11-30 07:00'), plate: '苏A10001' }, 'start')
      await rule({ start: bj('2027-01-30 09:00'), end: bj('2027-01-30 10:00'), plate: '苏A10001' }, 'start')
      const shop = await createLot({ name: '商场', type: 'commercial', openingHours: { weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '22:00' })) } })
      await addSpaces(shop.id, spaceList('S', 2))
      const late = await call('POST', '/parking/reservations', alice.cookie, { lotId: shop.id, start: bj('2026-12-05 21:00'), end: bj('2026-12-05 23:00'), plate: '苏A10001' })
      assert.equal(late.statusCode, 422)
      assert.match(json(late).detail, /opening hours/)
      const ok = await call('POST', '/parking/reservations', alice.cookie, { lotId: shop.id, start: bj('2026-12-05 20:00'), end: bj('2026-12-05 22:00'), plate: '苏A10001' })
      assert.equal(ok.statusCode, 201)
    })

    test('special and invalid plates are refused for booking', async () => {
      const special = await book(alice.cookie, { start: bj('2026-12-05 09:00'), end: bj('2026-12-05 10:00'), plate: '京A1234警' })
      assert.equal(special.statusCode, 400)
      assert.match(json(special).errors[0].reason, /警/)
      assert.equal((await book(alice.cookie, { start: bj('2026-12-05 09:00'), end: bj('2026-12-05 10:00'), plate: 'XYZ' })).statusCode, 400)
    })

    test('EV spaces only for new-energy plates, large vehicles only on large spaces', async () => {
      const w = { start: bj('2026-12-06 09:00'), end: bj('2026-12-06 10:00') }
      await rule({ ...w, spaceId: spaces.get('EV1'), plate: '苏A10001' }, 'spaceId')
      assert.equal((await book(alice.cookie, { ...w, spaceId: spaces.get('EV1'), plate: '苏AD12345' })).statusCode, 201)
      await rule({ ...w, spaceType: 'ev', plate: '苏A10001' }, 'spaceType')
      await rule({ ...w, spaceId: spaces.get('A01'), plate: '苏A10003', plateColour: 'yellow' }, 'spaceId')
      const large = json(await book(alice.cookie, { ...w, plate: '苏A10003', plateColour: 'yellow' }))
      assert.equal(large.spaceCode, 'L1')
    })

    test('accessible spaces need an accessible permit for the plate', async () => {
      const w = { start: bj('2026-12-06 11:00'), end: bj('2026-12-06 12:00') }
      await rule({ ...w, spaceId: spaces.get('ACC1'), plate: '苏A10004' }, 'spaceType')
      const permit = await call('POST', '/parking/permits', operator, { lotId, plate: '苏A10004', kind: 'accessible', validFrom: bj('2026-11-01 00:00'), months: 12 })
      assert.equal(permit.statusCode, 201, permit.body)
      assert.equal(json(permit).priceFen, 0)
      assert.equal((await book(alice.cookie, { ...w, spaceId: spaces.get('ACC1'), plate: '苏A10004' })).statusCode, 201)
    })

    test('a booking is judged by the current lot and space even when another instance changed them', async () => {
      const lot = await createLot({ name: '变更', rules: { maxActivePerAccount: 10, maxActivePerPlate: 10 } })
      const [e1] = await addSpaces(lot.id, spaceList('E', 2))
      const b = (day: string, hours: number, spaceId?: string) =>
        call('POST', '/parking/reservations', carol.cookie, { lotId: lot.id, start: bj(`${day} 09:00`), end: bj(`${day} 1${hours - 1}:00`), plate: '苏E00001', ...(spaceId ? { spaceId } : {}) })
      // this instance now holds the lot and the space in memory
      assert.equal((await b('2026-12-10', 2)).statusCode, 201)
      assert.equal((await b('2026-12-11', 2, e1!.id)).statusCode, 201)
      // another instance (plain SQL here) closes the lot: the next booking sees it
      await sql`update parking_lots set status = 'closed', version = version + 1 where id = ${lot.id}`.execute(t.database.db)
      const closed = await b('2026-12-12', 1)
      assert.equal(closed.statusCode, 422, closed.body)
      assert.match(json(closed).detail, /the lot is closed/)
      // … reopens it with shorter bookings: two hours are refused, one hour is booked
      await sql`update parking_lots set status = 'open', rules = rules || '{"maxDurationMinutes": 60}'::jsonb, version = version + 1 where id = ${lot.id}`.execute(t.database.db)
      assert.equal(json(await b('2026-12-13', 2)).errors[0].field, 'end')
      assert.equal((await b('2026-12-13', 1)).statusCode, 201)
      // … and puts the space under maintenance
      await sql`update parking_spaces set status = 'maintenance', version = version + 1 where id = ${e1!.id}`.execute(t.database.db)
      const held = await b('2026-12-14', 1, e1!.id)
      assert.equal(held.statusCode, 422, held.body)
      assert.match(json(held).detail, /the space is maintenance/)
      const rows = await sql<{ n: number }>`select count(*)::int as n from parking_reservations where lot_id = ${lot.id}`.execute(t.database.db)
      assert.equal(rows.rows[0]!.n, 3)
    })

    test('at most N active bookings per account and per plate', async () => {
      const strict = await createLot({ name: '严格', rules: { maxActivePerAccount: 2, maxActivePerPlate: 1 } })
      await addSpaces(strict.id, spaceList('T', 5))
      const b = (plate: string, day: string, cookie = carol.cookie) =>
        call('POST', '/parking/reservations', cookie, { lotId: strict.id, start: bj(`${day} 09:00`), end: bj(`${day} 10:00`), plate })
      assert.equal((await b('苏C00001', '2026-12-07')).statusCode, 201)
      const samePlate = await b('苏C00001', '2026-12-08', bob.cookie)
      assert.equal(samePlate.statusCode, 422)
      assert.equal(json(samePlate).errors[0].field, 'plate')
      assert.equal((await b('苏C00002', '2026-12-08')).statusCode, 201)
      const third = await b('苏C00003', '2026-12-09')
      assert.equal(third.statusCode, 422)
      assert.equal(json(third).errors[0].field, 'lotId')
    })

    test('a quote equals the price of the booking and says whether a space is free', async () => {
      const body = { lotId, start: bj('2026-12-08 21:00'), end: bj('2026-12-09 01:00'), plate: '苏A10001' }
      const q = json(await call('POST', '/parking/quotes', alice.cookie, body))
      assert.equal(q.quoteFen, 500 + 3 * 200)
      assert.equal(q.available, true)
      assert.equal(q.freeCancelUntil, bj('2026-12-08 20:00'))
      const r = json(await book(alice.cookie, body))
      assert.equal(r.quoteFen, q.quoteFen)
    })
  })

  describe('shared private spaces', () => {
    test('only the owner shares, within the lot’s price bounds', async () => {
      const availability = { weekly: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '08:00', end: '18:00' })), exceptions: [{ date: '2026-12-24', available: false }] }
      assert.equal((await call('PUT', `/parking/spaces/${spaces.get('P1')}/sharing`, alice.cookie, { pricePerHourFen: 800, availability })).statusCode, 403)
      const tooDear = await call('PUT', `/parking/spaces/${spaces.get('P1')}/sharing`, bob.cookie, { pricePerHourFen: 5000, availability })
      assert.equal(tooDear.statusCode, 400)
      assert.equal(json(tooDear).errors[0].field, 'pricePerHourFen')
      const notYet = await book(alice.cookie, { spaceId: spaces.get('P1'), start: bj('2026-12-02 09:00'), end: bj('2026-12-02 10:00'), plate: '苏A10001' })
      assert.equal(notYet.statusCode, 422, 'not shared yet')
      const ok = await call('PUT', `/parking/spaces/${spaces.get('P1')}/sharing`, bob.cookie, { pricePerHourFen: 800, availability })
      assert.equal(ok.statusCode, 200, ok.body)
      assert.equal(json(ok).pricePerHourFen, 800)
      assert.deepEqual(json(await call('GET', '/parking/me/spaces', bob.cookie)).items.map((s: { code: string }) => s.code), ['P1'])
    })

    test('weekly windows and the date exception are respected', async () => {
      const p1 = spaces.get('P1')
      const wed = await book(alice.cookie, { spaceId: p1, start: bj('2026-12-02 09:00'), end: bj('2026-12-02 11:00'), plate: '苏A10001' })
      assert.equal(wed.statusCode, 201, wed.body)
      assert.equal(json(wed).quoteFen, 1600, 'the owner price, 8 元/h')
      assert.equal(json(wed).shared, true)
      const evening = await book(alice.cookie, { spaceId: p1, start: bj('2026-12-02 17:00'), end: bj('2026-12-02 19:00'), plate: '苏A10001' })
      assert.equal(evening.statusCode, 422)
      const saturday = await book(alice.cookie, { spaceId: p1, start: bj('2026-12-05 09:00'), end: bj('2026-12-05 10:00'), plate: '苏A10001' })
      assert.equal(saturday.statusCode, 422)
      const christmasEve = await book(alice.cookie, { spaceId: p1, start: bj('2026-12-24 09:00'), end: bj('2026-12-24 10:00'), plate: '苏A10001' })
      assert.equal(christmasEve.statusCode, 422)
      assert.match(json(christmasEve).detail, /owner shares/)
      const cal = json(await call('GET', `/parking/spaces/${p1}/calendar?from=${encodeURIComponent(bj('2026-12-02 00:00'))}&to=${encodeURIComponent(bj('2026-12-03 00:00'))}`, alice.cookie))
      assert.deepEqual(cal.free, [
        { start: bj('2026-12-02 08:00'), end: bj('2026-12-02 09:00') },
        { start: bj('2026-12-02 11:00'), end: bj('2026-12-02 18:00') },
      ])
      assert.equal(json(await book(alice.cookie, { lotId, start: bj('2026-12-10 09:00'), end: bj('2026-12-10 10:00'), plate: '苏A10001', spaceId: undefined })).shared, false, '"any space" never hands out a private space')
    })

    test('the owner sees bookings of the space with masked plates; withdrawal honours existing bookings', async () => {
      const p1 = spaces.get('P1')!
      const thu = json(await book(carol.cookie, { spaceId: p1, start: bj('2026-12-03 09:00'), end: bj('2026-12-03 10:00'), plate: '苏A10002' }))
      const mine = json(await call('GET', '/parking/me/space-bookings', bob.cookie)).items
      assert.ok(mine.some((r: { id: string; plate: string }) => r.id === thu.id && r.plate === '苏A1***2'), JSON.stringify(mine))
      assert.equal((await call('GET', `/parking/reservations/${thu.id}`, bob.cookie)).statusCode, 200)
      assert.equal((await call('POST', `/parking/reservations/${thu.id}/cancel`, bob.cookie)).statusCode, 403)
      const w = await call('POST', `/parking/spaces/${p1}/withdraw`, bob.cookie, { from: bj('2026-12-03 00:00') })
      assert.equal(w.statusCode, 200, w.body)
      assert.equal(json(w).honouredBookings, 1)
      assert.equal(json(await call('GET', `/parking/reservations/${thu.id}`, carol.cookie)).status, 'booked')
      const later = await book(alice.cookie, { spaceId: p1, start: bj('2026-12-07 09:00'), end: bj('2026-12-07 10:00'), plate: '苏A10001' })
      assert.equal(later.statusCode, 422)
    })
  })

  describe('cancellation and no-show with a controllable clock', () => {
    test('free before the deadline, then half, free again within 10 minutes of booking', async () => {
      clock.set(bj('2026-11-30 09:00'))
      const r1 = json(await book(carol.cookie, { spaceId: spaces.get('A02'), start: bj('2026-11-30 12:00'), end: bj('2026-11-30 14:00'), plate: '苏A10002' }))
      clock.set(bj('2026-11-30 10:30'))
      const free = json(await call('POST', `/parking/reservations/${r1.id}/cancel`, carol.cookie))
      assert.deepEqual([free.kind, free.feeFen, free.refundFen], ['free', 0, 1000])
      const r2 = json(await book(carol.cookie, { spaceId: spaces.get('A02'), start: bj('2026-11-30 12:00'), end: bj('2026-11-30 14:00'), plate: '苏A10002' }))
      clock.set(bj('2026-11-30 11:30'))
      const late = json(await call('POST', `/parking/reservations/${r2.id}/cancel`, carol.cookie))
      assert.deepEqual([late.kind, late.feeFen, late.refundFen], ['late', 500, 500])
      const r3 = json(await book(carol.cookie, { spaceId: spaces.get('A02'), start: bj('2026-11-30 12:00'), end: bj('2026-11-30 14:00'), plate: '苏A10002' }))
      clock.set(bj('2026-11-30 11:35'))
      const oops = json(await call('POST', `/parking/reservations/${r3.id}/cancel`, carol.cookie))
      assert.deepEqual([oops.kind, oops.feeFen], ['accidental', 0])
      assert.equal((await call('POST', `/parking/reservations/${r3.id}/cancel`, carol.cookie)).statusCode, 409, 'twice')
      assert.equal((await call('POST', `/parking/reservations/${r3.id}/cancel`, alice.cookie)).statusCode, 404, 'someone else’s booking')
    })

    test('a car that does not arrive within the grace is a no-show; the space is released by the job', async () => {
      clock.set(bj('2026-11-30 12:00'))
      const r = json(await book(carol.cookie, { spaceId: spaces.get('A03'), start: bj('2026-11-30 13:00'), end: bj('2026-11-30 15:00'), plate: '苏A10002' }))
      const clash = await book(alice.cookie, { spaceId: spaces.get('A03'), start: bj('2026-11-30 14:00'), end: bj('2026-11-30 15:00'), plate: '苏A10001' })
      assert.equal(clash.statusCode, 409)
      clock.set(bj('2026-11-30 13:29'))
      await t.app.platform.jobs.runDue()
      assert.equal(json(await call('GET', `/parking/reservations/${r.id}`, carol.cookie)).status, 'booked', 'still within the grace')
      clock.set(bj('2026-11-30 13:31'))
      await t.app.platform.jobs.runDue()
      const after = json(await call('GET', `/parking/reservations/${r.id}`, carol.cookie))
      assert.equal(after.status, 'noShow')
      assert.equal(after.feeFen, 1000, 'the whole quote is kept by default')
      const taken = await book(alice.cookie, { spaceId: spaces.get('A03'), start: bj('2026-11-30 14:00'), end: bj('2026-11-30 15:00'), plate: '苏A10001' })
      assert.equal(taken.statusCode, 201, 'the space is free again')
    })

    test('repeated no-shows suspend booking until the ban ends or an operator lifts it', async () => {
      const strict = await createLot({ name: '爽约', rules: { noShowBanThreshold: 2, banDays: 7, graceMinutes: 15, noShowFeePercent: 40 } })
      await addSpaces(strict.id, spaceList('N', 2))
      const dave = await t.userWith({ username: 'dave', roles: ['resident'] })
      for (const hour of ['14', '16']) {
        clock.set(bj(`2026-11-30 ${hour}:00`))
        const r = await call('POST', '/parking/reservations', dave.cookie, { lotId: strict.id, start: bj(`2026-11-30 ${hour}:00`), end: bj(`2026-11-30 ${hour}:30`), plate: '苏D00001' })
        assert.equal(r.statusCode, 201, r.body)
        clock.set(bj(`2026-11-30 ${hour}:16`))
        await t.app.platform.jobs.runDue()
        assert.equal(json(await call('GET', `/parking/reservations/${json(r).id}`, dave.cookie)).feeFen, 200, '40% of the 5 元 quote (a started hour)')
      }
      const banned = await call('POST', '/parking/reservations', dave.cookie, { lotId: strict.id, start: bj('2026-12-01 09:00'), end: bj('2026-12-01 10:00'), plate: '苏D00001' })
      assert.equal(banned.statusCode, 403)
      assert.equal(json(banned).code, 'BOOKING_BANNED')
      assert.equal(json(banned).until, bj('2026-12-07 16:16'))
      const bans = json(await call('GET', '/parking/me/bans', dave.cookie)).items
      assert.equal(bans.length, 1)
      assert.equal((await call('POST', `/parking/bans/${bans[0].id}/lift`, alice.cookie)).statusCode, 403)
      assert.equal((await call('POST', `/parking/bans/${bans[0].id}/lift`, operator)).statusCode, 200)
      const again = await call('POST', '/parking/reservations', dave.cookie, { lotId: strict.id, start: bj('2026-12-01 09:00'), end: bj('2026-12-01 10:00'), plate: '苏D00001' })
      assert.equal(again.statusCode, 201)
    })

    test('without a grace the space is held for the whole window and an unused booking expires at its end', async () => {
      const held = await createLot({ name: '保留', rules: { graceMinutes: null } })
      await addSpaces(held.id, spaceList('H', 1))
      clock.set(bj('2026-11-30 17:00'))
      const r = json(await call('POST', '/parking/reservations', carol.cookie, { lotId: held.id, start: bj('2026-11-30 17:00'), end: bj('2026-11-30 18:00'), plate: '苏A10002' }))
      clock.set(bj('2026-11-30 17:45'))
      await t.app.platform.jobs.runDue()
      assert.equal(json(await call('GET', `/parking/reservations/${r.id}`, carol.cookie)).status, 'booked')
      clock.set(bj('2026-11-30 18:00'))
      await t.app.platform.jobs.runDue()
      const after = json(await call('GET', `/parking/reservations/${r.id}`, carol.cookie))
      assert.deepEqual([after.status, after.feeFen], ['expired', 500])
    })
  })

  describe('gates: plates, matching, duplicates, out of order, orphans', () => {
    let gateLot: string
    let reservationId: string
    before(async () => {
      const lot = await createLot({ name: '门禁停车场', capacity: 4, rules: { maxSessionHours: 72, maxActivePerAccount: 50, maxActivePerPlate: 5 } })
      gateLot = lot.id
      await addSpaces(gateLot, spaceList('G', 2))
      clock.set(bj('2026-12-01 08:00'))
      const r = await call('POST', '/parking/reservations', alice.cookie, { lotId: gateLot, start: bj('2026-12-01 09:00'), end: bj('2026-12-01 12:00'), plate: '苏A12345' })
      assert.equal(r.statusCode, 201, r.body)
      reservationId = json(r).id
    })

    test('entry with the booked plate checks the booking in; exit inside the window costs the quote', async () => {
      clock.set(bj('2026-12-01 08:50'))
      const entry = json(await reading(gateLot, 'entry', '苏A12345', '2026-12-01 08:50'))
      assert.deepEqual([entry.action, entry.reason, entry.reservationId, entry.flagged], ['open', 'reservation', reservationId, false])
      assert.equal(json(await call('GET', `/parking/reservations/${reservationId}`, alice.cookie)).status, 'checkedIn')
      clock.set(bj('2026-12-01 11:40'))
      const exit = json(await reading(gateLot, 'exit', '苏A12345', '2026-12-01 11:40'))
      assert.deepEqual([exit.action, exit.reason, exit.feeFen], ['open', 'exit', 1500])
      const r = json(await call('GET', `/parking/reservations/${reservationId}`, alice.cookie))
      assert.deepEqual([r.status, r.feeFen], ['completed', 1500])
    })

    test('a duplicate camera event id gets the first answer; a second reading of the same passage opens again without a new session', async () => {
      clock.set(bj('2026-12-01 13:00'))
      const body = { lotId: gateLot, gate: 'E1', direction: 'entry', plate: '苏E55555', occurredAt: bj('2026-12-01 13:00'), cameraEventId: 'dup-1', confidence: 0.99 }
      const first = json(await gate(body))
      const again = json(await gate(body))
      assert.equal(first.reason, 'walkIn')
      assert.equal(again.duplicate, true)
      assert.equal(again.sessionId, first.sessionId)
      assert.equal(again.eventId, first.eventId)
      const other = json(await gate({ ...body, cameraEventId: 'dup-2', occurredAt: bj('2026-12-01 13:01') }))
      assert.deepEqual([other.action, other.reason, other.sessionId], ['open', 'alreadyInside', first.sessionId])
      const open = json(await call('GET', `/parking/lots/${gateLot}/sessions?status=open&plate=苏E55555`, operator)).items
      assert.equal(open.length, 1)
      clock.set(bj('2026-12-01 15:00'))
      const exit = json(await reading(gateLot, 'exit', '苏E55555', '2026-12-01 15:00'))
      assert.equal(exit.feeFen, 1000, 'walk-in 2 h at 5 元/h')
      const exitAgain = json(await reading(gateLot, 'exit', '苏E55555', '2026-12-01 15:01'))
      assert.deepEqual([exitAgain.reason, exitAgain.feeFen], ['alreadyExited', 1000])
    })

    test('a misread province matches the booking when the rest matches, flagged for review', async () => {
      clock.set(bj('2026-12-01 16:00'))
      const r = json(await call('POST', '/parking/reservations', alice.cookie, { lotId: gateLot, start: bj('2026-12-01 16:00'), end: bj('2026-12-01 18:00'), plate: '苏A67890' }))
      const entry = json(await reading(gateLot, 'entry', '皖A67890', '2026-12-01 16:05'))
      assert.deepEqual([entry.action, entry.reason, entry.reservationId, entry.flagged], ['open', 'reservationProvinceMisread', r.id, true])
      const session = json(await call('GET', `/parking/sessions/${entry.sessionId}`, operator))
      assert.equal(session.plate, '苏A67890', 'the session carries the booked plate')
      assert.deepEqual([session.reviewStatus, session.reviewReasons], ['pending', ['provinceMisread']])
      // a province character that is no province at all, read with O for 0 in the serial
      clock.set(bj('2026-12-01 17:00'))
      const exit = json(await reading(gateLot, 'exit', '口A6789O', '2026-12-01 17:00'))
      assert.deepEqual([exit.action, exit.sessionId, exit.feeFen], ['open', entry.sessionId, 1000])
      assert.ok(events.some((e) => e.type === 'parking.review' && (e.data.sessionIds as string[]).includes(entry.sessionId)))
    })

    test('an exit seen before its entry waits, and the late entry completes the stay', async () => {
      clock.set(bj('2026-12-01 19:00'))
      const exit = json(await reading(gateLot, 'exit', '苏F11111', '2026-12-01 19:00'))
      assert.deepEqual([exit.action, exit.reason, exit.flagged], ['review', 'noEntryRecord', true])
      const entry = json(await reading(gateLot, 'entry', '苏F11111', '2026-12-01 16:30'))
      assert.deepEqual([entry.action, entry.reason, entry.sessionId, entry.feeFen], ['open', 'lateEntryMatched', exit.sessionId, 1500])
      const s = json(await call('GET', `/parking/sessions/${exit.sessionId}`, operator))
      assert.deepEqual([s.status, s.enteredAt, s.exitedAt, s.reviewStatus], ['closed', bj('2026-12-01 16:30'), bj('2026-12-01 19:00'), 'resolved'])
      assert.equal(json(await call('GET', `/parking/lots/${gateLot}/sessions?status=open&plate=苏F11111`, operator)).items.length, 0)
    })

    test('an exit that never comes: flagged after maxSessionHours, billed at most one day until an operator decides', async () => {
      clock.set(bj('2026-12-02 08:00'))
      const entry = json(await reading(gateLot, 'entry', '苏G22222', '2026-12-02 08:00'))
      assert.equal(entry.reason, 'walkIn')
      clock.set(bj('2026-12-05 08:30')) // 72.5 h later
      await t.app.platform.jobs.runDue()
      const flagged = json(await call('GET', `/parking/lots/${gateLot}/sessions?review=true`, operator)).items
      const s = flagged.find((x: { id: string }) => x.id === entry.sessionId)
      assert.ok(s, 'in the review queue')
      assert.deepEqual(s.reviewReasons, ['noExit'])
      assert.equal(s.status, 'open')
      // weeks later the exit arrives: 3 days × 30 元 would be due; one day is billed, pending a decision
      clock.set(bj('2026-12-20 08:00'))
      const exit = json(await reading(gateLot, 'exit', '苏G22222', '2026-12-20 08:00'))
      assert.deepEqual([exit.action, exit.feeFen, exit.flagged], ['open', 4900, true])
      const closed = json(await call('GET', `/parking/sessions/${entry.sessionId}`, operator))
      assert.deepEqual([closed.status, closed.reviewStatus, closed.feeDetail.capped], ['closed', 'pending', true])
      const decided = await call('POST', `/parking/sessions/${entry.sessionId}/review`, operator, { decision: 'adjust', feeFen: 3000, note: '车主提供离场视频，按一天收费' })
      assert.equal(decided.statusCode, 200, decided.body)
      assert.deepEqual([json(decided).feeFen, json(decided).reviewStatus], [3000, 'resolved'])
      const ledger = await sql<{ sum: number }>`select sum(amount_fen)::int as sum from parking_charges where session_id = ${entry.sessionId}`.execute(t.database.db)
      assert.equal(ledger.rows[0]!.sum, 3000, 'the ledger follows the decision')
    })

    test('a new entry while an old session is open closes the old one (missed exit), capped and flagged', async () => {
      clock.set(bj('2026-12-20 09:00'))
      const first = json(await reading(gateLot, 'entry', '苏H33333', '2026-12-20 09:00'))
      clock.set(bj('2026-12-21 10:00'))
      const second = json(await reading(gateLot, 'entry', '苏H33333', '2026-12-21 10:00'))
      assert.equal(second.reason, 'walkIn')
      assert.notEqual(second.sessionId, first.sessionId)
      const old = json(await call('GET', `/parking/sessions/${first.sessionId}`, operator))
      assert.deepEqual([old.status, old.reviewStatus, old.reviewReasons], ['closed', 'pending', ['missedExit']])
      // 25 h would cost 59 元; unreviewed, it is billed what the first 24 h cost (30 + 14 + 10 元)
      assert.deepEqual([old.feeFen, old.feeDetail.capped], [5400, true])
      // an operator closes the new one by hand (the exit camera was down)
      clock.set(bj('2026-12-21 11:00'))
      const closed = await call('POST', `/parking/sessions/${second.sessionId}/review`, operator, { decision: 'close', exitedAt: bj('2026-12-21 10:50'), note: '出口相机故障，人工放行' })
      assert.deepEqual([json(closed).status, json(closed).feeFen], ['closed', 500])
    })

    test('special plates, no plate and low confidence go to the manual path; staff open by hand', async () => {
      clock.set(bj('2026-12-21 11:00'))
      const police = json(await reading(gateLot, 'entry', '苏A1234警', '2026-12-21 11:00'))
      assert.deepEqual([police.action, police.reason], ['review', 'manualPlate:special'])
      const none = json(await reading(gateLot, 'entry', '', '2026-12-21 11:00'))
      assert.deepEqual([none.action, none.reason], ['review', 'manualPlate:unplated'])
      const blurry = json(await reading(gateLot, 'entry', '苏J44444', '2026-12-21 11:00', { confidence: 0.5 }))
      assert.deepEqual([blurry.action, blurry.reason], ['review', 'lowConfidence'])
      const queue = json(await call('GET', `/parking/lots/${gateLot}/gate-events?review=true`, operator)).items
      assert.ok(queue.length >= 3)
      const decided = await call('POST', `/parking/gate-events/${police.eventId}/decision`, operator, { action: 'open', note: '执行公务' })
      assert.equal(decided.statusCode, 200, decided.body)
      const session = json(await call('GET', `/parking/sessions/${json(decided).sessionId}`, operator))
      assert.deepEqual([session.kind, session.plate, session.status], ['manual', '苏A1234警', 'open'])
      assert.equal((await call('POST', `/parking/gate-events/${police.eventId}/decision`, operator, { action: 'open' })).statusCode, 409)
      assert.equal((await call('POST', `/parking/gate-events/${blurry.eventId}/decision`, operator, { action: 'refuse' })).statusCode, 200)
    })

    test('a full lot refuses walk-ins; a monthly permit still enters and parks free', async () => {
      clock.set(bj('2026-12-21 11:30'))
      let n = 0
      let last: { action: string; reason: string }
      do {
        last = json(await reading(gateLot, 'entry', `苏K0000${++n}`, '2026-12-21 11:30'))
        assert.ok(n < 6 && (last.reason === 'walkIn' || last.reason === 'lotFull'), JSON.stringify(last))
      } while (last.action === 'open')
      assert.deepEqual([last.action, last.reason], ['refuse', 'lotFull'])
      const occ = json(await call('GET', `/parking/lots/${gateLot}/occupancy`, alice.cookie))
      assert.deepEqual([occ.capacity, occ.occupied, occ.free, occ.status], [4, 4, 0, 'full'])
      const noSale = await call('POST', '/parking/permits', operator, { lotId: gateLot, plate: '苏K00009', kind: 'monthly', validFrom: bj('2026-12-01 00:00'), months: 1 })
      assert.equal(noSale.statusCode, 422, 'the lot sells no monthly permits yet')
      const lot = json(await call('GET', `/parking/lots/${gateLot}`, operator))
      await call('PATCH', `/parking/lots/${gateLot}`, operator, { version: lot.version, tariff: { monthlyPermitFen: 30000 } })
      const permit = await call('POST', '/parking/permits', operator, { lotId: gateLot, plate: '苏K00009', kind: 'monthly', validFrom: bj('2026-12-01 00:00'), months: 1 })
      assert.equal(json(permit).priceFen, 30000)
      assert.equal(json(permit).validTo, bj('2027-01-01 00:00'))
      const member = json(await reading(gateLot, 'entry', '苏K00009', '2026-12-21 11:32'))
      assert.deepEqual([member.action, member.reason], ['open', 'permit'])
      clock.set(bj('2026-12-21 18:00'))
      assert.equal(json(await reading(gateLot, 'exit', '苏K00009', '2026-12-21 18:00')).feeFen, 0)
    })

    test('a camera of another lot’s operator, a resident or an unknown gate cannot post', async () => {
      const body = { lotId: gateLot, gate: 'E1', direction: 'entry', plate: '苏A00001', occurredAt: clock.now().toISOString(), cameraEventId: 'x-1' }
      assert.equal((await gate(body, outsider)).statusCode, 404)
      assert.equal((await gate(body, alice.cookie)).statusCode, 404, 'a resident has no regions: the lot is not visible for gate work')
      assert.equal((await gate({ ...body, gate: 'Z9' })).statusCode, 400)
      assert.equal((await gate({ ...body, gate: 'X1' })).statusCode, 400, 'an exit gate does not take entries')
      const future = await gate({ ...body, occurredAt: new Date(clock.now().getTime() + 3_600_000).toISOString() })
      assert.equal(future.statusCode, 400)
    })

    test('an API token of a parking operator works like a camera client', async () => {
      const tok = json(await call('POST', '/me/tokens', operator, { name: 'camera E1' })).token
      const res = await t.inject({
        method: 'POST',
        url: '/api/v1/parking/gate-events',
        headers: { authorization: `Bearer ${tok}` },
        payload: { lotId: gateLot, gate: 'X1', direction: 'exit', plate: '苏K00001', occurredAt: clock.now().toISOString(), cameraEventId: 'token-1' },
      })
      assert.equal(res.statusCode, 200, res.body)
      assert.equal(json(res).reason, 'exit')
    })
  })

  describe('occupancy, statistics, earnings', () => {
    test('live occupancy counts cars inside and bookings in force; events reach the bus with the grid', async () => {
      clock.set(bj('2026-12-22 09:00'))
      const lot = await createLot({ name: '大屏', capacity: 5 })
      await addSpaces(lot.id, spaceList('Q', 3))
      events.length = 0
      await call('POST', '/parking/reservations', alice.cookie, { lotId: lot.id, start: bj('2026-12-22 09:00'), end: bj('2026-12-22 11:00'), plate: '苏A10001' })
      await call('POST', '/parking/reservations', carol.cookie, { lotId: lot.id, start: bj('2026-12-22 14:00'), end: bj('2026-12-22 16:00'), plate: '苏A10002' })
      await reading(lot.id, 'entry', '苏L00001', '2026-12-22 09:00')
      const occ = json(await call('GET', `/parking/lots/${lot.id}/occupancy`, alice.cookie))
      assert.deepEqual([occ.capacity, occ.occupied, occ.reserved, occ.free, occ.status], [5, 1, 1, 3, 'spacesAvailable'])
      assert.equal(occ.forecast.length, 24)
      const at = (h: string) => occ.forecast.find((f: { hour: string }) => f.hour === bj(`2026-12-22 ${h}:00`))
      assert.deepEqual([at('10').reserved, at('10').expected], [1, 2])
      assert.deepEqual([at('15').reserved, at('12').reserved], [1, 0])
      const ev = events.filter((e) => e.type === 'parking.occupancy' && e.data.lotId === lot.id)
      assert.ok(ev.length >= 2, 'the booking in force and the entry')
      assert.equal(ev.at(-1)!.regionCode, GRID_NW)
      assert.equal(ev.at(-1)!.data.free, 3)
      const panel = json(await call('GET', `/parking/occupancy?regionCode=${COMMUNITY}`, operator))
      assert.ok(panel.items.some((i: { lotId: string }) => i.lotId === lot.id))
      assert.equal((await call('GET', '/parking/occupancy', alice.cookie)).statusCode, 403)
      clock.set(bj('2026-12-22 09:10'))
      await t.app.platform.jobs.runDue()
      const history = json(await call('GET', `/parking/lots/${lot.id}/occupancy/history?from=${encodeURIComponent(bj('2026-12-22 00:00'))}&to=${encodeURIComponent(bj('2026-12-23 00:00'))}`, operator))
      const nine = history.items.find((h: { hour: string }) => h.hour === bj('2026-12-22 09:00'))
      assert.ok(nine, JSON.stringify(history))
      assert.deepEqual([nine.entries, nine.occupiedMax, nine.reservedMax], [1, 1, 1])
    })

    test('the owner’s earnings show their share of the shared space; the lot statement adds up', async () => {
      const earnings = json(await call('GET', `/parking/me/earnings?from=${encodeURIComponent(bj('2026-11-01 00:00'))}&to=${encodeURIComponent(bj('2027-01-01 00:00'))}`, bob.cookie))
      // two bookings of P1: 16 元 and 8 元; platform 5%, community 5%
      assert.equal(earnings.totalFen, 2400)
      assert.equal(earnings.ownerFen, 2160)
      assert.equal(earnings.ownerFen + earnings.communityFen + earnings.platformFen, earnings.totalFen)
      assert.ok(earnings.items.every((i: { plate: string }) => i.plate.includes('*')))
      const st = json(await call('GET', `/parking/lots/${lotId}/statement?from=${encodeURIComponent(bj('2026-11-01 00:00'))}&to=${encodeURIComponent(bj('2027-01-01 00:00'))}`, operator))
      assert.equal(st.ownerFen + st.communityFen + st.platformFen, st.totalFen)
      assert.ok(st.byKind.booking > 0 && st.byKind.cancellation < 0)
    })

    test('no two active reservations overlap anywhere, and every change is in the audit chain', async () => {
      assert.equal(await overlaps(), 0)
      const audit = json(await call('GET', '/audit/verify', admin))
      assert.equal(audit.ok, true)
    })
  })
})

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { createTestApp, json, type TestApp } from '../../testing/test-app.js'
import { COMMUNITY, GRID_NW, importCommunity, LOT_POINT } from './parking.fixtures.js'

// A real 1×1 PNG as the camera snapshot.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')

describe('parking → case: illegal parking at a lot becomes a case of the illegal-parking class', () => {
  let t: TestApp
  let admin: string
  let operator: string
  let otherOperator: string
  let resident: string
  let lotId: string
  let snapshot: string

  before(async () => {
    t = await createTestApp()
    admin = (await t.userWith({ username: 'root', roles: ['admin'] })).cookie
    await importCommunity((o) => t.inject(o), admin)
    operator = (await t.userWith({ username: 'lot.op', roles: ['parkingOperator'], regionCodes: [COMMUNITY] })).cookie
    otherOperator = (await t.userWith({ username: 'far.op', roles: ['parkingOperator'], regionCodes: ['320102002'] })).cookie
    resident = (await t.userWith({ username: 'res', roles: ['resident'] })).cookie
    const lot = await t.inject({
      method: 'POST',
      url: '/api/v1/parking/lots',
      headers: { cookie: operator },
      payload: { type: 'community', name: '停车社区地面停车场', location: LOT_POINT, capacity: 10, gates: [{ code: 'E1', name: '入口', direction: 'entry' }] },
    })
    assert.equal(lot.statusCode, 201, lot.body)
    lotId = json(lot).id
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const form = new FormData()
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'snapshot.png')
    const up = await fetch(`http://127.0.0.1:${(t.app.server.address() as { port: number }).port}/api/v1/files`, { method: 'POST', body: form, headers: { cookie: operator } })
    assert.equal(up.status, 201)
    snapshot = ((await up.json()) as { sha256: string }).sha256
  })
  after(() => t.close())

  const violation = (cookie: string | null, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.inject({ method: 'POST', url: '/api/v1/parking/violations', headers: { ...(cookie ? { cookie } : {}), ...headers }, payload: { lotId, ...body } })

  test('an operator reports a car in the fire lane: a device case of 0505 机动车乱停放 in the lot grid, plate and snapshot attached', async () => {
    const res = await violation(operator, { kind: 'fireLane', plate: '苏a12345', photos: [snapshot], note: '消防通道北口' })
    assert.equal(res.statusCode, 201, res.body)
    const r = json(res)
    assert.equal(r.plate, '苏A12345')
    assert.equal(r.case.minorClass, '0505')
    assert.equal(r.case.gridCode, GRID_NW)
    assert.match(r.case.number, /^\d{13}$/)
    assert.deepEqual(r.case.photos, [snapshot])
    const c = json(await t.inject({ method: 'GET', url: `/api/v1/cases/${r.case.id}`, headers: { cookie: admin } }))
    assert.equal(c.case.source, 'device')
    assert.equal(c.case.classKind, 'event')
    assert.equal(c.case.state, 'reported')
    assert.match(c.case.description, /占用消防通道：苏A12345（停车社区地面停车场）。消防通道北口/)
    assert.equal(c.timeline[0].action, 'report')
    const audit = await sql<{ n: number }>`select count(*)::int as n from audit_log where action = 'case.report' and entity_id = ${r.case.id}`.execute(t.database.db)
    assert.equal(audit.rows[0]!.n, 1)
  })

  test('a gate camera with the operator API token reports blocking; its retries with one Idempotency-Key make one case', async () => {
    const token = json(await t.inject({ method: 'POST', url: '/api/v1/me/tokens', headers: { cookie: operator }, payload: { name: 'camera E1' } })).token
    const send = () => violation(null, { kind: 'blocking', plate: '苏B88888', photos: [snapshot], confidence: 0.93 }, { authorization: `Bearer ${token}`, 'idempotency-key': 'cam-E1-0001' })
    const results = await Promise.all(Array.from({ length: 5 }, send))
    assert.ok(results.every((r) => r.statusCode === 201), results.find((r) => r.statusCode !== 201)?.body)
    assert.equal(new Set(results.map((r) => json(r).case.id)).size, 1)
    const cases = await sql<{ n: number }>`select count(*)::int as n from cases where description like ${'%苏B88888%'}`.execute(t.database.db)
    assert.equal(cases.rows[0]!.n, 1)
  })

  test('refusals: another region or a resident (no regions) 404, a bad plate, an unknown snapshot or kind 400 — and no case is created', async () => {
    const before = await sql<{ n: number }>`select count(*)::int as n from cases`.execute(t.database.db)
    assert.equal((await violation(otherOperator, { kind: 'other', plate: '苏C00001' })).statusCode, 404)
    assert.equal((await violation(resident, { kind: 'other', plate: '苏C00001' })).statusCode, 404, 'the lot is not visible for operator work')
    const bad = await violation(operator, { kind: 'other', plate: 'XYZ' })
    assert.equal(bad.statusCode, 400, bad.body)
    assert.equal(json(bad).errors[0].field, 'plate')
    assert.equal((await violation(operator, { kind: 'other', plate: '苏C00001', photos: ['0'.repeat(64)] })).statusCode, 400)
    assert.equal((await violation(operator, { kind: 'parkedBadly', plate: '苏C00001' })).statusCode, 400)
    const afterCount = await sql<{ n: number }>`select count(*)::int as n from cases`.execute(t.database.db)
    assert.equal(afterCount.rows[0]!.n, before.rows[0]!.n)
  })
})

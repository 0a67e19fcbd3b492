import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { createTestApp, json, type TestApp } from '../../testing/test-app.js'

describe('region scopes and personal data through the API', () => {
  let t: TestApp
  let admin: string
  before(async () => {
    t = await createTestApp()
    admin = (await t.userWith({ username: 'root', roles: ['admin'] })).cookie
  })
  after(() => t.close())

  test('a user scoped to one street gets 404 for a thing in another street and 403 for a forbidden action', async () => {
    const mine = json(await t.inject({ method: 'POST', url: '/api/v1/departments', headers: { cookie: admin }, payload: { code: 'XW-ROADS', name: '玄武区道路养护', regionCode: '320102001' } }))
    const other = json(await t.inject({ method: 'POST', url: '/api/v1/departments', headers: { cookie: admin }, payload: { code: 'QH-ROADS', name: '秦淮区道路养护', regionCode: '320104002' } }))
    const op = await t.userWith({ username: 'street-op', roles: ['operator'], regionCodes: ['320102001'] })

    const seen = await t.inject({ method: 'GET', url: `/api/v1/departments/${mine.id}`, headers: { cookie: op.cookie } })
    assert.equal(seen.statusCode, 200)
    assert.equal(json(seen).name, '玄武区道路养护')

    const hidden = await t.inject({ method: 'GET', url: `/api/v1/departments/${other.id}`, headers: { cookie: op.cookie } })
    assert.equal(hidden.statusCode, 404)
    assert.equal(json(hidden).code, 'NOT_FOUND')
    const hiddenWrite = await t.inject({ method: 'PATCH', url: `/api/v1/departments/${other.id}`, headers: { cookie: op.cookie }, payload: { name: 'x' } })
    assert.equal(hiddenWrite.statusCode, 404, 'a write to an invisible thing is also 404')

    const forbidden = await t.inject({ method: 'PATCH', url: `/api/v1/departments/${mine.id}`, headers: { cookie: op.cookie }, payload: { name: 'renamed' } })
    assert.equal(forbidden.statusCode, 403)
    assert.equal(json(forbidden).code, 'FORBIDDEN')
    const unchanged = json(await t.inject({ method: 'GET', url: `/api/v1/departments/${mine.id}`, headers: { cookie: admin } }))
    assert.equal(unchanged.name, '玄武区道路养护')

    const listed = json(await t.inject({ method: 'GET', url: '/api/v1/departments', headers: { cookie: op.cookie } }))
    assert.deepEqual(listed.items.map((d: { code: string }) => d.code), ['XW-ROADS'])
  })

  test('a phone is stored encrypted, found by exact lookup, shown masked, unmasked only with permission and purpose, audited', async () => {
    const created = await t.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { cookie: admin },
      payload: { username: 'wang.gridworker', displayName: '王网格员', password: 'long-enough', roles: ['gridWorker'], phone: '13812345678' },
    })
    assert.equal(created.statusCode, 201)
    const user = json(created)
    assert.equal(user.phoneMasked, '138****5678')

    const stored = await sql<{ phoneEnc: string; phoneHash: string }>`select phone_enc, phone_hash from users where id = ${user.id}`.execute(t.database.db)
    const row = stored.rows[0]!
    assert.match(row.phoneEnc, /^v1\.[0-9a-f]{8}\./)
    assert.ok(!row.phoneEnc.includes('13812345678') && !row.phoneHash.includes('13812345678'))
    const anywhere = await sql<{ n: number }>`select count(*)::int as n from users where row_to_json(users)::text like '%13812345678%'`.execute(t.database.db)
    assert.equal(anywhere.rows[0]!.n, 0, 'the clear phone appears in no column')

    const found = json(await t.inject({ method: 'GET', url: '/api/v1/users?phone=138%201234%205678', headers: { cookie: admin } }))
    assert.deepEqual(found.items.map((u: { id: string }) => u.id), [user.id])
    assert.equal(found.items[0].phoneMasked, '138****5678')
    assert.ok(!JSON.stringify(found).includes('13812345678'))
    const notFound = json(await t.inject({ method: 'GET', url: '/api/v1/users?phone=13812345679', headers: { cookie: admin } }))
    assert.equal(notFound.items.length, 0)

    const leader = await t.userWith({ username: 'leader1', roles: ['leader'], regionCodes: ['320100'] })
    const refused = await t.inject({ method: 'POST', url: `/api/v1/users/${user.id}/personal-data`, headers: { cookie: leader.cookie }, payload: { fields: ['phone'], purpose: 'call about a case' } })
    assert.equal(refused.statusCode, 403)
    const noPurpose = await t.inject({ method: 'POST', url: `/api/v1/users/${user.id}/personal-data`, headers: { cookie: admin }, payload: { fields: ['phone'] } })
    assert.equal(noPurpose.statusCode, 400)
    assert.equal(json(noPurpose).errors[0].field, 'purpose')

    const auditBefore = await sql<{ n: number }>`select count(*)::int as n from audit_log where action = 'personalData.unmask'`.execute(t.database.db)
    assert.equal(auditBefore.rows[0]!.n, 0)
    const unmasked = await t.inject({
      method: 'POST',
      url: `/api/v1/users/${user.id}/personal-data`,
      headers: { cookie: admin, 'x-request-id': 'req-unmask-1' },
      payload: { fields: ['phone'], purpose: '核实网格员联系方式 (verify contact for dispatch)' },
    })
    assert.equal(unmasked.statusCode, 200)
    assert.equal(json(unmasked).phone, '13812345678')
    const audit = await sql<{ actorName: string; entityId: string; after: { purpose: string; fields: string[] }; requestId: string }>`
      select actor_name, entity_id, after, request_id from audit_log where action = 'personalData.unmask'`.execute(t.database.db)
    assert.equal(audit.rows.length, 1)
    assert.equal(audit.rows[0]!.actorName, 'root')
    assert.equal(audit.rows[0]!.entityId, user.id)
    assert.equal(audit.rows[0]!.requestId, 'req-unmask-1')
    assert.deepEqual(audit.rows[0]!.after, { fields: ['phone'], purpose: '核实网格员联系方式 (verify contact for dispatch)' })
  })
})

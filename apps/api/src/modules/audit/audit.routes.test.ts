import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { sealAuditLog, verifyAuditChain } from '../../platform/audit.js'
import { createTestApp, json, type TestApp } from '../../testing/test-app.js'

describe('audit log: chain, tamper detection, listing', () => {
  let t: TestApp
  let admin: string
  before(async () => {
    t = await createTestApp()
    admin = (await t.userWith({ username: 'root', roles: ['admin'] })).cookie
    for (let i = 0; i < 5; i++) {
      const res = await t.inject({ method: 'POST', url: '/api/v1/departments', headers: { cookie: admin }, payload: { code: `D${i}`, name: `部门${i}` } })
      assert.equal(res.statusCode, 201)
    }
  })
  after(() => t.close())

  const verify = async () => {
    const res = await t.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: { cookie: admin } })
    assert.equal(res.statusCode, 200)
    return json(res)
  }

  test('every state change wrote an audit row with actor, entity and after-image', async () => {
    const page = json(await t.inject({ method: 'GET', url: '/api/v1/audit?entityType=department&limit=10', headers: { cookie: admin } }))
    assert.equal(page.items.length, 5)
    assert.equal(page.items[0].action, 'department.create')
    assert.equal(page.items[0].actorName, 'root')
    assert.equal(page.items[0].after.code, 'D4')
    assert.ok(page.items[0].requestId)
    const ids = page.items.map((r: { id: string }) => Number(r.id))
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first')
  })

  test('the listing pages with a cursor and is admin-only', async () => {
    const first = json(await t.inject({ method: 'GET', url: '/api/v1/audit?limit=2', headers: { cookie: admin } }))
    const second = json(await t.inject({ method: 'GET', url: `/api/v1/audit?limit=2&cursor=${first.nextCursor}`, headers: { cookie: admin } }))
    assert.ok(Number(second.items[0].id) < Number(first.items[1].id))
    const op = await t.userWith({ username: 'op1', roles: ['operator'] })
    assert.equal((await t.inject({ method: 'GET', url: '/api/v1/audit', headers: { cookie: op.cookie } })).statusCode, 403)
  })

  test('the chain verifies, and editing one row in SQL makes verification fail at that row', async () => {
    const ok = await verify()
    assert.equal(ok.ok, true)
    assert.ok(ok.checked >= 7)
    const target = await sql<{ id: number }>`select id from audit_log where action = 'department.create' order by id limit 1 offset 2`.execute(t.database.db)
    const id = Number(target.rows[0]!.id)
    await sql`update audit_log set after = jsonb_set(after, '{name}', '"篡改"') where id = ${id}`.execute(t.database.db)
    const broken = await verify()
    assert.equal(broken.ok, false)
    assert.equal(broken.firstBrokenId, String(id))
    assert.match(broken.reason, /edited/)
    await sql`update audit_log set after = jsonb_set(after, '{name}', '"部门2"') where id = ${id}`.execute(t.database.db)
    assert.equal((await verify()).ok, true, 'restoring the content restores the chain')
  })

  test('deleting a row, or re-hashing an edited row, is detected at the row after it', async () => {
    await verify()
    const target = await sql<{ id: number; seq: number }>`select id, seq from audit_log where seq is not null order by seq limit 1 offset 3`.execute(t.database.db)
    const { id, seq } = target.rows[0]!
    const next = await sql<{ id: number }>`select id from audit_log where seq = ${Number(seq) + 1}`.execute(t.database.db)
    const saved = await sql<Record<string, unknown>>`select * from audit_log where id = ${id}`.execute(t.database.db)
    await sql`delete from audit_log where id = ${id}`.execute(t.database.db)
    const broken = await verify()
    assert.equal(broken.ok, false)
    assert.equal(broken.firstBrokenId, String(next.rows[0]!.id))
    assert.match(broken.reason, /missing/)

    const r = saved.rows[0]!
    await sql`insert into audit_log (id, seq, at, actor_id, actor_name, action, entity_type, entity_id, before, after, request_id, ip, prev_hash, hash)
      values (${id}, ${seq}, ${r.at}, ${r.actorId}, ${r.actorName}, ${'forged'}, ${r.entityType}, ${r.entityId}, ${null}, ${null}, ${r.requestId}, ${r.ip}, ${r.prevHash}, ${'0'.repeat(64)})`.execute(t.database.db)
    const forged = await verify()
    assert.equal(forged.firstBrokenId, String(id))
  })

  test('truncating the tail is detected through the head row', async () => {
    const fresh = await createTestApp()
    try {
      const a = (await fresh.userWith({ username: 'root', roles: ['admin'] })).cookie
      await fresh.inject({ method: 'POST', url: '/api/v1/departments', headers: { cookie: a }, payload: { code: 'T1', name: 't' } })
      const verifyFresh = async () => json(await fresh.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: { cookie: a } }))
      assert.equal((await verifyFresh()).ok, true)
      const last = await sql<{ seq: number }>`select max(seq) as seq from audit_log`.execute(fresh.database.db)
      await sql`delete from audit_log where seq = ${last.rows[0]!.seq}`.execute(fresh.database.db)
      const res = await verifyFresh()
      assert.equal(res.ok, false)
      assert.match(res.reason, /truncated/)
    } finally {
      await fresh.close()
    }
  })

  test('appends take no lock: rows wait unsealed, a late commit of a lower id is sealed after, and the chain holds', async () => {
    const fresh = await createTestApp()
    try {
      const db = fresh.database.db
      const a = (await fresh.userWith({ username: 'root', roles: ['admin'] })).cookie
      const verifyFresh = async () => json(await fresh.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: { cookie: a } }))
      // A transaction that took its id first but commits last.
      const reserved = await sql<{ id: number }>`select nextval('audit_log_id_seq') as id`.execute(db)
      const lateId = Number(reserved.rows[0]!.id)
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => fresh.inject({ method: 'POST', url: '/api/v1/departments', headers: { cookie: a }, payload: { code: `C${i}`, name: `并发${i}` } })),
      )
      const pending = await verifyAuditChain(db)
      assert.equal(pending.ok, true)
      assert.ok(pending.unsealed >= 20, 'appended rows are not chained until sealed')
      assert.ok((await sealAuditLog(db)) >= 20)
      await sql`insert into audit_log (id, at, actor_name, action, entity_type) values (${lateId}, now(), 'late', 'late.commit', 'test')`.execute(db)
      const v = await verifyFresh()
      assert.deepEqual({ ok: v.ok, unsealed: v.unsealed }, { ok: true, unsealed: 0 })
      const order = await sql<{ id: number; seq: number }>`select id, seq from audit_log order by seq desc limit 1`.execute(db)
      assert.equal(Number(order.rows[0]!.id), lateId, 'the late row is chained after rows with higher ids')
      await sql`update audit_log set entity_type = 'changed' where id = ${lateId}`.execute(db)
      const broken = await verifyFresh()
      assert.equal(broken.firstBrokenId, String(lateId))
      assert.match(broken.reason, /edited/)
    } finally {
      await fresh.close()
    }
  })
})

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { openDatabase } from '../../platform/db/database.js'
import { startServerProcess } from '../../testing/processes.js'
import { createTestApp, json, type TestApp } from '../../testing/test-app.js'
import { createServerTestDatabase, TEST_DATABASE_URL } from '../../testing/test-db.js'
import { importTerritory, territoryImport, TERRITORY } from '../../testing/territory.js'
import { intakeBatchStats } from './cases.service.js'

/** Group commit of intakes: reports of the same few milliseconds share one transaction. */
describe('case intake: group commit', () => {
  let t: TestApp
  let sup: string
  const count = async () => (await sql<{ n: number }>`select count(*)::int as n from cases`.execute(t.database.db)).rows[0]!.n

  before(async () => {
    t = await createTestApp()
    const admin = await t.userWith({ username: 'root', roles: ['admin'] })
    await importTerritory(t, admin.cookie)
    sup = (await t.userWith({ username: 'sup.batch', roles: ['supervisor'], regionCodes: [TERRITORY.streetA] })).cookie
  })
  after(() => t.close())

  const report = (body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    t.inject({
      method: 'POST',
      url: '/api/v1/cases',
      headers: { cookie: sup, ...headers },
      payload: { classKind: 'event', minorClass: '0102', ...TERRITORY.inA1, description: '成批上报', ...body },
    })

  test('reports sent together are written together; each gets its own result, and a bad one fails alone', async () => {
    const before = await count()
    const bad: Record<number, Record<string, unknown>> = {
      3: { minorClass: '0199' }, // unknown class: refused before the batch
      6: { lng: 118.9, lat: 32.2 }, // outside every grid: refused before the batch
      9: { description: 'NUL \u0000 byte' }, // passes validation, refused by the database: the batch is retried item by item
      12: { photos: ['0'.repeat(64)] }, // no such upload
    }
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => report({ description: `成批上报 ${i}`, ...bad[i] })))
    for (const [i, r] of results.entries()) {
      if (i in bad) assert.notEqual(r.statusCode, 201, `request ${i} should fail: ${r.body}`)
      else assert.equal(r.statusCode, 201, `request ${i}: ${r.body}`)
    }
    assert.deepEqual([3, 6, 12].map((i) => results[i]!.statusCode), [400, 400, 400])
    const good = results.filter((r) => r.statusCode === 201).map((r) => json(r) as { case: { id: string; number: string; description: string }; duplicates: { id: string }[] })
    assert.equal(good.length, 12)
    assert.equal(new Set(good.map((g) => g.case.number)).size, 12, 'distinct numbers')
    assert.equal(await count(), before + 12, 'nothing of the refused reports is stored')
    assert.ok(intakeBatchStats(t.app.platform).largest > 1, 'concurrent reports shared a transaction')
    const rows = await sql<{ events: number; audit: string | null; number: string }>`
      select c.number, (select count(*)::int from case_events e where e.case_id = c.id) as events,
        (select a.after ->> 'number' from audit_log a where a.entity_type = 'case' and a.entity_id = c.id::text) as audit
      from cases c where c.id = any(${good.map((g) => g.case.id)}::uuid[])`.execute(t.database.db)
    assert.ok(rows.rows.every((r) => r.events === 1 && r.audit === r.number), 'each case has its event and numbered audit row')
    if (t.database.kind === 'pglite') {
      // One batch at a time: as if written one after the other, the later of two reports at the
      // same place proposes the earlier as a duplicate, inside a batch too.
      for (const a of good) for (const b of good) if (a !== b) assert.ok(a.duplicates.some((d) => d.id === b.case.id) || b.duplicates.some((d) => d.id === a.case.id))
    }
  })

  test('retries with one Idempotency-Key inside the same batches create one case per key; a refused first try does not use up the key', async () => {
    const before = await count()
    const results = await Promise.all([
      ...Array.from({ length: 20 }, () => report({ description: '重发 A' }, { 'idempotency-key': 'batch-key-a' })),
      ...Array.from({ length: 20 }, () => report({ description: '重发 B' }, { 'idempotency-key': 'batch-key-b' })),
      ...Array.from({ length: 10 }, (_, i) => report({ description: `无键 ${i}` })),
    ])
    assert.ok(results.every((r) => r.statusCode === 201), results.find((r) => r.statusCode !== 201)?.body)
    for (const part of [results.slice(0, 20), results.slice(20, 40)]) {
      assert.equal(new Set(part.map((r) => json(r).case.id)).size, 1, 'one case per key')
      assert.equal(part.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 19)
    }
    assert.equal(await count(), before + 12)
    const recorded = await sql<{ status: number }>`select status_code as status from idempotency_keys where key like 'batch-key-%'`.execute(t.database.db)
    assert.deepEqual(recorded.rows.map((r) => r.status), [201, 201])
    const reused = await report({ description: '别的事' }, { 'idempotency-key': 'batch-key-a' })
    assert.equal(json(reused).code, 'IDEMPOTENCY_KEY_REUSED')

    // Refused tries (each in its own round of the batch) leave the key free for a good request.
    const refused = await Promise.all(Array.from({ length: 5 }, () => report({ minorClass: '0199' }, { 'idempotency-key': 'batch-key-c' })))
    assert.ok(refused.every((r) => r.statusCode === 400))
    const fixed = await report({ description: '改正后' }, { 'idempotency-key': 'batch-key-c' })
    assert.equal(fixed.statusCode, 201, fixed.body)
    assert.equal(await count(), before + 13)
  })
})

describe('case intake: a crash in the middle of group commits', () => {
  const PASSWORD = 'crash-admin-password'

  test('after SIGKILL every acknowledged case is there, whole; nothing half-written; retries with the same keys never duplicate', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'civicgrid-intake-crash-'))
    const db = TEST_DATABASE_URL ? await createServerTestDatabase(TEST_DATABASE_URL) : null
    const env = { DATA_DIR: dataDir, ADMIN_PASSWORD: PASSWORD, SECRET_KEY: 'crash-secret-0123456789abcdefghijklmn', ...(db ? { DATABASE_URL: db.url } : {}) }
    try {
      let server = await startServerProcess(env)
      const call = async (base: string, cookie: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${base}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
      const login = async (base: string, username: string) => {
        const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) })
        assert.equal(res.status, 200)
        return res.headers.get('set-cookie')!.split(';')[0]!
      }
      const admin = await login(server.url, 'admin')
      assert.equal((await call(server.url, admin, '/api/v1/regions/import', territoryImport())).status, 200)
      const created = await call(server.url, admin, '/api/v1/users', { username: 'crash.sup', displayName: '监督员', password: PASSWORD, roles: ['supervisor'], scopes: [{ regionCode: TERRITORY.streetA }] })
      assert.equal(created.status, 201)
      let cookie = await login(server.url, 'crash.sup')
      const body = (k: number) => ({ classKind: 'event', minorClass: '0102', lng: 118.7705 + (k % 50) * 0.0002, lat: 32.032, description: `崩溃测试 ${k}` })

      const acked = new Map<number, string>()
      let next = 0
      let stop = false
      const writer = async () => {
        while (!stop) {
          const k = next++
          try {
            const res = await call(server.url, cookie, '/api/v1/cases', body(k), { 'idempotency-key': `crash-${k}` })
            if (res.status === 201) acked.set(k, ((await res.json()) as { case: { id: string } }).case.id)
            else stop = true
          } catch {
            stop = true // the server is gone
          }
        }
      }
      const writers = Promise.all(Array.from({ length: 20 }, writer))
      while (acked.size < 60 && !stop) await new Promise((r) => setTimeout(r, 10))
      server.child.kill('SIGKILL')
      await server.exited
      stop = true
      await writers
      const sent = next

      const check = async () => {
        const database = db ? await openDatabase({ kind: 'postgres', url: db.url, poolSize: 2 }) : await openDatabase({ kind: 'pglite', dataDir })
        try {
          const cases = await sql<{ id: string; number: string; description: string; events: number; audits: number; auditNumber: string | null }>`
            select c.id, c.number, c.description,
              (select count(*)::int from case_events e where e.case_id = c.id) as events,
              (select count(*)::int from audit_log a where a.entity_type = 'case' and a.entity_id = c.id::text) as audits,
              (select a.after ->> 'number' from audit_log a where a.entity_type = 'case' and a.entity_id = c.id::text limit 1) as audit_number
            from cases c`.execute(database.db)
          const keys = await sql<{ key: string; status: number; caseId: string | null }>`
            select key, status_code as status, response -> 'case' ->> 'id' as case_id from idempotency_keys where key like 'crash-%'`.execute(database.db)
          return { cases: cases.rows, keys: keys.rows }
        } finally {
          await database.close()
        }
      }
      const afterCrash = await check()
      const ids = new Set(afterCrash.cases.map((c) => c.id))
      for (const [k, id] of acked) assert.ok(ids.has(id), `acknowledged report ${k} survived`)
      assert.ok(afterCrash.cases.every((c) => c.events === 1 && c.audits === 1 && c.auditNumber === c.number), 'every stored case is whole')
      assert.ok(afterCrash.keys.every((k) => k.status === 201 && k.caseId !== null && ids.has(k.caseId)), 'no key is left claimed without its case')
      assert.equal(afterCrash.keys.length, afterCrash.cases.length, 'one recorded key per stored case')

      // The field app retries everything it sent with the same keys: nothing is duplicated.
      server = await startServerProcess(env)
      try {
        cookie = await login(server.url, 'crash.sup')
        for (let k = 0; k < sent; k += 20) {
          const batch = Array.from({ length: Math.min(20, sent - k) }, (_, j) => k + j)
          const res = await Promise.all(batch.map((x) => call(server.url, cookie, '/api/v1/cases', body(x), { 'idempotency-key': `crash-${x}` })))
          for (const [j, r] of res.entries()) {
            assert.equal(r.status, 201)
            const id = ((await r.json()) as { case: { id: string } }).case.id
            if (acked.has(batch[j]!)) assert.equal(id, acked.get(batch[j]!), 'an acknowledged report replays its case')
          }
        }
      } finally {
        server.child.kill('SIGTERM')
        await server.exited
      }
      const afterRetry = await check()
      assert.equal(afterRetry.cases.length, sent, 'one case per key sent')
      assert.equal(new Set(afterRetry.cases.map((c) => c.description)).size, sent)
    } finally {
      await db?.drop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

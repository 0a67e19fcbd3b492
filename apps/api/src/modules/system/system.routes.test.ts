import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, json, type TestApp } from '../../testing/test-app.js'
import { connectSse } from '../../testing/sse.js'

describe('server basics: health, docs, errors, limits, headers, event stream', () => {
  let t: TestApp
  let admin: string
  before(async () => {
    t = await createTestApp({ env: { BODY_LIMIT: '4096' } })
    admin = (await t.userWith({ username: 'root', roles: ['admin'] })).cookie
  })
  after(() => t.close())

  test('healthz is alive and readyz checks the database and migrations', async () => {
    const h = await t.inject({ method: 'GET', url: '/healthz' })
    assert.equal(h.statusCode, 200)
    assert.deepEqual(json(h), { status: 'ok' })
    const r = await t.inject({ method: 'GET', url: '/readyz' })
    assert.equal(r.statusCode, 200)
    assert.equal(json(r).ready, true)
    assert.equal(json(r).migrations, true)
  })

  test('the OpenAPI 3.1 document lists the routes and the docs page renders', async () => {
    const doc = json(await t.inject({ method: 'GET', url: '/api/openapi.json' }))
    assert.equal(doc.openapi, '3.1.0')
    assert.ok(doc.paths['/api/v1/auth/login'].post)
    assert.ok(doc.paths['/api/v1/users'].get.parameters.some((p: { name: string }) => p.name === 'cursor'))
    const page = await t.inject({ method: 'GET', url: '/api/docs/' })
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /swagger/i)
  })

  test('unknown routes are a 404 problem with the request id', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/v1/no-such-thing', headers: { cookie: admin, 'x-request-id': 'trace-42' } })
    assert.equal(res.statusCode, 404)
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    assert.equal(res.headers['x-request-id'], 'trace-42')
    assert.equal(json(res).requestId, 'trace-42')
    assert.equal(json(res).code, 'NOT_FOUND')
  })

  test('an oversized body is refused with 413 and changes nothing', async () => {
    const big = { code: 'BIG', name: 'x'.repeat(10_000) }
    const res = await t.inject({ method: 'POST', url: '/api/v1/departments', headers: { cookie: admin }, payload: big })
    assert.equal(res.statusCode, 413)
    assert.equal(json(res).code, 'PAYLOAD_TOO_LARGE')
    const list = json(await t.inject({ method: 'GET', url: '/api/v1/departments', headers: { cookie: admin } }))
    assert.ok(!list.items.some((d: { code: string }) => d.code === 'BIG'))
  })

  test('malformed JSON is a 400 problem', async () => {
    const res = await t.inject({ method: 'POST', url: '/api/v1/departments', headers: { cookie: admin, 'content-type': 'application/json' }, payload: '{"code":' })
    assert.equal(res.statusCode, 400)
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
  })

  test('every response carries a request id and security headers', async () => {
    const res = await t.inject({ method: 'GET', url: '/healthz' })
    assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/)
    assert.match(String(res.headers['content-security-policy']), /default-src 'self'/)
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
    assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN')
    assert.equal(res.headers['strict-transport-security'], undefined, 'HSTS only behind a TLS proxy (TRUST_PROXY)')
    const refused = await t.inject({ method: 'GET', url: '/api/v1/me' })
    assert.equal(refused.statusCode, 401)
    assert.match(String(refused.headers['content-security-policy']), /frame-ancestors 'none'/, 'problems carry them too')
  })

  test('the event stream delivers only events inside the caller’s scopes', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const address = t.app.server.address() as { port: number }
    const base = `http://127.0.0.1:${address.port}`
    const street = await t.userWith({ username: 'street-sup', roles: ['supervisor'], regionCodes: ['320102001'] })
    const other = await t.userWith({ username: 'other-sup', roles: ['supervisor'], regionCodes: ['320104001'] })
    const a = await connectSse(`${base}/api/v1/stream`, { cookie: street.cookie })
    const b = await connectSse(`${base}/api/v1/stream`, { cookie: other.cookie })
    const root = await connectSse(`${base}/api/v1/stream`, { cookie: admin })
    try {
      await t.app.platform.bus.publish({ type: 'test.changed', regionCode: '320102001005', data: { n: 1 } })
      await t.app.platform.bus.publish({ type: 'test.changed', regionCode: '320104001005', data: { n: 2 } })
      await t.app.platform.bus.publish({ type: 'test.notice', broadcast: true, data: { n: 3 } })
      await a.waitFor((e) => e.data.data.n === 3)
      await b.waitFor((e) => e.data.data.n === 3)
      await root.waitFor((e) => e.data.data.n === 3)
      assert.deepEqual(a.events.map((e) => e.data.data.n), [1, 3])
      assert.deepEqual(b.events.map((e) => e.data.data.n), [2, 3])
      assert.deepEqual(root.events.map((e) => e.data.data.n), [1, 2, 3])
      const anon = await fetch(`${base}/api/v1/stream`)
      assert.equal(anon.status, 401)
    } finally {
      a.close()
      b.close()
      root.close()
    }
  })
})

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { InjectOptions } from 'fastify'
import { sql } from 'kysely'
import { ManualClock } from '../../platform/clock.js'
import { createTestApp, json, TEST_PASSWORD, type TestApp } from '../../testing/test-app.js'

describe('identity: login, sessions, lockout, tokens, users', () => {
  const clock = new ManualClock('2026-11-28T02:00:00Z')
  let t: TestApp
  before(async () => {
    t = await createTestApp({ clock, env: { SESSION_TTL_MINUTES: '60', LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_MINUTES: '10' } })
    await t.userWith({ username: 'root', roles: ['admin'] })
  })
  after(() => t.close())

  const inject = (opts: InjectOptions) => t.inject(opts)

  test('login sets an HttpOnly SameSite=Lax session cookie and /me returns the user', async () => {
    await t.userWith({ username: 'alice', roles: ['operator'], regionCodes: ['320102001'] })
    const res = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: TEST_PASSWORD } })
    assert.equal(res.statusCode, 200)
    const cookie = res.cookies.find((c) => c.name === 'cg_session')!
    assert.equal(cookie.httpOnly, true)
    assert.equal(cookie.sameSite, 'Lax')
    assert.equal(cookie.path, '/')
    const me = await inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `cg_session=${cookie.value}` } })
    assert.equal(me.statusCode, 200)
    assert.deepEqual(json(me).scopes, [{ regionCode: '320102001', regionLevel: 'street' }])
    assert.deepEqual(json(me).roles, ['operator'])
  })

  test('logout revokes the session server-side', async () => {
    const cookie = await t.login('alice')
    assert.equal((await inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } })).statusCode, 204)
    const me = await inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })
    assert.equal(me.statusCode, 401)
    assert.equal(me.headers['content-type'], 'application/problem+json; charset=utf-8')
    assert.equal(json(me).code, 'UNAUTHENTICATED')
  })

  test('a session expires after its lifetime', async () => {
    const cookie = await t.login('alice')
    clock.advance(59 * 60_000)
    assert.equal((await inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode, 200)
    clock.advance(2 * 60_000)
    assert.equal((await inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode, 401)
  })

  test('an admin can revoke all sessions of a user', async () => {
    const bob = await t.userWith({ username: 'bob', roles: ['supervisor'] })
    const res = await inject({ method: 'POST', url: `/api/v1/users/${bob.id}/revoke-sessions`, headers: { cookie: await t.login('root') } })
    assert.equal(res.statusCode, 200)
    assert.equal(json(res).revoked, 1)
    assert.equal((await inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: bob.cookie } })).statusCode, 401)
  })

  test('wrong passwords and unknown users get the same generic error, then the account locks', async () => {
    await t.userWith({ username: 'carol', roles: ['operator'] })
    const unknown = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'nobody', password: 'whatever1' } })
    const wrong = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'carol', password: 'wrong-pass' } })
    assert.equal(unknown.statusCode, 401)
    assert.equal(wrong.statusCode, 401)
    assert.equal(json(unknown).detail, json(wrong).detail)
    for (let i = 0; i < 2; i++) await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'carol', password: 'wrong-pass' } })
    const locked = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'carol', password: TEST_PASSWORD } })
    assert.equal(locked.statusCode, 429)
    assert.equal(json(locked).code, 'LOGIN_LOCKED')
    clock.advance(11 * 60_000)
    const again = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'carol', password: TEST_PASSWORD } })
    assert.equal(again.statusCode, 200)
  })

  test('repeated failures from one IP across accounts lock that IP', async () => {
    clock.advance(60 * 60_000)
    const ip = '10.9.8.7'
    let last = 0
    for (let i = 0; i < 13; i++) {
      const res = await inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload: { username: `guess${i}`, password: 'nope-nope' } })
      last = res.statusCode
    }
    assert.equal(last, 429)
    await t.userWith({ username: 'dave', roles: ['operator'] })
    const fromIp = await inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload: { username: 'dave', password: TEST_PASSWORD } })
    assert.equal(fromIp.statusCode, 429)
    const elsewhere = await inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '10.1.1.1', payload: { username: 'dave', password: TEST_PASSWORD } })
    assert.equal(elsewhere.statusCode, 200)
  })

  test('API tokens act as their owner, are stored hashed and stop working when revoked', async () => {
    const owner = await t.userWith({ username: 'camera', roles: ['operator'], regionCodes: ['320106'] })
    const created = await inject({ method: 'POST', url: '/api/v1/me/tokens', headers: { cookie: owner.cookie }, payload: { name: 'gate camera 1' } })
    assert.equal(created.statusCode, 201)
    const { id, token } = json(created)
    assert.match(token, /^cg_/)
    const stored = await sql<{ tokenHash: string }>`select token_hash from api_tokens where id = ${id}`.execute(t.database.db)
    assert.notEqual(stored.rows[0]!.tokenHash, token)
    assert.ok(!JSON.stringify(stored.rows).includes(token))
    const me = await inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
    assert.equal(me.statusCode, 200)
    assert.equal(json(me).username, 'camera')
    assert.deepEqual(json(me).scopes.map((s: { regionCode: string }) => s.regionCode), ['320106'])
    const listed = json(await inject({ method: 'GET', url: '/api/v1/me/tokens', headers: { cookie: owner.cookie } }))
    assert.equal(listed.items.length, 1)
    assert.ok(!('token' in listed.items[0]))
    assert.equal((await inject({ method: 'DELETE', url: `/api/v1/me/tokens/${id}`, headers: { cookie: owner.cookie } })).statusCode, 204)
    const after = await inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
    assert.equal(after.statusCode, 401)
    const bogus = await inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: 'Bearer cg_bogus' } })
    assert.equal(bogus.statusCode, 401)
  })

  test('users are administered by admins only, with validation as problem+json field errors', async () => {
    const op = await t.userWith({ username: 'erin', roles: ['operator'] })
    const forbidden = await inject({ method: 'GET', url: '/api/v1/users', headers: { cookie: op.cookie } })
    assert.equal(forbidden.statusCode, 403)
    assert.equal(json(forbidden).code, 'FORBIDDEN')

    const bad = await inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { cookie: await t.login('root') },
      payload: { username: 'x', displayName: 'X', password: 'short', roles: ['wizard'], extra: 1 },
    })
    assert.equal(bad.statusCode, 400)
    assert.equal(bad.headers['content-type'], 'application/problem+json; charset=utf-8')
    const body = json(bad)
    assert.equal(body.code, 'VALIDATION_FAILED')
    assert.equal(body.status, 400)
    assert.ok(body.requestId)
    const fields = body.errors.map((e: { field: string }) => e.field).sort()
    assert.deepEqual(fields, ['extra', 'password', 'roles.0', 'username'])

    const handlerWithoutDept = await inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { cookie: await t.login('root') },
      payload: { username: 'handler1', displayName: 'H', password: 'long-enough', roles: ['departmentHandler'] },
    })
    assert.equal(handlerWithoutDept.statusCode, 400)
    assert.equal(json(handlerWithoutDept).errors[0].field, 'departmentId')

    const dept = json(await inject({ method: 'POST', url: '/api/v1/departments', headers: { cookie: await t.login('root') }, payload: { code: 'WATER', name: '水务局' } }))
    const ok = await inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { cookie: await t.login('root') },
      payload: { username: 'handler1', displayName: '处置员', password: 'long-enough', roles: ['departmentHandler'], departmentId: dept.id, scopes: [{ regionCode: '320102' }] },
    })
    assert.equal(ok.statusCode, 201)
    const dup = await inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { cookie: await t.login('root') },
      payload: { username: 'HANDLER1', displayName: 'again', password: 'long-enough', roles: ['operator'] },
    })
    assert.equal(dup.statusCode, 409)

    const patched = await inject({ method: 'PATCH', url: `/api/v1/users/${json(ok).id}`, headers: { cookie: await t.login('root') }, payload: { disabled: true } })
    assert.equal(patched.statusCode, 200)
    assert.equal(json(patched).disabled, true)
    const disabledLogin = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'handler1', password: 'long-enough' } })
    assert.equal(disabledLogin.statusCode, 401)
  })

  test('user list pages with a cursor', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const url: string = `/api/v1/users?limit=3${cursor ? `&cursor=${cursor}` : ''}`
      const page = json(await inject({ method: 'GET', url, headers: { cookie: await t.login('root') } }))
      seen.push(...page.items.map((u: { username: string }) => u.username))
      cursor = page.nextCursor
    } while (cursor)
    const count = await sql<{ n: number }>`select count(*)::int as n from users`.execute(t.database.db)
    assert.equal(seen.length, count.rows[0]!.n)
    assert.deepEqual(seen, [...seen].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())))
  })
})

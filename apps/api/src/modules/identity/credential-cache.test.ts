import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AuthUser } from '../../platform/access.js'
import { CredentialCache } from './credential-cache.js'

const user = (id: string): AuthUser => ({ id, username: id, displayName: id, roles: ['operator'], departmentId: null, regionCodes: [], via: 'session', sessionId: 's1' })

/** A loader that counts its calls and answers when told to. */
function gatedLoader(u: AuthUser) {
  let calls = 0
  let open!: () => void
  const gate = new Promise<void>((r) => (open = r))
  return {
    calls: () => calls,
    open: () => open(),
    load: async () => {
      calls++
      await gate
      return { user: u, expiresAt: null }
    },
  }
}

test('fifty requests for an expired entry cost one look-up, and all get the user', async () => {
  const cache = new CredentialCache()
  const l = gatedLoader(user('u1'))
  const all = Promise.all(Array.from({ length: 50 }, () => cache.resolve('s:a', 1_000, l.load)))
  l.open()
  const users = await all
  assert.equal(l.calls(), 1)
  assert.ok(users.every((u) => u?.id === 'u1'))
  // cached for 10 s, then looked up again
  assert.equal((await cache.resolve('s:a', 10_999, l.load))?.id, 'u1')
  assert.equal(l.calls(), 1)
  await cache.resolve('s:a', 11_000, l.load)
  assert.equal(l.calls(), 2)
})

test('a change of the user during a look-up: later requests look up again and the old answer is not cached', async () => {
  const cache = new CredentialCache()
  const before = gatedLoader(user('u1'))
  const first = cache.resolve('s:a', 1_000, before.load)
  cache.dropUser('u1') // e.g. the session was revoked while the first look-up ran
  const after = gatedLoader(user('u1'))
  const second = cache.resolve('s:a', 1_000, async () => {
    await after.load()
    return null // the session is gone now
  })
  before.open()
  after.open()
  assert.equal((await first)?.id, 'u1', 'the request that came before the change is answered as before')
  assert.equal(await second, null)
  assert.equal(before.calls() + after.calls(), 2)
  const third = gatedLoader(user('u1'))
  third.open()
  await cache.resolve('s:a', 1_001, third.load)
  assert.equal(third.calls(), 1, 'the answer from before the change was not cached')
})

test('an unknown credential is not cached', async () => {
  const cache = new CredentialCache()
  let calls = 0
  const load = async () => (calls++, null)
  assert.equal(await cache.resolve('s:x', 1_000, load), null)
  assert.equal(await cache.resolve('s:x', 1_000, load), null)
  assert.equal(calls, 2)
})

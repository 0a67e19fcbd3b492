import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { startServerProcess } from '../testing/processes.js'
import { connectSse, type SseClient } from '../testing/sse.js'
import { createServerTestDatabase, TEST_DATABASE_URL } from '../testing/test-db.js'

const ADMIN_PASSWORD = 'multi-instance-pass'

describe('two API processes on one PostgreSQL', { skip: TEST_DATABASE_URL ? false : 'needs a PostgreSQL server (TEST_DATABASE_URL)' }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'civicgrid-multi-'))
  const servers: Awaited<ReturnType<typeof startServerProcess>>[] = []
  let drop = async () => {}
  const cookies: string[] = []
  before(async () => {
    const db = await createServerTestDatabase(TEST_DATABASE_URL!)
    drop = db.drop
    const env = { DATA_DIR: dataDir, DATABASE_URL: db.url, ADMIN_PASSWORD, SECRET_KEY: 'multi-secret-0123456789abcdefghijklmn' }
    // Started together: both race to migrate and to create the admin; the advisory lock and the unique username settle it.
    servers.push(...(await Promise.all([startServerProcess(env), startServerProcess(env)])))
    for (const s of servers) {
      const res = await fetch(`${s.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
      })
      assert.equal(res.status, 200)
      cookies.push(res.headers.get('set-cookie')!.split(';')[0]!)
    }
  })
  after(async () => {
    for (const s of servers) {
      s.child.kill('SIGTERM')
      await s.exited
    }
    await drop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  test('each receives the other’s events on its SSE stream', async () => {
    const streams: SseClient[] = []
    try {
      for (const [i, s] of servers.entries()) streams.push(await connectSse(`${s.url}/api/v1/stream`, { cookie: cookies[i]! }))
      const create = (i: number, code: string) =>
        fetch(`${servers[i]!.url}/api/v1/departments`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: cookies[i]! },
          body: JSON.stringify({ code, name: code }),
        })
      assert.equal((await create(0, 'FROM-A')).status, 201)
      assert.equal((await create(1, 'FROM-B')).status, 201)
      const hasCode = (code: string) => (e: { event: string; data: any }) => e.event === 'department.changed' && e.data.data.code === code
      await streams[1]!.waitFor(hasCode('FROM-A'))
      await streams[0]!.waitFor(hasCode('FROM-B'))
      // And each sees its own exactly once.
      await streams[0]!.waitFor(hasCode('FROM-A'))
      assert.equal(streams[0]!.events.filter(hasCode('FROM-A')).length, 1)
      assert.equal(streams[1]!.events.filter(hasCode('FROM-B')).length, 1)
    } finally {
      streams.forEach((s) => s.close())
    }
  })

  test('a session made on one instance works on the other (no server affinity)', async () => {
    const res = await fetch(`${servers[1]!.url}/api/v1/me`, { headers: { cookie: cookies[0]! } })
    assert.equal(res.status, 200)
  })
})

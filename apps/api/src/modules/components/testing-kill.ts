// The SIGKILL scenario of the import tests (components.kill*.test.ts): one test file per kill
// moment, so each gets the runner's whole per-file time on a loaded machine.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServerProcess } from '../../testing/processes.js'
import { connectSse } from '../../testing/sse.js'
import { createServerTestDatabase, TEST_DATABASE_URL } from '../../testing/test-db.js'
import { TERRITORY, territoryFeatures } from './testing-fixtures.js'

const ADMIN_PASSWORD = 'kill-test-admin-pass'
const SECRET_KEY = 'kill-test-secret-0123456789abcdefghij'

/** A census CSV of `rows` components spread over the test territory. */
function writeCensus(path: string, rows: number, tag: string) {
  const [x1, y1, x2, y2] = TERRITORY.bbox
  const lines = ['小类,经度,纬度,位置描述']
  for (let i = 0; i < rows; i++) {
    const x = x1 + 0.00001 + ((i * 7919) % 8999) * ((x2 - x1 - 0.00002) / 8999)
    const y = y1 + 0.00001 + ((i * 104729) % 2999) * ((y2 - y1 - 0.00002) / 2999)
    lines.push(`${['0101', '0102', '0118', '0305'][i % 4]},${x.toFixed(7)},${y.toFixed(7)},${tag}${i}`)
  }
  writeFileSync(path, lines.join('\n') + '\n')
}

async function startServer(dataDir: string, databaseUrl: string | null) {
  const server = await startServerProcess({
    DATA_DIR: dataDir,
    ADMIN_PASSWORD,
    SECRET_KEY,
    BODY_LIMIT: String(20 * 1024 * 1024),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  })
  const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) })
  assert.equal(login.status, 200)
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { cookie, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
    return { status: res.status, text: await res.text() }
  }
  const upload = async (path: string) => {
    const form = new FormData()
    form.append('file', new Blob([(await import('node:fs')).readFileSync(path)]), 'census.csv')
    const res = await fetch(`${server.url}/api/v1/components/imports`, { method: 'POST', headers: { cookie }, body: form })
    assert.equal(res.status, 202, await res.clone().text())
    return ((await res.json()) as { id: string }).id
  }
  const waitImport = async (id: string) => {
    for (;;) {
      const v = JSON.parse((await api('GET', `/components/imports/${id}`)).text)
      if (['succeeded', 'rejected', 'failed'].includes(v.status)) return v
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return { server, cookie, api, upload, waitImport }
}

/**
 * Kill (SIGKILL) a server while it imports, at the moment `when` picks from the progress
 * events, then restart it on the same data and check that the registry is exactly as before,
 * the import is marked failed, and the next import works.
 */
export async function killDuringImport(when: 'loading' | 'finishing') {
  const dataDir = mkdtempSync(join(tmpdir(), `civicgrid-kill-${when}-`))
  const db = TEST_DATABASE_URL ? await createServerTestDatabase(TEST_DATABASE_URL) : null
  try {
    let s = await startServer(dataDir, db?.url ?? null)
    const regions = await s.api('POST', '/regions/import', { featureCollection: territoryFeatures(), mapping: { code: 'code', name: 'name' }, crs: 'WGS84' })
    assert.equal(JSON.parse(regions.text).committed, true, regions.text)
    // the registry before: a small import and an API creation
    const small = join(dataDir, 'small.csv')
    writeCensus(small, 30, '初始')
    assert.equal((await s.waitImport(await s.upload(small))).status, 'succeeded')
    const before = (await s.api('GET', '/components/export?format=csv')).text
    assert.equal(before.trim().split('\n').length, 31)

    const big = join(dataDir, 'big.csv')
    writeCensus(big, 120_000, '大批')
    const sse = await connectSse(`${s.server.url}/api/v1/stream`, { cookie: s.cookie })
    const id = await s.upload(big)
    const hit = await sse.waitFor(
      // loading: rows are being COPYed into the registry inside the import's transaction;
      // finishing: all rows are in, the indexes are being rebuilt, the commit is yet to come
      (e) => e.event === 'components.import.progress' && e.data.data.importId === id && (when === 'loading' ? e.data.data.rowsApplied >= 20_000 && e.data.data.status === 'reading' : e.data.data.status === 'applying'),
      240_000,
    )
    s.server.child.kill('SIGKILL')
    assert.equal(await s.server.exited, null)
    sse.close()
    console.log(`# SIGKILL while ${when}: ${JSON.stringify(hit.data.data)}`)

    s = await startServer(dataDir, db?.url ?? null)
    try {
      const after = (await s.api('GET', '/components/export?format=csv')).text
      assert.equal(after, before, 'the registry is exactly as before')
      const killed = JSON.parse((await s.api('GET', `/components/imports/${id}`)).text)
      if (!db) assert.equal(killed.status, 'failed', 'an embedded start marks the interrupted import failed')
      // the next import works, and its codes continue the sequences without a gap
      const next = join(dataDir, 'next.csv')
      writeCensus(next, 8, '之后')
      const done = await s.waitImport(await s.upload(next))
      assert.equal(done.status, 'succeeded', done.message)
      assert.equal(done.created, 8)
      const list = JSON.parse((await s.api('GET', '/components?minorClass=0101&limit=500')).text).items as { code: string }[]
      const seqs = list.filter((c) => c.code.startsWith('3201020101')).map((c) => Number(c.code.slice(10)))
      assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'gap-free after the killed import')
    } finally {
      s.server.child.kill('SIGTERM')
      await s.server.exited
    }
  } finally {
    await db?.drop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}


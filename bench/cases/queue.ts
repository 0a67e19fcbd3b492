// Queue pages among many cases: fills a database with N synthetic cases (SQL, not the API), then
// measures over HTTP, with 10 concurrent clients for 10 s each: a dispatcher's task queue, the
// newest-first list of a street, and a case by id. Prints p50/p95/p99 and req/s.
//   node --import tsx bench/cases/queue.ts [--cases 1000000]        (TEST_DATABASE_URL set: PostgreSQL, else embedded)
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { openDatabase } from '../../apps/api/src/platform/db/database.js'
import { migrate } from '../../apps/api/src/platform/db/migrate.js'
import { startServerProcess } from '../../apps/api/src/testing/processes.js'
import { createServerTestDatabase } from '../../apps/api/src/testing/test-db.js'
import { territoryImport, TERRITORY } from '../../apps/api/src/testing/territory.js'

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : def
}
const N = arg('cases', 1_000_000)
const PASSWORD = 'bench-admin-password'
const serverUrl = process.env.TEST_DATABASE_URL || null

const dataDir = mkdtempSync(join(tmpdir(), 'civicgrid-bench-queue-'))
const db = serverUrl ? await createServerTestDatabase(serverUrl) : null
const database = await openDatabase(db ? { kind: 'postgres', url: db.url } : { kind: 'pglite', dataDir })
await migrate(database)
const t0 = performance.now()
// 90 % closed over the last year; the rest open in every stage, some yellow or red; three grids of two streets.
const BATCH = 100_000
for (let from = 0; from < N; from += BATCH) {
  await sql`
    insert into cases (number, source, class_kind, major_class, minor_class, description, lng, lat, grid_code, community_code, street_code,
      district_code, state, urgency, photos, stage, clocks, timings, stage_deadline, stage_warn_at, light, reported_at, closed_at)
    select '2' || lpad(i::text, 12, '0'), 'supervisor', 'event', '01', '0102', '批量合成案件 ' || i,
      118.771 + (i % 97) * 0.0002, 32.031 + (i % 89) * 0.0002,
      g.code, left(g.code, 12), left(g.code, 9), '320102',
      case when i % 10 <> 0 then 'closed' else (array['pendingRegister','registered','dispatched','handling','handled','checking','checked'])[1 + (i / 10) % 7] end,
      'normal', '[]', case when i % 10 <> 0 then null else 'handle' end, '{}', '{}',
      case when i % 10 <> 0 then null else now() + ((i % 50) - 10) * interval '1 hour' end, null,
      case when i % 10 <> 0 then 'green' else (array['green','green','yellow','red'])[1 + i % 4] end,
      now() - (i % 525600) * interval '1 minute',
      case when i % 10 <> 0 then now() - (i % 525600) * interval '1 minute' + interval '5 hours' else null end
    from generate_series(${from + 1}::int, ${Math.min(from + BATCH, N)}::int) as i
    cross join lateral (select (array[${TERRITORY.gridA1}, ${TERRITORY.gridA2}, ${TERRITORY.gridB1}])[1 + i % 3] as code) g`.execute(database.db)
}
await sql`analyze cases`.execute(database.db)
const fillSeconds = (performance.now() - t0) / 1000
await database.close()

const server = await startServerProcess({ DATA_DIR: dataDir, ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: 'warn', SECRET_KEY: 'bench-secret-0123456789abcdefghijklmn', ...(db ? { DATABASE_URL: db.url } : {}) })
const base = server.url
async function login(username: string) {
  const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) })
  return res.headers.get('set-cookie')!.split(';')[0]!
}
const admin = await login('admin')
const post = (path: string, body: unknown) => fetch(`${base}${path}`, { method: 'POST', headers: { cookie: admin, 'content-type': 'application/json' }, body: JSON.stringify(body) })
await post('/api/v1/regions/import', territoryImport())
await post('/api/v1/users', { username: 'bench.disp', displayName: '派遣员', password: PASSWORD, roles: ['dispatcher'], scopes: [{ regionCode: TERRITORY.streetA }] })
const dispatcher = await login('bench.disp')
const anyCase = (await (await fetch(`${base}/api/v1/cases?view=all&limit=1`, { headers: { cookie: admin } })).json()) as { items: { id: string }[] }

async function measure(label: string, path: string, cookie: string) {
  const latencies: number[] = []
  const until = performance.now() + 10_000
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (performance.now() < until) {
        const s = performance.now()
        const res = await fetch(`${base}${path}`, { headers: { cookie } })
        if (res.status !== 200) throw new Error(`${path}: ${res.status}`)
        await res.arrayBuffer()
        latencies.push(performance.now() - s)
      }
    }),
  )
  latencies.sort((a, b) => a - b)
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1)
  return `| ${label} | ${(latencies.length / 10).toFixed(0)} | ${q(0.5)} | ${q(0.95)} | ${q(0.99)} |`
}

const rows = [
  await measure('dispatcher task queue (view=tasks, 50/page)', '/api/v1/cases?view=tasks&limit=50', dispatcher),
  await measure('street list newest first (view=all, 50/page)', '/api/v1/cases?view=all&limit=50', dispatcher),
  await measure('case by id with timeline', `/api/v1/cases/${anyCase.items[0]!.id}`, admin),
]
server.child.kill('SIGTERM')
await server.exited
await db?.drop()
rmSync(dataDir, { recursive: true, force: true })
console.log(`\nmachine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; ${serverUrl ? 'PostgreSQL' : 'embedded PGlite'}; ${N.toLocaleString('en')} cases (filled in ${fillSeconds.toFixed(0)} s); 10 concurrent clients, 10 s each`)
console.log('| request | req/s | p50 ms | p95 ms | p99 ms |')
console.log('|---|---:|---:|---:|---:|')
for (const r of rows) console.log(r)

// The big screen's aggregate endpoints among many cases. Fills a database with `seedScale` (the code
// behind `civicgrid seed scale`: G grids in districts of 10,000, components, N cases of the last
// 365 days with their events), rebuilds the stats rollups from that history (timed), then measures
// the /api/v1/stats endpoints over HTTP on loopback: C concurrent clients for S seconds each, at
// city, district and street scope.
//   node --import tsx bench/stats/screen.ts [--cases 1000000] [--grids 20000] [--components 200000] [--seconds 8] [--connections 4] [--keep]
//   (TEST_DATABASE_URL set: PostgreSQL, else embedded PGlite)
// An existing database (e.g. one filled by `civicgrid seed scale … --no-stats`), without reloading:
//   node --import tsx bench/stats/screen.ts --database-url postgres://…/db --no-load [--rebuild] [--seconds 5]
//   (--rebuild: recompute the rollups first, timed — needed once after a load with --no-stats)
// --only REGEX: only the requests whose label matches (e.g. --only 'feed|hotspots'); --scopes city,street: only those scopes.
// Each row also gives the CPU per request of the server process and (PostgreSQL) of the database's backends, from /proc.
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { buildApp } from '../../apps/api/src/app.js'
import { loadConfig } from '../../apps/api/src/config.js'
import { seedScale } from '../../apps/api/src/modules/demo/index.js'
import { rebuildStats } from '../../apps/api/src/modules/stats/index.js'
import { startServerProcess } from '../../apps/api/src/testing/processes.js'
import { createServerTestDatabase } from '../../apps/api/src/testing/test-db.js'
import { backendsCpu, cpuMs } from '../proc-cpu.js'

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : def
}
const text = (name: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1] : undefined
}
const flag = (name: string) => process.argv.includes(`--${name}`)
const N = arg('cases', 1_000_000)
const grids = arg('grids', 20_000)
const components = arg('components', 0)
const seconds = arg('seconds', 8)
const connections = arg('connections', 4)
const existingUrl = text('database-url') ?? null
const noLoad = flag('no-load')
const only = text('only') ? new RegExp(text('only')!) : null
const onlyScopes = text('scopes')?.split(',') ?? null
if (noLoad && !existingUrl) throw new Error('--no-load needs --database-url')
const PASSWORD = 'bench-admin-password'
const serverUrl = existingUrl ?? (process.env.TEST_DATABASE_URL || null)
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ')
const log = (s: string) => console.error(`[${new Date().toISOString().slice(11, 19)} load ${load()}] ${s}`)
const ROLLUP_TABLES = ['stat_stock', 'stat_daily', 'stat_daily_classes', 'stat_monthly_classes', 'stat_daily_departments', 'stat_minutes', 'stat_grid_reports']

const dataDir = mkdtempSync(join(tmpdir(), 'civicgrid-bench-stats-'))
const db = existingUrl ? null : serverUrl ? await createServerTestDatabase(serverUrl) : null
const databaseUrl = existingUrl ?? db?.url ?? null
const config = loadConfig({ DATA_DIR: dataDir, SECRET_KEY: 'bench-secret-0123456789abcdefghijklmn', LOG_LEVEL: 'silent', JOBS: 'false', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) })
const app = await buildApp({ config, logger: false })
const p = app.platform
const now = new Date()
const timing: { rebuild: number | null } = { rebuild: null }
const rebuild = async () => {
  const r = await rebuildStats(p, { log: (line) => log(`rebuild: ${line}`) })
  timing.rebuild = r.ms / 1000
  return `stats rollups rebuilt in ${timing.rebuild.toFixed(0)} s: ${JSON.stringify(r.rows)}`
}
let fillSeconds: number | null = null
if (!noLoad) {
  // `civicgrid seed scale`: a synthetic lattice (districts 320151… of 10,000 grids), components and a
  // year of cases with their events in consistent states; user triggers are off during the load, so
  // the rollups are rebuilt from that history afterwards (timed: `civicgrid stats rebuild` does the same).
  const seeded = await seedScale(p, { grids, components, cases: N, seed: 7, at: now, log, afterLoad: rebuild })
  fillSeconds = Object.values(seeded.seconds).reduce((a, b) => a + b, 0) - (seeded.seconds.afterLoad ?? 0)
} else if (flag('rebuild')) {
  log(await rebuild())
}
const count = async (table: string) => Number((await sql<{ n: string }>`select reltuples::bigint as n from pg_class where relname = ${table}`.execute(p.db)).rows[0]?.n ?? 0)
const cases = await count('cases')
const events = await count('case_events')
const gridCount = await count('regions')
const rows = Object.fromEntries(await Promise.all(ROLLUP_TABLES.map(async (t) => [t, await count(t)] as const)))
log(`database: ~${cases.toLocaleString('en')} cases, ~${events.toLocaleString('en')} events${fillSeconds !== null ? ` (filled in ${fillSeconds.toFixed(0)} s)` : ''}; rollups ${JSON.stringify(rows)}`)
const sizes = (
  await sql<{ name: string; size: string }>`select relname as name, pg_size_pretty(pg_total_relation_size(oid)) as size from pg_class
    where relname in ('cases', 'case_events', ${sql.join(ROLLUP_TABLES)}) order by relname`.execute(p.db)
).rows
// The synthetic districts (320151…), or any district when the database has none.
const DISTRICTS = (await sql<{ code: string }>`select code from regions where level = 'district' order by code >= '320151' desc, code`.execute(p.db)).rows.map((r) => r.code)
const STREET = (await sql<{ code: string }>`select code from regions where level = 'street' and parent_code = ${DISTRICTS[0]!} order by code limit 1`.execute(p.db)).rows[0]?.code
await app.close()

const server = await startServerProcess({ DATA_DIR: dataDir, ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: 'warn', SECRET_KEY: 'bench-secret-0123456789abcdefghijklmn', JOBS: 'true', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) })
const base = server.url
const login = async (username: string) => {
  const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) })
  return res.headers.get('set-cookie')!.split(';')[0]!
}
const admin = await login('admin')

const dbName = databaseUrl ? new URL(databaseUrl).pathname.slice(1) : null
/** CPU so far of the database's backends (PostgreSQL), per pid. */
const backendsCpuNow = async () => (databaseUrl && dbName ? backendsCpu(databaseUrl, dbName) : new Map<number, number>())

async function measure(label: string, path: string) {
  const latencies: number[] = []
  const server0 = cpuMs(server.child.pid!)
  const backends0 = await backendsCpuNow()
  const until = performance.now() + seconds * 1000
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const s = performance.now()
        const res = await fetch(`${base}${path}`, { headers: { cookie: admin } })
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`)
        await res.arrayBuffer()
        latencies.push(performance.now() - s)
      }
    }),
  )
  const serverCpu = cpuMs(server.child.pid!) - server0
  let dbCpu = 0
  for (const [pid, ms] of await backendsCpuNow()) dbCpu += ms - (backends0.get(pid) ?? 0)
  latencies.sort((a, b) => a - b)
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1)
  const perOp = (ms: number) => (ms / latencies.length).toFixed(1)
  const row = `| ${label} | ${latencies.length} | ${q(0.5)} | ${q(0.95)} | ${q(0.99)} | ${perOp(serverCpu)} | ${databaseUrl ? perOp(dbCpu) : '—'} | ${load()} |`
  log(row)
  return row
}

const yearAgo = new Date(now.getTime() - 364 * 86_400_000).toISOString().slice(0, 10)
const scopes = [
  ['city', '320100'],
  ['district', DISTRICTS[0]!],
  ['street', STREET!],
] as const
const results = []
for (const [scope, region] of scopes) {
  if (onlyScopes && !onlyScopes.includes(scope)) continue
  for (const [label, path] of [
    ['kpis', `/api/v1/stats/kpis?region=${region}`],
    ['map (children), open', `/api/v1/stats/map?region=${region}`],
    ['map (children), per 1,000 components', `/api/v1/stats/map?region=${region}&metric=perThousandComponents`],
    ['case-points, 2,000', `/api/v1/stats/case-points?region=${region}&limit=2000`],
    ['classes, 30 days', `/api/v1/stats/classes?region=${region}`],
    ['classes, 365 days', `/api/v1/stats/classes?region=${region}&from=${yearAgo}`],
    ['trend, 30 days', `/api/v1/stats/trend?region=${region}`],
    ['sources, 30 days', `/api/v1/stats/sources?region=${region}`],
    ['departments, 30 days', `/api/v1/stats/departments?region=${region}`],
    ['regions (children), 30 days', `/api/v1/stats/regions?region=${region}`],
    ['hotspots, 7 days', `/api/v1/stats/hotspots?region=${region}`],
    ['feed, 40 latest events', `/api/v1/stats/feed?region=${region}&limit=40`],
    ['screen (all panels), 30 days', `/api/v1/stats/screen?region=${region}`],
  ] as const) {
    if (only && !only.test(label)) continue
    results.push(await measure(`${label}, ${scope}`, path))
  }
}
server.child.kill('SIGTERM')
await server.exited
if (existingUrl) rmSync(dataDir, { recursive: true, force: true })
else if (!flag('keep')) {
  await db?.drop()
  rmSync(dataDir, { recursive: true, force: true })
} else console.log(`kept: ${db ? db.url : dataDir}`)
console.log(
  `\n${new Date().toISOString()}; machine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; ${serverUrl ? 'PostgreSQL' : 'embedded PGlite'}; ~${cases.toLocaleString('en')} cases, ~${events.toLocaleString('en')} events, ${gridCount.toLocaleString('en')} regions and grids${fillSeconds !== null ? ` (filled in ${fillSeconds.toFixed(0)} s)` : ' (existing database)'}; rollups ${timing.rebuild !== null ? `rebuilt in ${timing.rebuild.toFixed(0)} s` : 'as found'}; ${connections} concurrent clients, ${seconds} s per endpoint`,
)
console.log(`sizes: ${sizes.map((s) => `${s.name} ${s.size}`).join(', ')}; rollup rows: ${JSON.stringify(rows)}`)
console.log('| request | requests | p50 ms | p95 ms | p99 ms | server CPU ms/req | DB backends CPU ms/req | load avg (1/5/15 min) |')
console.log('|---|---:|---:|---:|---:|---:|---:|---|')
for (const r of results) console.log(r)

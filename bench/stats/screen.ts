// The big screen's aggregate endpoints among many cases. Fills a database with `seedScale` (the code
// behind `civicgrid seed scale`: G grids in districts of 10,000, components, N cases of the last
// 365 days with their events), rebuilds the stats rollups from that history (timed), then measures
// the /api/v1/stats endpoints over HTTP on loopback: C concurrent clients for S seconds each.
//   node --import tsx bench/stats/screen.ts [--cases 1000000] [--grids 20000] [--components 200000] [--seconds 8] [--connections 4] [--keep]
//   (TEST_DATABASE_URL set: PostgreSQL, else embedded PGlite)
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

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : def
}
const N = arg('cases', 1_000_000)
const grids = arg('grids', 20_000)
const components = arg('components', 0)
const seconds = arg('seconds', 8)
const connections = arg('connections', 4)
const PASSWORD = 'bench-admin-password'
const serverUrl = process.env.TEST_DATABASE_URL || null
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ')
const log = (s: string) => console.error(`[${new Date().toISOString().slice(11, 19)} load ${load()}] ${s}`)


const dataDir = mkdtempSync(join(tmpdir(), 'civicgrid-bench-stats-'))
const db = serverUrl ? await createServerTestDatabase(serverUrl) : null
const config = loadConfig({ DATA_DIR: dataDir, SECRET_KEY: 'bench-secret-0123456789abcdefghijklmn', LOG_LEVEL: 'silent', JOBS: 'false', ...(db ? { DATABASE_URL: db.url } : {}) })
const app = await buildApp({ config, logger: false })
const p = app.platform
const now = new Date()
let rebuildSeconds = 0
// `civicgrid seed scale`: a synthetic lattice (districts 320151… of 10,000 grids), components and a
// year of cases with their events in consistent states; user triggers are off during the load, so
// the rollups are rebuilt from that history afterwards (timed: `civicgrid stats rebuild` does the same).
const seeded = await seedScale(p, {
  grids,
  components,
  cases: N,
  seed: 7,
  at: now,
  log,
  afterLoad: async () => {
    const r = await rebuildStats(p)
    rebuildSeconds = r.ms / 1000
    return `stats rollups rebuilt in ${rebuildSeconds.toFixed(0)} s: ${JSON.stringify(r.rows)}`
  },
})
const fillSeconds = Object.values(seeded.seconds).reduce((a, b) => a + b, 0)
const events = seeded.counts.caseEvents
const rows = Object.fromEntries(
  (await sql<{ name: string; n: number }>`select relname as name, reltuples::bigint as n from pg_class where relname in ('stat_stock', 'stat_daily', 'stat_daily_classes', 'stat_daily_departments', 'stat_minutes') order by relname`.execute(p.db)).rows.map((r) => [r.name, r.n]),
)
log(`seeded ${JSON.stringify(seeded.counts)} in ${fillSeconds.toFixed(0)} s; stats rebuilt in ${rebuildSeconds.toFixed(0)} s`)
const sizes = (
  await sql<{ name: string; size: string }>`select relname as name, pg_size_pretty(pg_total_relation_size(oid)) as size from pg_class
    where relname in ('cases', 'case_events', 'stat_stock', 'stat_daily', 'stat_daily_classes', 'stat_daily_departments', 'stat_minutes') order by relname`.execute(p.db)
).rows
const DISTRICTS = seeded.districts
const gridCodes = { length: seeded.counts.grids }
await app.close()

const server = await startServerProcess({ DATA_DIR: dataDir, ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: 'warn', SECRET_KEY: 'bench-secret-0123456789abcdefghijklmn', JOBS: 'true', ...(db ? { DATABASE_URL: db.url } : {}) })
const base = server.url
const login = async (username: string) => {
  const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) })
  return res.headers.get('set-cookie')!.split(';')[0]!
}
const admin = await login('admin')

async function measure(label: string, path: string) {
  const latencies: number[] = []
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
  latencies.sort((a, b) => a - b)
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1)
  const row = `| ${label} | ${latencies.length} | ${q(0.5)} | ${q(0.95)} | ${q(0.99)} | ${load()} |`
  log(row)
  return row
}

const street = `${DISTRICTS[0]}001`
const results = []
for (const [label, path] of [
  ['kpis, city', '/api/v1/stats/kpis?region=320100'],
  ['map, city (districts)', '/api/v1/stats/map?region=320100'],
  ['map, district (streets), per 1,000 components', `/api/v1/stats/map?region=${DISTRICTS[0]}&metric=perThousandComponents`],
  ['case-points, city, 2,000', '/api/v1/stats/case-points?region=320100&limit=2000'],
  ['case-points, street, 2,000', `/api/v1/stats/case-points?region=${street}&limit=2000`],
  ['classes, city, 30 days', '/api/v1/stats/classes?region=320100'],
  ['trend, city, 30 days', '/api/v1/stats/trend?region=320100'],
  ['sources, city, 30 days', '/api/v1/stats/sources?region=320100'],
  ['departments, city, 30 days', '/api/v1/stats/departments?region=320100'],
  ['regions, city, 30 days', '/api/v1/stats/regions?region=320100'],
  ['hotspots, city, 7 days', '/api/v1/stats/hotspots?region=320100'],
  ['classes, city, 365 days', `/api/v1/stats/classes?region=320100&from=${new Date(now.getTime() - 364 * 86_400_000).toISOString().slice(0, 10)}`],
  ['screen, city (all panels)', '/api/v1/stats/screen?region=320100'],
  ['screen, district', `/api/v1/stats/screen?region=${DISTRICTS[0]}`],
  ['screen, street', `/api/v1/stats/screen?region=${street}`],
] as const) {
  results.push(await measure(label, path))
}
server.child.kill('SIGTERM')
await server.exited
if (!process.argv.includes('--keep')) {
  await db?.drop()
  rmSync(dataDir, { recursive: true, force: true })
} else console.log(`kept: ${db ? db.url : dataDir}`)
console.log(
  `\nmachine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; ${serverUrl ? 'PostgreSQL' : 'embedded PGlite'}; ${N.toLocaleString('en')} cases, ${events.toLocaleString('en')} events, ${gridCodes.length} grids (filled in ${fillSeconds.toFixed(0)} s; rollups rebuilt in ${rebuildSeconds.toFixed(0)} s); ${connections} concurrent clients, ${seconds} s per endpoint`,
)
console.log(`sizes: ${sizes.map((s) => `${s.name} ${s.size}`).join(', ')}; rollup rows: ${JSON.stringify(rows)}`)
console.log('| request | requests | p50 ms | p95 ms | p99 ms | load avg (1/5/15 min) |')
console.log('|---|---:|---:|---:|---:|---|')
for (const r of results) console.log(r)

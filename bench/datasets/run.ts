// The data manager over a large deployment: a synthetic territory of C communities × 100 grids
// (one planted overlap), N components and M cases filled in SQL (10 % of the cases without
// photos, 1 % of the components damaged long ago, 1 % without units), then over HTTP:
//   - GET /api/v1/datasets cold (the grid topology computed) and warm (cached), one client;
//   - the first page of the cases/no_photos and components/outside_grid drill-throughs.
//   node --import tsx bench/datasets/run.ts [--communities 50] [--components 200000] [--cases 200000]
//   (TEST_DATABASE_URL set: PostgreSQL, else embedded PGlite)
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { openDatabase } from '../../apps/api/src/platform/db/database.js'
import { startServerProcess } from '../../apps/api/src/testing/processes.js'
import { createServerTestDatabase } from '../../apps/api/src/testing/test-db.js'

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : def
}
const COMMUNITIES = arg('communities', 50)
const COMPONENTS = arg('components', 200_000)
const CASES = arg('cases', 200_000)
const PASSWORD = 'bench-admin-password'
const serverUrl = process.env.TEST_DATABASE_URL || null

const dataDir = mkdtempSync(join(tmpdir(), 'civicgrid-bench-datasets-'))
const db = serverUrl ? await createServerTestDatabase(serverUrl) : null
const env = { DATA_DIR: dataDir, ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: 'warn', DEMO: 'false', SECRET_KEY: 'bench-secret-0123456789abcdefghijklmn', ...(db ? { DATABASE_URL: db.url } : {}) }

async function login(base: string) {
  const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) })
  if (res.status !== 200) throw new Error(`login: ${res.status}`)
  return res.headers.get('set-cookie')!.split(';')[0]!
}

// Territory: district 320102, one street, C communities in a row, each 10 × 10 grids of 0.001°.
const S = 0.001
const X0 = 118.7
const Y0 = 32.0
const box = (a: number, b: number, c: number, d: number) => ({ type: 'Polygon', coordinates: [[[a, b], [c, b], [c, d], [a, d], [a, b]]] })
const r7 = (v: number) => Math.round(v * 1e7) / 1e7
const features: object[] = []
const f = (code: string, name: string, level: string, parent: string | null, g: object) => features.push({ type: 'Feature', properties: { code, name, level, parent }, geometry: g })
f('320102', '基准区', 'district', null, box(X0, Y0, r7(X0 + COMMUNITIES * 10 * S), r7(Y0 + 10 * S)))
f('320102001', '基准街道', 'street', '320102', box(X0, Y0, r7(X0 + COMMUNITIES * 10 * S), r7(Y0 + 10 * S)))
for (let c = 0; c < COMMUNITIES; c++) {
  const community = `320102001${String(c + 1).padStart(3, '0')}`
  const cx = r7(X0 + c * 10 * S)
  f(community, `社区${c + 1}`, 'community', '320102001', box(cx, Y0, r7(cx + 10 * S), r7(Y0 + 10 * S)))
  for (let k = 0; k < 100; k++) {
    const col = k % 10
    const row = Math.floor(k / 10)
    f(`${community}${String(k + 1).padStart(3, '0')}`, `网格${k + 1}`, 'grid', community, box(r7(cx + col * S), r7(Y0 + row * S), r7(cx + (col + 1) * S), r7(Y0 + (row + 1) * S)))
  }
}

const t0 = performance.now()
let server = await startServerProcess(env)
let admin = await login(server.url)
const imported = await fetch(`${server.url}/api/v1/regions/import`, {
  method: 'POST',
  headers: { cookie: admin, 'content-type': 'application/json' },
  body: JSON.stringify({ featureCollection: { type: 'FeatureCollection', features }, mapping: { code: 'code', name: 'name', parent: 'parent', level: 'level' }, crs: 'WGS84' }),
})
if (imported.status !== 200) throw new Error(`import: ${imported.status} ${await imported.text()}`)
const dept = await fetch(`${server.url}/api/v1/departments`, { method: 'POST', headers: { cookie: admin, 'content-type': 'application/json' }, body: JSON.stringify({ code: 'ROADS', name: '道路养护所' }) })
if (dept.status > 201) throw new Error(`department: ${dept.status}`)
server.child.kill('SIGTERM')
await server.exited

const database = await openDatabase(db ? { kind: 'postgres', url: db.url } : { kind: 'pglite', dataDir })
// the planted overlap: grid 101 of community 1 covers half of grids 1 and 2
await sql`insert into regions (code, name, level, parent_code, geometry, area_m2, min_lng, min_lat, max_lng, max_lat)
  values ('320102001001101', '重叠网格', 'grid', '320102001001', ${JSON.stringify(box(X0 + S / 2, Y0, X0 + S * 1.5, Y0 + S))}::jsonb, 10000, ${X0 + S / 2}, ${Y0}, ${X0 + S * 1.5}, ${Y0 + S})`.execute(database.db)
const grids = COMMUNITIES * 100
// Point geometry is stored as null once the components' point-geometry migration has run
const pointsNull = sql.raw(
  (await sql<{ n: string }>`select is_nullable as n from information_schema.columns where table_name = 'components' and column_name = 'geometry'`.execute(database.db)).rows[0]?.n === 'YES' ? 'true' : 'false',
)
const BATCH = 50_000
for (let from = 0; from < COMPONENTS; from += BATCH) {
  // the k-th point of grid (i mod grids) on a 30 × 30 lattice inside it (up to 900 a grid, none on a border);
  // 1 % damaged 60 days ago, 1 % without units, 0.1 % outside every grid
  await sql`
    insert into components (code, minor_class, name, geometry, lng, lat, min_lng, min_lat, max_lng, max_lat, grid_code, status, maintainer_dept_id, updated_at)
    select '3201020102' || lpad(i::text, 6, '0'), '0102', '井盖' || i,
      case when ${pointsNull} then null else jsonb_build_object('type', 'Point', 'coordinates', jsonb_build_array(p.lng, p.lat)) end, p.lng, p.lat, p.lng, p.lat, p.lng, p.lat,
      '320102001' || lpad((1 + (g / 100))::text, 3, '0') || lpad((1 + g % 100)::text, 3, '0'),
      case when i % 100 = 7 then 'damaged' else 'intact' end,
      case when i % 100 = 9 then null else d.id end,
      case when i % 100 = 7 then now() - interval '60 days' else now() end
    from generate_series(${from + 1}::int, ${Math.min(from + BATCH, COMPONENTS)}::int) as i
    cross join lateral (select (i % ${grids}) as g) gg
    cross join lateral (select case when i % 1000 = 3 then 119.9 else ${sql.raw(String(X0))} + ((g / 100) * 10 + (g % 100) % 10) * ${sql.raw(String(S))} + ${sql.raw(String(S))} * (0.05 + 0.03 * ((i / ${sql.raw(String(grids))}) % 30)) end as lng,
                               ${sql.raw(String(Y0))} + ((g % 100) / 10) * ${sql.raw(String(S))} + ${sql.raw(String(S))} * (0.05 + 0.03 * ((i / ${sql.raw(String(grids))}) / 30)) as lat) p
    left join lateral (select id from departments limit 1) d on true`.execute(database.db)
}
for (let from = 0; from < CASES; from += BATCH) {
  await sql`
    insert into cases (number, source, class_kind, major_class, minor_class, description, lng, lat, grid_code, community_code, street_code,
      district_code, state, urgency, photos, clocks, timings, light, reported_at, closed_at)
    select '2' || lpad(i::text, 12, '0'), 'supervisor', 'event', '01', '0102', '批量合成案件 ' || i, ${X0} + 0.0005, ${Y0} + 0.0005,
      '320102001' || lpad((1 + (i % ${grids}) / 100)::text, 3, '0') || lpad((1 + (i % ${grids}) % 100)::text, 3, '0'),
      null, null, '320102', case when i % 10 = 0 then 'dispatched' else 'closed' end, 'normal',
      case when i % 10 = 3 then '[]'::jsonb else '["${sql.raw('0'.repeat(64))}"]'::jsonb end, '{}', '{}', 'green', now() - (i % 43200) * interval '1 minute',
      case when i % 10 = 0 then null else now() end
    from generate_series(${from + 1}::int, ${Math.min(from + BATCH, CASES)}::int) as i`.execute(database.db)
}
await sql`analyze`.execute(database.db)
await database.close()
const fillSeconds = (performance.now() - t0) / 1000

server = await startServerProcess(env)
admin = await login(server.url)
async function time(path: string) {
  const s = performance.now()
  const res = await fetch(`${server.url}${path}`, { headers: { cookie: admin } })
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  const body = (await res.json()) as unknown
  return { ms: performance.now() - s, body }
}
const cold = await time('/api/v1/datasets')
// recounted (?refresh=true: every count and check run again) vs shared (the minute-old result)
const warm: number[] = []
for (let i = 0; i < 20; i++) warm.push((await time('/api/v1/datasets?refresh=true')).ms)
warm.sort((a, b) => a - b)
const shared: number[] = []
for (let i = 0; i < 20; i++) shared.push((await time('/api/v1/datasets')).ms)
shared.sort((a, b) => a - b)
const counts = Object.fromEntries(
  (cold.body as { items: { name: string; count: number; checks: { key: string; count: number }[] }[] }).items.flatMap((d) => [[d.name, d.count], ...d.checks.filter((c) => c.count > 0).map((c) => [`${d.name}.${c.key}`, c.count])]),
)
const noPhotos = await time('/api/v1/datasets/cases/checks/no_photos')
const outside = await time('/api/v1/datasets/components/checks/outside_grid')
const overlap = await time('/api/v1/datasets/grids/checks/overlap')
server.child.kill('SIGTERM')
await server.exited
await db?.drop()
rmSync(dataDir, { recursive: true, force: true })

const pct = (l: number[], p: number) => l[Math.min(l.length - 1, Math.floor(p * l.length))]!.toFixed(0)
console.log(`\nmachine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
console.log(`${serverUrl ? 'PostgreSQL' : 'embedded PGlite'}; ${grids.toLocaleString('en')} grids in ${COMMUNITIES} communities, ${COMPONENTS.toLocaleString('en')} components, ${CASES.toLocaleString('en')} cases (set up in ${fillSeconds.toFixed(0)} s)`)
console.log('figures found:', JSON.stringify(counts))
console.log('| request | ms |')
console.log('|---|---:|')
console.log(`| GET /datasets, first (topology computed) | ${cold.ms.toFixed(0)} |`)
console.log(`| GET /datasets?refresh=true (recounted; cached topology), p50 / p95 of 20 | ${pct(warm, 0.5)} / ${pct(warm, 0.95)} |`)
console.log(`| GET /datasets (the shared result, < 1 min old), p50 / p95 of 20 | ${pct(shared, 0.5)} / ${pct(shared, 0.95)} |`)
console.log(`| cases/no_photos, first page | ${noPhotos.ms.toFixed(0)} |`)
console.log(`| components/outside_grid, first page | ${outside.ms.toFixed(0)} |`)
console.log(`| grids/overlap, first page | ${overlap.ms.toFixed(0)} |`)

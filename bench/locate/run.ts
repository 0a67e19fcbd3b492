/**
 * Point → grid lookup (DESIGN §6 budget: ≥ 1,000,000 lookups/s in process over 100k grids).
 *
 *   node --import tsx bench/locate/run.ts
 *
 * 1. Builds 100,000 synthetic unit grids (8–12 vertices, a seamless tessellation near Nanjing)
 *    into the regions module's own LocateIndex and times `gridAt` on 1,000,000 uniform points.
 * 2. When a PostgreSQL with PostGIS answers at PG_URL (default the local test server), loads the
 *    same grids into a scratch database with a GiST index and times the same points through
 *    ST_Contains, one prepared query at a time over one connection; prints both and the ratio.
 *
 * Environment: COLS, ROWS (grid lattice, default 400 × 250), POINTS (1e6), PG_URL, PG_POINTS (20,000).
 */
import { cpus } from 'node:os'
import pg from 'pg'
import { LocateIndex } from '../../apps/api/src/modules/regions/locate-index.js'
import { pointInPolygons, polygonsOf, type AreaGeometry } from '../../apps/api/src/platform/geo/index.js'
import { queryPoints, syntheticGrids } from './synthetic.js'

const env = (k: string, d: number) => Number(process.env[k] ?? d)
const COLS = env('COLS', 400)
const ROWS = env('ROWS', 250)
const POINTS = env('POINTS', 1_000_000)
const PG_POINTS = env('PG_POINTS', 20_000)
const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres'
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

console.log(`# bench/locate — ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model.trim()} — node ${process.version}`)

let t = performance.now()
const grids = syntheticGrids(COLS, ROWS)
const vertexCounts = grids.geometries.map((g) => (g.coordinates[0] as unknown[]).length - 1)
console.log(`grids: ${fmt(grids.geometries.length)} (${Math.min(...vertexCounts)}–${Math.max(...vertexCounts)} vertices), generated in ${fmt(performance.now() - t)} ms`)

t = performance.now()
const index = new LocateIndex(
  grids.codes.map((code, i) => ({ code, level: 'grid' as const, geometry: grids.geometries[i]! })),
  grids.codes.map((code) => ({ code, name: code })),
)
console.log(`index built in ${fmt(performance.now() - t)} ms`)

const pts = queryPoints(POINTS, grids.bbox)
// wall-clock rate, and the rate per CPU-second of this thread (what the wall rate is on an idle
// machine; on a shared one the difference is time spent waiting for a core)
const rates: number[] = []
const cpuRates: number[] = []
let hits = 0
for (let round = 0; round < 6; round++) {
  hits = 0
  const start = performance.now()
  const cpu = process.cpuUsage()
  for (let k = 0; k < pts.length; k += 2) if (index.gridAt(pts[k]!, pts[k + 1]!) !== null) hits++
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  if (round === 0) continue // warms the JIT
  rates.push((POINTS / ms) * 1000)
  cpuRates.push((POINTS / (used.user + used.system)) * 1e6)
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const inProcess = median(rates)
console.log(
  `in process: ${fmt(inProcess)} lookups/s wall clock (median of ${rates.length} rounds of ${fmt(POINTS)}; best ${fmt(Math.max(...rates))}); ${fmt(median(cpuRates))} per CPU-second; ${((hits / POINTS) * 100).toFixed(2)} % of points in a grid`,
)

// correctness on a sample: brute force over every grid whose box holds the point
const boxes = grids.geometries.map((g) => {
  const ring = g.coordinates[0] as [number, number][]
  return [Math.min(...ring.map((p) => p[0])), Math.min(...ring.map((p) => p[1])), Math.max(...ring.map((p) => p[0])), Math.max(...ring.map((p) => p[1]))]
})
let wrong = 0
for (let k = 0; k < 4000; k += 2) {
  const [x, y] = [pts[k]!, pts[k + 1]!]
  let expected: string | null = null
  for (let i = 0; i < boxes.length && expected === null; i++) {
    const b = boxes[i]!
    if (x >= b[0]! && x <= b[2]! && y >= b[1]! && y <= b[3]! && pointInPolygons([x, y], polygonsOf(grids.geometries[i]!)) >= 0) expected = grids.codes[i]!
  }
  if (index.gridAt(x, y) !== expected) wrong++
}
console.log(`checked 2,000 points against brute force: ${wrong} wrong`)

const wkt = (g: AreaGeometry) => `POLYGON((${(g.coordinates[0] as [number, number][]).map((p) => `${p[0]} ${p[1]}`).join(',')}))`

async function postgis(): Promise<number | null> {
  const admin = new pg.Client({ connectionString: PG_URL })
  try {
    await admin.connect()
  } catch (err) {
    console.log(`PostGIS: skipped (no server at ${PG_URL}: ${(err as Error).message})`)
    return null
  }
  const name = `civicgrid_bench_locate_${process.pid}`
  await admin.query(`create database ${name}`)
  const url = new URL(PG_URL)
  url.pathname = `/${name}`
  const db = new pg.Client({ connectionString: url.toString() })
  try {
    await db.connect()
    try {
      await db.query('create extension postgis')
    } catch (err) {
      console.log(`PostGIS: skipped (${(err as Error).message}; apt-get install postgresql-15-postgis-3)`)
      return null
    }
    const { rows } = await db.query<{ v: string }>('select postgis_lib_version() as v')
    t = performance.now()
    await db.query('create table grids (code text primary key, geom geometry(Polygon, 4326) not null)')
    for (let i = 0; i < grids.codes.length; i += 5000) {
      await db.query('insert into grids select c, ST_GeomFromText(w, 4326) from unnest($1::text[], $2::text[]) as u(c, w)', [
        grids.codes.slice(i, i + 5000),
        grids.geometries.slice(i, i + 5000).map(wkt),
      ])
    }
    await db.query('create index grids_geom_idx on grids using gist (geom)')
    await db.query('analyze grids')
    console.log(`PostGIS ${rows[0]!.v}: loaded and indexed in ${fmt(performance.now() - t)} ms`)
    const query = { name: 'locate', text: 'select code from grids where ST_Contains(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) order by code limit 1' }
    for (let k = 0; k < 2000; k += 2) await db.query({ ...query, values: [pts[k], pts[k + 1]] }) // warm up
    let disagree = 0
    const start = performance.now()
    for (let k = 0; k < PG_POINTS * 2; k += 2) {
      const r = await db.query<{ code: string }>({ ...query, values: [pts[k], pts[k + 1]] })
      if ((r.rows[0]?.code ?? null) !== index.gridAt(pts[k]!, pts[k + 1]!)) disagree++
    }
    const rate = (PG_POINTS / (performance.now() - start)) * 1000
    console.log(`PostGIS ST_Contains + GiST, one connection: ${fmt(rate)} lookups/s over ${fmt(PG_POINTS)} points (${disagree} answers differ from in process)`)
    return rate
  } finally {
    await db.end().catch(() => {})
    await admin.query(`drop database if exists ${name} with (force)`)
    await admin.end()
  }
}

const viaPostgis = await postgis()
console.log('')
console.log('| lookup | lookups/s |')
console.log('| --- | ---: |')
console.log(`| in process (Flatbush + buckets + exact point-in-polygon) | ${fmt(inProcess)} |`)
if (viaPostgis) console.log(`| PostGIS ST_Contains, GiST, 1 connection | ${fmt(viaPostgis)} |`)
if (viaPostgis) console.log(`\nin process is ${fmt(inProcess / viaPostgis)}× PostGIS`)
console.log(`budget ≥ 1,000,000/s: ${inProcess >= 1_000_000 ? 'met' : 'MISSED'}`)

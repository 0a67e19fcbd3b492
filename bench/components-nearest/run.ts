// Nearest component of a class within 50 m among N components, over HTTP, on the embedded
// database (and on PostgreSQL with --db postgres|both): a server process gets the synthetic
// territory and a census of N components (imported through the API), then answers
// GET /api/v1/components/nearest?lng=&lat=&minorClass=&radius=50 for random points and classes
// from keep-alive clients. Prints p50/p95/p99 latency and throughput per concurrency, and the
// same for the clustered map view (city-wide and street-level windows) as a side measurement.
//   node --import tsx bench/components-nearest/run.ts [--rows 1000000] [--requests 3000] [--db embedded|postgres|both]
import http from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { memoryOf, startBenchServer, timedImport, type BenchServer } from '../components-import/harness.js'
import { CLASSES, ORIGIN, randomPoint, rng, SIDE, STEP, writeCensusCsv } from '../components-import/synthetic.js'

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1]! : def
}
const rows = Number(arg('rows', '1000000'))
const requests = Number(arg('requests', '3000'))
const which = arg('db', 'embedded')
const kinds = which === 'both' ? (['embedded', 'postgres'] as const) : ([which] as ('embedded' | 'postgres')[])

interface Stats {
  p50: number
  p95: number
  p99: number
  rps: number
  hits: number
}

/** Run `total` GETs from `concurrency` keep-alive clients; latency of each in ms. */
async function load(server: BenchServer, total: number, concurrency: number, path: (i: number) => string, found?: (body: string) => boolean): Promise<Stats> {
  const url = new URL(server.url)
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
  const latencies: number[] = []
  let next = 0
  let hits = 0
  const one = (p: string) =>
    new Promise<string>((resolve, reject) => {
      const req = http.get({ host: url.hostname, port: url.port, path: p, agent, headers: { cookie: server.cookie } }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d) => (body += d))
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${res.statusCode} ${body}`))))
      })
      req.on('error', reject)
    })
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const s = performance.now()
        const body = await one(path(i))
        latencies.push(performance.now() - s)
        if (found?.(body)) hits++
      }
    }),
  )
  const seconds = (performance.now() - t0) / 1000
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const q = (f: number) => latencies[Math.min(latencies.length - 1, Math.floor(f * latencies.length))]!
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99), rps: total / seconds, hits }
}

const results: string[] = []
const work = mkdtempSync(join(tmpdir(), 'civicgrid-nearest-bench-'))
try {
  const csv = join(work, 'census.csv')
  await writeCensusCsv(csv, rows, { dept: 'MAINT' })
  for (const kind of kinds) {
    const dataDir = mkdtempSync(join(work, `${kind}-`))
    const server = await startBenchServer(kind, dataDir)
    try {
      const imp = await timedImport(server, csv, rows)
      if (imp.status !== 'succeeded') throw new Error(`import ${imp.status}`)
      console.error(`# ${kind}: ${rows.toLocaleString('en')} components imported in ${imp.seconds.toFixed(1)} s`)
      const rand = rng(7)
      const points = Array.from({ length: requests + 500 }, () => randomPoint(rand))
      const classes = Array.from({ length: requests + 500 }, () => CLASSES[Math.floor(rand() * CLASSES.length)]!)
      const nearest = (i: number) => `/api/v1/components/nearest?lng=${points[i]![0]}&lat=${points[i]![1]}&minorClass=${classes[i]}&radius=50`
      const hit = (body: string) => body.length > 12
      // warm-up: JIT, caches, the class list
      await load(server, 500, 2, (i) => nearest(requests + i))
      for (const c of [1, 4, 16]) {
        const s = await load(server, requests, c, nearest, hit)
        results.push(`| ${kind} | nearest, 50 m, one class | ${c} | ${s.p50.toFixed(2)} | ${s.p95.toFixed(2)} | ${s.p99.toFixed(2)} | ${Math.round(s.rps).toLocaleString('en')} | ${((100 * s.hits) / requests).toFixed(0)}% found |`)
        console.error(results.at(-1))
      }
      // the clustered map: the whole territory at city zoom, and street-level windows
      const all = `${ORIGIN.x},${ORIGIN.y},${ORIGIN.x + SIDE * STEP},${ORIGIN.y + SIDE * STEP}`
      await load(server, 3, 1, () => `/api/v1/components/clusters?bbox=${all}&zoom=12`)
      const city = await load(server, 100, 1, () => `/api/v1/components/clusters?bbox=${all}&zoom=12`)
      results.push(`| ${kind} | clusters, whole territory (${rows.toLocaleString('en')} points), zoom 12 | 1 | ${city.p50.toFixed(2)} | ${city.p95.toFixed(2)} | ${city.p99.toFixed(2)} | ${Math.round(city.rps).toLocaleString('en')} | |`)
      const street = await load(server, 300, 1, (i) => {
        const [x, y] = points[i]!
        return `/api/v1/components/clusters?bbox=${x},${y},${(x + 0.005).toFixed(7)},${(y + 0.004).toFixed(7)}&zoom=16`
      })
      results.push(`| ${kind} | clusters, 500 m × 450 m window, zoom 16 | 1 | ${street.p50.toFixed(2)} | ${street.p95.toFixed(2)} | ${street.p99.toFixed(2)} | ${Math.round(street.rps).toLocaleString('en')} | |`)
      const stats = await load(server, 20, 1, () => '/api/v1/components/stats?region=320102')
      results.push(`| ${kind} | stats by class and status, the whole district | 1 | ${stats.p50.toFixed(1)} | ${stats.p95.toFixed(1)} | ${stats.p99.toFixed(1)} | ${stats.rps.toFixed(1)} | |`)
      console.error(`# ${kind}: server RSS after the queries ${memoryOf(server.pid).rss.toFixed(0)} MB`)
    } finally {
      await server.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}

console.log(`\nmachine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; ${new Date().toISOString()}`)
console.log(`${rows.toLocaleString('en')} components over 10,000 grids (30 classes); ${requests.toLocaleString('en')} requests per row; target: nearest p95 ≤ 10 ms`)
console.log('| database | query | clients | p50 ms | p95 ms | p99 ms | req/s | |')
console.log('|---|---|---|---|---|---|---|---|')
for (const r of results) console.log(r)

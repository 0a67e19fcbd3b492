// Mixed load over HTTP (issue #8): supervisors reporting (with a photo), the centre working its queues
// (list, then act on a case), the big screen polling its aggregates, residents reading parking lots and
// their bookings — from --clients concurrent clients for --seconds, against a demo server. Prints
// throughput, latency percentiles, errors and conflicts per operation, beside Fastify hello-world on
// the same machine (bench/http/hello.mjs with autocannon, same connection count).
//   node --import tsx bench/load/run.ts [--seconds 20] [--clients 20] [--url http://127.0.0.1:3000 --password …]
// Without --url it starts a server on a fresh demo database: embedded, or PostgreSQL when
// TEST_DATABASE_URL is set (a new database on that server), and stops it afterwards.
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import sharp from 'sharp'
import { startServerProcess } from '../../apps/api/src/testing/processes.js'
import { createServerTestDatabase } from '../../apps/api/src/testing/test-db.js'

const arg = (name: string, def: string | null = null) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1]! : def
}
const SECONDS = Number(arg('seconds', '20'))
const CLIENTS = Number(arg('clients', '20'))
const PASSWORD = arg('password', 'bench-demo-password')!
const pgUrl = process.env.TEST_DATABASE_URL || null

type Op = 'report' | 'queue list' | 'queue act' | 'screen' | 'resident lots' | 'resident bookings'
const WEIGHTS: [Op, number][] = [
  ['report', 10],
  ['queue list', 25],
  ['queue act', 10],
  ['screen', 15],
  ['resident lots', 20],
  ['resident bookings', 20],
]

interface Stat {
  latencies: number[]
  errors: number
  conflicts: number
  lastError: string | null
}

async function startServer() {
  const given = arg('url')
  if (given) return { url: given.replace(/\/$/, ''), label: `server at ${given}`, stop: async () => {} }
  const dataDir = mkdtempSync(join(tmpdir(), 'civicgrid-bench-load-'))
  const db = pgUrl ? await createServerTestDatabase(pgUrl) : null
  const started = performance.now()
  const server = await startServerProcess({
    DATA_DIR: dataDir,
    ADMIN_PASSWORD: 'bench-admin-password',
    DEMO: 'true',
    DEMO_PASSWORD: PASSWORD,
    LOG_LEVEL: 'warn',
    SECRET_KEY: 'bench-secret-0123456789abcdefghijklmn',
    ...(db ? { DATABASE_URL: db.url } : {}),
  })
  console.error(`load: server with the demo seeded started in ${((performance.now() - started) / 1000).toFixed(0)} s`)
  return {
    url: server.url,
    label: db ? 'PostgreSQL (demo seed)' : 'embedded PGlite (demo seed)',
    stop: async () => {
      server.child.kill('SIGTERM')
      await server.exited
      await db?.drop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

async function login(base: string, username: string) {
  const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) })
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`)
  await res.arrayBuffer()
  return res.headers.get('set-cookie')!.split(';')[0]!
}

async function helloWorld() {
  const child = spawn(process.execPath, [new URL('../http/hello.mjs', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise<string>((resolve) => child.stdout.on('data', (d) => /ready at (\S+)/.test(String(d)) && resolve(/ready at (\S+)/.exec(String(d))![1]!)))
  try {
    await autocannon({ url: `${url}/`, connections: CLIENTS, duration: 2 })
    const r = await autocannon({ url: `${url}/`, connections: CLIENTS, duration: Math.min(SECONDS, 10) })
    return { rps: r.requests.average, p50: r.latency.p50, p95: r.latency.p97_5, p99: r.latency.p99 }
  } finally {
    child.kill()
  }
}

const server = await startServer()
const base = server.url
try {
  // the people: supervisors with their grids, the shift leader and operator, the leader's screen, a resident
  const operator = await login(base, 'operator')
  const shift = await login(base, 'shift')
  const leader = await login(base, 'leader')
  const resident = await login(base, 'resident1')
  const grids: string[] = []
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const r = (await (await fetch(`${base}/api/v1/regions?level=grid&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: { cookie: operator } })).json()) as { items: { code: string; bbox: number[] | null }[]; nextCursor: string | null }
    grids.push(...r.items.map((g) => g.code))
    cursor = r.nextCursor
  }
  const supervisors: { cookie: string; points: [number, number][]; photo: string }[] = []
  const people = new Set<string>()
  for (const code of grids.slice(0, 400)) {
    const p = (await (await fetch(`${base}/api/v1/grids/${code}/people`, { headers: { cookie: operator } })).json()) as { primary: { username: string } | null }
    if (p.primary) people.add(p.primary.username)
  }
  const img = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 120, g: 110, b: 90 } } }).jpeg().toBuffer()
  for (const username of [...people].sort()) {
    const cookie = await login(base, username)
    const me = (await (await fetch(`${base}/api/v1/me`, { headers: { cookie } })).json()) as { scopes: { regionCode: string }[] }
    // report points: grid centres found by the locate endpoint to be inside the grid
    const points: [number, number][] = []
    for (const s of me.scopes.filter((x) => x.regionCode.length === 15).slice(0, 10)) {
      const g = (await (await fetch(`${base}/api/v1/regions/${s.regionCode}`, { headers: { cookie } })).json()) as { bbox: [number, number, number, number] | null }
      if (!g.bbox) continue
      const c: [number, number] = [(g.bbox[0] + g.bbox[2]) / 2, (g.bbox[1] + g.bbox[3]) / 2]
      const located = await fetch(`${base}/api/v1/locate?lng=${c[0]}&lat=${c[1]}`, { headers: { cookie } })
      const body = (await located.json()) as { grid?: { code: string } | null }
      if (located.ok && body.grid?.code === s.regionCode) points.push(c)
    }
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(img)], { type: 'image/jpeg' }), 'bench.jpg')
    const up = await fetch(`${base}/api/v1/files`, { method: 'POST', headers: { cookie }, body: form })
    const photo = ((await up.json()) as { sha256: string }).sha256
    if (points.length) supervisors.push({ cookie, points, photo })
  }
  if (supervisors.length === 0) throw new Error('no supervisor with a grid point: is this a demo database?')
  const pilot = supervisors[0]!.points[0]!

  const stats = new Map<Op, Stat>(WEIGHTS.map(([op]) => [op, { latencies: [], errors: 0, conflicts: 0, lastError: null }]))
  const total = WEIGHTS.reduce((s, [, w]) => s + w, 0)
  const pickOp = (): Op => {
    let x = Math.random() * total
    for (const [op, w] of WEIGHTS) if ((x -= w) < 0) return op
    return 'screen'
  }
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!
  let pendingRegister: { id: string; version: number }[] = []

  async function timed(op: Op, run: () => Promise<Response>): Promise<unknown> {
    const s = stats.get(op)!
    const t0 = performance.now()
    let res: Response
    try {
      res = await run()
    } catch (err) {
      s.errors++
      s.lastError = String(err)
      return null
    }
    const text = await res.text()
    s.latencies.push(performance.now() - t0)
    if (res.status === 409) s.conflicts++
    else if (!res.ok) {
      s.errors++
      s.lastError = `${res.status} ${text.slice(0, 160)}`
    }
    return res.ok && text ? JSON.parse(text) : null
  }

  const ops: Record<Op, () => Promise<unknown>> = {
    report: async () => {
      const sup = pick(supervisors)
      const [lng, lat] = pick(sup.points)
      return timed('report', () =>
        fetch(`${base}/api/v1/cases`, {
          method: 'POST',
          headers: { cookie: sup.cookie, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify({ source: 'supervisor', classKind: 'event', minorClass: pick(['0102', '0104', '0506', '0507']), lng: lng + (Math.random() - 0.5) * 1e-5, lat, description: '压测上报（bench/load）', photos: [sup.photo] }),
        }),
      )
    },
    'queue list': async () => {
      const body = (await timed('queue list', () => fetch(`${base}/api/v1/cases?view=tasks&limit=50`, { headers: { cookie: shift } }))) as { items: { id: string; state: string; version: number }[] } | null
      if (body) pendingRegister = body.items.filter((c) => c.state === 'pendingRegister').slice(0, 50)
      return body
    },
    'queue act': async () => {
      const c = pendingRegister.length ? pendingRegister.splice(Math.floor(Math.random() * pendingRegister.length), 1)[0]! : null
      if (!c) return ops['queue list']()
      return timed('queue act', () =>
        fetch(`${base}/api/v1/cases/${c.id}/register`, { method: 'POST', headers: { cookie: shift, 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body: JSON.stringify({ version: c.version }) }),
      )
    },
    screen: async () => timed('screen', () => fetch(`${base}/api/v1/stats/screen`, { headers: { cookie: leader } })),
    'resident lots': async () => timed('resident lots', () => fetch(`${base}/api/v1/parking/lots?lng=${pilot[0]}&lat=${pilot[1]}&radiusM=3000`, { headers: { cookie: resident } })),
    'resident bookings': async () => timed('resident bookings', () => fetch(`${base}/api/v1/parking/reservations`, { headers: { cookie: resident } })),
  }

  const load0 = loadavg()[0]!
  console.error(`load: ${supervisors.length} supervisors, ${CLIENTS} clients for ${SECONDS} s against ${server.label}`)
  const until = performance.now() + SECONDS * 1000
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) await ops[pickOp()]()
    }),
  )
  const elapsed = (performance.now() - t0) / 1000
  const load1 = loadavg()[0]!
  await server.stop()
  const hello = await helloWorld()

  const q = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!.toFixed(1) : '-')
  console.log(`\nmachine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; ${server.label}; ${CLIENTS} concurrent clients for ${SECONDS} s; load average ${load0.toFixed(1)} before, ${load1.toFixed(1)} after (machine shared)`)
  console.log('| operation | requests | req/s | p50 ms | p95 ms | p99 ms | errors | 409 conflicts |')
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|')
  let all: number[] = []
  for (const [op, s] of stats) {
    s.latencies.sort((a, b) => a - b)
    all = all.concat(s.latencies)
    console.log(`| ${op} | ${s.latencies.length} | ${(s.latencies.length / elapsed).toFixed(1)} | ${q(s.latencies, 0.5)} | ${q(s.latencies, 0.95)} | ${q(s.latencies, 0.99)} | ${s.errors} | ${s.conflicts} |`)
  }
  all.sort((a, b) => a - b)
  console.log(`| **all** | ${all.length} | ${(all.length / elapsed).toFixed(1)} | ${q(all, 0.5)} | ${q(all, 0.95)} | ${q(all, 0.99)} | ${[...stats.values()].reduce((s, x) => s + x.errors, 0)} | ${[...stats.values()].reduce((s, x) => s + x.conflicts, 0)} |`)
  console.log(`| Fastify hello-world (autocannon, ${CLIENTS} connections) | — | ${Math.round(hello.rps)} | ${hello.p50} | ${hello.p95} (p97.5) | ${hello.p99} | 0 | — |`)
  for (const [op, s] of stats) if (s.lastError) console.log(`last error of ${op}: ${s.lastError}`)
} catch (err) {
  await server.stop()
  throw err
}

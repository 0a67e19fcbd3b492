// Parking booking under contention: CLIENTS concurrent HTTP clients (default 200) book 50
// spaces of one lot for SECONDS (default 30) against a civicgrid server on loopback — on the
// embedded database and on PostgreSQL, with each "any space" assignment strategy — then the
// database is checked: no overlapping active reservations, every success is a row, and every
// window refused for lack of space was really full.
//
//   node --import tsx bench/parking/run.ts [--seconds 30] [--clients 200] [--targets embedded,postgres]
//        [--strategies groupCommit,retry,lockLot] [--warmup 3] [--rate N] [--profile DIR]
//   PostgreSQL: BENCH_DATABASE_URL (default TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:55432/postgres);
//   a fresh database is created on it and dropped afterwards.
//
// Workload: each client is its own account with its own plate. A request asks for a 1-hour (60%)
// or 2-hour (40%) window starting on any hour of the next 30 days, skewed towards the first days
// (start slot = 720·u³), so near windows fill up and contend while later ones still succeed;
// 30% name a random space, 70% ask for any space.
import { spawn } from 'node:child_process'
import http from 'node:http'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import pg from 'pg'
import { openDatabase, type Database } from '../../apps/api/src/platform/db/database.js'
import { createServerTestDatabase } from '../../apps/api/src/testing/test-db.js'
import { communityImport, LOT_POINT, plateNo, spaceList } from '../../apps/api/src/modules/parking/parking.fixtures.js'
import { cpuMs } from '../proc-cpu.js'

const args = process.argv.slice(2)
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1]! : def
}
const SECONDS = Number(opt('seconds', '30'))
const CLIENTS = Number(opt('clients', '200'))
const WARMUP = Number(opt('warmup', '3'))
const TARGETS = opt('targets', 'embedded,postgres').split(',') as ('embedded' | 'postgres')[]
const STRATEGIES = opt('strategies', 'groupCommit,retry,lockLot').split(',')
/**
 * --rate N: open loop — the clients together send N attempts per second on a fixed schedule
 * (client c every CLIENTS/N s, phase-shifted), whatever the answers take; latency is counted
 * from the scheduled send time, so a server that falls behind shows it in the percentiles.
 * 0 (default): closed loop — every client sends its next attempt as soon as it has an answer.
 */
const RATE = Number(opt('rate', '0'))
/** --profile DIR: the server process writes a V8 CPU profile there (node --cpu-prof) when it stops. */
const PROFILE = opt('profile', '')
const PG_URL = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:55432/postgres'
const SPACES = 50
const PASSWORD = 'bench-password-1'
const HOUR = 3_600_000

interface Server {
  url: string
  pid: number
  stop: () => Promise<void>
}

/** The PostgreSQL backends serving a database (the server's pool). */
async function backends(url: string): Promise<number[]> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  const r = await c.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()')
  await c.end()
  return r.rows.map((x) => x.pid)
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const profile = PROFILE ? ['--cpu-prof', '--cpu-prof-dir', PROFILE] : []
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', new URL('./server.ts', import.meta.url).pathname], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', JOBS: 'false', DEMO: 'false', ADMIN_PASSWORD: PASSWORD, SECRET_KEY: 'bench-secret-0123456789abcdefghijklmnop', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 120_000)
    child.stdout.on('data', () => {
      const m = /ready at (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    })
    void exited.then(() => reject(new Error(`server exited:\n${out}`)))
  })
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM')
      await exited
    },
  }
}

async function api(base: string, method: string, path: string, body?: unknown, cookie?: string) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(cookie ? { cookie } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`)
  return { json: text ? JSON.parse(text) : null, cookie: res.headers.get('set-cookie')?.split(';')[0] ?? null }
}

/** Run `fn` over `items` with at most `n` at a time. */
async function pool<T, R>(items: T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }))
  return out
}

async function makeLot(base: string, admin: string, name: string) {
  const lot = (
    await api(base, 'POST', '/parking/lots', {
      name,
      type: 'public',
      location: LOT_POINT,
      capacity: SPACES,
      rules: { maxActivePerAccount: 100_000, maxActivePerPlate: 100_000, timeStepMinutes: 60, minDurationMinutes: 60, maxAdvanceDays: 60 },
    }, admin)
  ).json
  const spaces = (await api(base, 'POST', `/parking/lots/${lot.id}/spaces`, { spaces: spaceList('B', SPACES) }, admin)).json.items as { id: string }[]
  return { id: lot.id as string, spaceIds: spaces.map((s) => s.id) }
}

interface Outcome {
  created: number
  conflict: number
  noSpace: number
  errors: string[]
  latencies: number[]
  refused: Set<string>
}

/** A lean keep-alive HTTP POST (fetch costs the load generator several times more CPU per request). */
function post(agent: http.Agent, url: URL, cookie: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: url.hostname, port: url.port, path: '/api/v1/parking/reservations', method: 'POST', headers: { cookie, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** The contention loop: every client books until the deadline. */
async function contend(base: string, lot: { id: string; spaceIds: string[] }, cookies: string[], seconds: number): Promise<Outcome & { elapsed: number }> {
  const o: Outcome = { created: 0, conflict: 0, noSpace: 0, errors: [], latencies: [], refused: new Set() }
  // windows start on the hour from the second local midnight ahead (so they are always in the future)
  const day0 = Math.ceil((Date.now() + 8 * HOUR) / (24 * HOUR)) * 24 * HOUR - 8 * HOUR + 24 * HOUR
  const agent = new http.Agent({ keepAlive: true, maxSockets: cookies.length })
  const target = new URL(base)
  const started = performance.now()
  const deadline = started + seconds * 1000
  await Promise.all(
    cookies.map(async (cookie, c) => {
      const plate = plateNo(c + 1)
      const period = RATE > 0 ? (cookies.length / RATE) * 1000 : 0
      for (let k = 0; ; k++) {
        const due = started + period * (k + c / cookies.length)
        if (RATE > 0) {
          if (due >= deadline) break
          const wait = due - performance.now()
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
        } else if (performance.now() >= deadline) break
        const slot = Math.floor(720 * Math.random() ** 3)
        const start = day0 + slot * HOUR
        const end = start + (Math.random() < 0.6 ? 1 : 2) * HOUR
        const specific = Math.random() < 0.3
        const body = JSON.stringify({
          lotId: lot.id,
          start: new Date(start).toISOString(),
          end: new Date(end).toISOString(),
          plate,
          ...(specific ? { spaceId: lot.spaceIds[Math.floor(Math.random() * lot.spaceIds.length)] } : {}),
        })
        const t0 = RATE > 0 ? due : performance.now()
        try {
          const { status, text } = await post(agent, target, cookie, body)
          const res = { status }
          o.latencies.push(performance.now() - t0)
          if (res.status === 201) o.created++
          else if (res.status === 409 && text.includes('RESERVATION_CONFLICT')) o.conflict++
          else if (res.status === 409 && text.includes('NO_SPACE_AVAILABLE')) {
            o.noSpace++
            o.refused.add(`${start}/${end}`)
          } else if (o.errors.length < 20) o.errors.push(`${res.status} ${text.slice(0, 200)}`)
        } catch (err) {
          o.latencies.push(performance.now() - t0)
          if (o.errors.length < 20) o.errors.push(String(err))
        }
      }
    }),
  )
  const elapsed = (performance.now() - started) / 1000
  agent.destroy()
  return { ...o, elapsed }
}

async function verify(db: Database, lotId: string, o: Outcome) {
  const overlaps = await sql<{ n: number }>`select count(*)::int as n from parking_reservations a join parking_reservations b
    on a.space_id = b.space_id and a.id < b.id and a.period && b.period
    where a.status in ('booked', 'checkedIn') and b.status in ('booked', 'checkedIn')`.execute(db.db)
  const rows = await sql<{ n: number }>`select count(*)::int as n from parking_reservations where lot_id = ${lotId}`.execute(db.db)
  let falseRefusals = 0
  for (const key of o.refused) {
    const [start, end] = key.split('/').map(Number) as [number, number]
    const taken = await sql<{ n: number }>`select count(distinct space_id)::int as n from parking_reservations
      where lot_id = ${lotId} and status in ('booked', 'checkedIn') and period && tstzrange(${new Date(start)}::timestamptz, ${new Date(end)}::timestamptz, '[)')`.execute(db.db)
    if (taken.rows[0]!.n !== SPACES) falseRefusals++
  }
  return { overlaps: overlaps.rows[0]!.n, rows: rows.rows[0]!.n, falseRefusals, refusedWindows: o.refused.size }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN

async function runOne(target: 'embedded' | 'postgres', strategy: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'civicgrid-bench-parking-'))
  const pg = target === 'postgres' ? await createServerTestDatabase(PG_URL) : null
  const server = await startServer({ DATA_DIR: dataDir, PARKING_ASSIGN: strategy, ...(pg ? { DATABASE_URL: pg.url } : {}) })
  try {
    const base = server.url
    const admin = (await api(base, 'POST', '/auth/login', { username: 'admin', password: PASSWORD })).cookie!
    await api(base, 'POST', '/regions/import', communityImport(), admin)
    const warm = await makeLot(base, admin, 'warm-up')
    const lot = await makeLot(base, admin, 'contended')
    const names = Array.from({ length: CLIENTS }, (_, i) => `driver${String(i).padStart(3, '0')}`)
    await pool(names, 8, (username) => api(base, 'POST', '/users', { username, displayName: username, password: PASSWORD, roles: ['resident'] }, admin))
    const cookies = await pool(names, 8, async (username) => (await api(base, 'POST', '/auth/login', { username, password: PASSWORD })).cookie!)
    if (WARMUP > 0) await contend(base, warm, cookies, WARMUP)
    // CPU used during the run by the server, the database backends and this load generator
    const pgPids = pg ? await backends(pg.url) : []
    const cpu0 = { server: cpuMs(server.pid), db: pgPids.reduce((a, p) => a + cpuMs(p), 0), gen: process.cpuUsage() }
    const o = await contend(base, lot, cookies, SECONDS)
    const pgPidsAfter = pg ? [...new Set([...pgPids, ...(await backends(pg.url))])] : []
    const genUsage = process.cpuUsage(cpu0.gen)
    const cpu = {
      server: cpuMs(server.pid) - cpu0.server,
      db: pgPidsAfter.reduce((a, p) => a + cpuMs(p), 0) - cpu0.db,
      gen: (genUsage.user + genUsage.system) / 1000,
    }
    await server.stop()
    const db = pg ? await openDatabase({ kind: 'postgres', url: pg.url }) : await openDatabase({ kind: 'pglite', dataDir })
    const v = await verify(db, lot.id, o)
    await db.close()
    const sorted = [...o.latencies].sort((a, b) => a - b)
    const attempts = o.latencies.length
    const perAttempt = { server: cpu.server / attempts, db: cpu.db / attempts, gen: cpu.gen / attempts }
    return {
      cpuMsPerAttempt: perAttempt,
      // what two dedicated cores could sustain for server + database (the load generator excluded)
      ceilingPerS: 2000 / (perAttempt.server + perAttempt.db),
      target,
      strategy,
      attempts,
      attemptsPerS: attempts / o.elapsed,
      createdPerS: o.created / o.elapsed,
      created: o.created,
      conflict: o.conflict,
      noSpace: o.noSpace,
      errors: o.errors,
      p50: pct(sorted, 50),
      p99: pct(sorted, 99),
      max: sorted.at(-1) ?? NaN,
      ...v,
      rowsMatch: v.rows === o.created,
    }
  } finally {
    await server.stop().catch(() => {})
    await pg?.drop().catch(() => {})
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** Round trip of a parameterised `select $1` over loopback: how fast the machine is right now. */
async function pgPing(): Promise<number | null> {
  try {
    const c = new pg.Client({ connectionString: PG_URL })
    await c.connect()
    const s = performance.now()
    for (let i = 0; i < 1000; i++) await c.query('select $1::int', [i])
    await c.end()
    return (performance.now() - s) / 1000
  } catch {
    return null
  }
}

const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
const pingBefore = await pgPing()
const results = []
for (const target of TARGETS) {
  // the embedded database runs one transaction at a time: lockLot is the same as retry there
  const onEmbedded = STRATEGIES.filter((s) => s !== 'lockLot')
  for (const strategy of target === 'embedded' ? (onEmbedded.length ? onEmbedded : STRATEGIES.slice(0, 1)) : STRATEGIES) {
    process.stderr.write(`# ${target} / ${strategy}: ${CLIENTS} clients × ${SECONDS} s …\n`)
    const r = await runOne(target, strategy)
    results.push(r)
    process.stderr.write(`#   ${JSON.stringify({ ...r, errors: r.errors.slice(0, 3) })}\n`)
  }
}

const model = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? cpus()[0]?.model
console.log(`\nmachine: ${cpus().length} CPU (${model}); node ${process.version}; ${new Date().toISOString()}`)
console.log(`command: node --import tsx bench/parking/run.ts --seconds ${SECONDS} --clients ${CLIENTS} --targets ${TARGETS.join(',')} --strategies ${STRATEGIES.join(',')}${RATE > 0 ? ` --rate ${RATE}` : ''}`)
console.log(`workload: ${CLIENTS} clients (one account and plate each), 50 spaces, 1–2 h windows on 720 hourly starts skewed to the first days, 30% by space, 70% any space; ${SECONDS} s after a ${WARMUP} s warm-up on another lot; ${RATE > 0 ? `open loop at ${RATE} attempts/s offered (latency from the scheduled send)` : 'closed loop (next attempt on the answer)'}\n`)
console.log('| database | "any space" strategy | attempts/s | booked/s | p50 ms | p99 ms | max ms | booked / conflict / no space | overlaps | rows = booked | false "no space" | CPU ms per attempt: server + db (+ load generator) | 2-core ceiling, attempts/s |')
console.log('|---|---|---:|---:|---:|---:|---:|---|---:|---|---:|---|---:|')
for (const r of results) {
  const c = r.cpuMsPerAttempt
  console.log(
    `| ${r.target === 'embedded' ? 'embedded (PGlite)' : 'PostgreSQL'} | ${r.strategy} | ${Math.round(r.attemptsPerS)} | ${Math.round(r.createdPerS)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(0)} | ${r.created} / ${r.conflict} / ${r.noSpace} | ${r.overlaps} | ${r.rowsMatch ? 'yes' : `no (${r.rows})`} | ${r.falseRefusals} of ${r.refusedWindows} | ${c.server.toFixed(2)} + ${c.db.toFixed(2)} (+ ${c.gen.toFixed(2)}) | ${Math.round(r.ceilingPerS)} |`,
  )
}
const pingAfter = await pgPing()
console.log(`\nload average before / after: ${loadBefore} / ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (other work on the machine shares the 2 cores)`)
if (pingBefore !== null) console.log(`PostgreSQL \`select $1\` round trip over loopback, one connection, before / after: ${pingBefore.toFixed(3)} / ${pingAfter?.toFixed(3)} ms`)
const failed = results.filter((r) => r.overlaps > 0 || !r.rowsMatch || r.falseRefusals > 0 || r.errors.length > 0)
const target = results.filter((r) => r.attemptsPerS < 500 || r.p99 > 100)
console.log(`\ntarget ≥ 500 attempts/s and p99 ≤ 100 ms: ${target.length === 0 ? 'met everywhere' : `not met by ${target.map((r) => `${r.target}/${r.strategy}`).join(', ')}`}`)
if (failed.length > 0) {
  console.log(`CORRECTNESS FAILURE: ${JSON.stringify(failed.map((r) => ({ target: r.target, strategy: r.strategy, overlaps: r.overlaps, rows: r.rows, created: r.created, falseRefusals: r.falseRefusals, errors: r.errors })))}`)
  process.exit(1)
}

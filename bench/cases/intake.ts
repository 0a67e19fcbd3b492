// Case intake over HTTP: 50 concurrent clients POST /api/v1/cases against a server process on
// loopback, on the embedded DB and (with TEST_DATABASE_URL) on PostgreSQL, beside a bare Fastify
// hello-world measured the same way. Reports CPU per case (server process, and the PostgreSQL
// backends of the bench database, from /proc) and the load average, since throughput on a shared
// machine is noisy and CPU per case is not.
//   node --import tsx bench/cases/intake.ts [--seconds 15] [--connections 50] [--db embedded|postgres|both] [--no-hello]
//   --profile FILE: a V8 CPU profile of the server during the measured run (FILE-embedded.cpuprofile, FILE-postgres.cpuprofile)
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { startServerProcess } from '../../apps/api/src/testing/processes.js'
import { createServerTestDatabase } from '../../apps/api/src/testing/test-db.js'
import { territoryImport, TERRITORY } from '../../apps/api/src/testing/territory.js'
import { backendsCpu, cpuMs } from '../proc-cpu.js'

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : def
}
const seconds = arg('seconds', 15)
const connections = arg('connections', 50)
const PASSWORD = 'bench-admin-password'
const profileArg = process.argv.includes('--profile') ? process.argv[process.argv.indexOf('--profile') + 1]! : null
const dbArg = process.argv.includes('--db') ? process.argv[process.argv.indexOf('--db') + 1] : 'both'

async function api(base: string, cookie: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, { method, headers: { cookie, 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body) })
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
  return res.json() as Promise<any>
}

async function login(base: string, username: string, password: string) {
  const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  return res.headers.get('set-cookie')!.split(';')[0]!
}

async function helloWorld() {
  const child = spawn(process.execPath, [new URL('../http/hello.mjs', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise<string>((resolve) => child.stdout.on('data', (d) => /ready at (\S+)/.test(String(d)) && resolve(/ready at (\S+)/.exec(String(d))![1]!)))
  try {
    const r = await autocannon({ url, connections, duration: seconds })
    return r.requests.average
  } finally {
    child.kill()
  }
}

async function intake(label: string, databaseUrl: string | null) {
  const dataDir = mkdtempSync(join(tmpdir(), 'civicgrid-bench-intake-'))
  const db = databaseUrl ? await createServerTestDatabase(databaseUrl) : null
  const profileFile = profileArg ? `${profileArg.replace(/\.cpuprofile$/, '')}-${databaseUrl ? 'postgres' : 'embedded'}.cpuprofile` : null
  const server = await startServerProcess({
    DATA_DIR: dataDir,
    ADMIN_PASSWORD: PASSWORD,
    LOG_LEVEL: 'warn',
    SECRET_KEY: 'bench-secret-0123456789abcdefghijklmn',
    ...(db ? { DATABASE_URL: db.url } : {}),
    ...(profileFile ? { NODE_OPTIONS: `--import ${new URL('./cpu-profile-hook.mjs', import.meta.url).pathname}`, CPU_PROFILE_FILE: profileFile } : {}),
  })
  try {
    const base = server.url
    const admin = await login(base, 'admin', PASSWORD)
    await api(base, admin, 'POST', '/api/v1/regions/import', territoryImport())
    await api(base, admin, 'POST', '/api/v1/users', { username: 'bench.sup', displayName: '监督员', password: PASSWORD, roles: ['supervisor'], scopes: [{ regionCode: TERRITORY.streetA }] })
    const cookie = await login(base, 'bench.sup', PASSWORD)
    let n = 0
    const run = (duration: number) =>
      autocannon({
        url: `${base}/api/v1/cases`,
        connections,
        duration,
        requests: [
          {
            method: 'POST',
            headers: { cookie, 'content-type': 'application/json' },
            // Points spread over the grid so duplicate proposals stay realistic.
            setupRequest: (req: any) => {
              n++
              const lng = 118.7705 + (n % 90) * 0.0001
              const lat = 32.031 + (Math.floor(n / 90) % 180) * 0.0001
              return { ...req, body: JSON.stringify({ classKind: 'event', minorClass: '0102', lng, lat, description: `bench report ${n}` }) }
            },
          },
        ],
      })
    // Warm-up (JIT, caches, the pool's connections), not counted.
    await run(3)
    const dbName = db ? new URL(db.url).pathname.slice(1) : null
    const pid = server.child.pid!
    const server0 = cpuMs(pid)
    const sys0 = cpuMs(pid, 'sys')
    const db0 = dbName ? await backendsCpu(databaseUrl!, dbName) : new Map<number, number>()
    const load0 = loadavg()[0]!
    if (profileFile) server.child.kill('SIGWINCH')
    const r = await run(seconds)
    if (profileFile) {
      server.child.kill('SIGWINCH')
      await new Promise<void>((resolve) => {
        const wait = setInterval(() => /cpu profile written/.test(server.output()) && (clearInterval(wait), resolve()), 100)
      })
    }
    const load1 = loadavg()[0]!
    const serverMs = cpuMs(pid) - server0
    const serverSysMs = cpuMs(pid, 'sys') - sys0
    const db1 = dbName ? await backendsCpu(databaseUrl!, dbName) : new Map<number, number>()
    let dbMs = 0
    for (const [p, ms] of db1) dbMs += ms - (db0.get(p) ?? 0)
    const done = r.requests.total - r.non2xx
    // Timeouts (autocannon's 10 s) are reported, not hidden: they are requests the budget failed.
    return {
      label,
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      total: r.requests.total,
      failed: r.non2xx + r.errors + r.timeouts,
      serverMsPerCase: serverMs / Math.max(1, done),
      serverSysMsPerCase: serverSysMs / Math.max(1, done),
      dbMsPerCase: dbName ? dbMs / Math.max(1, done) : null,
      load: `${load0.toFixed(1)}→${load1.toFixed(1)}`,
    }
  } finally {
    server.child.kill('SIGTERM')
    await server.exited
    await db?.drop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const hello = process.argv.includes('--no-hello') ? null : await helloWorld()
const rows = []
if (dbArg !== 'postgres') rows.push(await intake('embedded PGlite', null))
if (dbArg !== 'embedded') {
  if (!process.env.TEST_DATABASE_URL) throw new Error('--db postgres needs TEST_DATABASE_URL')
  if (process.env.TEST_DATABASE_URL) rows.push(await intake('PostgreSQL (pool 10)', process.env.TEST_DATABASE_URL))
}
console.log(`\nmachine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; ${connections} connections, ${seconds} s; ${new Date().toISOString()}`)
console.log('| target | cases/s | p50 ms | p99 ms | requests | failed or timed out | server CPU ms/case (of which system) | PostgreSQL backends CPU ms/case | load avg (1 min, start→end) | vs hello-world req/s |')
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|---:|')
if (hello !== null) console.log(`| Fastify hello-world | ${Math.round(hello)} | | | | | | | | 100% |`)
for (const r of rows) {
  const vs = hello ? `${((100 * r.rps) / hello).toFixed(1)}%` : ''
  console.log(`| POST /api/v1/cases, ${r.label} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.total} | ${r.failed} | ${r.serverMsPerCase.toFixed(2)} (${r.serverSysMsPerCase.toFixed(2)}) | ${r.dbMsPerCase === null ? '' : r.dbMsPerCase.toFixed(2)} | ${r.load} | ${vs} |`)
}

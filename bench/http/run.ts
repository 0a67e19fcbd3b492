// GET /healthz and an authenticated GET /api/v1/me on civicgrid (embedded DB) beside a bare
// Fastify hello-world, each measured with autocannon over loopback for the same duration.
//   node --import tsx bench/http/run.ts [--seconds 10] [--connections 50]
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { startServerProcess } from '../../apps/api/src/testing/processes.js'

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : def
}
const seconds = arg('seconds', 10)
const connections = arg('connections', 50)

async function measure(url: string, headers: Record<string, string> = {}) {
  // A short warm-up so JIT and caches are hot for every target alike.
  await autocannon({ url, connections, duration: 2, headers })
  const r = await autocannon({ url, connections, duration: seconds, headers })
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`)
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 }
}

async function helloWorld() {
  const child = spawn(process.execPath, [new URL('./hello.mjs', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise<string>((resolve) => child.stdout.on('data', (d) => /ready at (\S+)/.test(String(d)) && resolve(/ready at (\S+)/.exec(String(d))![1]!)))
  try {
    return await measure(`${url}/`)
  } finally {
    child.kill()
  }
}

async function civicgrid() {
  const dataDir = mkdtempSync(join(tmpdir(), 'civicgrid-bench-'))
  const password = 'bench-admin-password'
  const server = await startServerProcess({ DATA_DIR: dataDir, ADMIN_PASSWORD: password, LOG_LEVEL: 'warn', SECRET_KEY: 'bench-secret-0123456789abcdefghijklmn' })
  try {
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    })
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    return { healthz: await measure(`${server.url}/healthz`), me: await measure(`${server.url}/api/v1/me`, { cookie }) }
  } finally {
    server.child.kill('SIGTERM')
    await server.exited
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const hello = await helloWorld()
const cg = await civicgrid()
const row = (name: string, m: { rps: number; p50: number; p99: number }) =>
  `| ${name} | ${Math.round(m.rps).toLocaleString('en')} | ${m.p50} | ${m.p99} | ${((100 * m.rps) / hello.rps).toFixed(0)}% |`
console.log(`\nmachine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; ${connections} connections, ${seconds} s each`)
console.log('| endpoint | req/s | p50 ms | p99 ms | vs hello-world |')
console.log('|---|---:|---:|---:|---:|')
console.log(row('Fastify hello-world (bare)', hello))
console.log(row('civicgrid GET /healthz', cg.healthz))
console.log(row('civicgrid GET /api/v1/me (session cookie, embedded DB)', cg.me))

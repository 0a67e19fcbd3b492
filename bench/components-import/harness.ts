// A civicgrid server process with the synthetic territory, and a timed census upload into it.
import { openAsBlob, readFileSync, writeFileSync } from 'node:fs'
import { createServerTestDatabase } from '../../apps/api/src/testing/test-db.js'
import { startServerProcess } from '../../apps/api/src/testing/processes.js'
import { territory } from './synthetic.js'

export const PG_URL = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:55432/postgres'
const PASSWORD = 'bench-admin-password'

/** Resident and peak memory of a process (kB from /proc, as MB). */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0)
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 }
}

/** Reset a process's peak-RSS mark (Linux: 5 → clear_refs), so VmHWM measures from now on. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

export interface BenchServer {
  url: string
  pid: number
  /** Everything the server printed so far. */
  output(): string
  cookie: string
  deptCode: string
  stop(): Promise<void>
}

export async function startBenchServer(kind: 'embedded' | 'postgres', dataDir: string): Promise<BenchServer> {
  const db = kind === 'postgres' ? await createServerTestDatabase(PG_URL) : null
  const server = await startServerProcess({
    DATA_DIR: dataDir,
    ADMIN_PASSWORD: PASSWORD,
    SECRET_KEY: 'bench-secret-0123456789abcdefghijklmn',
    BODY_LIMIT: String(100 * 1024 * 1024),
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    // node/V8 flags for the server process, to compare them (none by default); malloc arenas as
    // `npm start` sets them (2), or BENCH_SERVER_MALLOC_ARENA_MAX (empty: glibc's default, 8 × cores)
    ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}),
    ...((process.env.BENCH_SERVER_MALLOC_ARENA_MAX ?? '2') ? { MALLOC_ARENA_MAX: process.env.BENCH_SERVER_MALLOC_ARENA_MAX ?? '2' } : {}),
    ...(db ? { DATABASE_URL: db.url } : {}),
  })
  const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) })
  if (login.status !== 200) throw new Error(`login: ${login.status}`)
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!
  const json = { 'content-type': 'application/json', cookie }
  const dept = await fetch(`${server.url}/api/v1/departments`, { method: 'POST', headers: json, body: JSON.stringify({ code: 'MAINT', name: '养护公司' }) })
  if (dept.status !== 201) throw new Error(`department: ${dept.status} ${await dept.text()}`)
  const t0 = performance.now()
  const regions = await fetch(`${server.url}/api/v1/regions/import`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ featureCollection: territory(), mapping: { code: 'code', name: 'name' }, crs: 'WGS84' }),
  })
  const report = (await regions.json()) as { committed: boolean; summary: unknown; problems: unknown[] }
  if (!report.committed) throw new Error(`territory not imported: ${JSON.stringify(report.problems.slice(0, 3))}`)
  console.error(`# territory: 10,000 grids imported in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  return {
    url: server.url,
    pid: server.child.pid!,
    output: server.output,
    cookie,
    deptCode: 'MAINT',
    async stop() {
      server.child.kill('SIGTERM')
      await server.exited
      await db?.drop()
    },
  }
}

export interface ImportTiming {
  rows: number
  seconds: number
  uploadSeconds: number
  applySeconds: number | null
  rowsPerSecond: number
  rssBefore: number
  rssPeak: number
  status: string
  created: number
  invalid: number
}

/** Upload a CSV as a census import and wait for it, sampling the server's memory. */
export async function timedImport(server: BenchServer, path: string, rows: number): Promise<ImportTiming> {
  const rssBefore = memoryOf(server.pid).rss
  if (!resetPeak(server.pid)) console.error('# could not reset the peak-RSS mark; the peak includes start-up')
  const form = new FormData()
  form.append('file', await openAsBlob(path), 'census.csv')
  const t0 = performance.now()
  const res = await fetch(`${server.url}/api/v1/components/imports?mode=all-or-nothing`, { method: 'POST', headers: { cookie: server.cookie }, body: form })
  if (res.status !== 202) throw new Error(`import: ${res.status} ${await res.text()}`)
  const uploadSeconds = (performance.now() - t0) / 1000
  const { id } = (await res.json()) as { id: string }
  let applyAt: number | null = null
  let lastLog = 0
  for (;;) {
    await new Promise((r) => setTimeout(r, 250))
    const v = (await (await fetch(`${server.url}/api/v1/components/imports/${id}`, { headers: { cookie: server.cookie } })).json()) as {
      status: string
      progress: { rowsRead: number; fraction: number | null }
      created: number
      rowsInvalid: number
      message: string | null
    }
    const now = performance.now()
    if (v.status === 'applying' && applyAt === null) applyAt = now
    if (now - lastLog > 5000) {
      lastLog = now
      console.error(`#   ${((now - t0) / 1000).toFixed(0)} s: ${v.status} ${v.progress.rowsRead.toLocaleString('en')} rows read, rss ${memoryOf(server.pid).rss.toFixed(0)} MB`)
    }
    if (['succeeded', 'rejected', 'failed'].includes(v.status)) {
      const seconds = (now - t0) / 1000
      if (v.status !== 'succeeded') console.error(`# import ${v.status}: ${v.message}`)
      // the server's own account of where the time went (logged at info)
      const summary = server.output().split('\n').find((l) => l.includes('component import applied'))
      if (summary) {
        const s = JSON.parse(summary) as { seconds: Record<string, number>; cpuSeconds: Record<string, number>; memoryMb?: unknown }
        console.error(`#   phases (wall s): ${JSON.stringify(s.seconds)}`)
        console.error(`#   phases (cpu s):  ${JSON.stringify(s.cpuSeconds)}`)
        // peaks of rss / main-thread heap / external / array buffers / PGlite WASM heap / reading-thread heap, and rss per phase
        if (s.memoryMb) console.error(`#   memory (MB):     ${JSON.stringify(s.memoryMb)}`)
      }
      return {
        rows,
        seconds,
        uploadSeconds,
        applySeconds: applyAt ? (now - applyAt) / 1000 : null,
        rowsPerSecond: rows / seconds,
        rssBefore,
        rssPeak: memoryOf(server.pid).peak,
        status: v.status,
        created: v.created,
        invalid: v.rowsInvalid,
      }
    }
  }
}

// Where one case intake spends its time: N sequential POST /api/v1/cases through app.inject on a
// fresh embedded database (or TEST_DATABASE_URL), counting and timing every SQL statement.
// With --concurrency C, C intakes are in flight at once (group commit forms batches).
//   node --import tsx bench/cases/profile-intake.ts [--n 300] [--concurrency 1] [--drop-index cases_text_idx]
//   --profile /tmp/intake.cpuprofile writes a V8 CPU profile of the measured part
import { readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { sql } from 'kysely'
import { createTestApp } from '../../apps/api/src/testing/test-app.js'
import { importTerritory, TERRITORY } from '../../apps/api/src/testing/territory.js'
import { INTAKE_BATCH, intakeBatchStats } from '../../apps/api/src/modules/cases/cases.service.js'

const i = process.argv.indexOf('--n')
const n = i > 0 ? Number(process.argv[i + 1]) : 300
const ci = process.argv.indexOf('--concurrency')
const concurrency = ci > 0 ? Number(process.argv[ci + 1]) : 1

// --batches N: group-commit batches in flight at once (default: INTAKE_BATCH.concurrency).
const bi = process.argv.indexOf('--batches')
if (bi > 0) INTAKE_BATCH.concurrency = { pglite: Number(process.argv[bi + 1]), postgres: Number(process.argv[bi + 1]) }
const t = await createTestApp()
const admin = (await t.userWith({ username: 'root', roles: ['admin'] })).cookie
await importTerritory(t, admin)
const sup = (await t.userWith({ username: 'sup', roles: ['supervisor'], regionCodes: [TERRITORY.streetA] })).cookie

// --drop-index name[,name]: measure the intake without those indexes (what an index costs).
const di = process.argv.indexOf('--drop-index')
if (di > 0) for (const name of process.argv[di + 1]!.split(',')) await sql.raw(`drop index ${name}`).execute(t.database.db)
const stats = new Map<string, { count: number; ms: number }>()
let counting = false
const pg = t.database.pglite
if (pg) {
  const query = pg.query.bind(pg)
  ;(pg as any).query = async (text: string, params?: unknown[]) => {
    const s = performance.now()
    try {
      return await query(text, params)
    } finally {
      if (counting) {
        const k = text.replace(/\s+/g, ' ').slice(0, 110)
        const e = stats.get(k) ?? { count: 0, ms: 0 }
        e.count++
        e.ms += performance.now() - s
        stats.set(k, e)
      }
    }
  }
}
const post = (k: number) =>
  t.inject({
    method: 'POST',
    url: '/api/v1/cases',
    headers: { cookie: sup },
    payload: { classKind: 'event', minorClass: '0102', lng: 118.7705 + (k % 90) * 0.0001, lat: 32.031 + (Math.floor(k / 90) % 180) * 0.0001, description: `profile ${k}` },
  })
for (let k = 0; k < 30; k++) await post(k)
counting = true
const start = performance.now()
// --profile FILE: a V8 CPU profile of the measured intakes only (not start-up and migrations).
const pi = process.argv.indexOf('--profile')
const inspector = pi > 0 ? new Session() : null
if (inspector) {
  inspector.connect()
  await inspector.post('Profiler.enable')
  await inspector.post('Profiler.start')
}
// PostgreSQL: the CPU of the database's backends too (from /proc), and its transactions.
const backendCpu = async () => {
  if (pg) return { ms: 0, commits: 0 }
  const r = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(t.database.db)
  let ms = 0
  for (const { pid } of r.rows) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
      ms += ((Number(f[11]) + Number(f[12])) * 1000) / 100
    } catch {
      // gone
    }
  }
  const c = await sql<{ n: number }>`select xact_commit::int as n from pg_stat_database where datname = current_database()`.execute(t.database.db)
  return { ms, commits: c.rows[0]!.n }
}
const db0 = await backendCpu()
const cpu0 = process.cpuUsage()
const batches0 = intakeBatchStats(t.app.platform)
let next = 30
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < 30 + n) {
      const res = await post(next++)
      if (res.statusCode !== 201) throw new Error(res.body)
    }
  }),
)
const cpu = process.cpuUsage(cpu0)
const db1 = await backendCpu()
if (!pg) console.log(`PostgreSQL backends: ${((db1.ms - db0.ms) / n).toFixed(2)} ms CPU per intake; ${((db1.commits - db0.commits) / n).toFixed(2)} transactions per intake`)
if (inspector) {
  const { profile } = await inspector.post('Profiler.stop')
  writeFileSync(process.argv[pi + 1]!, JSON.stringify(profile))
}
const batches1 = intakeBatchStats(t.app.platform)
const total = performance.now() - start
counting = false
console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)
console.log(`${n} intakes, ${concurrency} at a time, in ${total.toFixed(0)} ms: ${(total / n).toFixed(2)} ms each, ${((1000 * n) / total).toFixed(0)}/s; process CPU ${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms per intake`)
console.log(`group commit: ${batches1.batches - batches0.batches} batches, ${((batches1.items - batches0.items) / Math.max(1, batches1.batches - batches0.batches)).toFixed(1)} intakes per batch, largest ${batches1.largest}`)
let sqlMs = 0
let sqlCount = 0
for (const [k, v] of [...stats].sort((a, b) => b[1].ms - a[1].ms)) {
  sqlMs += v.ms
  sqlCount += v.count
  console.log(`${(v.count / n).toFixed(2)}×  ${(v.ms / v.count).toFixed(3)} ms  ${k}`)
}
if (pg) console.log(`statements per intake ${(sqlCount / n).toFixed(1)}, SQL ms per intake ${(sqlMs / n).toFixed(2)}, non-SQL ms ${((total - sqlMs) / n).toFixed(2)}`)
// What bounds the embedded database: its bare statement rate on the same instance.
if (pg) {
  const s = performance.now()
  for (let k = 0; k < 2000; k++) await pg.query('select $1::int as x', [k])
  const ms = (performance.now() - s) / 2000
  console.log(`PGlite bare statement (select $1): ${ms.toFixed(3)} ms, ${(1000 / ms).toFixed(0)}/s on one connection`)
}
await t.close()

// Where one case intake spends its time: N sequential POST /api/v1/cases through app.inject on a
// fresh embedded database (or TEST_DATABASE_URL), counting and timing every SQL statement.
//   node --import tsx bench/cases/profile-intake.ts [--n 300]
import { performance } from 'node:perf_hooks'
import { createTestApp } from '../../apps/api/src/testing/test-app.js'
import { importTerritory, TERRITORY } from '../../apps/api/src/testing/territory.js'

const i = process.argv.indexOf('--n')
const n = i > 0 ? Number(process.argv[i + 1]) : 300

const t = await createTestApp()
const admin = (await t.userWith({ username: 'root', roles: ['admin'] })).cookie
await importTerritory(t, admin)
const sup = (await t.userWith({ username: 'sup', roles: ['supervisor'], regionCodes: [TERRITORY.streetA] })).cookie

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
for (let k = 30; k < 30 + n; k++) {
  const res = await post(k)
  if (res.statusCode !== 201) throw new Error(res.body)
}
const total = performance.now() - start
counting = false
console.log(`${n} intakes in ${total.toFixed(0)} ms: ${(total / n).toFixed(2)} ms each, ${(1000 * n / total).toFixed(0)}/s sequential`)
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

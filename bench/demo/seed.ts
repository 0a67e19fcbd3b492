// The demo seed's time, phase by phase, on a fresh embedded database (or a fresh PostgreSQL
// database with --db postgres and TEST_DATABASE_URL): the app start (PGlite initdb and the
// migrations), then `seedDemo` with the case history written in bulk (`batch`, the default) and,
// for comparison, step by step through the case services (`services`). Each run in its own
// process-fresh directory; wall and CPU seconds (process.cpuUsage: all threads) with the load average.
//   node --import tsx bench/demo/seed.ts [--replay batch,services] [--db embedded|postgres] [--size default|small]
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../../apps/api/src/app.js'
import { loadConfig } from '../../apps/api/src/config.js'
import { seedDemo } from '../../apps/api/src/modules/demo/index.js'
import { createServerTestDatabase, TEST_DATABASE_URL } from '../../apps/api/src/testing/test-db.js'

const arg = (name: string, def: string) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1]! : def)
const replays = arg('replay', 'batch,services').split(',') as ('batch' | 'services')[]
const db = arg('db', 'embedded')
const size = arg('size', 'default') as 'default' | 'small'
const AT = new Date('2026-11-28T08:00:00+08:00')
const cpu = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ')

for (const replay of replays) {
  const dataDir = mkdtempSync(join(tmpdir(), 'civicgrid-bench-demo-'))
  let drop = async () => {}
  const env: Record<string, string> = { DATA_DIR: dataDir, SECRET_KEY: 'bench-demo-secret-0123456789abcdefghij', LOG_LEVEL: 'warn', JOBS: 'false' }
  if (db === 'postgres') {
    if (!TEST_DATABASE_URL) throw new Error('--db postgres needs TEST_DATABASE_URL')
    const created = await createServerTestDatabase(TEST_DATABASE_URL)
    env.DATABASE_URL = created.url
    drop = created.drop
  }
  const loadBefore = load()
  let t = performance.now()
  let c = cpu()
  const app = await buildApp({ config: loadConfig(env), logger: false })
  const start = { wall: (performance.now() - t) / 1000, cpu: cpu() - c }
  t = performance.now()
  c = cpu()
  const r = await seedDemo(app, { seed: 1, size, at: AT, password: 'bench-demo-password', replay, log: () => {} })
  const seed = { wall: (performance.now() - t) / 1000, cpu: cpu() - c }
  await app.close()
  await drop()
  rmSync(dataDir, { recursive: true, force: true })
  const phases = Object.entries(r.seconds)
    .map(([k, s]) => `${k} ${s.toFixed(1)} (${r.cpuSeconds[k]!.toFixed(1)})`)
    .join(', ')
  console.log(
    `${db} ${size} replay=${replay}: app start ${start.wall.toFixed(1)} s (cpu ${start.cpu.toFixed(1)}), seed ${seed.wall.toFixed(1)} s (cpu ${seed.cpu.toFixed(1)}) — ${phases}; ` +
      `${r.counts.cases} cases, ${r.counts.actions} actions; load ${loadBefore} → ${load()}`,
  )
}

// Component census import benchmark: N synthetic components (CSV, 11 columns, Chinese headers)
// uploaded to a civicgrid server process and imported all-or-nothing, on the embedded database
// and on PostgreSQL. Prints wall time (upload start → import succeeded), rows/s and the server
// process's peak RSS during the import (VmHWM, reset before the upload).
//   node --import tsx bench/components-import/run.ts [--rows 1000000] [--db embedded|postgres|both]
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBenchServer, timedImport, type ImportTiming } from './harness.js'
import { writeCensusCsv } from './synthetic.js'

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1]! : def
}
const rows = Number(arg('rows', '1000000'))
const which = arg('db', 'both')
const kinds = which === 'both' ? (['embedded', 'postgres'] as const) : ([which] as ('embedded' | 'postgres')[])

const work = mkdtempSync(join(tmpdir(), 'civicgrid-components-bench-'))
const csv = join(work, 'census.csv')
const g0 = performance.now()
await writeCensusCsv(csv, rows, { dept: 'MAINT' })
console.error(`# generated ${rows.toLocaleString('en')} rows, ${(statSync(csv).size / 1e6).toFixed(0)} MB in ${((performance.now() - g0) / 1000).toFixed(1)} s`)

const results: [string, ImportTiming][] = []
try {
  for (const kind of kinds) {
    const dataDir = mkdtempSync(join(work, `${kind}-`))
    const server = await startBenchServer(kind, dataDir)
    try {
      const r = await timedImport(server, csv, rows)
      results.push([kind, r])
      console.error(`# ${kind}: ${r.status} in ${r.seconds.toFixed(1)} s`)
    } finally {
      await server.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}

console.log(`\nmachine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; ${new Date().toISOString()}`)
console.log(`${rows.toLocaleString("en")} components, CSV, all-or-nothing; target (embedded): ≤ 60 s, peak RSS < 500 MB`)
console.log('| database | status | wall s | rows/s | upload s | apply s | server RSS before MB | peak RSS during import MB |')
console.log('|---|---|---|---|---|---|---|---|')
for (const [kind, r] of results) {
  console.log(
    `| ${kind} | ${r.status} (${r.created.toLocaleString('en')} created) | ${r.seconds.toFixed(1)} | ${Math.round(r.rowsPerSecond).toLocaleString('en')} | ${r.uploadSeconds.toFixed(1)} | ${r.applySeconds?.toFixed(1) ?? '–'} | ${r.rssBefore.toFixed(0)} | ${r.rssPeak.toFixed(0)} |`,
  )
}

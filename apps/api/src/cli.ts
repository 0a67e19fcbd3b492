import { readFileSync } from 'node:fs'
import { Command, InvalidArgumentError } from 'commander'
import { ConfigError, loadConfig, type Config } from './config.js'
import { ROLES, type Role } from './platform/access.js'
import { SYSTEM_ACTOR } from './platform/audit.js'
import { openDatabase } from './platform/db/database.js'
import { migrate } from './platform/db/migrate.js'
import { sealAuditLog, verifyAuditChain } from './platform/audit.js'
import { buildApp } from './app.js'
import { startServer } from './server.js'
import { bootstrapAdmin, createUser } from './modules/identity/index.js'
import { formatDemoSummary, hasRegions, parseDuration, parseRate, seedDemo, seedScale, Simulator } from './modules/demo/index.js'
import { exportComponentsCli, importComponentsCli } from './modules/components/index.js'
import { importRegions, IMPORT_TOLERANCES } from './modules/regions/index.js'
import { checkStats, rebuildStats } from './modules/stats/index.js'
import { DomainError } from './platform/errors.js'

function config(opts: { serverSecret?: boolean } = {}): Config {
  try {
    return loadConfig(process.env, opts)
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message)
      process.exit(2)
    }
    throw err
  }
}

const openConfigured = (c: Config) =>
  openDatabase(c.databaseUrl ? { kind: 'postgres', url: c.databaseUrl } : { kind: 'pglite', dataDir: c.dataDir })

/** Run a command against a built app: an error is printed (with a validation error's fields) and exits 1; the app always closes. */
async function withApp(run: (app: Awaited<ReturnType<typeof buildApp>>) => Promise<void>) {
  const app = await buildApp({ config: config(), logger: false })
  try {
    await run(app)
  } catch (err) {
    console.error(err instanceof DomainError && err.extra.errors ? `${err.message}: ${JSON.stringify(err.extra.errors)}` : err instanceof Error ? err.message : err)
    process.exitCode = 1
  } finally {
    await app.close()
  }
}

const program = new Command('civicgrid').description('civicgrid — grid-based urban and community governance (网格化管理)')

program
  .command('serve', { isDefault: true })
  .description('start the API and console (embedded database unless DATABASE_URL is set)')
  .action(async () => {
    await startServer(config())
  })

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const database = await openConfigured(config())
    try {
      const applied = await migrate(database)
      console.log(applied.length ? `applied ${applied.length} migration(s):\n  ${applied.join('\n  ')}` : 'database is up to date')
    } finally {
      await database.close()
    }
  })

const user = program.command('user').description('manage users')
user
  .command('create')
  .description('create a user')
  .requiredOption('-u, --username <name>', 'login name')
  .requiredOption('-p, --password <password>', 'password (at least 8 characters)')
  .option('-n, --name <displayName>', 'display name')
  .option('-r, --role <role...>', `roles: ${ROLES.join(', ')}`, (v: string, prev: Role[] = []) => {
    if (!ROLES.includes(v as Role)) throw new InvalidArgumentError(`unknown role ${v}`)
    return [...prev, v as Role]
  })
  .option('-s, --scope <regionCode...>', 'region codes the user works in')
  .option('-d, --department <id>', 'department id (for department handlers)')
  .action(async (o: { username: string; password: string; name?: string; role?: Role[]; scope?: string[]; department?: string }) => {
    await withApp(async (app) => {
      const created = await createUser(app.platform, {
        actor: { ...SYSTEM_ACTOR, name: 'cli' },
        input: {
          username: o.username,
          password: o.password,
          displayName: o.name ?? o.username,
          roles: o.role?.length ? o.role : ['operator'],
          scopes: (o.scope ?? []).map((regionCode) => ({ regionCode })),
          departmentId: o.department ?? null,
        },
      })
      console.log(`created user ${created.username} (${created.id}) roles=${created.roles.join(',')}`)
    })
  })

const importCmd = program.command('import').description('import base data')
importCmd
  .command('regions <file>')
  .description('import a GeoJSON FeatureCollection of regions (city, district, street, community or grid)')
  .option('-l, --level <level>', 'level of every feature (default: from --level-prop or the code length)')
  .option('--code-prop <name>', 'property holding the code (dotted paths allowed, e.g. adcode)', 'code')
  .option('--name-prop <name>', 'property holding the name', 'name')
  .option('--parent-prop <name>', 'property holding the parent code (e.g. parent.adcode)')
  .option('--level-prop <name>', 'property holding the level')
  .option('--crs <crs>', 'coordinate system of the file: WGS84, GCJ-02 or BD-09', 'WGS84')
  .option('--dry-run', 'check only; write nothing')
  .option('--keep-valid', 'import the valid features even if others have errors')
  .option('--legacy-grid-codes', 'accept 14-digit CJ/T 213 grid codes')
  .option('--approximate', 'mark the outlines as approximate')
  .action(async (file: string, o: { level?: string; codeProp: string; nameProp: string; parentProp?: string; levelProp?: string; crs: string; dryRun?: boolean; keepValid?: boolean; legacyGridCodes?: boolean; approximate?: boolean }) => {
    if (!['WGS84', 'GCJ-02', 'BD-09'].includes(o.crs)) throw new InvalidArgumentError(`unknown crs ${o.crs}`)
    await withApp(async (app) => {
      const report = await importRegions(app.platform, {
        actor: { ...SYSTEM_ACTOR, name: 'cli' },
        input: {
          featureCollection: JSON.parse(readFileSync(file, 'utf8')),
          ...(o.level ? { level: o.level as never } : {}),
          mapping: { code: o.codeProp, name: o.nameProp, ...(o.parentProp ? { parent: o.parentProp } : {}), ...(o.levelProp ? { level: o.levelProp } : {}) },
          crs: o.crs as 'WGS84',
          dryRun: Boolean(o.dryRun),
          mode: o.keepValid ? 'keep-valid' : 'all-or-nothing',
          legacyGridCodes: Boolean(o.legacyGridCodes),
          approximate: Boolean(o.approximate),
          ...IMPORT_TOLERANCES,
        },
      }).catch((err) => {
        if (err instanceof DomainError && err.extra.report) return err.extra.report as Awaited<ReturnType<typeof importRegions>>
        throw err
      })
      for (const pr of report.problems) console.log(`${pr.severity.padEnd(7)} ${pr.index === null ? '-' : `#${pr.index}`} ${pr.code ?? ''} ${pr.kind}: ${pr.message}`)
      const s = report.summary
      console.log(`${s.features} feature(s): ${s.valid} valid, ${s.rejected} rejected, ${s.errors} error(s), ${s.warnings} warning(s); ${report.committed ? `imported ${s.imported}` : report.dryRun ? 'dry run, nothing written' : 'nothing imported'}`)
      if (!report.committed && !report.dryRun) process.exitCode = 1
    })
  })

importCmd
  .command('components <file>')
  .description('import components (部件) from CSV, XLSX or GeoJSON: upsert by code, new codes allocated, all-or-nothing unless --keep-valid')
  .option('-f, --format <format>', 'csv, xlsx or geojson (default: from the file name)')
  .option('--keep-valid', 'import the valid rows even if others have errors')
  .option('--crs <crs>', 'coordinate system of the file: WGS84, GCJ-02 or BD-09', 'WGS84')
  .option('--encoding <encoding>', 'CSV text encoding: utf-8, gb18030, gbk or utf-16le', 'utf-8')
  .option('--mapping <json>', 'JSON {field: column}, e.g. {"minorClass":"类别","lng":"X"}')
  .option('--errors <file>', 'write the error report (row, column, value, reason) to this CSV file')
  .action(async (file: string, o: { format?: string; keepValid?: boolean; crs: string; encoding: string; mapping?: string; errors?: string }) => {
    await withApp(async (app) => {
      process.exitCode = await importComponentsCli(app.platform, file, { ...o, mode: o.keepValid ? 'keep-valid' : 'all-or-nothing' })
    })
  })

program
  .command('export')
  .description('export base data')
  .command('components')
  .description('export components (部件) as CSV, XLSX or GeoJSON, filtered; to stdout unless --out')
  .option('-f, --format <format>', 'csv, xlsx or geojson', 'csv')
  .option('-o, --out <file>', 'output file')
  .option('--region <code>', 'only this region (district, street, community or grid code)')
  .option('--class <codes>', 'only these minor classes, comma separated')
  .option('--status <statuses>', 'only these statuses (intact, damaged, lost, occupied), comma separated')
  .option('--crs <crs>', 'coordinate system of the output', 'WGS84')
  .action(async (o: { format: string; out?: string; region?: string; class?: string; status?: string; crs: string }) => {
    await withApp(async (app) => {
      await exportComponentsCli(app.platform, { ...o, ...(o.class ? { minorClass: o.class } : {}) })
    })
  })

const seed = program.command('seed').description('fill the database with generated data')
seed
  .command('demo')
  .description('the Nanjing demo city: real districts and streets, a pilot around 新街口 with grids, components, accounts and 30 days of cases (empty territory only)')
  .option('--seed <n>', 'PRNG seed: the same seed (and --at) gives the same data', (v: string) => {
    if (!/^[0-9]{1,9}$/.test(v)) throw new InvalidArgumentError('a whole number')
    return Number(v)
  }, 1)
  .option('--size <size>', 'small (one pilot community, ~150 cases) or default', 'default')
  .option('--at <time>', 'end of the 30-day history, ISO 8601 (default: now)')
  .action(async (o: { seed: number; size: string; at?: string }) => {
    const size = o.size
    if (size !== 'small' && size !== 'default') throw new InvalidArgumentError(`unknown size ${size}`)
    const at = o.at ? new Date(o.at) : undefined
    if (at && Number.isNaN(at.getTime())) throw new InvalidArgumentError(`not a time: ${o.at}`)
    await withApp(async (app) => {
      if (await hasRegions(app.platform)) {
        console.error('civicgrid: the database has regions already; the demo seeds an empty territory only (use a fresh DATA_DIR or database)')
        process.exitCode = 1
        return
      }
      // the demo adds users, after which `serve` would no longer create the admin: do it first
      const admin = await bootstrapAdmin(app.platform)
      if (admin.created) console.log(`\n  civicgrid: created user "admin", ${admin.password ? `password: ${admin.password}  (shown once; change it after signing in)` : 'password from ADMIN_PASSWORD'}`)
      const started = performance.now()
      const result = await seedDemo(app, { seed: o.seed, size, ...(at ? { at } : {}), log: (line) => console.error(line) })
      console.error(`demo: done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
      console.log(`\n${formatDemoSummary(result)}\n`)
    })
  })

const count = (v: string) => {
  const n = Number(v.replace(/[_,]/g, ''))
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number')
  return n
}
seed
  .command('scale')
  .description('a synthetic lattice for benchmarks: districts 320151… of 10,000 grids, components, a year of cases with events (one transaction; refuses a non-empty database unless --append)')
  .requiredOption('--grids <n>', 'unit grids', count)
  .option('--components <n>', 'components (部件)', count, 0)
  .option('--cases <n>', 'cases, spread over the 365 days up to --at', count, 0)
  .option('--seed <n>', 'the same seed (and --at) gives the same data', count, 1)
  .option('--at <time>', 'end of the year of cases, ISO 8601 (default: now)')
  .option('--append', 'add to a database that has data (new districts after any earlier lattice)')
  .option('--no-stats', 'skip the stats rollup rebuild after the load (run `civicgrid stats rebuild` later)')
  .action(async (o: { grids: number; components: number; cases: number; seed: number; at?: string; append?: boolean; stats: boolean }) => {
    const at = o.at ? new Date(o.at) : undefined
    if (at && Number.isNaN(at.getTime())) throw new InvalidArgumentError(`not a time: ${o.at}`)
    await withApp(async (app) => {
      const started = performance.now()
      const r = await seedScale(app.platform, { grids: o.grids, components: o.components, cases: o.cases, seed: o.seed, append: Boolean(o.append), ...(at ? { at } : {}), ...(o.stats ? {} : { afterLoad: async () => 'stats rollups NOT rebuilt (--no-stats)' }), log: (line) => console.error(line) })
      const s = (performance.now() - started) / 1000
      console.log(`scale: ${r.counts.districts} districts (${r.districts[0]}…${r.districts.at(-1)}), ${r.counts.streets} streets, ${r.counts.communities} communities, ${r.counts.grids} grids, ${r.counts.components} components, ${r.counts.cases} cases with ${r.counts.caseEvents} events in ${s.toFixed(1)} s (seed ${r.seed}, at ${r.at})`)
    })
  })

program
  .command('simulate')
  .description('the demo people at work: supervisors report, the centre registers and dispatches, departments handle, supervisors check, cases close — through the HTTP API with the demo accounts')
  .option('--rate <rate>', 'new reports per second, e.g. 2/s or 30/min', '2/s')
  .option('--url <url>', 'server base URL', 'http://127.0.0.1:3000')
  .option('--duration <time>', 'stop after this long, e.g. 60s or 5m (default: until Ctrl-C)')
  .option('--password <password>', 'password of the demo accounts (default: DEMO_PASSWORD)')
  .option('--pace <factor>', 'multiplies every delay (1: report to close in about a minute)', '1')
  .option('--seed <n>', 'PRNG seed of the simulated people')
  .action(async (o: { rate: string; url: string; duration?: string; password?: string; pace: string; seed?: string }) => {
    let rate: number
    let durationMs: number | null
    try {
      rate = parseRate(o.rate)
      durationMs = o.duration ? parseDuration(o.duration) : null
    } catch (err) {
      throw new InvalidArgumentError(err instanceof Error ? err.message : String(err))
    }
    // a client of a running server: it needs no server secret (and must not create ./data/secret.key)
    const password = o.password ?? config({ serverSecret: false }).demoPassword
    if (!password) {
      console.error('civicgrid simulate: give the demo password with --password or DEMO_PASSWORD')
      process.exitCode = 2
      return
    }
    const sim = new Simulator({ url: o.url.replace(/\/$/, ''), rate, password, durationMs, pace: Number(o.pace) || 1, ...(o.seed ? { seed: Number(o.seed) } : {}), log: (line) => console.error(line) })
    try {
      await sim.start()
    } catch (err) {
      console.error(`civicgrid simulate: ${err instanceof Error ? err.message : err}`)
      process.exitCode = 1
      return
    }
    const report = () => {
      const s = sim.stats
      const actions = Object.entries(s.actions).map(([k, v]) => `${k} ${v}`).join(', ')
      console.error(`simulate: ${s.reported} reported; ${actions || 'no actions yet'}; ${s.conflicts} conflicts, ${s.errors} errors${s.lastError ? ` (last: ${s.lastError})` : ''}`)
    }
    const every = setInterval(report, 10_000)
    const onSignal = () => void sim.stop()
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    await sim.finished()
    clearInterval(every)
    report()
  })

program
  .command('audit')
  .description('audit log tools')
  .command('verify')
  .description('verify the audit hash chain; exit 1 and name the first broken row if it fails')
  .action(async () => {
    const c = config()
    const database = await openConfigured(c)
    try {
      await migrate(database)
      await sealAuditLog(database.db)
      const result = await verifyAuditChain(database.db)
      const pending = result.unsealed ? `; ${result.unsealed} rows appended since, not yet sealed` : ''
      if (result.ok) console.log(`audit chain OK: ${result.checked} rows verified${pending}`)
      else {
        const where = result.firstBrokenId === null ? 'the tail' : `row ${result.firstBrokenId}`
        console.error(`audit chain BROKEN at ${where}: ${result.reason} (${result.checked} rows verified before it)`)
        process.exitCode = 1
      }
    } finally {
      await database.close()
    }
  })

program
  .command('stats')
  .description('case statistics of the big screen')
  .command('rebuild')
  .description('recompute the rollups from the case history (cases + case_events); case writes wait meanwhile')
  .option('--check', 'do not rebuild: compare the incremental rollups with a recomputation; exit 1 and list the differences if any')
  .action(async (o: { check?: boolean }) => {
    await withApp(async (app) => {
      if (o.check) {
        const diff = await checkStats(app.platform, { limit: 20 })
        if (diff.total === 0) console.log('stats: the rollups match the case history')
        else {
          console.error(`stats: ${diff.total} rollup rows differ from the case history${diff.total > diff.items.length ? ` (first ${diff.items.length})` : ''}:`)
          for (const d of diff.items) console.error(`  ${d.table} ${JSON.stringify(d.key)}: expected ${d.expected}, found ${d.actual}`)
          process.exitCode = 1
        }
      } else {
        const r = await rebuildStats(app.platform, { log: (line) => console.error(`stats: ${line}`) })
        console.log(`stats: rebuilt from the case history in ${(r.ms / 1000).toFixed(1)} s — ${Object.entries(r.rows).map(([table, n]) => `${table} ${n}`).join(', ')}`)
      }
    })
  })

await program.parseAsync(process.argv)

import { Command, InvalidArgumentError } from 'commander'
import { ConfigError, loadConfig, type Config } from './config.js'
import { ROLES, type Role } from './platform/access.js'
import { SYSTEM_ACTOR } from './platform/audit.js'
import { openDatabase } from './platform/db/database.js'
import { migrate } from './platform/db/migrate.js'
import { verifyAuditChain } from './platform/audit.js'
import { buildApp } from './app.js'
import { startServer } from './server.js'
import { createUser } from './modules/identity/index.js'

function config(): Config {
  try {
    return loadConfig(process.env)
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
    const app = await buildApp({ config: config(), logger: false })
    try {
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
    } catch (err) {
      console.error(err instanceof Error ? err.message : err)
      process.exitCode = 1
    } finally {
      await app.close()
    }
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
      const result = await verifyAuditChain(database.db)
      if (result.ok) console.log(`audit chain OK: ${result.checked} rows verified`)
      else {
        console.error(`audit chain BROKEN at row ${result.firstBrokenId}: ${result.reason} (${result.checked} rows verified before it)`)
        process.exitCode = 1
      }
    } finally {
      await database.close()
    }
  })

await program.parseAsync(process.argv)

import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { openDatabase, type Database } from '../platform/db/database.js'
import { migrate, readMigrations } from '../platform/db/migrate.js'

/** The server the integration suites run against, when one is configured. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || null

/**
 * A migrated, empty database for one test file: a fresh PostgreSQL database on the test server
 * (dropped on close), or an in-memory PGlite loaded from a cached, already-migrated template
 * so each file does not pay for initdb and migrations.
 */
export async function openTestDatabase(): Promise<Database> {
  if (TEST_DATABASE_URL) return openServerTestDatabase(TEST_DATABASE_URL)
  const template = await pgliteTemplate()
  const database = await openDatabase({ kind: 'pglite', dataDir: null, loadDataDir: new Blob([new Uint8Array(template)]) })
  await migrate(database)
  return database
}

async function pgliteTemplate(): Promise<Buffer> {
  const key = createHash('sha256')
    .update(readMigrations().map((m) => m.checksum).join())
    .update(readFileSync(new URL('../../../../node_modules/@electric-sql/pglite/package.json', import.meta.url)))
    .digest('hex')
    .slice(0, 16)
  const file = join(tmpdir(), `civicgrid-pglite-template-${key}.tar`)
  if (existsSync(file)) return readFileSync(file)
  const database = await openDatabase({ kind: 'pglite', dataDir: null })
  await migrate(database)
  const dump = Buffer.from(await (await database.pglite!.dumpDataDir('none')).arrayBuffer())
  await database.close()
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, dump)
  renameSync(tmp, file)
  return dump
}

async function openServerTestDatabase(url: string): Promise<Database> {
  const { url: target, drop } = await createServerTestDatabase(url)
  const database = await openDatabase({ kind: 'postgres', url: target, poolSize: 20 })
  await migrate(database)
  const close = database.close
  database.close = async () => {
    await close()
    await drop()
  }
  return database
}

/** The URL of a fresh server test database (for tests that start real server processes). */
export async function createServerTestDatabase(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `civicgrid_test_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const target = new URL(url)
  target.pathname = `/${name}`
  return {
    url: target.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url })
      await c.connect()
      await c.query(`drop database if exists ${name} with (force)`)
      await c.end()
    },
  }
}

import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { sql } from 'kysely'
import type { Database } from './database.js'

export const MIGRATIONS_DIR = resolve(import.meta.dirname, '../../../migrations')
const MIGRATION_NAME = /^\d{8}T\d{4}_[a-z0-9_-]+\.sql$/
// Any fixed number: every instance takes the same advisory lock, so only one migrates at a time.
const MIGRATION_LOCK = 7_246_001

export interface MigrationFile {
  name: string
  sql: string
  checksum: string
}

export function readMigrations(dir = MIGRATIONS_DIR): MigrationFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((name) => {
      if (!MIGRATION_NAME.test(name)) throw new Error(`Migration file name must look like 20261128T0100_name.sql: ${name}`)
      const text = readFileSync(join(dir, name), 'utf8')
      return { name, sql: text, checksum: createHash('sha256').update(text).digest('hex') }
    })
}

/**
 * Apply pending migrations in one transaction under an advisory lock, recording each one.
 * Migrations are forward-only: an applied file whose content changed stops the start.
 */
export async function migrate(database: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = readMigrations(dir)
  return database.db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(tx)
    await sql`create table if not exists schema_migrations (
      name text primary key, checksum text not null, applied_at timestamptz not null default now())`.execute(tx)
    const applied = await sql<{ name: string; checksum: string }>`select name, checksum from schema_migrations`.execute(tx)
    const known = new Map(applied.rows.map((r) => [r.name, r.checksum]))
    for (const [name, checksum] of known) {
      const file = files.find((f) => f.name === name)
      if (file && file.checksum !== checksum) throw new Error(`Applied migration ${name} was edited; add a new migration instead`)
    }
    const pending = files.filter((f) => !known.has(f.name))
    for (const file of pending) {
      await database.execScript(tx, file.sql)
      await sql`insert into schema_migrations (name, checksum) values (${file.name}, ${file.checksum})`.execute(tx)
    }
    return pending.map((f) => f.name)
  })
}

/** True when every migration file in the repo has been applied (readiness). */
export async function migrationsApplied(database: Database, dir = MIGRATIONS_DIR): Promise<boolean> {
  const names = readMigrations(dir).map((f) => f.name)
  const exists = await sql<{ t: string | null }>`select to_regclass('schema_migrations')::text as t`.execute(database.db)
  if (!exists.rows[0]?.t) return false
  const applied = await sql<{ name: string }>`select name from schema_migrations`.execute(database.db)
  const set = new Set(applied.rows.map((r) => r.name))
  return names.every((n) => set.has(n))
}

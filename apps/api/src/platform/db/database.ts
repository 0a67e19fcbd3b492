import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto'
import { CamelCasePlugin, Kysely, PostgresDialect, sql, type Transaction } from 'kysely'
import pg from 'pg'
import { PGliteDialect } from './pglite-dialect.js'
import type { DB } from './schema.js'

export type Db = Kysely<DB>
export type Tx = Transaction<DB>
/** Either the database or an open transaction: repositories accept both. */
export type Executor = Kysely<DB> | Transaction<DB>

export interface Database {
  kind: 'pglite' | 'postgres'
  db: Db
  /** Run a multi-statement SQL script (migrations) inside the given transaction. */
  execScript(tx: Tx, script: string): Promise<void>
  /** Receive NOTIFY messages on a channel; returns the unsubscribe function. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>
  /** The raw PGlite instance in embedded mode (COPY, dumps); null on a server. */
  pglite: PGlite | null
  close(): Promise<void>
}

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; poolSize?: number }
  | { kind: 'pglite'; dataDir: string | null; loadDataDir?: Blob }

const OID = { int8: 20, numeric: 1700, date: 1082 } as const
// Counts and sums come back as numbers, dates (not timestamps) as 'YYYY-MM-DD' strings, in both drivers.
const parseInt8 = (v: string) => Number(v)
const keepString = (v: string) => v

function kysely(dialect: PGliteDialect | PostgresDialect): Db {
  return new Kysely<DB>({ dialect, plugins: [new CamelCasePlugin()] })
}

/** Open the embedded PGlite (file-backed, or in memory when dataDir is null) or a PostgreSQL pool. */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'postgres') return openPostgres(target.url, target.poolSize ?? 10)
  return openPGlite(target.dataDir, target.loadDataDir)
}

/**
 * PGlite's start parameters: its defaults plus a smaller shared buffer pool. PGlite's WASM heap
 * grows and never shrinks, and PostgreSQL's 128 MB default pool put it at 189 MB from the start
 * (227+ MB after a bulk import's index builds); with 16 MB it stays at its 128 MB initial size
 * through the same work (measured in docs/BENCHMARKS.md, "Component import"). Pages that leave
 * the pool are still in the operating system's file cache, one read call away.
 */
const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB']

async function openPGlite(dataDir: string | null, loadDataDir?: Blob): Promise<Database> {
  let dir: string | undefined
  if (dataDir) {
    dir = join(dataDir, 'pglite')
    mkdirSync(dir, { recursive: true })
  }
  const pglite = await PGlite.create({
    ...(dir ? { dataDir: dir } : {}),
    ...(loadDataDir ? { loadDataDir } : {}),
    extensions: { btree_gist, pg_trgm, pgcrypto },
    startParams: PGLITE_START_PARAMS,
    parsers: { [OID.int8]: parseInt8, [OID.numeric]: parseInt8, [OID.date]: keepString },
  })
  const db = kysely(new PGliteDialect(pglite))
  return {
    kind: 'pglite',
    db,
    pglite,
    // The caller holds PGlite's only connection through the transaction, so exec runs inside it.
    execScript: async (_tx, script) => {
      await pglite.exec(script)
    },
    listen: async (channel, onMessage) => {
      const unsub = await pglite.listen(channel, onMessage)
      return async () => unsub()
    },
    close: async () => {
      await db.destroy()
      if (!pglite.closed) await pglite.close()
    },
  }
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const typeParsers: Record<number, (v: string) => unknown> = {
    [OID.int8]: parseInt8,
    [OID.numeric]: parseInt8,
    [OID.date]: keepString,
  }
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      typeParsers[oid] ?? pg.types.getTypeParser(oid, format ?? 'text'),
  }
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types: types as pg.CustomTypesConfig })
  // An idle client that loses its server must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  await pool.query('select 1')
  const db = kysely(new PostgresDialect({ pool }))
  const listeners: pg.Client[] = []
  return {
    kind: 'postgres',
    db,
    pglite: null,
    execScript: async (tx, script) => {
      await sql.raw(script).execute(tx)
    },
    listen: async (channel, onMessage) => {
      // LISTEN needs a dedicated session, outside the pool.
      const client = new pg.Client({ connectionString: url })
      client.on('error', () => {})
      await client.connect()
      client.on('notification', (msg) => {
        if (msg.channel === channel && msg.payload !== undefined) onMessage(msg.payload)
      })
      await client.query(`listen ${pg.escapeIdentifier(channel)}`)
      listeners.push(client)
      return async () => {
        listeners.splice(listeners.indexOf(client), 1)
        await client.end().catch(() => {})
      }
    },
    close: async () => {
      await Promise.all(listeners.splice(0).map((c) => c.end().catch(() => {})))
      await db.destroy()
    },
  }
}


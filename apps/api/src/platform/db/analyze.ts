import { sql } from 'kysely'
import type { Executor } from './database.js'

/**
 * Refresh the planner statistics of tables that changed enough since their last ANALYZE, with
 * autovacuum's thresholds (50 rows + 10 % of the table). PGlite runs no autovacuum daemon, so on
 * the embedded database a table that grows after it was created keeps the statistics of an empty
 * table and its plans degrade as it grows (parking measured it: a window's free spaces 18.9 →
 * 1.5 ms once analyzed). A PostgreSQL server does this itself; the job runs only on PGlite.
 */
export async function analyzeChangedTables(db: Executor): Promise<string[]> {
  // A backend publishes its table counters when it goes idle, at most once a second; PGlite's
  // never does unless asked, so its pg_stat_user_tables would show no change at all. Asked here,
  // the counters are published before the next statement reads them.
  await sql`select pg_stat_force_next_flush()`.execute(db)
  const due = await sql<{ schema: string; table: string }>`
    select s.schemaname as schema, s.relname as table
    from pg_stat_user_tables s join pg_class c on c.oid = s.relid
    where s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)
    order by s.n_mod_since_analyze desc`.execute(db)
  for (const t of due.rows) await sql`analyze ${sql.id(t.schema, t.table)}`.execute(db)
  return due.rows.map((t) => t.table)
}

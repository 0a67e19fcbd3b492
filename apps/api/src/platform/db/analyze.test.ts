import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { openTestDatabase, TEST_DATABASE_URL } from '../../testing/test-db.js'
import type { Database } from './database.js'
import { analyzeChangedTables } from './analyze.js'

// PGlite only: a server runs autovacuum itself (and its counters reach the view on their own schedule).
describe('analyzeChangedTables: planner statistics follow the data (PGlite has no autovacuum)', { skip: TEST_DATABASE_URL ? 'a PostgreSQL server analyzes by itself' : false }, () => {
  let t: Database
  before(async () => {
    t = await openTestDatabase()
    await sql`create table analyze_probe (id int primary key, v text)`.execute(t.db)
    await sql`create table analyze_small (id int primary key)`.execute(t.db)
    await analyzeChangedTables(t.db)
  })
  after(() => t.close())

  const stats = async (table: string) =>
    (await sql<{ tuples: number; analyzed: boolean }>`
      select c.reltuples::int as tuples, (s.last_analyze is not null or s.last_autoanalyze is not null) as analyzed
      from pg_stat_user_tables s join pg_class c on c.oid = s.relid where s.relname = ${table}`.execute(t.db)).rows[0]!

  test('a table that grew past 50 rows + 10 % is analyzed; one with fewer changes is left alone', async () => {
    await sql`insert into analyze_probe select g, md5(g::text) from generate_series(1, 5000) g`.execute(t.db)
    await sql`insert into analyze_small select g from generate_series(1, 10) g`.execute(t.db)
    const analyzed = await analyzeChangedTables(t.db)
    assert.ok(analyzed.includes('analyze_probe'))
    assert.deepEqual(await stats('analyze_probe'), { tuples: 5000, analyzed: true })
    assert.ok(!analyzed.includes('analyze_small'), '10 changes: under the threshold')
    assert.deepEqual(await stats('analyze_small'), { tuples: -1, analyzed: false }, 'never analyzed: the planner knows nothing of it yet')
  })
})

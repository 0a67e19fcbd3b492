import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import type { Db } from '../../platform/db/database.js'
import { cliTarget, runCli } from '../../testing/processes.js'

describe('civicgrid stats rebuild [--check]', () => {
  const target = cliTarget('civicgrid-stats-cli-')
  const env = target.env
  before(target.setup)
  after(target.teardown)

  const withDb = async (f: (db: Db) => Promise<unknown>) => {
    const database = await target.open()
    try {
      await f(database.db)
    } finally {
      await database.close()
    }
  }

  test('check passes on cases written with the triggers, names a lost delta, and a rebuild repairs it', async () => {
    assert.equal(runCli(['migrate'], env).status, 0)
    await withDb(async (db) => {
      // Two cases and their timelines written directly: the triggers record the deltas.
      for (const [i, state] of [[1, 'registered'], [2, 'closed']] as const) {
        const id = (
          await sql<{ id: string }>`insert into cases (number, source, class_kind, major_class, minor_class, description, lng, lat, grid_code, district_code, state, reported_at, closed_at, light)
            values (${`202611300000${i}`}, 'hotline', 'event', '01', '0102', 'x', 118.78, 32.04, '320102001001001', '320102', 'reported', '2026-11-30T01:00:00Z', null, 'red') returning id`.execute(db)
        ).rows[0]!.id
        await sql`insert into case_events (case_id, at, actor_name, action, from_state, to_state) values (${id}, '2026-11-30T01:00:00Z', 'op', 'report', null, 'reported')`.execute(db)
        await sql`update cases set state = ${state}, closed_at = ${state === 'closed' ? new Date('2026-11-30T03:00:00Z') : null} where id = ${id}`.execute(db)
        await sql`insert into case_events (case_id, at, actor_name, action, from_state, to_state) values (${id}, '2026-11-30T03:00:00Z', 'op', ${state === 'closed' ? 'close' : 'register'}, 'reported', ${state})`.execute(db)
      }
    })
    const ok = runCli(['stats', 'rebuild', '--check'], env)
    assert.equal(ok.status, 0, ok.stderr)
    assert.match(ok.stdout, /the rollups match the case history/)

    await withDb((db) => sql`delete from stat_deltas where metric = 'close'`.execute(db))
    const broken = runCli(['stats', 'rebuild', '--check'], env)
    assert.equal(broken.status, 1, broken.stdout)
    assert.match(broken.stderr, /rollup rows differ from the case history/)
    assert.match(broken.stderr, /stat_daily \{"regionCode":"320102","metric":"close","day":"2026-11-30"\}: expected 1, found 0/)

    const rebuilt = runCli(['stats', 'rebuild'], env)
    assert.equal(rebuilt.status, 0, rebuilt.stderr)
    assert.match(rebuilt.stdout, /rebuilt from the case history .* stat_stock 10/)
    assert.equal(runCli(['stats', 'rebuild', '--check'], env).status, 0)
    await withDb(async (db) => {
      const open = await sql<{ regionCode: string; n: number }>`select region_code, n from stat_stock where metric = 'open' order by region_code`.execute(db)
      assert.deepEqual(open.rows, ['3201' + '00', '320102', '320102001', '320102001001', '320102001001001'].map((regionCode) => ({ regionCode, n: 1 })))
    })
  })
})

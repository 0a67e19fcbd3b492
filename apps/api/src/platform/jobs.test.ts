import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { ManualClock } from './clock.js'
import { openDatabase, type Database } from './db/database.js'
import { enqueueTask, JobRunner } from './jobs.js'
import { openTestDatabase, TEST_DATABASE_URL } from '../testing/test-db.js'

const silent = { info() {}, error() {}, warn() {}, debug() {}, trace() {}, fatal() {}, child() { return silent }, level: 'silent', silent() {} } as never

describe('jobs: database-backed scheduling safe across instances and restarts', () => {
  let database: Database
  let second: Database | null = null
  const clock = new ManualClock('2026-11-28T00:00:00Z')
  before(async () => {
    database = await openTestDatabase()
    // In server mode the second "instance" has its own connection pool on the same database.
    if (TEST_DATABASE_URL) {
      const name = (await sql<{ d: string }>`select current_database() as d`.execute(database.db)).rows[0]!.d
      const url = new URL(TEST_DATABASE_URL)
      url.pathname = `/${name}`
      second = await openDatabase({ kind: 'postgres', url: url.toString() })
    }
  })
  after(async () => {
    await second?.close()
    await database.close()
  })

  test('a periodic job claimed by one instance is not run by the other', async () => {
    const runs: string[] = []
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const a = new JobRunner(database.db, clock, silent)
    const b = new JobRunner((second ?? database).db, clock, silent)
    a.every('overdue-scan', 60_000, async () => {
      runs.push('a')
      await gate
    })
    b.every('overdue-scan', 60_000, async () => {
      runs.push('b')
    })
    await a.register()
    await b.register()
    const ra = a.runDue()
    // Let A claim before B polls.
    while (runs.length === 0) await new Promise((r) => setTimeout(r, 10))
    const rb = await b.runDue()
    release()
    const doneA = await ra
    assert.deepEqual(runs, ['a'])
    assert.deepEqual(doneA.jobs, ['overdue-scan'])
    assert.deepEqual(rb.jobs, [])
    // Not due again until the interval has passed, whoever asks.
    assert.deepEqual((await b.runDue()).jobs, [])
    clock.advance(60_000)
    assert.deepEqual((await b.runDue()).jobs, ['overdue-scan'])
    assert.deepEqual(runs, ['a', 'b'])
  })

  test('a crashed instance’s claim expires after its lease and the job runs elsewhere', async () => {
    const runs: string[] = []
    const crashed = new JobRunner(database.db, clock, silent, 30_000)
    crashed.every('release-no-shows', 10_000, async () => {})
    await crashed.register()
    // Simulate a claim that never finished: the lease is set, the process died.
    await sql`update jobs set locked_by = 'dead-instance', locked_until = ${new Date(clock.now().getTime() + 30_000)} where name = 'release-no-shows'`.execute(database.db)
    const survivor = new JobRunner((second ?? database).db, clock, silent, 30_000)
    survivor.every('release-no-shows', 10_000, async () => void runs.push('survivor'))
    assert.deepEqual((await survivor.runDue()).jobs, [])
    clock.advance(31_000)
    assert.deepEqual((await survivor.runDue()).jobs, ['release-no-shows'])
    assert.deepEqual(runs, ['survivor'])
  })

  test('due tasks run once, are deduplicated by key, and retry with back-off', async () => {
    const seen: unknown[] = []
    let failures = 1
    const a = new JobRunner(database.db, clock, silent)
    const b = new JobRunner((second ?? database).db, clock, silent)
    for (const r of [a, b]) {
      r.on('notify', async (payload: { caseId: string }) => {
        if (failures-- > 0) throw new Error('SMS gateway down')
        seen.push(payload.caseId)
      })
    }
    const at = clock.now()
    await database.db.transaction().execute(async (tx) => {
      await enqueueTask(tx, { kind: 'notify', payload: { caseId: 'C1' }, runAt: at, dedupeKey: 'notify:C1:red' })
      await enqueueTask(tx, { kind: 'notify', payload: { caseId: 'C1' }, runAt: at, dedupeKey: 'notify:C1:red' })
    })
    const [ra, rb] = await Promise.all([a.runDue(), b.runDue()])
    assert.equal(ra.tasks.length + rb.tasks.length, 1, 'the one task was attempted once')
    assert.deepEqual(seen, [], 'the first attempt failed')
    assert.equal((await a.runDue()).tasks.length, 0, 'not retried before its back-off')
    clock.advance(2_000)
    await Promise.all([a.runDue(), b.runDue()])
    assert.deepEqual(seen, ['C1'])
    const rows = await sql<{ attempts: number; doneAt: Date | null }>`select attempts, done_at from job_tasks`.execute(database.db)
    assert.equal(rows.rows.length, 1)
    assert.equal(rows.rows[0]!.attempts, 2)
    assert.ok(rows.rows[0]!.doneAt)
  })
})

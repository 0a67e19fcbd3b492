import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { cliTarget, runCli } from '../../testing/processes.js'

describe('civicgrid CLI: migrate, user create, audit verify', () => {
  const target = cliTarget('civicgrid-cli-')
  const env = target.env
  before(target.setup)
  after(target.teardown)

  const open = target.open

  test('migrate applies the migrations once', () => {
    const first = runCli(['migrate'], env)
    assert.equal(first.status, 0, first.stderr)
    assert.match(first.stdout, /applied \d+ migration/)
    const second = runCli(['migrate'], env)
    assert.equal(second.status, 0, second.stderr)
    assert.match(second.stdout, /up to date/)
  })

  test('user create makes a user that can be found, with an audit row', async () => {
    const r = runCli(['user', 'create', '-u', 'li.dispatcher', '-p', 'dispatch-pass', '-n', '李派遣', '-r', 'dispatcher', '-s', '320102'], env)
    assert.equal(r.status, 0, r.stderr)
    const bad = runCli(['user', 'create', '-u', 'x', '-p', 'short'], env)
    assert.notEqual(bad.status, 0)
    const database = await open()
    try {
      const users = await sql<{ roles: string[] }>`select roles from users where username = 'li.dispatcher'`.execute(database.db)
      assert.deepEqual(users.rows[0]!.roles, ['dispatcher'])
      const scopes = await sql<{ regionCode: string }>`select region_code from user_scopes`.execute(database.db)
      assert.deepEqual(scopes.rows.map((s) => s.regionCode), ['320102'])
    } finally {
      await database.close()
    }
  })

  test('audit verify passes, then fails naming the edited row', async () => {
    const ok = runCli(['audit', 'verify'], env)
    assert.equal(ok.status, 0, ok.stderr)
    assert.match(ok.stdout, /audit chain OK: \d+ rows verified/)
    const database = await open()
    try {
      await sql`update audit_log set actor_name = 'someone else' where id = 1`.execute(database.db)
    } finally {
      await database.close()
    }
    const broken = runCli(['audit', 'verify'], env)
    assert.equal(broken.status, 1)
    assert.match(broken.stderr, /BROKEN at row 1/)
  })
})

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../app.js'
import { ManualClock } from '../../platform/clock.js'
import type { BusEvent } from '../../platform/events.js'
import { createTestApp, json, type TestApp } from '../../testing/test-app.js'
import { importTerritory, TERRITORY } from '../../testing/territory.js'

describe('case timers: yellow at 80 %, red at the deadline, notified once across restarts and instances', () => {
  const clock = new ManualClock('2026-11-30T01:00:00Z') // Monday 09:00 in Shanghai
  let t: TestApp
  let second: FastifyInstance | null = null
  const events: BusEvent[] = []
  let leader: string
  let dispatcher: string
  let roads: string
  const at = (local: string) => clock.set(new Date(`${local}+08:00`))
  const h = (amount: number) => ({ amount, unit: 'workingHours' as const })

  before(async () => {
    t = await createTestApp({ clock, env: { SESSION_TTL_MINUTES: String(60 * 24 * 5) } })
    const admin = (await t.userWith({ username: 'root', roles: ['admin'] })).cookie
    await importTerritory(t, admin)
    roads = json(await t.inject({ method: 'POST', url: '/api/v1/departments', headers: { cookie: admin }, payload: { code: 'ROADS', name: '道路养护所' } })).id
    await t.inject({
      method: 'PUT',
      url: '/api/v1/case-settings/event/0102',
      headers: { cookie: admin },
      payload: { limits: { register: h(1), dispatch: h(1), handle: h(4), check: h(2), close: h(1) }, urgency: 'normal', closingStandard: '清理干净' },
    })
    leader = (await t.userWith({ username: 'shift', roles: ['shiftLeader'], regionCodes: [TERRITORY.streetA] })).cookie
    dispatcher = (await t.userWith({ username: 'disp', roles: ['dispatcher'], regionCodes: [TERRITORY.streetA] })).cookie
    t.app.platform.bus.subscribe(collect)
  })
  const collect = (e: BusEvent) => (e.type === 'case.warning' || e.type === 'case.overdue') && events.push(e)
  after(async () => {
    await second?.close()
    await t.close()
  })

  const runJobs = (app: FastifyInstance = t.app) => app.platform.jobs.runDue()
  const lightOf = async (id: string) => (await sql<{ light: string }>`select light from cases where id = ${id}`.execute(t.database.db)).rows[0]!.light
  const notices = async (id: string) =>
    (await sql<{ kind: string; stage: string }>`select kind, stage from case_notifications where case_id = ${id} order by id`.execute(t.database.db)).rows.map((r) => `${r.stage}:${r.kind}`)

  // The timer job runs every 60 s, so each step below is at least a minute after the previous run.
  test('the register stage turns yellow at 48 minutes and red at one working hour, once each', async () => {
    const sup = (await t.userWith({ username: 'sup', roles: ['supervisor'], regionCodes: [TERRITORY.gridA1] })).cookie
    at('2026-11-30T09:00:00')
    const c = json(await t.inject({ method: 'POST', url: '/api/v1/cases', headers: { cookie: sup }, payload: { classKind: 'event', minorClass: '0102', ...TERRITORY.inA1, description: '垃圾' } })).case
    at('2026-11-30T09:47:00')
    await runJobs()
    assert.equal(await lightOf(c.id), 'green')
    at('2026-11-30T09:48:00')
    await runJobs()
    assert.equal(await lightOf(c.id), 'yellow')
    assert.deepEqual(await notices(c.id), ['register:warning'])

    // A restart: a new instance on the same database, with its own job runner, changes nothing.
    await t.app.platform.jobs.stop()
    second = await buildApp({ config: t.config, database: t.database, clock, logger: false })
    await second.ready()
    // Whichever instance's runner takes the timer job publishes; a server carries its events to the
    // other instance (NOTIFY), the embedded database has no other instances to tell: listen to both.
    if (t.database.kind === 'pglite') second.platform.bus.subscribe(collect)
    at('2026-11-30T09:59:00')
    await runJobs(second)
    assert.deepEqual(await notices(c.id), ['register:warning'])

    // Both instances scan when the deadline passes: one notice, one event.
    at('2026-11-30T10:00:00')
    await Promise.all([runJobs(), runJobs(second)])
    assert.equal(await lightOf(c.id), 'red')
    assert.deepEqual(await notices(c.id), ['register:warning', 'register:overdue'])
    at('2026-11-30T10:05:00')
    await Promise.all([runJobs(), runJobs(second)])
    assert.deepEqual(await notices(c.id), ['register:warning', 'register:overdue'])
    const mine = events.filter((e) => e.data.id === c.id).map((e) => e.type)
    assert.deepEqual(mine, ['case.warning', 'case.overdue'])
    const listed = json(await t.inject({ method: 'GET', url: '/api/v1/cases/notifications', headers: { cookie: leader } }))
    assert.deepEqual(listed.items.filter((n: { caseId: string }) => n.caseId === c.id).map((n: { kind: string }) => n.kind), ['overdue', 'warning'])

    // The next stage starts green with its own clock, across lunch: dispatched 10:30, 4 working hours → 16:00.
    at('2026-11-30T10:10:00')
    const reg = json(await t.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/register`, headers: { cookie: leader }, payload: { version: c.version } }))
    assert.equal(reg.light, 'green')
    at('2026-11-30T10:30:00')
    const disp = json(await t.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/dispatch`, headers: { cookie: dispatcher }, payload: { version: reg.version, departmentId: roads } }))
    assert.equal(disp.stageDeadline, new Date('2026-11-30T16:00:00+08:00').toISOString())
    assert.equal(disp.timings.find((x: { stage: string }) => x.stage === 'register').onTime, false, 'registered after its deadline')
    at('2026-11-30T15:11:00')
    await runJobs(second)
    assert.equal(await lightOf(c.id), 'green')
    at('2026-11-30T15:12:00') // 80 % of 4 h = 3 h 12 min: 1 h 30 before lunch + 1 h 42 after
    await runJobs(second)
    assert.equal(await lightOf(c.id), 'yellow')
    at('2026-11-30T16:00:00')
    await runJobs(second)
    assert.equal(await lightOf(c.id), 'red')
    assert.deepEqual(await notices(c.id), ['register:warning', 'register:overdue', 'handle:warning', 'handle:overdue'])
  })
})

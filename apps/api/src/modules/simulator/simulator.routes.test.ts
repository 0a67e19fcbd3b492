import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, type TestApp } from '../../testing/test-app.js'
import { parseDuration, parseRate, seedDemo, Simulator } from '../demo/index.js'

const PASSWORD = 'demo-password-1'
const AT = new Date(Date.now() - 60_000)

interface CaseItem {
  id: string
  state: string
  description: string
}

describe('simulator: the demo people at work through the HTTP API', () => {
  let t: TestApp
  let url: string
  let admin: string

  before(async () => {
    t = await createTestApp()
    await seedDemo(t.app, { seed: 3, size: 'small', at: AT, password: PASSWORD })
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const a = t.app.server.address()
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`
    admin = (await t.userWith({ username: 'sim.admin', roles: ['admin'] })).cookie
  })
  after(async () => {
    await t?.close()
  })

  const simulated = async (): Promise<CaseItem[]> => {
    const items: CaseItem[] = []
    let cursor: string | null = null
    do {
      const res = await t.inject({ method: 'GET', url: `/api/v1/cases?view=all&limit=200&q=${encodeURIComponent('（模拟）')}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, headers: { cookie: admin } })
      assert.equal(res.statusCode, 200, res.body)
      const body = res.json() as { items: CaseItem[]; nextCursor: string | null }
      items.push(...body.items)
      cursor = body.nextCursor
    } while (cursor)
    return items
  }

  test('reports and moves cases through the stages, then stops cleanly', async () => {
    const sim = new Simulator({ url, rate: 3, password: PASSWORD, seed: 11, pace: 0.15 })
    await sim.start()
    // run until one of its own reports has been dispatched and handled, at most 120 s
    const MOVED = ['handled', 'checking', 'checked', 'closed']
    const until = Date.now() + 120_000
    while (Date.now() < until && !(await simulated()).some((c) => MOVED.includes(c.state))) await new Promise((r) => setTimeout(r, 1000))
    await sim.stop()
    const s = sim.stats
    assert.equal(s.running, false)
    assert.ok(s.reported > 0, JSON.stringify(s))
    for (const action of ['register', 'dispatch', 'accept', 'handled']) assert.ok((s.actions[action] ?? 0) > 0, `${action}: ${JSON.stringify(s)}`)
    assert.equal(s.errors, 0, s.lastError ?? '')

    const cases = await simulated()
    assert.equal(cases.length, s.reported)
    const moved = cases.find((c) => MOVED.includes(c.state))
    assert.ok(moved, JSON.stringify(cases.map((c) => c.state)))
    // its timeline shows the people who moved it
    const one = await t.inject({ method: 'GET', url: `/api/v1/cases/${moved.id}`, headers: { cookie: admin } })
    const actions = (one.json() as { timeline: { action: string }[] }).timeline.map((e) => e.action)
    assert.equal(actions[0], 'report')
    for (const a of ['register', 'dispatch', 'accept', 'handled']) assert.ok(actions.includes(a), actions.join())

    // stopped: nothing more happens
    const before = cases.length
    await new Promise((r) => setTimeout(r, 1500))
    assert.equal((await simulated()).length, before)
  })

  test('the admin switch: admin only, starts and stops the simulator inside the server', async () => {
    const shift = await t.login('shift', PASSWORD)
    const denied = await t.inject({ method: 'POST', url: '/api/v1/simulator', headers: { cookie: shift }, payload: { running: true, rate: 2 } })
    assert.equal(denied.statusCode, 403)
    assert.equal((await t.inject({ method: 'GET', url: '/api/v1/simulator', headers: { cookie: shift } })).statusCode, 403)

    const noPassword = await t.inject({ method: 'POST', url: '/api/v1/simulator', headers: { cookie: admin }, payload: { running: true, rate: 2 } })
    assert.equal(noPassword.statusCode, 400, noPassword.body)

    const started = await t.inject({ method: 'POST', url: '/api/v1/simulator', headers: { cookie: admin }, payload: { running: true, rate: 4, password: PASSWORD, pace: 0.15 } })
    assert.equal(started.statusCode, 200, started.body)
    assert.equal(started.json().running, true)
    const until = Date.now() + 30_000
    let status = started.json() as { running: boolean; reported: number; actions: Record<string, number> }
    while (Date.now() < until && !(status.reported > 0 && (status.actions.register ?? 0) > 0)) {
      await new Promise((r) => setTimeout(r, 500))
      status = (await t.inject({ method: 'GET', url: '/api/v1/simulator', headers: { cookie: admin } })).json()
    }
    assert.ok(status.reported > 0 && (status.actions.register ?? 0) > 0, JSON.stringify(status))
    const stopped = await t.inject({ method: 'POST', url: '/api/v1/simulator', headers: { cookie: admin }, payload: { running: false } })
    assert.equal(stopped.statusCode, 200)
    assert.equal(stopped.json().running, false)
  })
})

test('outside demo mode the switch is refused', async () => {
  const t = await createTestApp({ env: { DEMO: 'false' } })
  try {
    const admin = (await t.userWith({ username: 'sim.admin', roles: ['admin'] })).cookie
    const res = await t.inject({ method: 'POST', url: '/api/v1/simulator', headers: { cookie: admin }, payload: { running: true, rate: 2, password: PASSWORD } })
    assert.equal(res.statusCode, 409, res.body)
    assert.match(res.json().detail ?? res.body, /demo/i)
    assert.equal((await t.inject({ method: 'GET', url: '/api/v1/simulator', headers: { cookie: admin } })).json().available, false)
  } finally {
    await t.close()
  }
})

test('rates and durations', () => {
  assert.equal(parseRate('2/s'), 2)
  assert.equal(parseRate('30/min'), 0.5)
  assert.equal(parseRate('0.5'), 0.5)
  assert.throws(() => parseRate('fast'))
  assert.equal(parseDuration('60s'), 60_000)
  assert.equal(parseDuration('5m'), 300_000)
  assert.equal(parseDuration('250ms'), 250)
})

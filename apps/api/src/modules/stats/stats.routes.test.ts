import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { ManualClock } from '../../platform/clock.js'
import type { BusEvent } from '../../platform/events.js'
import { connectSse } from '../../testing/sse.js'
import { createTestApp, json, type TestApp } from '../../testing/test-app.js'
import { importTerritory, TERRITORY } from '../../testing/territory.js'
import { scanCaseTimers } from '../cases/index.js'
import { checkStats, foldStats, rebuildStats, takeStatsSnapshot } from './index.js'

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')

/**
 * A small hand-built history (local time, Asia/Shanghai; limits of 0102 in working hours:
 * register 1, dispatch 1, handle 4, check 2, close 1):
 *   yesterday Mon 2026-11-30  09:00 case1 reported in A1 (supervisor), registered 09:05, dispatched to ROADS 09:10,
 *                              handled 09:30, checked 09:40, closed 09:45 — all on time;
 *                              15:00 case2 reported in B1 (hotline); red at 16:30; snapshot 17:05 (open 1, overdue 1)
 *   today     Tue 2026-12-01  09:00 case3 reported in A2 (hotline); 09:10 case4 in A1 (supervisor), registered 09:20,
 *                              dispatched 09:30; 10:00 case2 registered (late); 17:10 timers: all three open cases red
 */
describe('stats endpoints: numbers of a hand-built history, scoping, the screen, stats.changed', () => {
  const clock = new ManualClock('2026-11-30T01:00:00Z')
  let t: TestApp
  const who: Record<string, { id: string; cookie: string }> = {}
  let roads: string
  let photo: string
  let port: number
  const ids: Record<string, string> = {}
  const at = (local: string) => clock.set(new Date(`${local}+08:00`))

  before(async () => {
    t = await createTestApp({ clock, env: { SESSION_TTL_MINUTES: String(60 * 24 * 20) } })
    who.admin = await t.userWith({ username: 'root', roles: ['admin'] })
    await importTerritory(t, who.admin.cookie)
    roads = json(await t.inject({ method: 'POST', url: '/api/v1/departments', headers: { cookie: who.admin.cookie }, payload: { code: 'ROADS', name: '道路养护所' } })).id
    who.centre = await t.userWith({ username: 'centre', roles: ['operator', 'shiftLeader', 'dispatcher', 'supervisor'], regionCodes: [TERRITORY.district] })
    who.cityLeader = await t.userWith({ username: 'leader.city', roles: ['leader'], regionCodes: ['320100'] })
    who.leaderB = await t.userWith({ username: 'leader.b', roles: ['leader'], regionCodes: [TERRITORY.streetB] })
    who.roads = await t.userWith({ username: 'roads.1', roles: ['departmentHandler'], departmentId: roads })
    const h = (amount: number) => ({ amount, unit: 'workingHours' as const })
    const set = await t.inject({
      method: 'PUT',
      url: '/api/v1/case-settings/event/0102',
      headers: { cookie: who.admin.cookie },
      payload: { limits: { register: h(1), dispatch: h(1), handle: h(4), check: h(2), close: h(1) }, urgency: 'normal', closingStandard: '垃圾清运干净', defaultDepartmentId: roads },
    })
    assert.equal(set.statusCode, 200, set.body)
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    port = (t.app.server.address() as { port: number }).port
    const form = new FormData()
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'evidence.png')
    const up = await fetch(`http://127.0.0.1:${port}/api/v1/files`, { method: 'POST', body: form, headers: { cookie: who.centre.cookie } })
    photo = ((await up.json()) as { sha256: string }).sha256
  })
  after(() => t.close())

  async function report(place: { lng: number; lat: number }, source: 'supervisor' | 'hotline') {
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/cases',
      headers: { cookie: who.centre!.cookie },
      payload: { source, classKind: 'event', minorClass: '0102', ...place, description: '路边暴露垃圾一堆', ...(source === 'supervisor' ? { photos: [photo] } : {}) },
    })
    assert.equal(res.statusCode, 201, res.body)
    return json(res).case.id as string
  }
  async function act(user: string, id: string, action: string, body: Record<string, unknown> = {}) {
    const current = json(await t.inject({ method: 'GET', url: `/api/v1/cases/${id}`, headers: { cookie: who.admin!.cookie } }))
    const res = await t.inject({ method: 'POST', url: `/api/v1/cases/${id}/${action}`, headers: { cookie: who[user]!.cookie }, payload: { version: current.case.version, ...body } })
    assert.equal(res.statusCode, 200, `${action}: ${res.body}`)
  }
  const get = (url: string, user = 'admin') => t.inject({ method: 'GET', url, headers: { cookie: who[user]!.cookie } })
  async function ok(url: string, user = 'admin') {
    const res = await get(url, user)
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`)
    return json(res)
  }

  test('the history is built; the KPI cards compare today with yesterday to the same time', async () => {
    at('2026-11-30T09:00:00')
    ids.case1 = await report(TERRITORY.inA1, 'supervisor')
    at('2026-11-30T09:05:00')
    await act('centre', ids.case1, 'register')
    at('2026-11-30T09:10:00')
    await act('centre', ids.case1, 'dispatch', { departmentId: roads })
    at('2026-11-30T09:30:00')
    await act('roads', ids.case1, 'handled', { photos: [photo] })
    at('2026-11-30T09:35:00')
    await act('centre', ids.case1, 'requestCheck')
    at('2026-11-30T09:40:00')
    await act('centre', ids.case1, 'check', { checkOutcome: 'passed', photos: [photo] })
    at('2026-11-30T09:45:00')
    await act('centre', ids.case1, 'close')
    at('2026-11-30T15:00:00')
    ids.case2 = await report(TERRITORY.inB1, 'hotline')
    at('2026-11-30T16:30:00')
    await scanCaseTimers(t.app.platform, clock.now())
    // Half of the history is folded into the rollups, half stays pending: reads are exact either way.
    await foldStats(t.app.platform)

    const before = await ok('/api/v1/stats/kpis?region=320102')
    assert.deepEqual(before.cards.overdue, { value: 1, previous: null }, 'no snapshot a day ago')
    at('2026-11-30T17:05:00')
    assert.equal(await takeStatsSnapshot(t.app.platform), true)
    assert.equal(await takeStatsSnapshot(t.app.platform), false, 'once per hour')

    at('2026-12-01T09:00:00')
    ids.case3 = await report(TERRITORY.inA2, 'hotline')
    at('2026-12-01T09:10:00')
    ids.case4 = await report(TERRITORY.inA1, 'supervisor')
    at('2026-12-01T09:20:00')
    await act('centre', ids.case4, 'register')
    at('2026-12-01T09:30:00')
    await act('centre', ids.case4, 'dispatch', { departmentId: roads })
    at('2026-12-01T10:00:00')
    await act('centre', ids.case2, 'register')
    at('2026-12-01T17:10:00')
    await scanCaseTimers(t.app.platform, clock.now())

    const k = await ok('/api/v1/stats/kpis')
    assert.deepEqual(k.region, { code: '320100', name: '320100', level: 'city' }, 'an admin sees the city (no city row: its districts)')
    assert.equal(k.asOf, new Date('2026-12-01T17:10:00+08:00').toISOString())
    assert.deepEqual(k.cards, {
      reported: { value: 2, previous: 2 },
      registered: { value: 2, previous: 1 },
      dispatched: { value: 1, previous: 1 },
      closed: { value: 0, previous: 1 },
      onTimeRate: { value: 0, previous: 1 },
      overdue: { value: 3, previous: 1 },
      suspended: { value: 0, previous: 0 },
    })
    assert.deepEqual(await ok('/api/v1/stats/kpis?region=320102', 'cityLeader'), { ...k, region: { code: '320102', name: '玄武区', level: 'district' } })
    const b = await ok('/api/v1/stats/kpis', 'leaderB')
    assert.equal(b.region.code, TERRITORY.streetB, "a street leader's default region is their street")
    assert.deepEqual(b.cards.reported, { value: 0, previous: 1 })
    assert.deepEqual(b.cards.registered, { value: 1, previous: 0 })
    assert.deepEqual(b.cards.overdue, { value: 1, previous: 1 })
  })

  test('map, case points, classes, trend, sources, departments, regions, hot spots, parking', async () => {
    const city = await ok('/api/v1/stats/map')
    assert.equal(city.childLevel, 'district')
    assert.deepEqual(city.items, [{ code: '320102', name: '玄武区', approximate: false, open: 3, overdue: 3, components: 0, value: 3 }])
    const district = await ok('/api/v1/stats/map?region=320102&metric=overdue')
    assert.equal(district.childLevel, 'street')
    assert.deepEqual(
      district.items.map((i: { code: string; open: number; overdue: number; value: number }) => [i.code, i.open, i.overdue, i.value]),
      [
        [TERRITORY.streetA, 2, 2, 2],
        [TERRITORY.streetB, 1, 1, 1],
      ],
    )
    const grid = await ok(`/api/v1/stats/map?region=${TERRITORY.gridA1}`)
    assert.deepEqual([grid.childLevel, grid.items], [null, []])

    const points = await ok(`/api/v1/stats/case-points?region=${TERRITORY.streetA}`)
    assert.equal(points.total, 2)
    assert.deepEqual(points.items.map((x: { id: string; light: string; minorClass: string }) => [x.id, x.light, x.minorClass]), [
      [ids.case4, 'red', '0102'],
      [ids.case3, 'red', '0102'],
    ])
    const one = await ok(`/api/v1/stats/case-points?region=320102&limit=1`)
    assert.deepEqual([one.total, one.items.length], [3, 1])

    const range = 'from=2026-11-30&to=2026-12-01'
    const classes = await ok(`/api/v1/stats/classes?region=320102&${range}`)
    assert.deepEqual(classes.items, [{ classKind: 'event', majorClass: '01', majorName: classes.items[0].majorName, minorClass: '0102', minorName: '暴露垃圾', reported: 4, closed: 1 }])
    assert.ok(classes.items[0].majorName.length > 0)
    assert.deepEqual((await ok(`/api/v1/stats/trend?region=320102&${range}`)).items, [
      { day: '2026-11-30', reported: 2, closed: 1 },
      { day: '2026-12-01', reported: 2, closed: 0 },
    ])
    const trend30 = await ok('/api/v1/stats/trend?region=320102')
    assert.equal(trend30.items.length, 30, 'default: 30 days ending today, zeros included')
    assert.equal(trend30.items.at(-1).day, '2026-12-01')
    assert.deepEqual((await ok(`/api/v1/stats/sources?region=320102&${range}`)).items, [
      { source: 'supervisor', count: 2 },
      { source: 'public', count: 0 },
      { source: 'hotline', count: 2 },
      { source: 'device', count: 0 },
      { source: 'superior', count: 0 },
    ])
    assert.deepEqual((await ok(`/api/v1/stats/departments?region=320102&${range}`)).items, [{ departmentId: roads, name: '道路养护所', handled: 1, onTime: 1, onTimeRate: 1 }])
    assert.deepEqual((await ok(`/api/v1/stats/departments?region=320102&from=2026-12-01&to=2026-12-01`)).items, [])
    assert.deepEqual((await ok(`/api/v1/stats/regions?region=320102&${range}`)).items, [
      { code: TERRITORY.streetA, name: '测试街道甲', reported: 3, closed: 1, onTimeRate: 1 },
      { code: TERRITORY.streetB, name: '测试街道乙', reported: 1, closed: 0, onTimeRate: 0 },
    ])
    assert.deepEqual((await ok('/api/v1/stats/hotspots?region=320102&days=7')).items, [
      { gridCode: TERRITORY.gridA1, name: '甲1网格', count: 2 },
      { gridCode: TERRITORY.gridA2, name: '甲2网格', count: 1 },
      { gridCode: TERRITORY.gridB1, name: '乙1网格', count: 1 },
    ])
    assert.deepEqual((await ok('/api/v1/stats/hotspots?region=320102&days=1&limit=1')).items, [{ gridCode: TERRITORY.gridA1, name: '甲1网格', count: 1 }])
    assert.deepEqual(await ok('/api/v1/stats/parking?region=320102'), { items: [] })

    const bad = await get('/api/v1/stats/trend?from=2026-12-02&to=2026-12-01')
    assert.equal(bad.statusCode, 400)
  })

  test('grids (read from their case history) add up to their community and street; a year of classes (whole months from the monthly rollup)', async () => {
    const range = 'from=2026-11-30&to=2026-12-01'
    const add = (a: { day: string; reported: number; closed: number }[], b: { day: string; reported: number; closed: number }[]) =>
      a.map((x, i) => ({ day: x.day, reported: x.reported + b[i]!.reported, closed: x.closed + b[i]!.closed }))
    const a1 = await ok(`/api/v1/stats/trend?region=${TERRITORY.gridA1}&${range}`)
    const a2 = await ok(`/api/v1/stats/trend?region=${TERRITORY.gridA2}&${range}`)
    assert.deepEqual(a1.items, [
      { day: '2026-11-30', reported: 1, closed: 1 },
      { day: '2026-12-01', reported: 1, closed: 0 },
    ])
    assert.deepEqual(add(a1.items, a2.items), (await ok(`/api/v1/stats/trend?region=${TERRITORY.streetA}&${range}`)).items)
    // a community's grids: ranked from their history
    assert.deepEqual((await ok(`/api/v1/stats/regions?region=320102001001&${range}`)).items, [
      { code: TERRITORY.gridA1, name: '甲1网格', reported: 2, closed: 1, onTimeRate: 1 },
      { code: TERRITORY.gridA2, name: '甲2网格', reported: 1, closed: 0, onTimeRate: 0 },
    ])
    for (const panel of ['classes', 'sources', 'departments']) {
      assert.deepEqual(await ok(`/api/v1/stats/${panel}?region=${TERRITORY.gridB1}&${range}`), await ok(`/api/v1/stats/${panel}?region=${TERRITORY.streetB}&${range}`), panel)
    }
    assert.deepEqual((await ok(`/api/v1/stats/kpis?region=${TERRITORY.gridB1}`)).cards, (await ok(`/api/v1/stats/kpis?region=${TERRITORY.streetB}`)).cards)
    // 2025-12-02 … 2026-12-01: January to November 2026 from the monthly rollup, the ends from the daily one
    const year = await ok('/api/v1/stats/classes?region=320102&from=2025-12-02&to=2026-12-01')
    assert.deepEqual(year, await ok(`/api/v1/stats/classes?region=320102&${range}`))
    assert.deepEqual(year.items.map((x: { reported: number; closed: number }) => [x.reported, x.closed]), [[4, 1]])
    assert.equal((await get('/api/v1/stats/hotspots?region=320102&days=36')).statusCode, 400, 'grid reports are kept 35 days')
  })

  test('the live feed: latest case events of the caller\'s region, newest first', async () => {
    const feed = await ok('/api/v1/stats/feed?region=320102&limit=3')
    assert.deepEqual(
      feed.items.map((x: { action: string; caseId: string; at: string }) => [x.action, x.caseId, x.at]),
      [
        ['register', ids.case2, new Date('2026-12-01T10:00:00+08:00').toISOString()],
        ['dispatch', ids.case4, new Date('2026-12-01T09:30:00+08:00').toISOString()],
        ['register', ids.case4, new Date('2026-12-01T09:20:00+08:00').toISOString()],
      ],
    )
    const first = feed.items[0]
    assert.equal(first.gridCode, TERRITORY.gridB1)
    assert.equal(first.fromState, 'reported')
    assert.equal(typeof first.number, 'string')
    assert.deepEqual(Object.keys(first).sort(), ['action', 'at', 'caseId', 'fromState', 'gridCode', 'id', 'light', 'minorClass', 'number', 'toState'])
    // the whole district: 7 + 1 + 1 + 3 + 1 events
    assert.equal((await ok('/api/v1/stats/feed?region=320102')).items.length, 13)
    // street B's leader: only case2's events (report, register), by default in their widest scope
    const b = await ok('/api/v1/stats/feed', 'leaderB')
    assert.deepEqual(b.items.map((x: { action: string; caseId: string }) => [x.action, x.caseId]), [['register', ids.case2], ['report', ids.case2]])
    // a community and a grid take the narrow path: the same events as filtering the wide one
    const wide = (await ok('/api/v1/stats/feed?region=320102&limit=200')).items
    for (const region of ['320102001001', TERRITORY.gridA1]) {
      assert.deepEqual((await ok(`/api/v1/stats/feed?region=${region}&limit=200`)).items, wide.filter((x: { gridCode: string }) => x.gridCode.startsWith(region)), region)
    }
    assert.deepEqual((await ok(`/api/v1/stats/feed?region=${TERRITORY.gridA1}&limit=2`)).items, wide.filter((x: { gridCode: string }) => x.gridCode === TERRITORY.gridA1).slice(0, 2))
    assert.equal((await get(`/api/v1/stats/feed?region=${TERRITORY.streetA}`, 'leaderB')).statusCode, 404)
    assert.equal((await get('/api/v1/stats/feed?limit=0')).statusCode, 400)
  })

  test('the screen is every panel in one round trip, the same before and after folding', async () => {
    const url = '/api/v1/stats/screen?region=320102&from=2026-11-30&to=2026-12-01&metric=overdue'
    const screen = await ok(url)
    assert.deepEqual(Object.keys(screen).sort(), ['classes', 'departments', 'hotspots', 'kpis', 'map', 'parking', 'regions', 'sources', 'trend'])
    assert.deepEqual(screen.kpis, await ok('/api/v1/stats/kpis?region=320102'))
    assert.deepEqual(screen.trend, await ok('/api/v1/stats/trend?region=320102&from=2026-11-30&to=2026-12-01'))
    const folded = await foldStats(t.app.platform)
    assert.ok(folded.folded > 0)
    assert.deepEqual(await ok(url), screen)
    assert.deepEqual((await checkStats(t.app.platform)).items, [])
  })

  test('scoping: outside one\'s regions is 404, roles without the screen 403, anonymous 401', async () => {
    assert.equal((await get(`/api/v1/stats/kpis?region=${TERRITORY.streetA}`, 'leaderB')).statusCode, 404)
    assert.equal((await get('/api/v1/stats/screen?region=320102', 'leaderB')).statusCode, 404)
    assert.equal((await get('/api/v1/stats/map?region=320104', 'cityLeader')).statusCode, 404, 'no such region')
    assert.equal((await get(`/api/v1/stats/kpis?region=${TERRITORY.gridB1}`, 'leaderB')).statusCode, 200)
    assert.equal((await get('/api/v1/stats/kpis', 'roads')).statusCode, 403)
    assert.equal((await t.inject({ method: 'GET', url: '/api/v1/stats/kpis' })).statusCode, 401)
    assert.equal((await get('/api/v1/stats/kpis?region=12')).statusCode, 400)
  })

  test('a new case announces stats.changed on the stream (scoped), and moves the card at once', async () => {
    const seen: BusEvent[] = []
    const unsubscribe = t.app.platform.bus.subscribe((e) => seen.push(e))
    const sse = await connectSse(`http://127.0.0.1:${port}/api/v1/stream`, { cookie: who.leaderB!.cookie })
    try {
      const before = (await ok('/api/v1/stats/kpis', 'leaderB')).cards.reported.value
      await report(TERRITORY.inB1, 'hotline')
      const e = await sse.waitFor((x) => x.event === 'stats.changed', 5000)
      assert.deepEqual(e.data.data, { regionCode: TERRITORY.gridB1 })
      assert.equal((await ok('/api/v1/stats/kpis', 'leaderB')).cards.reported.value, before + 1, 'no fold needed')
      await report(TERRITORY.inA1, 'hotline')
      await new Promise((r) => setTimeout(r, 1200))
      assert.ok(seen.some((x) => x.type === 'stats.changed' && x.regionCode === TERRITORY.gridA1), 'the second change within the second is announced when it ends')
      assert.ok(!sse.events.some((x) => x.event === 'stats.changed' && x.data.data.regionCode === TERRITORY.gridA1), "street B's leader does not hear street A")
    } finally {
      sse.close()
      unsubscribe()
    }
  })

  test('the feed reads its recent window (stat_feed) when it holds enough, else the case history: the same events either way', async () => {
    const db = t.app.platform.db
    const regions = ['320100', '320102', TERRITORY.streetA, TERRITORY.streetB, '320102001001', TERRITORY.gridA1]
    const answers = async () => {
      const out: Record<string, unknown> = {}
      for (const region of regions) for (const limit of [1, 2, 3, 5, 13, 200]) out[`${region}/${limit}`] = (await ok(`/api/v1/stats/feed?region=${region}&limit=${limit}`)).items
      return out
    }
    // every event so far is in the window (it started before the first one)
    const window = async () => (await sql<{ n: number }>`select count(*)::int as n from stat_feed`.execute(db)).rows[0]!.n
    const events = async (since: string) => (await sql<{ n: number }>`select count(*)::int as n from case_events where at >= ${new Date(since)}`.execute(db)).rows[0]!.n
    assert.equal(await window(), await events('2000-01-01T00:00:00Z'))
    const all = await answers()
    assert.deepEqual((await checkStats(t.app.platform)).items, [])
    // The snapshot job moves the window to the last day: at 02:00 tomorrow it keeps today's events
    // (case3 and case4 reported, case4 registered and dispatched, case2 registered, the two
    // reports of the test above); wider answers come from the history.
    try {
      await takeStatsSnapshot(t.app.platform, new Date('2026-12-02T02:00:00+08:00'))
      const today = await events('2026-12-01T02:00:00+08:00')
      assert.ok(today >= 5 && today < (await events('2000-01-01T00:00:00Z')))
      assert.equal(await window(), today)
      assert.deepEqual(await answers(), all)
      assert.deepEqual((await checkStats(t.app.platform)).items, [])
      // the window never moves back
      await takeStatsSnapshot(t.app.platform, new Date('2026-12-01T03:00:00+08:00'))
      assert.equal(await window(), today)
    } finally {
      await sql`delete from stat_snapshot_hours where hour in ('2026-12-01T18:00:00Z', '2026-11-30T19:00:00Z')`.execute(db)
    }
    // A removed window row is a difference the check reports (and the rebuild restores it).
    await sql`delete from stat_feed where event_id = (select max(event_id) from stat_feed)`.execute(db)
    const broken = await checkStats(t.app.platform)
    assert.equal(broken.total, 1)
    assert.equal(broken.items[0]!.table, 'stat_feed')
    await rebuildStats(t.app.platform)
    assert.deepEqual((await checkStats(t.app.platform)).items, [])
    assert.equal(await window(), await events(new Date(clock.now().getTime() - 86_400_000).toISOString()), 'rebuilt: the last day before now')
    assert.deepEqual(await answers(), all)
  })

  test('hot spots above a street are shared for a minute; a street ranks its grids live', async () => {
    const b1 = (r: { items: { gridCode: string; count: number }[] }) => r.items.find((x) => x.gridCode === TERRITORY.gridB1)?.count ?? 0
    const district = await ok('/api/v1/stats/hotspots?region=320102&days=7&limit=3')
    const street = await ok(`/api/v1/stats/hotspots?region=${TERRITORY.streetB}&days=7&limit=3`)
    await report(TERRITORY.inB1, 'hotline')
    assert.deepEqual(await ok('/api/v1/stats/hotspots?region=320102&days=7&limit=3'), district, 'the district ranking is the minute-old one')
    assert.equal(b1(await ok(`/api/v1/stats/hotspots?region=${TERRITORY.streetB}&days=7&limit=3`)), b1(street) + 1, 'the street ranking counts the new case')
  })
})

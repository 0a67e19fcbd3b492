import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { createTestApp, type TestApp } from '../../testing/test-app.js'
import { CASE_TRANSITIONS, STAGE_OF, type CaseState } from '../cases/index.js'
import { checkStats } from '../stats/index.js'
import { SCALE, scaleLayout, splitByGrids, tenantDay } from './scale.js'
import { seedScale, type SeedScaleResult } from './index.js'

// Monday 2026-03-16 14:37 in Shanghai
const AT = new Date('2026-03-16T06:37:00Z')
const SIZE = { grids: 50, components: 500, cases: 2000 }

async function rows<T>(t: TestApp, query: string): Promise<T[]> {
  const r = await sql<{ j: string }>`select coalesce(json_agg(x), '[]')::text as j from (${sql.raw(query)}) x`.execute(t.database.db)
  return JSON.parse(r.rows[0]!.j) as T[]
}
async function digest(t: TestApp): Promise<string> {
  const h = createHash('sha256')
  for (const q of [
    `select code, name, level, parent_code, approximate, area_m2, geometry::text, min_lng, min_lat, max_lng, max_lat from regions order by code`,
    `select * from components order by code`,
    `select * from component_code_counters order by 1, 2`,
    `select c.*, d.code as dept from cases c left join departments d on d.id = c.department_id order by id`,
    `select e.case_id, e.at, e.action, e.from_state, e.to_state, e.comment, e.input - 'departmentId' as input from case_events e order by e.case_id, e.at, e.id`,
    `select * from case_number_counters order by 1, 2`,
  ]) {
    h.update(JSON.stringify(await rows(t, q.replace('select c.*,', 'select c.id, c.number, c.source, c.minor_class, c.description, c.lng, c.lat, c.grid_code, c.state, c.stage, c.clocks, c.timings, c.stage_deadline, c.light, c.version, c.reported_at, c.closed_at,').replace('select * from components', 'select code, minor_class, name, lng, lat, grid_code, status, created_at from components'))))
  }
  return h.digest('hex')
}

describe('seed scale: a synthetic lattice, components and a year of cases', () => {
  let a: TestApp
  let b: TestApp
  let result: SeedScaleResult

  before(async () => {
    a = await createTestApp()
    b = await createTestApp()
    result = await seedScale(a.app.platform, { ...SIZE, seed: 5, at: AT })
    await seedScale(b.app.platform, { ...SIZE, seed: 5, at: AT })
  })
  after(async () => {
    await a?.close()
    await b?.close()
  })

  test('the same seed and time give the same data', async () => {
    assert.equal(await digest(a), await digest(b))
  })

  test('counts: one district, street and community, the grids, components, cases and their events', async () => {
    assert.deepEqual(result.counts, { districts: 1, streets: 1, communities: 1, grids: 50, components: 500, cases: 2000, caseEvents: result.counts.caseEvents })
    const [levels] = await rows<Record<string, number>>(a, `select count(*) filter (where level = 'city')::int as city, count(*) filter (where level = 'district')::int as district,
      count(*) filter (where level = 'street')::int as street, count(*) filter (where level = 'community')::int as community, count(*) filter (where level = 'grid')::int as grid,
      count(*) filter (where not approximate)::int as exact from regions`)
    assert.deepEqual(levels, { city: 1, district: 1, street: 1, community: 1, grid: 50, exact: 0 })
    const [n] = await rows<{ components: number; cases: number; events: number }>(a, `select (select count(*) from components)::int as components, (select count(*) from cases)::int as cases, (select count(*) from case_events)::int as events`)
    assert.deepEqual(n, { components: 500, cases: 2000, events: result.counts.caseEvents })
    assert.ok(result.counts.caseEvents > 2000 * 6, `most cases are closed after 8 events: ${result.counts.caseEvents}`)
  })

  test('every component and case lies inside its grid, and every region inside its parent', async () => {
    const [bad] = await rows<{ components: number; cases: number; regions: number }>(a, `select
      (select count(*) from components c join regions g on g.code = c.grid_code where not (c.lng > g.min_lng and c.lng < g.max_lng and c.lat > g.min_lat and c.lat < g.max_lat))::int as components,
      (select count(*) from cases c left join regions g on g.code = c.grid_code where g.code is null or not (c.lng > g.min_lng and c.lng < g.max_lng and c.lat > g.min_lat and c.lat < g.max_lat)
         or c.community_code <> left(c.grid_code, 12) or c.street_code <> left(c.grid_code, 9))::int as cases,
      (select count(*) from regions r join regions p on p.code = r.parent_code where p.min_lng is not null and not (r.min_lng >= p.min_lng and r.max_lng <= p.max_lng and r.min_lat >= p.min_lat and r.max_lat <= p.max_lat))::int as regions`)
    assert.deepEqual(bad, { components: 0, cases: 0, regions: 0 })
  })

  test('component codes are district + class + a gap-free sequence, and the counters continue them', async () => {
    const bad = await rows(a, `select minor_class from components group by district_code, minor_class
      having max(right(code, 6)::int) <> count(*) or min(right(code, 6)::int) <> 1`)
    assert.deepEqual(bad, [])
    const counters = await rows(a, `select k.district_code from component_code_counters k
      where k.last_seq <> (select max(right(code, 6)::int) from components c where c.district_code = k.district_code and c.minor_class = k.minor_class)`)
    assert.deepEqual(counters, [])
    const classes = await rows<{ n: number }>(a, `select count(*)::int as n from components c left join minor_classes m on m.kind = 'component' and m.code = c.minor_class where m.code is null`)
    assert.equal(classes[0]!.n, 0)
  })

  test('cases: numbers by tenant day, states reached through their events, clocks and timings consistent', async () => {
    const cases = await rows<{ id: string; number: string; state: CaseState; stage: string | null; light: string; version: number; reported_at: string; registered_at: string | null; dispatched_at: string | null; handled_at: string | null; closed_at: string | null; updated_at: string; stage_deadline: string | null; department_id: string | null; timings: Record<string, { onTime: boolean; usedMinutes: number }>; clocks: Record<string, unknown>; suspended_from: string | null; events: { action: string; from_state: string | null; to_state: string; at: string }[] }>(
      a,
      `select c.*, (select json_agg(e order by e.id) from case_events e where e.case_id = c.id) as events from cases c order by c.number`,
    )
    const tz = a.config.timeZone
    const localDay = (iso: string) => tenantDay(new Date(iso), tz).today.replaceAll('-', '')
    const states = new Map<string, number>()
    const transitions = CASE_TRANSITIONS as Record<string, { from: readonly string[]; to: string }>
    for (const c of cases) {
      states.set(c.state, (states.get(c.state) ?? 0) + 1)
      assert.equal(c.number.slice(0, 8), localDay(c.reported_at), c.number)
      assert.ok(new Date(c.reported_at) <= AT && new Date(c.updated_at) <= AT)
      assert.ok(new Date(c.reported_at).getTime() >= AT.getTime() - (SCALE.days + 1) * 86_400_000)
      // the events replay to the state, each one allowed by the workflow
      assert.equal(c.events[0]!.action, 'report')
      assert.equal(c.events.at(-1)!.to_state, c.state, c.number)
      assert.equal(c.events.length, c.version)
      for (let i = 1; i < c.events.length; i++) {
        const e = c.events[i]!
        assert.equal(e.from_state, c.events[i - 1]!.to_state)
        assert.ok(transitions[e.action]!.from.includes(e.from_state!), `${e.action} from ${e.from_state}`)
        assert.ok(e.at >= c.events[i - 1]!.at)
      }
      assert.equal(c.stage, STAGE_OF[c.state])
      if (c.stage && c.state !== 'suspended') assert.ok(c.stage_deadline && c.clocks[c.stage], c.number)
      assert.equal(c.closed_at !== null, c.state === 'closed')
      assert.equal(c.department_id !== null, c.dispatched_at !== null)
      assert.equal(c.state === 'suspended', c.suspended_from === 'handling')
      if (c.state === 'closed') assert.deepEqual(Object.keys(c.timings).sort(), ['check', 'close', 'dispatch', 'handle', 'register'])
    }
    for (const s of ['closed', 'rejected', 'voided', 'suspended']) assert.ok((states.get(s) ?? 0) > 0, `some ${s}: ${JSON.stringify([...states])}`)
    const open = cases.filter((c) => !['closed', 'rejected', 'voided', 'merged'].includes(c.state))
    assert.ok(open.length > 0 && open.length < 200, `a few open cases: ${open.length}`)
    const handled = cases.filter((c) => c.timings.handle)
    const late = handled.filter((c) => !c.timings.handle!.onTime).length / handled.length
    assert.ok(late > 0.01 && late < 0.15, `a few late handlings: ${late}`)
    const [counter] = await rows<{ bad: number }>(a, `select count(*)::int as bad from case_number_counters k
      where k.last <> (select max(right(number, 5)::int) from cases c where c.district_code = k.district_code and left(c.number, 8) = to_char(k.day, 'YYYYMMDD'))`)
    assert.equal(counter!.bad, 0)
  })

  test('the stats rollups are rebuilt after the load and match the case history', async () => {
    const diff = await checkStats(a.app.platform)
    assert.equal(diff.total, 0, JSON.stringify(diff.items.slice(0, 3)))
    const [n] = await rows<{ n: number }>(a, `select count(*)::int as n from stat_deltas`)
    assert.equal(n!.n, 0)
  })

  test('the data is served by the API: a case with its timeline, a grid, queues', async () => {
    const admin = await a.login('admin').catch(async () => (await a.userWith({ username: 'scale.admin', roles: ['admin'] })).cookie)
    const [one] = await rows<{ id: string; number: string }>(a, `select id, number from cases where state = 'closed' order by number limit 1`)
    const res = await a.inject({ method: 'GET', url: `/api/v1/cases/${one!.id}`, headers: { cookie: admin } })
    assert.equal(res.statusCode, 200, res.body)
    const body = res.json() as { case: { number: string; state: string; timings: unknown[] }; timeline: { action: string }[] }
    assert.equal(body.case.number, one!.number)
    assert.equal(body.case.timings.length, 5)
    assert.deepEqual(body.timeline.map((e) => e.action), ['report', 'register', 'dispatch', 'accept', 'handled', 'requestCheck', 'check', 'close'])
    const grid = await a.inject({ method: 'GET', url: `/api/v1/regions/${result.districts[0]}001001001`, headers: { cookie: admin } })
    assert.equal(grid.statusCode, 200, grid.body)
    const tasks = await a.inject({ method: 'GET', url: '/api/v1/cases?view=all&limit=5', headers: { cookie: admin } })
    assert.equal(tasks.statusCode, 200, tasks.body)
    assert.equal((tasks.json() as { items: unknown[] }).items.length, 5)
  })

  test('refuses a database with data unless --append, which adds the next district (here with the indexes and foreign keys rebuilt)', async () => {
    await assert.rejects(seedScale(a.app.platform, { grids: 5, components: 5, cases: 5, at: AT }), /not empty/)
    const [before] = await rows<{ indexes: number; fks: number }>(a, `select (select count(*) from pg_indexes where tablename in ('cases', 'case_events'))::int as indexes,
      (select count(*) from pg_constraint where contype = 'f' and conrelid::regclass::text in ('cases', 'case_events'))::int as fks`)
    const more = await seedScale(a.app.platform, { grids: 5, components: 10, cases: 20, seed: 5, at: AT, append: true, rebuildIndexesFrom: 1 })
    assert.deepEqual(more.districts, [String(SCALE.firstDistrict + 1)])
    const [n] = await rows<{ cases: number; districts: number }>(a, `select (select count(*) from cases)::int as cases, (select count(*) from regions where level = 'district')::int as districts`)
    assert.deepEqual(n, { cases: 2020, districts: 2 })
    const [schema] = await rows<{ indexes: number; fks: number }>(a, `select (select count(*) from pg_indexes where tablename in ('cases', 'case_events'))::int as indexes,
      (select count(*) from pg_constraint where contype = 'f' and conrelid::regclass::text in ('cases', 'case_events'))::int as fks`)
    assert.deepEqual(schema, before)
  })
})

test('layout: districts of 10,000 grids, communities of 10 × 10, parents cover their children', () => {
  const { districts, regions } = scaleLayout(12_345, 0)
  assert.deepEqual(districts.map((d) => [d.code, d.grids]), [['320151', 10_000], ['320152', 2_345]])
  assert.equal(regions.filter((r) => r.level === 'street').length, 10 + 3)
  assert.equal(regions.filter((r) => r.level === 'community').length, 100 + 24)
  const last = regions.find((r) => r.code === '320152003004')!
  // 45 grids: 10 wide, 5 high
  assert.ok(Math.abs((last.x1! - last.x0!) - 10 * SCALE.cellLng) < 1e-9 && Math.abs((last.y1! - last.y0!) - 5 * SCALE.cellLat) < 1e-9)
  assert.deepEqual(splitByGrids(10, [{ grids: 3 }, { grids: 1 }]), [8, 2])
  assert.deepEqual(splitByGrids(0, [{ grids: 3 }]), [0])
})

test('tenant day: date, offset and minutes since midnight in the tenant zone', () => {
  assert.deepEqual(tenantDay(new Date('2026-03-16T17:30:00Z'), 'Asia/Shanghai'), { today: '2026-03-17', offsetMinutes: 480, elapsedToday: 90 })
})

import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { verifyAuditChain } from '../../platform/audit.js'
import { polygonsOf, PolygonTester, type AreaGeometry } from '../../platform/geo/index.js'
import { createTestApp, json, type TestApp } from '../../testing/test-app.js'
import { CASE_TRANSITIONS, deadlineFor, limitMinutes, localDateOf, workCalendar, workingMinutesBetween, type CaseAction, type CaseClocks, type StageTiming } from '../cases/index.js'
import { locatePoint } from '../regions/index.js'
import { checkStats } from '../stats/index.js'
import { seedDemo, type SeedDemoResult } from './index.js'

// Monday 2026-03-16 14:37 in Shanghai: the history runs from Saturday 2026-02-14 (春节 holidays included).
const AT = new Date('2026-03-16T06:37:00Z')
const PASSWORD = 'demo-password-1'

/** Each table the demo writes, as JSON made by the database, without generated ids or creation times. */
const TABLES: Record<string, string> = {
  regions: `select code, name, level, parent_code, approximate, round(area_m2::numeric, 2) as area, md5(geometry::text) as geometry from regions order by code`,
  departments: `select code, name, region_code, disabled from departments order by code`,
  users: `select u.username, u.display_name, u.roles, d.code as department, u.disabled,
            array(select s.region_code from user_scopes s where s.user_id = u.id order by s.region_code) as scopes
          from users u left join departments d on d.id = u.department_id order by u.username`,
  grid_assignments: `select a.grid_code, u.username, a.role, a.assigned_from, a.assigned_to from grid_assignments a join users u on u.id = a.user_id order by a.grid_code, u.username`,
  case_class_settings: `select s.class_kind, s.minor_class, s.limits, s.urgency, s.closing_standard, d.code as department from case_class_settings s left join departments d on d.id = s.default_department_id order by 1, 2`,
  dispatch_rules: `select r.class_kind, r.minor_class, r.region_code, d.code as department, r.priority from dispatch_rules r join departments d on d.id = r.department_id order by 1, 2, 3, 4`,
  files: `select sha256, size, content_type, original_name from files order by sha256`,
  components: `select c.code, c.name, c.minor_class, c.lng, c.lat, c.geometry, c.grid_code, c.location, c.status, c.currency, m.code as maintainer,
                 c.data_source, c.install_date, c.attributes, c.note, c.version, c.photos
               from components c left join departments m on m.id = c.maintainer_dept_id order by c.code`,
  component_changes: `select component_code, at, actor_name, source, action, changes from component_changes order by component_code, at, action, md5(changes::text)`,
  component_code_counters: `select * from component_code_counters order by 1, 2`,
  cases: `select c.number, c.district_code, c.source, c.class_kind, c.minor_class, c.component_code, c.description, c.address, c.lng, c.lat,
            c.grid_code, c.community_code, c.street_code, c.state, c.suspended_from, c.extension_pending, c.supervised, c.urgency,
            d.code as department, pd.code as proposed_department, pc.number as primary_case, c.last_check_outcome, u.username as reporter,
            c.reporter_phone_hash, c.anonymous, c.confidence, c.photos, c.stage, c.clocks, c.timings, c.stage_deadline, c.stage_warn_at,
            c.light, c.version, c.reported_at, c.registered_at, c.dispatched_at, c.handled_at, c.closed_at
          from cases c left join departments d on d.id = c.department_id left join departments pd on pd.id = c.proposed_department_id
            left join cases pc on pc.id = c.primary_case_id left join users u on u.id = c.reporter_id
          order by c.district_code, c.number`,
  case_events: `select c.number, e.at, e.actor_name, e.action, e.from_state, e.to_state, e.comment,
                  e.input - 'departmentId' - 'primaryCaseId' - 'mergedCaseId' as input,
                  d.code as department, pc.number as primary_case, mc.number as merged_case, e.photos
                from case_events e join cases c on c.id = e.case_id
                  left join departments d on d.id::text = e.input ->> 'departmentId'
                  left join cases pc on pc.id::text = e.input ->> 'primaryCaseId'
                  left join cases mc on mc.id::text = e.input ->> 'mergedCaseId'
                order by c.district_code, c.number, e.id`,
  case_notifications: `select c.number, n.kind, n.stage, n.deadline, d.code as department, n.grid_code, n.created_at
                       from case_notifications n join cases c on c.id = n.case_id left join departments d on d.id = n.department_id order by 1, 2, 3, 4`,
  case_number_counters: `select * from case_number_counters order by 1, 2`,
  audit_actions: `select action, count(*)::int as n from audit_log group by action order by action`,
  audit_cases: `select x.at, x.actor_name, x.action, x.entity, x.before, x.after, x.department from (
                  select a.at, a.actor_name, a.action, coalesce(c.number, a.entity_id) as entity, a.before, a.after - 'departmentId' as after, d.code as department
                  from audit_log a left join cases c on a.entity_type = 'case' and c.id::text = a.entity_id
                    left join departments d on d.id::text = a.after ->> 'departmentId'
                  where a.entity_type in ('case', 'component')) x
                order by x.at, x.action, x.entity, x.after::text`,
}

async function tableJson(t: TestApp, query: string): Promise<string> {
  const r = await sql<{ j: string }>`select coalesce(json_agg(x), '[]')::text as j from (${sql.raw(query)}) x`.execute(t.database.db)
  return r.rows[0]!.j
}

async function digest(t: TestApp): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const [name, query] of Object.entries(TABLES)) out[name] = createHash('sha256').update(await tableJson(t, query)).digest('hex').slice(0, 16)
  return out
}

async function rows<T>(t: TestApp, query: string): Promise<T[]> {
  return JSON.parse(await tableJson(t, query)) as T[]
}

describe('demo seed: the same seed gives the same city, and the city keeps the rules', () => {
  let a: TestApp
  let b: TestApp
  let s: TestApp
  let result: SeedDemoResult

  before(async () => {
    a = await createTestApp()
    b = await createTestApp()
    s = await createTestApp()
    result = await seedDemo(a.app, { seed: 7, size: 'small', at: AT, password: PASSWORD })
    await seedDemo(b.app, { seed: 7, size: 'small', at: AT, password: PASSWORD })
    await seedDemo(s.app, { seed: 7, size: 'small', at: AT, password: PASSWORD, replay: 'services' })
  })
  after(async () => {
    await a?.close()
    await b?.close()
    await s?.close()
  })

  test('seeding twice with the same seed on two fresh databases gives identical data', async () => {
    const [da, db] = [await digest(a), await digest(b)]
    assert.deepEqual(da, db)
    assert.ok(result.counts.cases! >= 100, `a month of cases (${result.counts.cases})`)
    assert.ok(result.counts.components! >= 500, `components along the roads (${result.counts.components})`)
  })

  test('the history written in bulk is row for row what the case services write step by step, and the stats rollups agree', async () => {
    const [batch, services] = [await digest(a), await digest(s)]
    if (a.app.platform.database.kind === 'postgres') {
      // on PostgreSQL intake reserves numbers in blocks of 20, so the services leave the counters at the block's end
      delete batch.case_number_counters
      delete services.case_number_counters
    }
    assert.deepEqual(batch, services)
    const counts = await rows<{ events: number; notices: number; changes: number }>(
      a,
      `select (select count(*)::int from case_events) as events, (select count(*)::int from case_notifications) as notices, (select count(*)::int from component_changes where source = 'case') as changes`,
    )
    assert.ok(counts[0]!.events > 500 && counts[0]!.notices > 20 && counts[0]!.changes > 5, JSON.stringify(counts[0]))
    const check = await checkStats(a.app.platform)
    assert.equal(check.total, 0, JSON.stringify(check.items.slice(0, 5)))
  })

  test('it refuses a territory that has regions already', async () => {
    await assert.rejects(seedDemo(a.app, { seed: 7, size: 'small', at: AT }), /has regions already/)
  })

  test('regions: real districts and 2023 streets, approximate outlines below, codes that nest, grids numbered without gaps', async () => {
    const regions = await rows<{ code: string; name: string; level: string; parent_code: string | null; approximate: boolean }>(a, `select code, name, level, parent_code, approximate from regions order by code`)
    const by = (level: string) => regions.filter((r) => r.level === level)
    assert.equal(by('city').length, 1)
    assert.deepEqual(by('district').map((r) => r.code), ['320102', '320104', '320105', '320106', '320111', '320113', '320114', '320115', '320116', '320117', '320118'])
    assert.equal(by('street').length, 103)
    assert.ok(by('district').every((r) => !r.approximate && r.parent_code === '320100'))
    assert.ok([...by('street'), ...by('community'), ...by('grid')].every((r) => r.approximate), 'generated outlines are flagged approximate')
    const digits = { city: 6, district: 6, street: 9, community: 12, grid: 15 } as Record<string, number>
    for (const r of regions) {
      assert.match(r.code, /^[0-9]+$/)
      assert.equal(r.code.length, digits[r.level], r.code)
      if (r.level !== 'city' && r.level !== 'district') assert.equal(r.parent_code, r.code.slice(0, -3), r.code)
    }
    const grids = by('grid')
    assert.ok(grids.length >= 20, `${grids.length} grids`)
    const perCommunity = new Map<string, number[]>()
    for (const g of grids) perCommunity.set(g.parent_code!, [...(perCommunity.get(g.parent_code!) ?? []), Number(g.code.slice(12))])
    for (const [community, seqs] of perCommunity) assert.deepEqual(seqs, seqs.map((_, i) => i + 1), `grids of ${community} are 001…${seqs.length}`)
    assert.ok(grids.every((g) => /^.+[0-9]{3}网格$/.test(g.name)))
  })

  test('every component and every case lies in its grid; codes and case numbers follow the numbering rules', async () => {
    const p = a.app.platform
    const grids = new Map((await rows<{ code: string; geometry: AreaGeometry }>(a, `select code, geometry from regions where level = 'grid'`)).map((g) => [g.code, new PolygonTester(polygonsOf(g.geometry))]))
    const components = await rows<{ code: string; minor_class: string; lng: number; lat: number; grid_code: string }>(a, `select code, minor_class, lng, lat, grid_code from components order by code`)
    const seqs = new Map<string, number[]>()
    for (const c of components) {
      assert.ok(grids.get(c.grid_code)!.test(c.lng, c.lat) >= 0, `component ${c.code} outside its grid`)
      assert.equal((await locatePoint(p, c.lng, c.lat))?.grid?.code, c.grid_code)
      assert.equal(c.code.slice(0, 6), c.grid_code.slice(0, 6), 'district part of the code')
      assert.equal(c.code.slice(6, 10), c.minor_class, 'class part of the code')
      const key = c.code.slice(0, 10)
      seqs.set(key, [...(seqs.get(key) ?? []), Number(c.code.slice(10))])
    }
    for (const [key, list] of seqs) assert.deepEqual(list, list.map((_, i) => i + 1), `component sequence of ${key} has no gaps`)
    const classes = new Set(components.map((c) => c.minor_class))
    for (const cls of ['0118', '0102', '0103', '0104', '0305', '0402']) assert.ok(classes.has(cls), `components of class ${cls}`)

    const calendar = await workCalendar(p)
    const cases = await rows<{ number: string; district_code: string; grid_code: string; community_code: string; street_code: string; lng: number; lat: number; reported_at: string }>(
      a,
      `select number, district_code, grid_code, community_code, street_code, lng, lat, reported_at from cases order by district_code, reported_at`,
    )
    const numbers = new Map<string, number[]>()
    for (const c of cases) {
      assert.ok(grids.get(c.grid_code)!.test(c.lng, c.lat) >= 0, `case ${c.number} outside its grid`)
      assert.equal(c.community_code, c.grid_code.slice(0, 12))
      assert.equal(c.street_code, c.grid_code.slice(0, 9))
      assert.equal(c.district_code, c.grid_code.slice(0, 6))
      const day = localDateOf(calendar, new Date(c.reported_at))
      assert.equal(c.number.slice(0, 8), day.replaceAll('-', ''), `case ${c.number} is numbered on its local report date`)
      const key = `${c.district_code}:${day}`
      numbers.set(key, [...(numbers.get(key) ?? []), Number(c.number.slice(8))])
    }
    for (const [key, list] of numbers) assert.deepEqual(list, list.map((_, i) => i + 1), `case numbers of ${key} run 1…n in report order`)
  })

  test('no case is in a state its timeline cannot explain', async () => {
    type Ev = { at: string; action: string; from_state: string | null; to_state: string }
    const cases = await rows<{
      number: string
      state: string
      minor_class: string
      primary_minor: string | null
      last_check_outcome: string | null
      reported_at: string
      registered_at: string | null
      dispatched_at: string | null
      handled_at: string | null
      closed_at: string | null
      events: Ev[]
    }>(
      a,
      `select c.number, c.state, c.minor_class, pc.minor_class as primary_minor, c.last_check_outcome, c.reported_at, c.registered_at, c.dispatched_at, c.handled_at, c.closed_at,
         (select json_agg(json_build_object('at', e.at, 'action', e.action, 'from_state', e.from_state, 'to_state', e.to_state) order by e.id) from case_events e where e.case_id = c.id) as events
       from cases c left join cases pc on pc.id = c.primary_case_id`,
    )
    const time = (s: string | null) => (s === null ? null : new Date(s).getTime())
    for (const c of cases) {
      const evs = c.events.filter((e) => e.action !== 'mergedInto')
      assert.equal(evs[0]!.action, 'report', c.number)
      assert.equal(evs[0]!.from_state, null)
      assert.equal(time(evs[0]!.at), time(c.reported_at))
      for (let i = 1; i < evs.length; i++) {
        const e = evs[i]!
        const rule = CASE_TRANSITIONS[e.action as CaseAction]
        assert.ok(rule, `${c.number}: unknown action ${e.action}`)
        assert.equal(e.from_state, evs[i - 1]!.to_state, `${c.number}: ${e.action} starts where the last action ended`)
        assert.ok((rule.from as readonly string[]).includes(e.from_state!), `${c.number}: ${e.action} from ${e.from_state}`)
        if (rule.to === 'same') assert.equal(e.to_state, e.from_state)
        else if (rule.to === 'beforeSuspension') assert.ok(['dispatched', 'handling'].includes(e.to_state))
        else assert.equal(e.to_state, rule.to, `${c.number}: ${e.action} leads to ${rule.to}`)
        assert.ok(time(e.at)! >= time(evs[i - 1]!.at)!, `${c.number}: events in time order`)
      }
      assert.ok(c.events.every((e) => time(e.at)! <= AT.getTime()), `${c.number}: nothing after the end of the history`)
      assert.equal(evs.at(-1)!.to_state, c.state, `${c.number}: the state is where the timeline ends`)
      const last = (action: string) => time([...evs].reverse().find((e) => e.action === action)?.at ?? null)
      assert.equal(time(c.registered_at), last('register'))
      assert.equal(time(c.dispatched_at), last('dispatch'))
      assert.equal(time(c.handled_at), last('handled'))
      assert.equal(time(c.closed_at), c.state === 'closed' ? last('close') : null)
      if (c.state === 'closed') assert.equal(c.last_check_outcome, 'passed')
      if (c.state === 'merged') assert.equal(c.primary_minor, c.minor_class)
    }
  })

  test('timings and deadlines agree with the work calendar; lights are right at the end of the history', async () => {
    const calendar = await workCalendar(a.app.platform)
    const cases = await rows<{ number: string; state: string; stage: string | null; clocks: CaseClocks; timings: Record<string, StageTiming>; stage_deadline: string | null; light: string; extension_pending: boolean }>(
      a,
      `select number, state, stage, clocks, timings, stage_deadline, light, extension_pending from cases`,
    )
    let finished = 0
    for (const c of cases) {
      for (const [stage, t] of Object.entries(c.timings)) {
        const clock = c.clocks[stage as keyof CaseClocks]!
        const limit = limitMinutes(calendar, clock.limit)
        assert.equal(t.limitMinutes, limit, `${c.number} ${stage}: limit`)
        assert.equal(t.onTime, t.usedMinutes <= limit + 1e-9, `${c.number} ${stage}: on time means within the limit`)
        if (clock.limit.unit !== 'naturalHours') {
          const worked = workingMinutesBetween(calendar, new Date(t.start), new Date(t.end))
          if (clock.pauses.length === 0) assert.ok(Math.abs(t.usedMinutes - worked) < 0.01, `${c.number} ${stage}: ${t.usedMinutes} working minutes used, the calendar says ${worked}`)
          else assert.ok(t.usedMinutes <= worked + 0.01, `${c.number} ${stage}: pauses only take time out`)
        }
        finished++
      }
      const running = c.stage ? c.clocks[c.stage as keyof CaseClocks] : undefined
      const paused = running?.pauses.some((x) => x.to === null)
      if (running && !running.end && !paused && c.state !== 'suspended' && !c.extension_pending) {
        const pauses = running.pauses.map((x) => ({ from: new Date(x.from), to: new Date(x.to!) }))
        const deadline = deadlineFor(calendar, new Date(running.start), running.limit, pauses)
        assert.equal(new Date(c.stage_deadline!).getTime(), deadline.getTime(), `${c.number}: the deadline is the calendar's`)
        if (deadline.getTime() <= AT.getTime()) assert.equal(c.light, 'red', `${c.number}: overdue at the end is red`)
      }
    }
    assert.ok(finished > 300, `${finished} finished stages`)
  })

  test('a realistic mix: sources, overdue share, returns, reworks, extensions, suspensions, and open cases in every stage', async () => {
    const cases = await rows<{ source: string; state: string; stage: string | null; timings: Record<string, StageTiming>; light: string; actions: string[] }>(
      a,
      `select c.source, c.state, c.stage, c.timings, c.light, (select array_agg(distinct e.action) from case_events e where e.case_id = c.id) as actions from cases c`,
    )
    const count = (f: (c: (typeof cases)[number]) => boolean) => cases.filter(f).length
    for (const s of ['supervisor', 'public', 'hotline', 'device']) assert.ok(count((c) => c.source === s) > 0, `${s} reports`)
    assert.ok(count((c) => c.source === 'supervisor') > cases.length / 3, 'supervisors report most')
    const overdue = count((c) => Object.values(c.timings).some((t) => !t.onTime) || c.light === 'red')
    assert.ok(overdue / cases.length >= 0.01 && overdue / cases.length <= 0.15, `overdue share ${overdue}/${cases.length}`)
    for (const action of ['return', 'rework', 'requestVerify', 'verify', 'reject', 'supervise']) assert.ok(count((c) => c.actions.includes(action)) > 0, `some cases saw ${action}`)
    assert.ok(count((c) => c.state === 'closed') > cases.length / 2, 'most cases are closed')
    const openStages = new Set(cases.filter((c) => !['closed', 'rejected', 'voided', 'merged'].includes(c.state)).map((c) => c.stage))
    for (const stage of ['register', 'dispatch', 'handle', 'check', 'close']) assert.ok(openStages.has(stage), `open cases in the ${stage} stage`)
  })

  test('the audit chain holds, and the demo accounts sign in with their scopes', async () => {
    const chain = await verifyAuditChain(a.database.db)
    assert.ok(chain.ok, chain.reason ?? '')
    const me = async (username: string) => {
      const cookie = await a.login(username, PASSWORD)
      return json(await a.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } }))
    }
    const sup = await me('supervisor1')
    assert.deepEqual(sup.roles, ['supervisor'])
    assert.ok(sup.scopes.length > 0 && sup.scopes.every((s: { regionLevel: string }) => s.regionLevel === 'grid'), 'a supervisor works pilot grids')
    const roads = await me('roads')
    assert.ok(roads.departmentId, 'a handler belongs to a department')
    const names = result.accounts.map((x) => x.username)
    for (const u of ['leader', 'operator', 'shift', 'dispatcher', 'supervisor1', 'gridworker1', 'resident1', 'parking1']) assert.ok(names.includes(u), u)
    assert.ok(result.accounts.every((x) => x.displayName.startsWith('演示')), 'demo people are obviously demo people')
  })
})

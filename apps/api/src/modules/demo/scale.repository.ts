/**
 * SQL of the scale generator (`civicgrid seed scale`, scale.ts). Every bulk statement is an
 * `insert … select … from generate_series` whose randomness is `hashint8extended(j, salt)`: the
 * rows are computed inside the database (no per-row round trip, the same statements on PGlite
 * and PostgreSQL) and the same seed gives the same rows on both.
 */
import { sql } from 'kysely'
import type { Executor } from '../../platform/db/database.js'

const raw = (s: string) => sql.raw(s)
/** A number written into the statement (typed by the parser, not sent as an untyped text parameter). */
const num = (x: number) => {
  if (!Number.isFinite(x)) throw new Error(`not a number: ${x}`)
  return sql.raw(String(x))
}

/** A uniform number in [0, 1) from the row number `j` and a salt (20 random bits). */
const r = (salt: number) => `((hashint8extended(j::bigint, ${salt}::bigint) & 1048575)::float8 / 1048576)`

/** An ISO 8601 UTC text of a timestamptz expression, as the case services write it into jsonb. */
const iso = (e: string) => `to_char((${e}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/** A GeoJSON rectangle from bbox expressions (counter-clockwise exterior ring). */
export const rectangleSql = (x0: string, y0: string, x1: string, y1: string) =>
  `jsonb_build_object('type', 'Polygon', 'coordinates', jsonb_build_array(jsonb_build_array(
     jsonb_build_array(${x0}, ${y0}), jsonb_build_array(${x1}, ${y0}), jsonb_build_array(${x1}, ${y1}),
     jsonb_build_array(${x0}, ${y1}), jsonb_build_array(${x0}, ${y0}))))`
/** Area in m² of a small lng/lat rectangle (local equirectangular approximation). */
const areaSql = (x0: string, y0: string, x1: string, y1: string) =>
  `((${x1}) - (${x0})) * 111320 * cos(radians(((${y0}) + (${y1})) / 2)) * ((${y1}) - (${y0})) * 110574`

export interface ScaleState {
  regions: number
  components: number
  cases: number
  cityExists: boolean
  /** Codes of districts this generator made before (320151…320199). */
  syntheticDistricts: string[]
}

export async function readScaleState(db: Executor, cityCode: string, firstDistrict: number, lastDistrict: number): Promise<ScaleState> {
  const r1 = await sql<{ regions: number; components: number; cases: number; city: boolean }>`
    select (select count(*) from regions)::int as regions, (select count(*) from components)::int as components,
      (select count(*) from cases)::int as cases, exists (select 1 from regions where code = ${cityCode}) as city`.execute(db)
  const r2 = await sql<{ code: string }>`
    select code from regions where level = 'district' and code between ${String(firstDistrict)} and ${String(lastDistrict)} order by code`.execute(db)
  const s = r1.rows[0]!
  return { regions: s.regions, components: s.components, cases: s.cases, cityExists: Boolean(s.city), syntheticDistricts: r2.rows.map((x) => x.code) }
}

export async function listClasses(db: Executor): Promise<{ kind: 'event' | 'component'; code: string; name: string }[]> {
  const r = await sql<{ kind: 'event' | 'component'; code: string; name: string }>`
    select kind, code, name from minor_classes where not retired order by kind, code`.execute(db)
  return r.rows
}

export async function listActiveDepartments(db: Executor): Promise<{ id: string; code: string }[]> {
  const r = await sql<{ id: string; code: string }>`select id, code from departments where not disabled order by code`.execute(db)
  return r.rows
}

export interface RegionRow {
  code: string
  name: string
  level: 'city' | 'district' | 'street' | 'community'
  parent: string | null
  /** bbox; null: no outline (the city when it is drawn by its districts) */
  x0: number | null
  y0: number | null
  x1: number | null
  y1: number | null
}

/** Parents (city, districts, streets, communities): few rows, computed in JS, one statement per level. */
export async function insertRegionRows(tx: Executor, rows: RegionRow[], validFrom: string) {
  if (rows.length === 0) return
  const geom = rectangleSql('r.x0', 'r.y0', 'r.x1', 'r.y1')
  await sql`
    insert into regions (code, name, level, parent_code, geometry, area_m2, min_lng, min_lat, max_lng, max_lat, approximate, valid_from)
    select r.code, r.name, r.level, r.parent,
      case when r.x0 is null then null else ${raw(geom)} end,
      case when r.x0 is null then null else ${raw(areaSql('r.x0', 'r.y0', 'r.x1', 'r.y1'))} end,
      r.x0, r.y0, r.x1, r.y1, true, ${validFrom}::date
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(code text, name text, level text, parent text, x0 float8, y0 float8, x1 float8, y1 float8)
    order by r.code`.execute(tx)
}

/** The lattice position and size of one district's grids (see scale.ts for the layout). */
export interface DistrictLattice {
  code: string
  /** short label used in names, e.g. "07" */
  label: string
  grids: number
  /** cell (0, 0) of the district */
  originLng: number
  originLat: number
  cellLng: number
  cellLat: number
}

/** The cell of local grid `gi` of a district: 10 streets stacked north, 10 communities side by side, 10 × 10 grids each. */
const cellX = (gi: string) => `((((${gi}) / 100) % 10) * 10 + (${gi}) % 10)`
const cellY = (gi: string) => `(((${gi}) / 1000) * 10 + ((${gi}) % 100) / 10)`
const gridCodeSql = (d: string, gi: string) =>
  `${d} || lpad(((${gi}) / 1000 + 1)::text, 3, '0') || lpad((((${gi}) / 100) % 10 + 1)::text, 3, '0') || lpad(((${gi}) % 100 + 1)::text, 3, '0')`
const lngOf = (l: DistrictLattice, x: string) => `round((${l.originLng} + (${x}) * ${l.cellLng})::numeric, 7)::float8`
const latOf = (l: DistrictLattice, y: string) => `round((${l.originLat} + (${y}) * ${l.cellLat})::numeric, 7)::float8`

export async function insertGrids(tx: Executor, l: DistrictLattice, validFrom: string) {
  const x0 = lngOf(l, cellX('gi'))
  const x1 = lngOf(l, `${cellX('gi')} + 1`)
  const y0 = latOf(l, cellY('gi'))
  const y1 = latOf(l, `${cellY('gi')} + 1`)
  await sql`
    insert into regions (code, name, level, parent_code, geometry, area_m2, min_lng, min_lat, max_lng, max_lat, approximate, valid_from)
    select code, ${'合成' + l.label + '-'}::text || lpad((gi / 1000 + 1)::text, 2, '0') || '-' || lpad((gi / 100 % 10 + 1)::text, 2, '0') || '-网格' || lpad((gi % 100 + 1)::text, 3, '0'),
      'grid', left(code, 12), ${raw(rectangleSql('x0', 'y0', 'x1', 'y1'))}, ${raw(areaSql('x0', 'y0', 'x1', 'y1'))}, x0, y0, x1, y1, true, ${validFrom}::date
    from (select gi, ${raw(gridCodeSql(`'${l.code}'`, 'gi'))} as code, ${raw(x0)} as x0, ${raw(y0)} as y0, ${raw(x1)} as x1, ${raw(y1)} as y1
          from generate_series(0, ${num(l.grids - 1)}) as gi) g`.execute(tx)
}

/** Components j ∈ [from, to) of a district: class j % K (codes gap-free per class), a random grid, a random point inside it. */
export async function insertComponents(tx: Executor, a: { l: DistrictLattice; classes: { code: string; name: string }[]; from: number; to: number; salt: number; at: Date }) {
  const k = a.classes.length
  const s = a.salt
  const gi = `least(floor(${r(s + 1)} * ${a.l.grids})::int, ${a.l.grids - 1})`
  await sql`
    insert into components (code, minor_class, name, geometry, lng, lat, min_lng, min_lat, max_lng, max_lat, grid_code, location, status, data_source, created_at, updated_at)
    select ${a.l.code} || (c ->> 'code') || lpad((j / ${num(k)} + 1)::text, 6, '0'), c ->> 'code', '合成' || (c ->> 'name'), null, lng, lat, lng, lat, lng, lat, grid_code,
      '合成网格 ' || grid_code, status, 'other', ${a.at}::timestamptz, ${a.at}::timestamptz
    from (
      select j, ${JSON.stringify(a.classes)}::jsonb -> (j % ${num(k)}) as c, ${raw(gridCodeSql(`'${a.l.code}'`, 'gi'))} as grid_code,
        ${raw(lngOf(a.l, `${cellX('gi')} + 0.05 + 0.9 * ${r(s + 2)}`))} as lng,
        ${raw(latOf(a.l, `${cellY('gi')} + 0.05 + 0.9 * ${r(s + 3)}`))} as lat,
        case when ${raw(r(s + 4))} < 0.95 then 'intact' when ${raw(r(s + 4))} < 0.98 then 'damaged' when ${raw(r(s + 4))} < 0.99 then 'lost' else 'occupied' end as status
      from (select j, ${raw(gi)} as gi from generate_series(${num(a.from)}, ${num(a.to - 1)}) as j) g
    ) x
    order by j`.execute(tx)
}

/** The code counters after a load, so codes allocated later continue the sequences. */
export async function updateComponentCounters(tx: Executor, districts: string[]) {
  await sql`
    insert into component_code_counters (district_code, minor_class, last_seq)
    select district_code, minor_class, max(right(code, 6)::int) from components
    where district_code in (select jsonb_array_elements_text(${JSON.stringify(districts)}::jsonb)) group by 1, 2
    on conflict (district_code, minor_class) do update set last_seq = greatest(component_code_counters.last_seq, excluded.last_seq)`.execute(tx)
}

/** Stage limits of generated cases, in natural minutes (stored as naturalHours limits). */
export const SCALE_LIMITS = { register: 120, dispatch: 30, handle: 2880, check: 120, close: 60 } as const

export interface CaseBatch {
  l: DistrictLattice
  /** the district's number in case ids */
  idTag: number
  seed: number
  classes: { kind: string; code: string; name: string }[]
  departments: string[]
  from: number
  to: number
  salt: number
  at: Date
  /** tenant date of `at`, YYYY-MM-DD, and the tenant's UTC offset in minutes */
  today: string
  offsetMinutes: number
  /** minutes since tenant midnight at `at` */
  elapsedToday: number
  days: number
}

const limitJson = (min: number) => `jsonb_build_object('amount', ${min / 60}, 'unit', 'naturalHours')`
const clockJson = (start: string, min: number, pauses = `'[]'::jsonb`) =>
  `jsonb_build_object('start', ${iso(start)}, 'limit', ${limitJson(min)}, 'pauses', ${pauses}, 'end', null)`
const minutesBetween = (a: string, b: string) => `(extract(epoch from (${b}) - (${a})) / 60)`
const timingJson = (stage: string, start: string, end: string, min: number) =>
  `jsonb_build_object('stage', '${stage}', 'start', ${iso(start)}, 'end', ${iso(end)}, 'usedMinutes', round(${minutesBetween(start, end)}::numeric, 2),
     'limitMinutes', ${min}, 'onTime', ${minutesBetween(start, end)} <= ${min})`

/**
 * Cases j ∈ [from, to) of a district and their events, in one statement. Case j is reported on day
 * j % days before today (its number: that tenant date + sequence j / days + 1) and follows the main
 * path (register → dispatch → accept → handled → requestCheck → check → close) with random stage
 * durations; where it stands at `at` is its state. 4 % are rejected, 1 % voided, 1 % suspended.
 */
export async function insertCases(tx: Executor, b: CaseBatch): Promise<number> {
  const res = await casesStatement(b).execute(tx)
  return Number(res.numAffectedRows ?? 0)
}

export function casesStatement(b: CaseBatch) {
  const s = b.salt
  const L = SCALE_LIMITS
  const k = b.classes.length
  const nd = Math.max(1, b.departments.length)
  const query = sql`
    with p as (select ${b.at}::timestamptz as at),
    a as (
      select j, j % ${num(b.days)} as day, j / ${num(b.days)} + 1 as seq,
        least(floor(${raw(r(s + 1))} * ${num(b.l.grids)})::int, ${num(b.l.grids - 1)}) as gi,
        least(floor(${raw(r(s + 2))} * ${num(k)})::int, ${num(k - 1)}) as ci,
        ${raw(r(s + 3))} as r_src, ${raw(r(s + 4))} as r_min, ${raw(r(s + 5))} as r_day,
        ${raw(r(s + 6))} as r1, ${raw(r(s + 7))} as r2, ${raw(r(s + 8))} as r3, ${raw(r(s + 9))} as r4, ${raw(r(s + 10))} as r5, ${raw(r(s + 11))} as r6,
        ${raw(r(s + 12))} as r_var, ${raw(r(s + 13))} as r_x, ${raw(r(s + 14))} as r_y
      from generate_series(${num(b.from)}, ${num(b.to - 1)}) as j
    ),
    b as (
      select a.*, (${b.today}::date - day) as rday,
        case when r_src < 0.6 then 'supervisor' when r_src < 0.75 then 'public' when r_src < 0.9 then 'hotline' when r_src < 0.95 then 'device' else 'superior' end as source,
        case when day = 0 then floor(r_min * ${num(Math.max(1, b.elapsedToday))})::int
             when r_day < 0.85 then floor(1440 * (0.27 + 0.6 * r_min))::int else floor(1440 * r_min)::int end as minute,
        ${JSON.stringify(b.classes)}::jsonb -> ci as cls,
        (${JSON.stringify(b.departments)}::jsonb ->> (ci % ${num(nd)}))::uuid as dept,
        case when r_var < 0.04 then 'rejected' when r_var < 0.05 then 'voided' when r_var < 0.06 then 'suspended' else 'normal' end as variant,
        ${raw(gridCodeSql(`'${b.l.code}'`, 'gi'))} as grid_code,
        ${raw(lngOf(b.l, `${cellX('gi')} + 0.05 + 0.9 * r_x`))} as lng,
        ${raw(latOf(b.l, `${cellY('gi')} + 0.05 + 0.9 * r_y`))} as lat
      from a
    ),
    c as (
      select b.*, (rday::timestamp + minute * interval '1 minute' - ${num(b.offsetMinutes)} * interval '1 minute') at time zone 'UTC' as rep,
        case when source in ('supervisor', 'superior') then 'pendingRegister' else 'reported' end as initial
      from b
    ),
    d as (
      select c.*,
        rep + (5 + r1 * 110) * interval '1 minute' as t1,
        rep + (5 + r1 * 110 + 2 + r2 * 30) * interval '1 minute' as t2,
        rep + (5 + r1 * 110 + 2 + r2 * 30 + 10 + r3 * 170) * interval '1 minute' as t3,
        rep + (5 + r1 * 110 + 2 + r2 * 30 + 10 + r3 * 170 + 30 + power(r4, 4) * 3600) * interval '1 minute' as t4,
        rep + (5 + r1 * 110 + 2 + r2 * 30 + 10 + r3 * 170 + 30 + power(r4, 4) * 3600 + 5) * interval '1 minute' as t5,
        rep + (5 + r1 * 110 + 2 + r2 * 30 + 10 + r3 * 170 + 30 + power(r4, 4) * 3600 + 20 + r5 * 100) * interval '1 minute' as t6,
        rep + (5 + r1 * 110 + 2 + r2 * 30 + 10 + r3 * 170 + 30 + power(r4, 4) * 3600 + 20 + r5 * 100 + 5 + r6 * 50) * interval '1 minute' as t7,
        rep + (5 + r1 * 110 + 2 + r2 * 30 + 10 + r3 * 170 + 60) * interval '1 minute' as tsus
      from c
    ),
    e as (
      select d.*, case
          when variant = 'rejected' then case when t1 <= p.at then 'rejected' else initial end
          when variant = 'voided' then case when t2 <= p.at then 'voided' when t1 <= p.at then 'registered' else initial end
          when variant = 'suspended' then case when tsus <= p.at then 'suspended' when t3 <= p.at then 'handling' when t2 <= p.at then 'dispatched'
            when t1 <= p.at then 'registered' else initial end
          else case when t7 <= p.at then 'closed' when t6 <= p.at then 'checked' when t5 <= p.at then 'checking' when t4 <= p.at then 'handled'
            when t3 <= p.at then 'handling' when t2 <= p.at then 'dispatched' when t1 <= p.at then 'registered' else initial end
        end as state, p.at as now_at
      from d cross join p
    ),
    x as materialized (
      select e.*,
        (lpad(to_hex(${num(b.seed)}), 8, '0') || '-' || lpad(to_hex(${num(b.idTag)}), 4, '0') || '-4000-8000-' || lpad(to_hex(j), 12, '0'))::uuid as id,
        to_char(rday, 'YYYYMMDD') || lpad(seq::text, 5, '0') as number,
        case state when 'reported' then 'register' when 'pendingRegister' then 'register' when 'registered' then 'dispatch'
          when 'dispatched' then 'handle' when 'handling' then 'handle' when 'suspended' then 'handle' when 'handled' then 'check'
          when 'checking' then 'check' when 'checked' then 'close' end as stage,
        case state when 'reported' then rep when 'pendingRegister' then rep when 'registered' then t1 when 'dispatched' then t2
          when 'handling' then t2 when 'handled' then t4 when 'checking' then t4 when 'checked' then t6 end as stage_start,
        case state when 'reported' then ${num(L.register)} when 'pendingRegister' then ${num(L.register)} when 'registered' then ${num(L.dispatch)}
          when 'dispatched' then ${num(L.handle)} when 'handling' then ${num(L.handle)} when 'handled' then ${num(L.check)}
          when 'checking' then ${num(L.check)} when 'checked' then ${num(L.close)} end as stage_limit,
        case state when 'reported' then 1 when 'pendingRegister' then 1 when 'rejected' then 2 when 'registered' then 2 when 'voided' then 3
          when 'dispatched' then 3 when 'handling' then 4 when 'suspended' then 5 when 'handled' then 5 when 'checking' then 6
          when 'checked' then 7 when 'closed' then 8 end as version,
        case state when 'reported' then rep when 'pendingRegister' then rep when 'rejected' then t1 when 'registered' then t1 when 'voided' then t2
          when 'dispatched' then t2 when 'handling' then t3 when 'suspended' then tsus when 'handled' then t4 when 'checking' then t5
          when 'checked' then t6 when 'closed' then t7 end as last_at,
        state in ('dispatched', 'handling', 'suspended', 'handled', 'checking', 'checked', 'closed') as was_dispatched,
        state in ('registered', 'voided', 'dispatched', 'handling', 'suspended', 'handled', 'checking', 'checked', 'closed') as was_registered,
        state in ('handled', 'checking', 'checked', 'closed') as was_handled
      from e
    ),
    ins as (
      insert into cases (id, number, source, class_kind, major_class, minor_class, description, address, lng, lat, grid_code, community_code, street_code,
        district_code, state, suspended_from, urgency, department_id, proposed_department_id, last_check_outcome, photos, stage, clocks, timings,
        stage_deadline, stage_warn_at, light, version, reported_at, registered_at, dispatched_at, handled_at, closed_at, updated_at)
      select id, number, source, cls ->> 'kind', left(cls ->> 'code', 2), cls ->> 'code', '合成案件：' || (cls ->> 'name'), '合成网格 ' || grid_code, lng, lat,
        grid_code, left(grid_code, 12), left(grid_code, 9), ${b.l.code}, state,
        case when state = 'suspended' then 'handling' end, 'normal',
        case when was_dispatched then dept end, case when was_registered then dept end,
        case when state in ('checked', 'closed') then 'passed' end, '[]'::jsonb, stage,
        case when state = 'suspended' then jsonb_build_object('handle', ${raw(clockJson('t2', L.handle, `jsonb_build_array(jsonb_build_object('from', ${iso('tsus')}, 'to', null))`))})
             when stage is null then '{}'::jsonb
             else jsonb_build_object(stage, jsonb_build_object('start', ${raw(iso('stage_start'))}, 'limit', jsonb_build_object('amount', stage_limit / 60.0, 'unit', 'naturalHours'), 'pauses', '[]'::jsonb, 'end', null))
        end,
        jsonb_strip_nulls(jsonb_build_object(
          'register', case when state not in ('reported', 'pendingRegister') then ${raw(timingJson('register', 'rep', 't1', L.register))} end,
          'dispatch', case when was_dispatched or state = 'voided' then ${raw(timingJson('dispatch', 't1', 't2', L.dispatch))} end,
          'handle', case when was_handled then ${raw(timingJson('handle', 't2', 't4', L.handle))} end,
          'check', case when state in ('checked', 'closed') then ${raw(timingJson('check', 't4', 't6', L.check))} end,
          'close', case when state = 'closed' then ${raw(timingJson('close', 't6', 't7', L.close))} end)),
        case when stage is not null and state <> 'suspended' then stage_start + stage_limit * interval '1 minute' end,
        case when stage is not null and state <> 'suspended' then stage_start + stage_limit * 0.8 * interval '1 minute' end,
        case when stage is null or state = 'suspended' then 'green'
             when stage_start + stage_limit * interval '1 minute' <= now_at then 'red'
             when stage_start + stage_limit * 0.8 * interval '1 minute' <= now_at then 'yellow' else 'green' end,
        version, rep, case when was_registered then t1 end, case when was_dispatched then t2 end, case when was_handled then t4 end,
        case when state = 'closed' then t7 end, last_at
      from x order by j
      returning 1
    )
    insert into case_events (case_id, at, actor_id, actor_name, action, from_state, to_state, comment, input, photos)
    select x.id, ev.at, null, '合成数据', ev.action, ev.from_state, ev.to_state, ev.comment, ev.input, '[]'::jsonb
    from x cross join lateral (values
      (1, rep, 'report', null, initial, null, jsonb_build_object('source', source)),
      (2, case when was_registered then t1 end, 'register', initial, 'registered', null, '{}'::jsonb),
      (2, case when state = 'rejected' then t1 end, 'reject', initial, 'rejected', '不属于受理范围（合成）', jsonb_build_object('reason', '不属于受理范围（合成）')),
      (3, case when was_dispatched then t2 end, 'dispatch', 'registered', 'dispatched', null, jsonb_build_object('departmentId', dept)),
      (3, case when state = 'voided' then t2 end, 'void', 'registered', 'voided', '重复立案（合成）', jsonb_build_object('reason', '重复立案（合成）')),
      (4, case when was_dispatched then t3 end, 'accept', 'dispatched', 'handling', null, '{}'::jsonb),
      (5, case when state = 'suspended' then tsus end, 'suspend', 'handling', 'suspended', '长期问题挂账（合成）', jsonb_build_object('reason', '长期问题挂账（合成）')),
      (5, case when was_handled then t4 end, 'handled', 'handling', 'handled', null, '{}'::jsonb),
      (6, case when state in ('checking', 'checked', 'closed') then t5 end, 'requestCheck', 'handled', 'checking', null, '{}'::jsonb),
      (7, case when state in ('checked', 'closed') then t6 end, 'check', 'checking', 'checked', null, jsonb_build_object('checkOutcome', 'passed')),
      (8, case when state = 'closed' then t7 end, 'close', 'checked', 'closed', null, '{}'::jsonb)
    ) as ev(n, at, action, from_state, to_state, comment, input)
    where ev.at is not null
    order by x.j, ev.n`
  return query
}

/** The number counters after a load, so intake continues each district's daily sequence. */
export async function updateCaseCounters(tx: Executor, districts: string[]) {
  await sql`
    insert into case_number_counters (district_code, day, last)
    select district_code, to_date(left(number, 8), 'YYYYMMDD'), max(right(number, 5)::int) from cases
    where district_code in (select jsonb_array_elements_text(${JSON.stringify(districts)}::jsonb)) group by 1, 2
    on conflict (district_code, day) do update set last = greatest(case_number_counters.last, excluded.last)`.execute(tx)
}

/** Secondary indexes of the given tables (not those behind constraints), with their definitions. */
export async function secondaryIndexes(tx: Executor, tables: string[]): Promise<{ name: string; def: string }[]> {
  const r = await sql<{ name: string; def: string }>`
    select i.indexname as name, i.indexdef as def from pg_indexes i
    where i.schemaname = current_schema() and i.tablename in (select jsonb_array_elements_text(${JSON.stringify(tables)}::jsonb))
      and not exists (select 1 from pg_constraint c where c.conname = i.indexname)
    order by i.indexname`.execute(tx)
  return r.rows
}

/**
 * Settings of the load transaction: no JIT (PostgreSQL compiles the wide generated expressions for
 * seconds per statement, longer than running them) and more sort memory for the index builds.
 */
export async function loadSettings(tx: Executor) {
  await sql`set local jit = off`.execute(tx)
  await sql`set local maintenance_work_mem = '256MB'`.execute(tx)
  await sql`set local work_mem = '64MB'`.execute(tx)
}

/** Foreign keys of the given tables, with their definitions. */
export async function foreignKeys(tx: Executor, tables: string[]): Promise<{ table: string; name: string; def: string }[]> {
  const r = await sql<{ table: string; name: string; def: string }>`
    select c.conrelid::regclass::text as table, c.conname as name, pg_get_constraintdef(c.oid) as def from pg_constraint c
    where c.contype = 'f' and c.conrelid::regclass::text in (select jsonb_array_elements_text(${JSON.stringify(tables)}::jsonb))
    order by 1, 2`.execute(tx)
  return r.rows
}

export async function dropForeignKeys(tx: Executor, fks: { table: string; name: string }[]) {
  for (const f of fks) await sql`alter table ${sql.id(f.table)} drop constraint ${sql.id(f.name)}`.execute(tx)
}

/** Re-adding a foreign key checks every row in one join instead of one look-up per inserted row. */
export async function addForeignKeys(tx: Executor, fks: { table: string; name: string; def: string }[]) {
  for (const f of fks) await sql`alter table ${sql.id(f.table)} add constraint ${sql.id(f.name)} ${sql.raw(f.def)}`.execute(tx)
}

export async function dropIndexes(tx: Executor, names: string[]) {
  for (const n of names) await sql`drop index ${sql.id(n)}`.execute(tx)
}

export async function createIndexes(tx: Executor, defs: string[]) {
  for (const d of defs) await sql`${sql.raw(d)}`.execute(tx)
}

/**
 * Row triggers of other modules (e.g. the stats deltas) off for the load and on again, in the
 * load's transaction; constraint triggers (foreign keys) stay on. Whatever they maintain is
 * rebuilt after the load (`afterLoad` of seedScale).
 */
export async function setUserTriggers(tx: Executor, tables: string[], enabled: boolean) {
  for (const t of tables) await sql`alter table ${sql.id(t)} ${sql.raw(enabled ? 'enable' : 'disable')} trigger user`.execute(tx)
}

export async function analyze(tx: Executor, tables: string[]) {
  for (const t of tables) await sql`analyze ${sql.id(t)}`.execute(tx)
}


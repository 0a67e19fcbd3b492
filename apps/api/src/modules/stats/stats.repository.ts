import { sql, type RawBuilder } from 'kysely'
import { regionPrefix } from '../../platform/access.js'
import type { Executor } from '../../platform/db/database.js'

/**
 * All SQL of the statistics. Rollup tables (migration 20261128T0620_stats.sql) are written only
 * by `fold` and `rebuild`; every read adds the deltas not folded yet in the same statement, so
 * it sees one snapshot in which each change is either folded or pending — exact, never twice.
 */

declare module '../../platform/db/schema.js' {
  interface DB {
    statDeltas: {
      id: number
      gridCode: string
      at: Date | null
      classKind: string
      minorClass: string
      source: string
      departmentId: string | null
      metric: string
      n: number
    }
    statStock: { regionCode: string; metric: 'open' | 'overdue' | 'suspended'; n: number }
    statDaily: { regionCode: string; day: string; metric: string; n: number }
    statDailyClasses: { regionCode: string; day: string; classKind: string; minorClass: string; metric: 'report' | 'close'; n: number }
    statDailyDepartments: { regionCode: string; day: string; departmentId: string; metric: 'handled' | 'handledOnTime'; n: number }
    statMinutes: { regionCode: string; minute: Date; metric: string; n: number }
    statGridReports: { day: string; gridCode: string; n: number }
    statMonthlyClasses: { regionCode: string; month: string; classKind: string; minorClass: string; metric: 'report' | 'close'; n: number }
    statSnapshotHours: { hour: Date; takenAt: Date }
    statSnapshots: { hour: Date; regionCode: string; metric: string; n: number }
    statFeed: { at: Date; eventId: string; gridCode: string }
    statFeedWindow: { one: boolean; since: Date }
  }
}

/** Flows kept per minute for the KPI cards. */
export const MINUTE_METRICS = ['report', 'register', 'dispatch', 'close', 'closedCase', 'closedCaseOnTime'] as const
/** How long per-minute rows are kept (today and yesterday are read; a day of slack). */
export const MINUTES_KEPT_MS = 3 * 86_400_000
/** How long hourly stock snapshots are kept. */
export const SNAPSHOTS_KEPT_MS = 8 * 86_400_000
/** Local days of reports per grid kept for the hot spots (today and the 34 days before). */
export const GRID_DAYS_KEPT = 35
/** How far back `stat_feed` keeps every case event (the snapshot job moves the window). */
export const FEED_KEPT_MS = 86_400_000
const FOLD_LOCK = 7_246_020

/** What the time-limited rollups keep: per-minute rows from `minute` on, grid × day reports from the local day `gridDay` on. */
export interface Cutoffs {
  minute: Date
  gridDay: string
}

export function statsCutoffs(now: Date, tz: string): Cutoffs {
  const minute = new Date(Math.floor((now.getTime() - MINUTES_KEPT_MS) / 60_000) * 60_000)
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now)
  const gridDay = new Date(Date.parse(`${today}T00:00:00Z`) - (GRID_DAYS_KEPT - 1) * 86_400_000).toISOString().slice(0, 10)
  return { minute, gridDay }
}

const list = (xs: readonly string[]) => sql.join(xs.map((x) => sql.lit(x)))
const OPEN = sql<boolean>`state not in ('rejected', 'closed', 'voided', 'merged')`

/** The code of the region at `level length` that contains a grid code column (city: 4 digits + '00'). */
export function regionOfGrid(column: RawBuilder<unknown>, codeLength: number, city: boolean): RawBuilder<string> {
  return city ? sql<string>`left(${column}, 4) || '00'` : sql<string>`left(${column}, ${sql.lit(codeLength)})`
}

/** `column like 'prefix%'` for the grids inside a region (columns are collate "C", so an index range). */
const under = (column: RawBuilder<unknown>, region: string) => sql`${column} like ${`${regionPrefix(region)}%`}`

/**
 * Delta-shaped rows (grid_code, at, class_kind, minor_class, source, department_id, metric, n)
 * exploded to the region levels: city, district, street, community, and the grid itself when
 * `grid_code` is a grid (15 digits; the rebuild's history carries community codes for most rows).
 * `gridOnly`: only the grid level (reads of grid-level rows from the case history).
 */
function exploded(source: RawBuilder<unknown>, tz: string, gridOnly = false) {
  const levels = gridOnly
    ? sql`(values (s.grid_code))`
    : sql`(values (left(s.grid_code, 4) || '00'), (left(s.grid_code, 6)), (left(s.grid_code, 9)), (left(s.grid_code, 12)), (case when length(s.grid_code) = 15 then s.grid_code end))`
  return sql`select r.region_code, s.at, (s.at at time zone ${tz})::date as day, date_trunc('minute', s.at) as minute,
      s.class_kind, s.minor_class, s.source, s.department_id, s.metric, s.n
    from (${source}) s
    cross join lateral ${levels} r (region_code)
    where r.region_code is not null`
}

/** One rollup table: its key, the region levels it keeps, and how exploded delta rows (`x`) aggregate into it. */
interface Rollup {
  table: string
  keys: string[]
  /** all: city … grid; areas: city … community (grids are read from their case history); grids: grid codes only */
  levels: 'all' | 'areas' | 'grids'
  /** the rebuild may blank the class / source of history rows when the rollup does not read them */
  usesClass: boolean
  usesSource: boolean
  /** the delta rows the rollup can read (a filter on delta columns; the rebuild reads only these) */
  reads: RawBuilder<boolean>
  aggregate: (x: RawBuilder<unknown>, c: Cutoffs) => RawBuilder<unknown>
}

export const ROLLUPS: Rollup[] = [
  {
    table: 'stat_stock',
    keys: ['region_code', 'metric'],
    levels: 'all',
    usesClass: false,
    usesSource: false,
    reads: sql<boolean>`at is null`,
    aggregate: (x) => sql`select region_code, metric, sum(n)::int as n from (${x}) x where at is null group by 1, 2`,
  },
  {
    table: 'stat_daily',
    keys: ['region_code', 'metric', 'day'],
    levels: 'areas',
    usesClass: false,
    usesSource: true,
    reads: sql<boolean>`at is not null and department_id is null`,
    aggregate: (x) => sql`select region_code, m.metric, day, sum(n)::int as n from (${x}) x
      cross join lateral unnest(case when x.metric = 'report' then array['report', 'report.' || x.source] else array[x.metric] end) m (metric)
      where at is not null and department_id is null group by 1, 2, 3`,
  },
  {
    table: 'stat_daily_classes',
    keys: ['region_code', 'day', 'class_kind', 'minor_class', 'metric'],
    levels: 'areas',
    usesClass: true,
    usesSource: false,
    reads: sql<boolean>`at is not null and department_id is null and metric in ('report', 'close')`,
    aggregate: (x) => sql`select region_code, day, class_kind, minor_class, metric, sum(n)::int as n from (${x}) x
      where at is not null and department_id is null and metric in ('report', 'close') group by 1, 2, 3, 4, 5`,
  },
  {
    table: 'stat_monthly_classes',
    keys: ['region_code', 'month', 'class_kind', 'minor_class', 'metric'],
    levels: 'areas',
    usesClass: true,
    usesSource: false,
    reads: sql<boolean>`at is not null and department_id is null and metric in ('report', 'close')`,
    aggregate: (x) => sql`select region_code, date_trunc('month', day)::date as month, class_kind, minor_class, metric, sum(n)::int as n from (${x}) x
      where at is not null and department_id is null and metric in ('report', 'close') group by 1, 2, 3, 4, 5`,
  },
  {
    table: 'stat_daily_departments',
    keys: ['region_code', 'day', 'department_id', 'metric'],
    levels: 'areas',
    usesClass: false,
    usesSource: false,
    reads: sql<boolean>`at is not null and department_id is not null`,
    aggregate: (x) => sql`select region_code, day, department_id, metric, sum(n)::int as n from (${x}) x
      where at is not null and department_id is not null group by 1, 2, 3, 4`,
  },
  {
    table: 'stat_minutes',
    keys: ['region_code', 'metric', 'minute'],
    levels: 'areas',
    usesClass: false,
    usesSource: false,
    reads: sql<boolean>`at is not null and department_id is null and metric in (${list(MINUTE_METRICS)})`,
    aggregate: (x, c) => sql`select region_code, metric, minute, sum(n)::int as n from (${x}) x
      where at >= ${c.minute} and department_id is null and metric in (${list(MINUTE_METRICS)}) group by 1, 2, 3`,
  },
  {
    table: 'stat_grid_reports',
    keys: ['day', 'grid_code'],
    levels: 'grids',
    usesClass: false,
    usesSource: false,
    reads: sql<boolean>`length(grid_code) = 15 and metric = 'report' and at is not null and department_id is null`,
    aggregate: (x, c) => sql`select day, region_code as grid_code, sum(n)::int as n from (${x}) x
      where at is not null and department_id is null and metric = 'report' and day >= ${c.gridDay}::date group by 1, 2`,
  },
]

const rollup = (table: string) => ROLLUPS.find((r) => r.table === table)!

/** The rows a rollup keeps: its aggregate over the exploded rows of its levels. */
function rollupRows(r: Rollup, x: RawBuilder<unknown>, c: Cutoffs) {
  const level = r.levels === 'all' ? sql`true` : r.levels === 'areas' ? sql`length(region_code) < 15` : sql`length(region_code) = 15`
  return r.aggregate(sql`select * from (${x}) x0 where ${level}`, c)
}

/** Which stored rows of a rollup the check compares (the time-limited ones keep only recent rows). */
function keptRows(r: Rollup, c: Cutoffs) {
  if (r.table === 'stat_minutes') return sql`where minute >= ${c.minute}`
  if (r.table === 'stat_grid_reports') return sql`where day >= ${c.gridDay}::date`
  return sql``
}

const cols = (keys: string[]) => sql.raw(keys.join(', '))

/** The contribution of the cases matching `where` (on `c`), recomputed from history: their events and their current row's facts. */
const history = (where: RawBuilder<unknown>) => sql`
  select c.grid_code, e.at, c.class_kind, c.minor_class, c.source, null::uuid as department_id, e.action as metric, 1 as n
  from case_events e join cases c on c.id = e.case_id where ${where}
  union all
  select c.grid_code, f.at, c.class_kind, c.minor_class, c.source, f.department_id, f.metric, 1
  from cases c cross join lateral stat_case_facts(c.state, c.light, c.closed_at, c.timings, c.department_id) f where ${where}`

/**
 * The whole case history in one pass, pre-aggregated into a temporary table `stat_history` of
 * delta-shaped rows: per community (per grid for stock facts and for the reports the grid × day
 * table keeps), per minute within the per-minute window and per local day before it (`at` is then
 * the day's local midnight, which has the same local day), with class and source only where a
 * rollup reads them. Every rollup aggregates this table to the same rows it would from the raw
 * history, at a fraction of the rows.
 */
async function createHistoryTable(tx: Executor, tz: string, c: Cutoffs) {
  const gridFrom = sql`(${c.gridDay}::date)::timestamp at time zone ${tz}`
  const instant = (at: RawBuilder<unknown>) =>
    sql`case when ${at} is null then null when ${at} >= ${c.minute} then date_trunc('minute', ${at}) else ((${at} at time zone ${tz})::date)::timestamp at time zone ${tz} end`
  await sql`drop table if exists stat_history`.execute(tx)
  await sql`create temporary table stat_history on commit drop as
    select case when e.action = 'report' and e.at >= ${gridFrom} then c.grid_code else left(c.grid_code, 12) end as grid_code,
      ${instant(sql`e.at`)} as at,
      case when e.action in ('report', 'close') then c.class_kind else '' end as class_kind,
      case when e.action in ('report', 'close') then c.minor_class else '' end as minor_class,
      case when e.action = 'report' then c.source else '' end as source,
      null::uuid as department_id, e.action as metric, count(*)::int as n
    from case_events e join cases c on c.id = e.case_id
    group by 1, 2, 3, 4, 5, 7
    union all
    select case when f.at is null then c.grid_code else left(c.grid_code, 12) end, ${instant(sql`f.at`)}, '', '', '', f.department_id, f.metric, count(*)::int
    from cases c cross join lateral stat_case_facts(c.state, c.light, c.closed_at, c.timings, c.department_id) f
    group by 1, 2, 6, 7`.execute(tx)
  await sql`analyze stat_history`.execute(tx)
}

/** `stat_history` narrowed to what rollup `r` reads (class / source blanked and summed again). */
const historyFor = (r: Rollup) => sql`
  select grid_code, at, ${r.usesClass ? sql`class_kind, minor_class` : sql`''::text as class_kind, ''::text as minor_class`},
    ${r.usesSource ? sql`source` : sql`''::text as source`}, department_id, metric, sum(n)::int as n
  from stat_history where ${r.reads} group by 1, 2, 3, 4, 5, 6, 7`

/**
 * The rebuild of a city … community rollup: the community rows from the history (exploded to that
 * level only), then each level above summed from the community rows just written — the same rows
 * as exploding every history row to four levels, from far fewer rows.
 */
async function rebuildAreas(tx: Executor, r: Rollup, tz: string, c: Cutoffs): Promise<number> {
  const community = sql`select x.*, left(x.grid_code, 12) as region_code from (${historyFor(r)}) x`
  const explodedCommunity = sql`select s.region_code, s.at, (s.at at time zone ${tz})::date as day, date_trunc('minute', s.at) as minute,
      s.class_kind, s.minor_class, s.source, s.department_id, s.metric, s.n from (${community}) s`
  let rows = Number(
    (await sql`insert into ${sql.raw(r.table)} (${cols(r.keys)}, n) select ${cols(r.keys)}, n from (${r.aggregate(explodedCommunity, c)}) a where n <> 0`.execute(tx)).numAffectedRows ?? 0,
  )
  const others = r.keys.filter((k) => k !== 'region_code')
  for (const up of ['left(region_code, 9)', 'left(region_code, 6)', "left(region_code, 4) || '00'"]) {
    const res = await sql`insert into ${sql.raw(r.table)} (region_code, ${cols(others)}, n)
      select ${sql.raw(up)}, ${cols(others)}, sum(n)::int from ${sql.raw(r.table)} where length(region_code) = 12
      group by 1, ${cols(others)} having sum(n) <> 0`.execute(tx)
    rows += Number(res.numAffectedRows ?? 0)
  }
  return rows
}

const DELTA_COLUMNS = sql`grid_code, at, class_kind, minor_class, source, department_id, metric, n`

export interface FeedRow {
  id: string
  at: Date
  action: string
  fromState: string | null
  toState: string
  caseId: string
  number: string
  gridCode: string
  light: 'green' | 'yellow' | 'red'
  minorClass: string
}

export interface RollupDifference {
  table: string
  key: Record<string, unknown>
  expected: number
  actual: number
}

/** The first days of the first and last whole calendar months inside [from, to] (YYYY-MM-DD), or null if none. */
export function wholeMonths(from: string, to: string): { first: string; last: string } | null {
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number]
  const first = new Date(Date.UTC(fy, fm - 1 + (fd === 1 ? 0 : 1), 1))
  const [ty, tm] = to.split('-').map(Number) as [number, number]
  // the month of `to` is whole only if `to` is its last day
  const nextOfTo = new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000)
  const last = new Date(Date.UTC(ty, tm - 1 + (nextOfTo.getUTCDate() === 1 ? 0 : -1), 1))
  if (first > last) return null
  return { first: first.toISOString().slice(0, 10), last: last.toISOString().slice(0, 10) }
}

/**
 * Where a read finds a rollup's rows of one level: the rollup table, or — for grid codes, which
 * the daily rollups do not keep — the rollup recomputed from the case history of the grids under
 * `region` (a grid's or a community's cases: a few hundred to a few thousand rows). `deltas` is
 * false for the latter: the history already contains every committed change.
 */
function levelSource(table: string, opts: { region: string; gridLevel: boolean; tz: string; now: Date }): { from: RawBuilder<unknown>; deltas: RawBuilder<boolean> } {
  if (!opts.gridLevel) return { from: sql.raw(table), deltas: sql<boolean>`true` }
  const c = statsCutoffs(opts.now, opts.tz)
  const rows = rollup(table).aggregate(exploded(history(under(sql`c.grid_code`, opts.region)), opts.tz, true), c)
  return { from: sql`(${rows})`, deltas: sql<boolean>`false` }
}

/**
 * Move the feed's window to start at `since` (never back, unless `refill`) and drop the events
 * before it; `refill` (the rebuild) recomputes the window's events from the case history.
 * Returns the rows refilled.
 */
async function moveFeedWindow(tx: Executor, since: Date, refill: boolean): Promise<number> {
  await sql`update stat_feed_window set since = ${refill ? sql`${since}::timestamptz` : sql`greatest(since, ${since}::timestamptz)`}`.execute(tx)
  if (!refill) {
    await sql`delete from stat_feed where at < (select since from stat_feed_window)`.execute(tx)
    return 0
  }
  await sql`delete from stat_feed`.execute(tx)
  // `since` as a value, not a subquery: the planner then sees a day of events (an index range of
  // case_events_at_idx and primary-key lookups of their cases), not a third of the table.
  const r = await sql`insert into stat_feed (at, event_id, grid_code)
    select e.at, e.id, c.grid_code from case_events e join cases c on c.id = e.case_id
    where e.at >= ${since}::timestamptz`.execute(tx)
  return Number(r.numAffectedRows ?? 0)
}

export const statsRepository = {
  /**
   * Fold up to `batch` pending deltas into the rollups: `delete … returning` and the upserts are
   * one statement in one transaction (with a lock so folds queue), so each delta is added once.
   * Returns how many were folded and the districts they touched.
   */
  async fold(tx: Executor, opts: { tz: string; now: Date; batch: number }): Promise<{ folded: number; districts: string[] }> {
    await sql`select pg_advisory_xact_lock(${FOLD_LOCK})`.execute(tx)
    const c = statsCutoffs(opts.now, opts.tz)
    const x = exploded(sql`select * from d`, opts.tz)
    // Per rollup: add to the rows that exist, insert the others. (An upsert would check the
    // rollup's `n >= 0` against the signed delta before seeing the conflict.) Folds hold a lock,
    // so no one else inserts a key between the update and the insert.
    const upserts = ROLLUPS.map((r, i) => {
      const key = sql.raw(`(${r.keys.map((k) => `t.${k}`).join(', ')}) = (${r.keys.map((k) => `a.${k}`).join(', ')})`)
      const [a, u] = [sql.raw(`a${i}`), sql.raw(`u${i}`)]
      return sql`${a} as (select ${cols(r.keys)}, n from (${rollupRows(r, x, c)}) a where n <> 0),
        ${u} as (update ${sql.raw(r.table)} t set n = t.n + a.n from ${a} a where ${key} returning ${sql.raw(r.keys.map((k) => `t.${k}`).join(', '))}),
        ${sql.raw(`i${i}`)} as (insert into ${sql.raw(r.table)} (${cols(r.keys)}, n)
          select ${cols(r.keys)}, n from ${a} a where not exists (select 1 from ${u} t where ${key}))`
    })
    const r = await sql<{ folded: number; districts: string[] | null }>`
      with d as (
        delete from stat_deltas where id in (select id from stat_deltas order by id limit ${opts.batch})
        returning ${DELTA_COLUMNS}),
      ${sql.join(upserts)}
      select count(*)::int as folded, array_agg(distinct left(grid_code, 6)) as districts from d`.execute(tx)
    const row = r.rows[0]!
    return { folded: row.folded, districts: row.districts ?? [] }
  },

  pendingDeltas(db: Executor) {
    return sql<{ n: number }>`select count(*)::int as n from stat_deltas`.execute(db).then((r) => r.rows[0]!.n)
  },

  /**
   * Recompute every rollup from the case history: one pass over cases and case_events into a
   * pre-aggregated temporary table (`createHistoryTable`), then one `insert … select` per rollup
   * from it. Case writes wait meanwhile (the delta table is locked), so no change is lost between
   * the recomputation and the removal of the deltas.
   */
  async rebuild(tx: Executor, opts: { tz: string; now: Date; log?: (line: string) => void }): Promise<Record<string, number>> {
    await sql`select pg_advisory_xact_lock(${FOLD_LOCK})`.execute(tx)
    await sql`lock table stat_deltas in exclusive mode`.execute(tx)
    await sql`set local jit = off`.execute(tx)
    await sql`set local work_mem = '128MB'`.execute(tx)
    await sql`delete from stat_deltas`.execute(tx)
    const c = statsCutoffs(opts.now, opts.tz)
    let t = performance.now()
    const lap = (what: string) => {
      opts.log?.(`${what} in ${((performance.now() - t) / 1000).toFixed(1)} s`)
      t = performance.now()
    }
    await createHistoryTable(tx, opts.tz, c)
    lap('history (one pass over cases and case_events)')
    const counts: Record<string, number> = {}
    for (const r of ROLLUPS) {
      await sql`delete from ${sql.raw(r.table)}`.execute(tx)
      if (r.levels === 'areas') counts[r.table] = await rebuildAreas(tx, r, opts.tz, c)
      else {
        const res = await sql`insert into ${sql.raw(r.table)} (${cols(r.keys)}, n)
          select ${cols(r.keys)}, n from (${rollupRows(r, exploded(historyFor(r), opts.tz), c)}) a where n <> 0`.execute(tx)
        counts[r.table] = Number(res.numAffectedRows ?? 0)
      }
      lap(`${r.table}: ${counts[r.table]} rows`)
    }
    await sql`drop table stat_history`.execute(tx)
    counts.stat_feed = await moveFeedWindow(tx, new Date(opts.now.getTime() - FEED_KEPT_MS), true)
    lap(`stat_feed: ${counts.stat_feed} rows`)
    return counts
  },

  async analyze(db: Executor) {
    await sql.raw(`analyze ${ROLLUPS.map((r) => r.table).join(', ')}`).execute(db)
  },

  /**
   * Compare the incremental rollups (rollup rows + pending deltas) with a recomputation from the
   * case history, table by table; run it in one snapshot (repeatable read) so both sides agree.
   */
  async differences(tx: Executor, opts: { tz: string; now: Date; limit: number }): Promise<{ total: number; items: RollupDifference[] }> {
    const c = statsCutoffs(opts.now, opts.tz)
    await sql`set local jit = off`.execute(tx)
    await sql`set local work_mem = '128MB'`.execute(tx)
    await createHistoryTable(tx, opts.tz, c)
    let total = 0
    const items: RollupDifference[] = []
    for (const r of ROLLUPS) {
      const keys = cols(r.keys)
      const res = await sql<Record<string, unknown> & { expected: number; actual: number }>`
        with expected as (
          select ${keys}, n from (${rollupRows(r, exploded(historyFor(r), opts.tz), c)}) a),
        actual as (
          select ${keys}, sum(n)::int as n from (
            select ${keys}, n from ${sql.raw(r.table)} ${keptRows(r, c)}
            union all
            select ${keys}, n from (${rollupRows(r, exploded(sql`select ${DELTA_COLUMNS} from stat_deltas`, opts.tz), c)}) a
          ) u group by ${keys})
        select ${keys}, coalesce(e.n, 0) as expected, coalesce(a.n, 0) as actual
        from expected e full join actual a using (${keys})
        where coalesce(e.n, 0) <> coalesce(a.n, 0)
        order by ${keys}`.execute(tx)
      total += res.rows.length
      for (const row of res.rows.slice(0, Math.max(0, opts.limit - items.length))) {
        const { expected, actual, ...key } = row
        items.push({ table: r.table, key, expected, actual })
      }
    }
    await sql`drop table stat_history`.execute(tx)
    // The feed's window: every case event since its start, each once (a missing or extra event id).
    const feed = await sql<{ eventId: string; expected: number; actual: number }>`
      with w as (select since from stat_feed_window),
      expected as (select e.id as event_id, e.at, c.grid_code from case_events e join cases c on c.id = e.case_id, w where e.at >= w.since),
      actual as (select f.event_id, f.at, f.grid_code from stat_feed f, w where f.at >= w.since)
      select coalesce(x.event_id, a.event_id)::text as event_id, (x.event_id is not null)::int as expected, (a.event_id is not null)::int as actual
      from expected x full join actual a on a.event_id = x.event_id and a.at = x.at and a.grid_code = x.grid_code
      where x.event_id is null or a.event_id is null
      order by 1`.execute(tx)
    total += feed.rows.length
    for (const row of feed.rows.slice(0, Math.max(0, opts.limit - items.length))) items.push({ table: 'stat_feed', key: { eventId: row.eventId }, expected: row.expected, actual: row.actual })
    return { total, items }
  },

  /** Take this hour's stock snapshot once (the first run in the hour wins); prune old minutes and snapshots. */
  async snapshot(tx: Executor, opts: { now: Date; tz: string }): Promise<boolean> {
    const hour = new Date(Math.floor(opts.now.getTime() / 3_600_000) * 3_600_000)
    const c = statsCutoffs(opts.now, opts.tz)
    await sql`delete from stat_minutes where minute < ${c.minute}`.execute(tx)
    await sql`delete from stat_grid_reports where day < ${c.gridDay}::date`.execute(tx)
    await sql`delete from stat_snapshot_hours where hour < ${new Date(opts.now.getTime() - SNAPSHOTS_KEPT_MS)}`.execute(tx)
    await moveFeedWindow(tx, new Date(opts.now.getTime() - FEED_KEPT_MS), false)
    const taken = await sql`insert into stat_snapshot_hours (hour, taken_at) values (${hour}, ${opts.now}) on conflict do nothing returning hour`.execute(tx)
    if (taken.rows.length === 0) return false
    await sql`insert into stat_snapshots (hour, region_code, metric, n)
      select ${hour}, region_code, metric, sum(n)::int from (
        select region_code, metric, n from stat_stock
        union all
        select r.region_code, s.metric, s.n from stat_deltas s
        cross join lateral (values (left(s.grid_code, 4) || '00'), (left(s.grid_code, 6)), (left(s.grid_code, 9)), (left(s.grid_code, 12)), (s.grid_code)) r (region_code)
        where s.at is null
      ) u group by region_code, metric having sum(n) > 0`.execute(tx)
    return true
  },

  // Reads (rollups + pending deltas). `region` is a region code; deltas are matched by grid prefix.

  region(db: Executor, code: string) {
    return db.selectFrom('regions').select(['code', 'name', 'level', 'approximate']).where('code', '=', code).executeTakeFirst()
  },

  /** Child regions; a city without its own row has the districts under its prefix. */
  children(db: Executor, code: string, city: boolean) {
    let q = db.selectFrom('regions').select(['code', 'name', 'level', 'approximate'])
    q = city ? q.where('level', '=', 'district').where(sql<boolean>`code like ${`${regionPrefix(code)}%`}`) : q.where('parentCode', '=', code)
    return q.orderBy('code').execute()
  },

  anyCity(db: Executor) {
    return db.selectFrom('regions').select(['code', 'level']).where('level', 'in', ['city', 'district']).orderBy('level').orderBy('code').executeTakeFirst()
  },

  /** Per-minute flows: today so far and yesterday to the same time (instants computed in SQL in the tenant zone). */
  async flows(db: Executor, opts: { region: string; regionCodeLength: number; city: boolean; today: string; now: Date; tz: string }) {
    const src = levelSource('stat_minutes', { region: opts.region, gridLevel: opts.regionCodeLength === 15, tz: opts.tz, now: opts.now })
    const r = await sql<{ metric: string; today: number; previous: number }>`
      with b as (
        select (${opts.today}::date)::timestamp at time zone ${opts.tz} as t0,
               (${opts.today}::date - 1)::timestamp at time zone ${opts.tz} as y0,
               ${opts.now}::timestamptz as now)
      select u.metric,
        coalesce(sum(u.n) filter (where u.minute >= b.t0 and u.minute <= b.now), 0)::int as today,
        coalesce(sum(u.n) filter (where u.minute >= b.y0 and u.minute < b.y0 + (b.now - b.t0)), 0)::int as previous
      from (
        select metric, minute, n from ${src.from} m, b
        where region_code = ${opts.region} and metric in (${list(MINUTE_METRICS)}) and minute >= b.y0
        union all
        select metric, date_trunc('minute', at), n from stat_deltas, b
        where ${src.deltas} and ${under(sql`grid_code`, opts.region)} and at >= b.y0 and department_id is null and metric in (${list(MINUTE_METRICS)})
      ) u, b
      group by u.metric`.execute(db)
    return r.rows
  },

  /** Stock now of regions (the region itself, or its children when `childLength` is given). */
  async stock(db: Executor, opts: { region: string; codes: string[]; codeLength: number; city: boolean }) {
    if (opts.codes.length === 0) return []
    const r = await sql<{ regionCode: string; metric: string; n: number }>`
      select region_code, metric, sum(n)::int as n from (
        select region_code, metric, n from stat_stock where region_code in (${sql.join(opts.codes)})
        union all
        select ${regionOfGrid(sql`grid_code`, opts.codeLength, opts.city)}, metric, n from stat_deltas
        where at is null and ${under(sql`grid_code`, opts.region)}
      ) u where region_code in (${sql.join(opts.codes)}) group by 1, 2`.execute(db)
    return r.rows
  },

  /** The stock snapshot of a region at an hour; null when no snapshot was taken then. */
  async snapshotAt(db: Executor, opts: { region: string; hour: Date }) {
    const h = await db.selectFrom('statSnapshotHours').select('hour').where('hour', '=', opts.hour).executeTakeFirst()
    if (!h) return null
    const rows = await db.selectFrom('statSnapshots').select(['metric', 'n']).where('hour', '=', opts.hour).where('regionCode', '=', opts.region).execute()
    return new Map(rows.map((r) => [r.metric, r.n]))
  },

  /** Daily metrics of regions over a day range, summed per region and metric. */
  async daily(db: Executor, opts: { region: string; codes: string[]; codeLength: number; city: boolean; metrics: string[]; from: string; to: string; tz: string; now: Date }) {
    if (opts.codes.length === 0) return []
    const src = levelSource('stat_daily', { region: opts.region, gridLevel: opts.codeLength === 15, tz: opts.tz, now: opts.now })
    const r = await sql<{ regionCode: string; metric: string; n: number }>`
      select region_code, metric, sum(n)::int as n from (
        select region_code, metric, n from ${src.from} d
        where region_code in (${sql.join(opts.codes)}) and metric in (${list(opts.metrics)}) and day between ${opts.from} and ${opts.to}
        union all
        select ${regionOfGrid(sql`grid_code`, opts.codeLength, opts.city)}, m.metric, n from stat_deltas
        cross join lateral unnest(case when metric = 'report' then array['report', 'report.' || source] else array[metric] end) m (metric)
        where ${src.deltas} and at is not null and department_id is null and ${under(sql`grid_code`, opts.region)}
          and (at at time zone ${opts.tz})::date between ${opts.from} and ${opts.to}
      ) u where region_code in (${sql.join(opts.codes)}) and metric in (${list(opts.metrics)}) group by 1, 2`.execute(db)
    return r.rows
  },

  /** Reports and closings per day of one region. */
  async trend(db: Executor, opts: { region: string; from: string; to: string; tz: string; now: Date }) {
    const src = levelSource('stat_daily', { region: opts.region, gridLevel: opts.region.length === 15, tz: opts.tz, now: opts.now })
    const r = await sql<{ day: string; metric: string; n: number }>`
      select day::text as day, metric, sum(n)::int as n from (
        select day, metric, n from ${src.from} d
        where region_code = ${opts.region} and metric in ('report', 'close') and day between ${opts.from} and ${opts.to}
        union all
        select (at at time zone ${opts.tz})::date, metric, n from stat_deltas
        where ${src.deltas} and at is not null and department_id is null and metric in ('report', 'close') and ${under(sql`grid_code`, opts.region)}
          and (at at time zone ${opts.tz})::date between ${opts.from} and ${opts.to}
      ) u group by 1, 2`.execute(db)
    return r.rows
  },

  /** Reports and closings per class of one region, with the class names. */
  async classes(db: Executor, opts: { region: string; from: string; to: string; tz: string; now: Date }) {
    const gridLevel = opts.region.length === 15
    const src = levelSource('stat_daily_classes', { region: opts.region, gridLevel, tz: opts.tz, now: opts.now })
    // Whole months inside the range come from the monthly rollup, the days at its ends from the daily one.
    const months = gridLevel ? null : wholeMonths(opts.from, opts.to)
    const daily = months ? sql`day between ${opts.from} and ${opts.to} and (day < ${months.first}::date or day >= (${months.last}::date + interval '1 month'))` : sql`day between ${opts.from} and ${opts.to}`
    const monthly = months
      ? sql`union all
        select class_kind, minor_class, metric, n from stat_monthly_classes
        where region_code = ${opts.region} and month between ${months.first} and ${months.last}`
      : sql``
    const r = await sql<{ classKind: string; minorClass: string; majorName: string | null; minorName: string | null; reported: number; closed: number }>`
      select u.class_kind, u.minor_class, ma.name as major_name, mi.name as minor_name,
        coalesce(sum(u.n) filter (where u.metric = 'report'), 0)::int as reported,
        coalesce(sum(u.n) filter (where u.metric = 'close'), 0)::int as closed
      from (
        select class_kind, minor_class, metric, n from ${src.from} d
        where region_code = ${opts.region} and ${daily}
        ${monthly}
        union all
        select class_kind, minor_class, metric, n from stat_deltas
        where ${src.deltas} and at is not null and department_id is null and metric in ('report', 'close') and ${under(sql`grid_code`, opts.region)}
          and (at at time zone ${opts.tz})::date between ${opts.from} and ${opts.to}
      ) u
      left join minor_classes mi on mi.kind = u.class_kind and mi.code = u.minor_class
      left join major_classes ma on ma.kind = u.class_kind and ma.code = left(u.minor_class, 2)
      group by 1, 2, 3, 4
      having sum(u.n) <> 0
      order by reported desc, closed desc, 1, 2`.execute(db)
    return r.rows
  },

  /** Handling stages ended per department of one region, with names. */
  async departments(db: Executor, opts: { region: string; from: string; to: string; tz: string; now: Date }) {
    const src = levelSource('stat_daily_departments', { region: opts.region, gridLevel: opts.region.length === 15, tz: opts.tz, now: opts.now })
    const r = await sql<{ departmentId: string; name: string | null; handled: number; onTime: number }>`
      select u.department_id, d.name,
        coalesce(sum(u.n) filter (where u.metric = 'handled'), 0)::int as handled,
        coalesce(sum(u.n) filter (where u.metric = 'handledOnTime'), 0)::int as on_time
      from (
        select department_id, metric, n from ${src.from} d
        where region_code = ${opts.region} and day between ${opts.from} and ${opts.to}
        union all
        select department_id, metric, n from stat_deltas
        where ${src.deltas} and at is not null and department_id is not null and ${under(sql`grid_code`, opts.region)}
          and (at at time zone ${opts.tz})::date between ${opts.from} and ${opts.to}
      ) u left join departments d on d.id = u.department_id
      group by 1, 2
      having coalesce(sum(u.n) filter (where u.metric = 'handled'), 0) > 0`.execute(db)
    return r.rows
  },

  /** Grids inside a region with the most reports in a day range. */
  async hotspots(db: Executor, opts: { region: string; from: string; to: string; tz: string; limit: number }) {
    // Summed per grid first, the names joined to the top rows only (a city sums ~170,000 grid × day
    // rows at 10M cases; joining every one of them to `regions` before the sum doubled the time).
    const r = await sql<{ gridCode: string; name: string | null; count: number }>`
      select t.grid_code, g.name, t.count from (
        select u.grid_code, sum(u.n)::int as count from (
          select grid_code, n from stat_grid_reports
          where day between ${opts.from} and ${opts.to} and ${under(sql`grid_code`, opts.region)}
          union all
          select grid_code, n from stat_deltas
          where metric = 'report' and at is not null and ${under(sql`grid_code`, opts.region)}
            and (at at time zone ${opts.tz})::date between ${opts.from} and ${opts.to}
        ) u
        group by 1 having sum(u.n) > 0
        order by count desc, 1 limit ${opts.limit}
      ) t left join regions g on g.code = t.grid_code
      order by t.count desc, 1`.execute(db)
    return r.rows
  },

  /**
   * The latest case events of a region, newest first. First from `stat_feed` (every event of the
   * last day, indexed per district, street and community; a city reads it newest first): exact
   * when the region has at least `limit` events there, since every event not there is older. With
   * fewer, from the case history: wide regions (city, district, street) walk `case_events_at_idx`
   * from the newest event and keep those of cases in the region; a community or grid has too few
   * of the events for that walk, so its cases (by `cases_grid_idx`) give their latest events.
   */
  async feed(db: Executor, opts: { region: string; narrow: boolean; limit: number }) {
    const columns = sql`e.id::text as id, e.at, e.action, e.from_state, e.to_state, c.id as case_id, c.number, c.grid_code, c.light, c.minor_class`
    const prefix = regionPrefix(opts.region)
    if (prefix.length < 15) {
      const inRegion = [6, 9, 12].includes(prefix.length) ? sql`left(f.grid_code, ${sql.lit(prefix.length)}) = ${prefix}` : under(sql`f.grid_code`, opts.region)
      const recent = await sql<FeedRow>`
        select ${columns} from (
          select f.at, f.event_id from stat_feed f
          where ${inRegion} and f.at >= (select since from stat_feed_window)
          order by f.at desc, f.event_id desc limit ${opts.limit}) f
        join case_events e on e.id = f.event_id join cases c on c.id = e.case_id
        order by e.at desc, e.id desc`.execute(db)
      if (recent.rows.length >= opts.limit) return recent.rows
    }
    const r = opts.narrow
      ? await sql<FeedRow>`
          select ${columns} from cases c
          cross join lateral (select * from case_events e where e.case_id = c.id order by e.id desc limit ${opts.limit}) e
          where ${under(sql`c.grid_code`, opts.region)}
          order by e.at desc, e.id desc limit ${opts.limit}`.execute(db)
      : await sql<FeedRow>`
          select ${columns} from case_events e join cases c on c.id = e.case_id
          where ${under(sql`c.grid_code`, opts.region)}
          order by e.at desc, e.id desc limit ${opts.limit}`.execute(db)
    return r.rows
  },

  /**
   * Open cases of a region, newest first (migration 0875). A city or a district walks
   * `cases_open_recent_idx` (the open cases, newest first, with the grid code in the index) and
   * keeps its own; a street, community or grid reads its street's range of `cases_open_street_idx`
   * (`left(grid_code, 9)`), and a community or grid keeps its own from it. A street and below are
   * filtered by `left(grid_code, 9) = street` so that the planner does not intersect the region's
   * cases of all states (`cases_grid_idx`, ~100,000 for a street) with the open ones instead; a
   * city or district by `like prefix%`, whose selectivity the planner knows from the statistics of
   * `grid_code` (with `left(grid_code, 4)` it guessed 0.5 % and read the street index whole).
   */
  openCases(db: Executor, opts: { region: string; limit: number }) {
    const prefix = regionPrefix(opts.region)
    const inRegion =
      prefix.length < 9
        ? sql<boolean>`grid_code like ${`${prefix}%`}`
        : prefix.length === 9
          ? sql<boolean>`left(grid_code, 9) = ${prefix}`
          : sql<boolean>`left(grid_code, 9) = ${prefix.slice(0, 9)} and left(grid_code, ${sql.lit(prefix.length)}) = ${prefix}`
    return db
      .selectFrom('cases')
      .select(['id', 'number', 'lng', 'lat', 'light', 'minorClass'])
      .where(OPEN)
      .where(inRegion)
      .orderBy('reportedAt', 'desc')
      .orderBy('id', 'desc')
      .limit(opts.limit)
      .execute()
  },

  /** Components per child region (the denominator of "per 1,000 components"). */
  async componentsPerChild(db: Executor, opts: { region: string; codeLength: number; city: boolean }) {
    const r = await sql<{ code: string; n: number }>`
      select ${regionOfGrid(sql`grid_code`, opts.codeLength, opts.city)} as code, count(*)::int as n
      from components where ${under(sql`grid_code`, opts.region)} group by 1`.execute(db)
    return new Map(r.rows.map((x) => [x.code, x.n]))
  },
}

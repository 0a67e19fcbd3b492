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
    statSnapshotHours: { hour: Date; takenAt: Date }
    statSnapshots: { hour: Date; regionCode: string; metric: string; n: number }
  }
}

/** Flows kept per minute for the KPI cards. */
export const MINUTE_METRICS = ['report', 'register', 'dispatch', 'close', 'closedCase', 'closedCaseOnTime'] as const
/** How long per-minute rows are kept (today and yesterday are read; a day of slack). */
export const MINUTES_KEPT_MS = 3 * 86_400_000
/** How long hourly stock snapshots are kept. */
export const SNAPSHOTS_KEPT_MS = 8 * 86_400_000
const FOLD_LOCK = 7_246_020

const list = (xs: readonly string[]) => sql.join(xs.map((x) => sql.lit(x)))
const OPEN = sql<boolean>`state not in ('rejected', 'closed', 'voided', 'merged')`

/** The code of the region at `level length` that contains a grid code column (city: 4 digits + '00'). */
export function regionOfGrid(column: RawBuilder<unknown>, codeLength: number, city: boolean): RawBuilder<string> {
  return city ? sql<string>`left(${column}, 4) || '00'` : sql<string>`left(${column}, ${sql.lit(codeLength)})`
}

/** `column like 'prefix%'` for the grids inside a region (columns are collate "C", so an index range). */
const under = (column: RawBuilder<unknown>, region: string) => sql`${column} like ${`${regionPrefix(region)}%`}`

/** Delta-shaped rows (grid_code, at, class_kind, minor_class, source, department_id, metric, n) exploded to the five region levels. */
function exploded(source: RawBuilder<unknown>, tz: string) {
  return sql`select r.region_code, s.at, (s.at at time zone ${tz})::date as day, date_trunc('minute', s.at) as minute,
      s.class_kind, s.minor_class, s.source, s.department_id, s.metric, s.n
    from (${source}) s
    cross join lateral (values (left(s.grid_code, 4) || '00'), (left(s.grid_code, 6)), (left(s.grid_code, 9)), (left(s.grid_code, 12)), (s.grid_code)) r (region_code)`
}

/** One rollup table: its key and how exploded delta rows (`x`) aggregate into it. */
interface Rollup {
  table: string
  keys: string[]
  aggregate: (x: RawBuilder<unknown>, cutoff: Date) => RawBuilder<unknown>
}

export const ROLLUPS: Rollup[] = [
  {
    table: 'stat_stock',
    keys: ['region_code', 'metric'],
    aggregate: (x) => sql`select region_code, metric, sum(n)::int as n from (${x}) x where at is null group by 1, 2`,
  },
  {
    table: 'stat_daily',
    keys: ['region_code', 'metric', 'day'],
    aggregate: (x) => sql`select region_code, m.metric, day, sum(n)::int as n from (${x}) x
      cross join lateral unnest(case when x.metric = 'report' then array['report', 'report.' || x.source] else array[x.metric] end) m (metric)
      where at is not null and department_id is null group by 1, 2, 3`,
  },
  {
    table: 'stat_daily_classes',
    keys: ['region_code', 'day', 'class_kind', 'minor_class', 'metric'],
    aggregate: (x) => sql`select region_code, day, class_kind, minor_class, metric, sum(n)::int as n from (${x}) x
      where at is not null and department_id is null and metric in ('report', 'close') group by 1, 2, 3, 4, 5`,
  },
  {
    table: 'stat_daily_departments',
    keys: ['region_code', 'day', 'department_id', 'metric'],
    aggregate: (x) => sql`select region_code, day, department_id, metric, sum(n)::int as n from (${x}) x
      where at is not null and department_id is not null group by 1, 2, 3, 4`,
  },
  {
    table: 'stat_minutes',
    keys: ['region_code', 'metric', 'minute'],
    aggregate: (x, cutoff) => sql`select region_code, metric, minute, sum(n)::int as n from (${x}) x
      where at >= ${cutoff} and department_id is null and metric in (${list(MINUTE_METRICS)}) group by 1, 2, 3`,
  },
]

const cols = (keys: string[]) => sql.raw(keys.join(', '))

/** Every case's contribution recomputed from history: its events and its current row's facts. */
const HISTORY = sql`
  select c.grid_code, e.at, c.class_kind, c.minor_class, c.source, null::uuid as department_id, e.action as metric, 1 as n
  from case_events e join cases c on c.id = e.case_id
  union all
  select c.grid_code, f.at, c.class_kind, c.minor_class, c.source, f.department_id, f.metric, 1
  from cases c cross join lateral stat_case_facts(c.state, c.light, c.closed_at, c.timings, c.department_id) f`

const DELTA_COLUMNS = sql`grid_code, at, class_kind, minor_class, source, department_id, metric, n`

export interface RollupDifference {
  table: string
  key: Record<string, unknown>
  expected: number
  actual: number
}

export const statsRepository = {
  /**
   * Fold up to `batch` pending deltas into the rollups: `delete … returning` and the upserts are
   * one statement in one transaction (with a lock so folds queue), so each delta is added once.
   * Returns how many were folded and the districts they touched.
   */
  async fold(tx: Executor, opts: { tz: string; now: Date; batch: number }): Promise<{ folded: number; districts: string[] }> {
    await sql`select pg_advisory_xact_lock(${FOLD_LOCK})`.execute(tx)
    const cutoff = new Date(opts.now.getTime() - MINUTES_KEPT_MS)
    const x = exploded(sql`select * from d`, opts.tz)
    // Per rollup: add to the rows that exist, insert the others. (An upsert would check the
    // rollup's `n >= 0` against the signed delta before seeing the conflict.) Folds hold a lock,
    // so no one else inserts a key between the update and the insert.
    const upserts = ROLLUPS.map((r, i) => {
      const key = sql.raw(`(${r.keys.map((k) => `t.${k}`).join(', ')}) = (${r.keys.map((k) => `a.${k}`).join(', ')})`)
      const [a, u] = [sql.raw(`a${i}`), sql.raw(`u${i}`)]
      return sql`${a} as (select ${cols(r.keys)}, n from (${r.aggregate(x, cutoff)}) a where n <> 0),
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
   * Recompute every rollup from the case history. Case writes wait meanwhile (the delta table is
   * locked), so no change is lost between the recomputation and the removal of the deltas.
   */
  async rebuild(tx: Executor, opts: { tz: string; now: Date }): Promise<Record<string, number>> {
    await sql`select pg_advisory_xact_lock(${FOLD_LOCK})`.execute(tx)
    await sql`lock table stat_deltas in exclusive mode`.execute(tx)
    await sql`delete from stat_deltas`.execute(tx)
    const cutoff = new Date(opts.now.getTime() - MINUTES_KEPT_MS)
    const counts: Record<string, number> = {}
    for (const r of ROLLUPS) {
      await sql`delete from ${sql.raw(r.table)}`.execute(tx)
      const res = await sql`insert into ${sql.raw(r.table)} (${cols(r.keys)}, n)
        select ${cols(r.keys)}, n from (${r.aggregate(exploded(HISTORY, opts.tz), cutoff)}) a where n <> 0`.execute(tx)
      counts[r.table] = Number(res.numAffectedRows ?? 0)
    }
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
    const cutoff = new Date(opts.now.getTime() - MINUTES_KEPT_MS)
    let total = 0
    const items: RollupDifference[] = []
    for (const r of ROLLUPS) {
      const keys = cols(r.keys)
      const recent = r.table === 'stat_minutes' ? sql`where minute >= ${cutoff}` : sql``
      const res = await sql<Record<string, unknown> & { expected: number; actual: number }>`
        with expected as (
          select ${keys}, n from (${r.aggregate(exploded(HISTORY, opts.tz), cutoff)}) a),
        actual as (
          select ${keys}, sum(n)::int as n from (
            select ${keys}, n from ${sql.raw(r.table)} ${recent}
            union all
            select ${keys}, n from (${r.aggregate(exploded(sql`select ${DELTA_COLUMNS} from stat_deltas`, opts.tz), cutoff)}) a
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
    return { total, items }
  },

  /** Take this hour's stock snapshot once (the first run in the hour wins); prune old minutes and snapshots. */
  async snapshot(tx: Executor, opts: { now: Date }): Promise<boolean> {
    const hour = new Date(Math.floor(opts.now.getTime() / 3_600_000) * 3_600_000)
    await sql`delete from stat_minutes where minute < ${new Date(opts.now.getTime() - MINUTES_KEPT_MS)}`.execute(tx)
    await sql`delete from stat_snapshot_hours where hour < ${new Date(opts.now.getTime() - SNAPSHOTS_KEPT_MS)}`.execute(tx)
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
    const r = await sql<{ metric: string; today: number; previous: number }>`
      with b as (
        select (${opts.today}::date)::timestamp at time zone ${opts.tz} as t0,
               (${opts.today}::date - 1)::timestamp at time zone ${opts.tz} as y0,
               ${opts.now}::timestamptz as now)
      select u.metric,
        coalesce(sum(u.n) filter (where u.minute >= b.t0 and u.minute <= b.now), 0)::int as today,
        coalesce(sum(u.n) filter (where u.minute >= b.y0 and u.minute < b.y0 + (b.now - b.t0)), 0)::int as previous
      from (
        select metric, minute, n from stat_minutes, b
        where region_code = ${opts.region} and metric in (${list(MINUTE_METRICS)}) and minute >= b.y0
        union all
        select metric, date_trunc('minute', at), n from stat_deltas, b
        where ${under(sql`grid_code`, opts.region)} and at >= b.y0 and department_id is null and metric in (${list(MINUTE_METRICS)})
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
  async daily(db: Executor, opts: { region: string; codes: string[]; codeLength: number; city: boolean; metrics: string[]; from: string; to: string; tz: string }) {
    if (opts.codes.length === 0) return []
    const r = await sql<{ regionCode: string; metric: string; n: number }>`
      select region_code, metric, sum(n)::int as n from (
        select region_code, metric, n from stat_daily
        where region_code in (${sql.join(opts.codes)}) and metric in (${list(opts.metrics)}) and day between ${opts.from} and ${opts.to}
        union all
        select ${regionOfGrid(sql`grid_code`, opts.codeLength, opts.city)}, m.metric, n from stat_deltas
        cross join lateral unnest(case when metric = 'report' then array['report', 'report.' || source] else array[metric] end) m (metric)
        where at is not null and department_id is null and ${under(sql`grid_code`, opts.region)}
          and (at at time zone ${opts.tz})::date between ${opts.from} and ${opts.to}
      ) u where region_code in (${sql.join(opts.codes)}) and metric in (${list(opts.metrics)}) group by 1, 2`.execute(db)
    return r.rows
  },

  /** Reports and closings per day of one region. */
  async trend(db: Executor, opts: { region: string; from: string; to: string; tz: string }) {
    const r = await sql<{ day: string; metric: string; n: number }>`
      select day::text as day, metric, sum(n)::int as n from (
        select day, metric, n from stat_daily
        where region_code = ${opts.region} and metric in ('report', 'close') and day between ${opts.from} and ${opts.to}
        union all
        select (at at time zone ${opts.tz})::date, metric, n from stat_deltas
        where at is not null and department_id is null and metric in ('report', 'close') and ${under(sql`grid_code`, opts.region)}
          and (at at time zone ${opts.tz})::date between ${opts.from} and ${opts.to}
      ) u group by 1, 2`.execute(db)
    return r.rows
  },

  /** Reports and closings per class of one region, with the class names. */
  async classes(db: Executor, opts: { region: string; from: string; to: string; tz: string }) {
    const r = await sql<{ classKind: string; minorClass: string; majorName: string | null; minorName: string | null; reported: number; closed: number }>`
      select u.class_kind, u.minor_class, ma.name as major_name, mi.name as minor_name,
        coalesce(sum(u.n) filter (where u.metric = 'report'), 0)::int as reported,
        coalesce(sum(u.n) filter (where u.metric = 'close'), 0)::int as closed
      from (
        select class_kind, minor_class, metric, n from stat_daily_classes
        where region_code = ${opts.region} and day between ${opts.from} and ${opts.to}
        union all
        select class_kind, minor_class, metric, n from stat_deltas
        where at is not null and department_id is null and metric in ('report', 'close') and ${under(sql`grid_code`, opts.region)}
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
  async departments(db: Executor, opts: { region: string; from: string; to: string; tz: string }) {
    const r = await sql<{ departmentId: string; name: string | null; handled: number; onTime: number }>`
      select u.department_id, d.name,
        coalesce(sum(u.n) filter (where u.metric = 'handled'), 0)::int as handled,
        coalesce(sum(u.n) filter (where u.metric = 'handledOnTime'), 0)::int as on_time
      from (
        select department_id, metric, n from stat_daily_departments
        where region_code = ${opts.region} and day between ${opts.from} and ${opts.to}
        union all
        select department_id, metric, n from stat_deltas
        where at is not null and department_id is not null and ${under(sql`grid_code`, opts.region)}
          and (at at time zone ${opts.tz})::date between ${opts.from} and ${opts.to}
      ) u left join departments d on d.id = u.department_id
      group by 1, 2
      having coalesce(sum(u.n) filter (where u.metric = 'handled'), 0) > 0`.execute(db)
    return r.rows
  },

  /** Grids inside a region with the most reports in a day range. */
  async hotspots(db: Executor, opts: { region: string; from: string; to: string; tz: string; limit: number }) {
    const r = await sql<{ gridCode: string; name: string | null; count: number }>`
      select u.grid_code, g.name, sum(u.n)::int as count from (
        select region_code as grid_code, n from stat_daily
        where metric = 'report' and day between ${opts.from} and ${opts.to} and length(region_code) = 15 and ${under(sql`region_code`, opts.region)}
        union all
        select grid_code, n from stat_deltas
        where metric = 'report' and at is not null and ${under(sql`grid_code`, opts.region)}
          and (at at time zone ${opts.tz})::date between ${opts.from} and ${opts.to}
      ) u left join regions g on g.code = u.grid_code
      group by 1, 2 having sum(u.n) > 0
      order by count desc, 1 limit ${opts.limit}`.execute(db)
    return r.rows
  },

  /** Open cases of a region, newest first. */
  openCases(db: Executor, opts: { region: string; limit: number }) {
    return db
      .selectFrom('cases')
      .select(['id', 'number', 'lng', 'lat', 'light', 'minorClass'])
      .where(OPEN)
      .where(sql<boolean>`grid_code like ${`${regionPrefix(opts.region)}%`}`)
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

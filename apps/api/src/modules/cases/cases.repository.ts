import { sql, type ExpressionBuilder, type Generated, type Insertable, type Selectable } from 'kysely'
import { regionPrefix } from '../../platform/access.js'
import type { Executor } from '../../platform/db/database.js'
import type { DB } from '../../platform/db/schema.js'
import type { CaseClocks, StageTiming } from './case-clock.js'
import type { CaseStage, Urgency } from './case-limits.js'
import type { TaskRule } from './case-queues.js'
import type { CaseSource, CaseState, CheckOutcome } from './case-workflow.js'
import type { Light, Limit } from './work-calendar.js'

export type ClassKind = 'event' | 'component'

declare module '../../platform/db/schema.js' {
  interface DB {
    cases: {
      id: Generated<string>
      number: string
      source: CaseSource
      classKind: ClassKind
      majorClass: string
      minorClass: string
      componentCode: string | null
      description: string
      address: string | null
      lng: number
      lat: number
      gridCode: string
      communityCode: string | null
      streetCode: string | null
      districtCode: string
      state: CaseState
      suspendedFrom: CaseState | null
      extensionPending: Generated<boolean>
      supervised: Generated<boolean>
      urgency: Urgency
      departmentId: string | null
      proposedDepartmentId: string | null
      primaryCaseId: string | null
      lastCheckOutcome: CheckOutcome | null
      reporterId: string | null
      reporterNameEnc: string | null
      reporterPhoneEnc: string | null
      reporterPhoneHash: string | null
      anonymous: Generated<boolean>
      confidence: number | null
      photos: string[]
      stage: CaseStage | null
      clocks: CaseClocks
      timings: Partial<Record<CaseStage, StageTiming>>
      stageDeadline: Date | null
      stageWarnAt: Date | null
      light: Generated<Light>
      version: Generated<number>
      reportedAt: Date
      registeredAt: Date | null
      dispatchedAt: Date | null
      handledAt: Date | null
      closedAt: Date | null
      updatedAt: Generated<Date>
    }
    caseEvents: {
      id: Generated<number>
      caseId: string
      at: Date
      actorId: string | null
      actorName: string
      action: string
      fromState: string | null
      toState: string
      comment: string | null
      input: unknown
      photos: string[]
    }
    caseClassSettings: {
      classKind: ClassKind
      minorClass: string
      limits: Record<CaseStage, Limit>
      urgency: Urgency
      closingStandard: string
      defaultDepartmentId: string | null
      updatedAt: Generated<Date>
    }
    dispatchRules: {
      id: Generated<string>
      classKind: ClassKind | null
      minorClass: string | null
      regionCode: string | null
      departmentId: string
      priority: Generated<number>
      createdAt: Generated<Date>
    }
    workCalendarDays: { day: string; kind: 'holiday' | 'workday'; name: string }
    caseNumberCounters: { districtCode: string; day: string; last: number }
    caseNotifications: {
      id: Generated<number>
      caseId: string
      kind: 'warning' | 'overdue'
      stage: string
      deadline: Date
      departmentId: string | null
      gridCode: string
      createdAt: Date
    }
  }
}

export type CaseRow = Selectable<DB['cases']>
export type DispatchRuleRow = Selectable<DB['dispatchRules']>
export type NewCaseEvent = { caseId: string; at: Date; actorId: string | null; actorName: string; action: string; fromState: string | null; toState: string; comment: string | null; input: unknown; photos: string[] }
export type NewCaseRow = Omit<CaseRow, 'id' | 'version' | 'updatedAt' | 'light' | 'extensionPending' | 'supervised' | 'anonymous'> & { anonymous: boolean }

const json = (v: unknown) => JSON.stringify(v) as never
const OPEN = sql<boolean>`state not in ('rejected', 'closed', 'voided', 'merged')`

/** Where-clause of what a caller may see: grid codes under their region scopes, or cases of their department. */
export function scopeFilter(scope: { all: boolean; regionCodes: string[]; departmentId: string | null }) {
  return (eb: ExpressionBuilder<DB, 'cases'>) => {
    if (scope.all) return eb.val(true)
    const ors = scope.regionCodes.map((code) => eb('cases.gridCode', 'like', `${regionPrefix(code)}%`))
    if (scope.departmentId) ors.push(eb('cases.departmentId', '=', scope.departmentId))
    return ors.length > 0 ? eb.or(ors) : eb.val(false)
  }
}

export interface CaseListFilter {
  states?: CaseState[]
  stage?: CaseStage
  minorClass?: string
  source?: CaseSource
  regionCode?: string
  departmentId?: string
  light?: Light
  from?: Date
  to?: Date
  q?: string
  openOnly?: boolean
}

export const casesRepository = {
  /** Reserve `count` numbers of a district's day in one statement; returns the last of them. */
  async reserveNumbers(db: Executor, districtCode: string, day: string, count: number): Promise<number> {
    const r = await sql<{ last: number }>`
      insert into case_number_counters as c (district_code, day, last) values (${districtCode}, ${day}, ${count})
      on conflict (district_code, day) do update set last = c.last + ${count}
      returning last`.execute(db)
    return Number(r.rows[0]!.last)
  },

  /**
   * A new case, its first case event and its audit rows in ONE statement (data-modifying CTEs).
   * `number: null` takes the next number of the district's day from its counter inside the same
   * statement (embedded database); otherwise the given, pre-reserved number is used.
   */
  insertReported(
    tx: Executor,
    opts: {
      row: NewCaseRow & { id: string }
      day: string
      seq: number | null
      event: Omit<Insertable<DB['caseEvents']>, 'caseId'>
      audit: Insertable<DB['auditLog']>[]
    },
  ): Promise<CaseRow> {
    const { row, day, seq } = opts
    const prefix = day.replaceAll('-', '')
    const values = { ...row, photos: json(row.photos), clocks: json(row.clocks), timings: json(row.timings) }
    const event = { ...opts.event, caseId: row.id, input: json(opts.event.input), photos: json(opts.event.photos) }
    if (seq !== null) {
      const number = `${prefix}${String(seq).padStart(5, '0')}`
      const audit = opts.audit.map((a) => ({ ...a, after: json({ number, ...(JSON.parse(String(a.after ?? '{}')) as object) }) }))
      return tx
        .with('e', (db) => db.insertInto('caseEvents').values(event))
        .with('a', (db) => db.insertInto('auditLog').values(audit))
        .insertInto('cases')
        .values({ ...values, number })
        .returningAll()
        .executeTakeFirstOrThrow()
    }
    const number = sql<string>`(select ${prefix} || lpad(last::text, 5, '0') from n)`
    const audit = opts.audit.map((a) => ({ ...a, after: sql`jsonb_build_object('number', ${number}) || ${a.after ?? '{}'}::jsonb` as never }))
    return tx
      .with('n', () =>
        sql<{ last: number }>`(insert into case_number_counters as c (district_code, day, last) values (${row.districtCode}, ${day}, 1)
          on conflict (district_code, day) do update set last = c.last + 1 returning last)`,
      )
      .with('e', (db) => db.insertInto('caseEvents').values(event))
      .with('a', (db) => db.insertInto('auditLog').values(audit))
      .insertInto('cases')
      .values({ ...values, number })
      .returningAll()
      .executeTakeFirstOrThrow()
  },

  /**
   * Many new cases with their first events and audit rows in ONE statement (group commit). Every
   * number is given (reserved beforehand); rows come back in the order given.
   */
  async insertReportedMany(
    tx: Executor,
    items: { row: NewCaseRow & { id: string }; event: Omit<Insertable<DB['caseEvents']>, 'caseId'>; audit: Insertable<DB['auditLog']>[] }[],
  ): Promise<CaseRow[]> {
    const rows = items.map(({ row }) => ({ ...row, photos: json(row.photos), clocks: json(row.clocks), timings: json(row.timings) }))
    const events = items.map(({ row, event }) => ({ ...event, caseId: row.id, input: json(event.input), photos: json(event.photos) }))
    const audit = items.flatMap((x) => x.audit)
    const inserted = await tx
      .with('e', (db) => db.insertInto('caseEvents').values(events))
      .with('a', (db) => db.insertInto('auditLog').values(audit))
      .insertInto('cases')
      .values(rows)
      .returningAll()
      .execute()
    const byId = new Map(inserted.map((r) => [r.id, r]))
    return items.map(({ row }) => byId.get(row.id)!)
  },

  /** `nearbyOpen` for many points in one statement: result n lists the candidates of query n. */
  async nearbyOpenMany(db: Executor, queries: { minorClass: string; lng: number; lat: number; radiusM: number; since: Date }[]) {
    const values = queries.map((q, i) => {
      const dLat = q.radiusM / 111_320
      const dLng = q.radiusM / (111_320 * Math.cos((q.lat * Math.PI) / 180))
      return sql`(${i}::int, ${q.minorClass}::text, ${q.lat - dLat}::float8, ${q.lat + dLat}::float8, ${q.lng - dLng}::float8, ${q.lng + dLng}::float8, ${q.since}::timestamptz)`
    })
    const r = await sql<{ i: number; id: string; number: string; state: CaseState; lng: number; lat: number; reportedAt: Date }>`
      select q.i, c.id, c.number, c.state, c.lng, c.lat, c.reported_at
      from (values ${sql.join(values)}) q (i, minor_class, lat0, lat1, lng0, lng1, since)
      cross join lateral (
        select c.id, c.number, c.state, c.lng, c.lat, c.reported_at from cases c
        where c.minor_class = q.minor_class and c.state not in ('rejected', 'closed', 'voided', 'merged')
          and c.lat >= q.lat0 and c.lat <= q.lat1 and c.lng >= q.lng0 and c.lng <= q.lng1 and c.reported_at >= q.since
        order by c.reported_at desc limit 20
      ) c`.execute(db)
    const out = queries.map(() => [] as Omit<(typeof r.rows)[number], 'i'>[])
    for (const { i, ...row } of r.rows) out[i]!.push(row)
    return out
  },

  insert(tx: Executor, row: NewCaseRow): Promise<CaseRow> {
    return tx
      .insertInto('cases')
      .values({ ...row, photos: json(row.photos), clocks: json(row.clocks), timings: json(row.timings) })
      .returningAll()
      .executeTakeFirstOrThrow()
  },

  find(db: Executor, id: string): Promise<CaseRow | undefined> {
    return db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst()
  },

  /** Compare-and-set on `version`: undefined when someone else changed the case first. */
  updateIfVersion(tx: Executor, id: string, version: number, patch: Partial<Omit<CaseRow, 'id' | 'version'>>): Promise<CaseRow | undefined> {
    const values: Record<string, unknown> = { ...patch, updatedAt: new Date() }
    for (const k of ['photos', 'clocks', 'timings'] as const) if (k in patch) values[k] = json(patch[k])
    return tx
      .updateTable('cases')
      .set((eb) => ({ ...values, version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .where('version', '=', version)
      .returningAll()
      .executeTakeFirst()
  },

  /**
   * Compare-and-set on `version` with the case events and audit rows in ONE statement: the
   * inserts happen only if the update matched. Undefined when someone else changed the case first.
   */
  updateIfVersionWith(
    tx: Executor,
    opts: { id: string; version: number; patch: Partial<Omit<CaseRow, 'id' | 'version'>>; events: NewCaseEvent[]; audit: Insertable<DB['auditLog']>[] },
  ): Promise<CaseRow | undefined> {
    const values: Record<string, unknown> = { ...opts.patch, updatedAt: new Date() }
    for (const k of ['photos', 'clocks', 'timings'] as const) if (k in opts.patch) values[k] = json(opts.patch[k])
    const eventRows = opts.events.map(
      (e) =>
        sql`(${e.caseId}::uuid, ${e.at}::timestamptz, ${e.actorId}::uuid, ${e.actorName}::text, ${e.action}::text, ${e.fromState}::text, ${e.toState}::text, ${e.comment}::text, ${JSON.stringify(e.input ?? {})}::jsonb, ${JSON.stringify(e.photos)}::jsonb)`,
    )
    const auditRows = opts.audit.map(
      (a) =>
        sql`(${a.at}::timestamptz, ${a.actorId ?? null}::uuid, ${a.actorName ?? null}::text, ${a.action}::text, ${a.entityType}::text, ${a.entityId ?? null}::text, ${a.before ?? null}::jsonb, ${a.after ?? null}::jsonb, ${a.requestId ?? null}::text, ${a.ip ?? null}::text)`,
    )
    let q = tx.with('u', (db) =>
      db
        .updateTable('cases')
        .set((eb) => ({ ...values, version: eb('version', '+', 1) }))
        .where('id', '=', opts.id)
        .where('version', '=', opts.version)
        .returningAll(),
    )
    if (eventRows.length) {
      q = q.with('e', () =>
        sql`(insert into case_events (case_id, at, actor_id, actor_name, action, from_state, to_state, comment, input, photos)
          select v.* from (values ${sql.join(eventRows)}) v where exists (select 1 from u))`,
      ) as unknown as typeof q
    }
    if (auditRows.length) {
      q = q.with('a', () =>
        sql`(insert into audit_log (at, actor_id, actor_name, action, entity_type, entity_id, before, after, request_id, ip)
          select v.* from (values ${sql.join(auditRows)}) v where exists (select 1 from u))`,
      ) as unknown as typeof q
    }
    return q.selectFrom('u').selectAll().executeTakeFirst()
  },

  insertEvent(tx: Executor, row: { caseId: string; at: Date; actorId: string | null; actorName: string; action: string; fromState: string | null; toState: string; comment: string | null; input: unknown; photos: string[] }) {
    return tx.insertInto('caseEvents').values({ ...row, input: json(row.input), photos: json(row.photos) }).execute()
  },

  events(db: Executor, caseId: string) {
    return db.selectFrom('caseEvents').selectAll().where('caseId', '=', caseId).orderBy('id').execute()
  },

  /** A page of cases, newest report first, or (queue) reddest and nearest deadline first. */
  list(
    db: Executor,
    opts: {
      filter: CaseListFilter
      scope: Parameters<typeof scopeFilter>[0]
      /** Only the caller's own reports (members of the public). */
      reporterId?: string
      /** "My tasks": cases matching any rule; department rules use the department instead of region scopes. */
      tasks?: { rules: readonly TaskRule[]; departmentId: string | null }
      limit: number
      order: 'reported' | 'urgency'
      after?: { a: string; id: string }
    },
  ) {
    const f = opts.filter
    let q = db.selectFrom('cases').selectAll()
    if (opts.reporterId) q = q.where('reporterId', '=', opts.reporterId)
    else if (opts.tasks) {
      const { rules, departmentId } = opts.tasks
      const regionOnly = { ...opts.scope, departmentId: null }
      // Tasks are open cases; saying so lets the planner use the partial queue index.
      q = q.where(OPEN).where((eb) =>
        eb.or(
          rules.map((r) =>
            eb.and([
              eb('state', 'in', [...r.states]),
              r.ownDepartment ? eb('departmentId', '=', departmentId ?? '00000000-0000-0000-0000-000000000000') : scopeFilter(regionOnly)(eb),
              ...(r.extensionPending ? [eb('extensionPending', '=', true)] : []),
              ...(r.overdue ? [eb('light', '=', 'red')] : []),
            ]),
          ),
        ),
      )
    } else q = q.where(scopeFilter(opts.scope))
    if (f.states?.length) q = q.where('state', 'in', f.states)
    if (f.openOnly) q = q.where(OPEN)
    if (f.stage) q = q.where('stage', '=', f.stage)
    if (f.minorClass) q = q.where('minorClass', '=', f.minorClass)
    if (f.source) q = q.where('source', '=', f.source)
    if (f.regionCode) q = q.where('gridCode', 'like', `${regionPrefix(f.regionCode)}%`)
    if (f.departmentId) q = q.where('departmentId', '=', f.departmentId)
    if (f.light) q = q.where('light', '=', f.light)
    if (f.from) q = q.where('reportedAt', '>=', f.from)
    if (f.to) q = q.where('reportedAt', '<', f.to)
    if (f.q) q = q.where(sql<boolean>`(description || ' ' || coalesce(address, '')) ilike ${`%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`)
    if (opts.order === 'reported') {
      if (opts.after) q = q.where(sql<boolean>`(reported_at, id) < (${new Date(opts.after.a)}, ${opts.after.id})`)
      return q.orderBy('reportedAt', 'desc').orderBy('id', 'desc').limit(opts.limit).execute()
    }
    // Queue order: red, yellow, green; then the nearest deadline (paused clocks last); then id.
    const key = sql`(case light when 'red' then 0 when 'yellow' then 1 else 2 end, coalesce(stage_deadline, 'infinity'::timestamptz), id)`
    if (opts.after) {
      const [rank, deadline] = opts.after.a.split('|')
      q = q.where(sql<boolean>`${key} > (${Number(rank)}, ${deadline === 'null' ? 'infinity' : deadline}::timestamptz, ${opts.after.id}::uuid)`)
    }
    return q.orderBy(sql`case light when 'red' then 0 when 'yellow' then 1 else 2 end`).orderBy(sql`coalesce(stage_deadline, 'infinity'::timestamptz)`).orderBy('id').limit(opts.limit).execute()
  },

  /** Open cases of a class within `radiusM` metres of a point reported since `since` (bbox prefilter, then exact distance). */
  async nearbyOpen(db: Executor, opts: { minorClass: string; lng: number; lat: number; radiusM: number; since: Date; excludeId?: string }) {
    const dLat = opts.radiusM / 111_320
    const dLng = opts.radiusM / (111_320 * Math.cos((opts.lat * Math.PI) / 180))
    let q = db
      .selectFrom('cases')
      .select(['id', 'number', 'state', 'description', 'lng', 'lat', 'reportedAt', 'gridCode', 'departmentId'])
      .where('minorClass', '=', opts.minorClass)
      .where(OPEN)
      .where('lat', '>=', opts.lat - dLat)
      .where('lat', '<=', opts.lat + dLat)
      .where('lng', '>=', opts.lng - dLng)
      .where('lng', '<=', opts.lng + dLng)
      .where('reportedAt', '>=', opts.since)
    if (opts.excludeId) q = q.where('id', '<>', opts.excludeId)
    return q.orderBy('reportedAt', 'desc').limit(20).execute()
  },

  classSettings(db: Executor, classKind: ClassKind, minorClass: string) {
    return db.selectFrom('caseClassSettings').selectAll().where('classKind', '=', classKind).where('minorClass', '=', minorClass).executeTakeFirst()
  },

  upsertClassSettings(tx: Executor, row: Omit<Selectable<DB['caseClassSettings']>, 'updatedAt'>) {
    return tx
      .insertInto('caseClassSettings')
      .values({ ...row, limits: json(row.limits) })
      .onConflict((oc) =>
        oc.columns(['classKind', 'minorClass']).doUpdateSet({
          limits: json(row.limits),
          urgency: row.urgency,
          closingStandard: row.closingStandard,
          defaultDepartmentId: row.defaultDepartmentId,
          updatedAt: new Date(),
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow()
  },

  insertDispatchRule(tx: Executor, row: { classKind: ClassKind | null; minorClass: string | null; regionCode: string | null; departmentId: string; priority: number }) {
    return tx.insertInto('dispatchRules').values(row).returningAll().executeTakeFirstOrThrow()
  },

  listDispatchRules(db: Executor): Promise<DispatchRuleRow[]> {
    return db.selectFrom('dispatchRules').selectAll().orderBy('createdAt').execute()
  },

  calendarDays(db: Executor) {
    return db.selectFrom('workCalendarDays').selectAll().orderBy('day').execute()
  },

  async insertCalendarDays(tx: Executor, rows: { day: string; kind: 'holiday' | 'workday'; name: string }[]) {
    if (rows.length) await tx.insertInto('workCalendarDays').values(rows).onConflict((oc) => oc.column('day').doNothing()).execute()
  },

  upsertCalendarDay(tx: Executor, row: { day: string; kind: 'holiday' | 'workday'; name: string }) {
    return tx.insertInto('workCalendarDays').values(row).onConflict((oc) => oc.column('day').doUpdateSet({ kind: row.kind, name: row.name })).execute()
  },

  deleteCalendarDay(tx: Executor, day: string) {
    return tx.deleteFrom('workCalendarDays').where('day', '=', day).executeTakeFirst()
  },

  /** Open cases whose light must change at `now` (the timer job's indexed scans). */
  dueForLight(db: Executor, now: Date, limit: number) {
    return db
      .selectFrom('cases')
      .select(['id', 'version', 'light', 'stage', 'stageDeadline', 'stageWarnAt', 'departmentId', 'gridCode', 'number'])
      .where(OPEN)
      .where((eb) =>
        eb.or([
          eb.and([eb('light', '=', 'green'), eb('stageWarnAt', '<=', now)]),
          eb.and([eb('light', '<>', 'red'), eb('stageDeadline', '<=', now)]),
        ]),
      )
      .limit(limit)
      .execute()
  },

  /** Change a light only if it is still what the scan saw; returns whether this caller did it. */
  async setLightIf(tx: Executor, id: string, from: Light, to: Light): Promise<boolean> {
    const r = await tx.updateTable('cases').set({ light: to }).where('id', '=', id).where('light', '=', from).executeTakeFirst()
    return Number(r.numUpdatedRows) === 1
  },

  /** Record a notice once per case, stage run and deadline; false when it already exists. */
  async insertNotification(tx: Executor, row: { caseId: string; kind: 'warning' | 'overdue'; stage: string; deadline: Date; departmentId: string | null; gridCode: string; createdAt: Date }) {
    const r = await tx.insertInto('caseNotifications').values(row).onConflict((oc) => oc.columns(['caseId', 'kind', 'stage', 'deadline']).doNothing()).returning('id').executeTakeFirst()
    return r !== undefined
  },

  notifications(db: Executor, opts: { scope: Parameters<typeof scopeFilter>[0]; limit: number }) {
    return db
      .selectFrom('caseNotifications')
      .innerJoin('cases', 'cases.id', 'caseNotifications.caseId')
      .select(['caseNotifications.id', 'caseNotifications.caseId', 'caseNotifications.kind', 'caseNotifications.stage', 'caseNotifications.deadline', 'caseNotifications.createdAt', 'cases.number'])
      .where(scopeFilter(opts.scope))
      .orderBy('caseNotifications.id', 'desc')
      .limit(opts.limit)
      .execute()
  },
}

/** The most specific dispatch rule for a class at a grid: class beats any-class, longer region prefix beats shorter, then priority. */
export function matchDispatchRule<R extends Pick<DispatchRuleRow, 'classKind' | 'minorClass' | 'regionCode' | 'priority'>>(
  rules: readonly R[],
  opts: { classKind: ClassKind; minorClass: string; gridCode: string },
): R | undefined {
  const covering = rules.filter(
    (r) =>
      (r.minorClass === null || (r.classKind === opts.classKind && r.minorClass === opts.minorClass)) &&
      (!r.regionCode || opts.gridCode.startsWith(regionPrefix(r.regionCode))),
  )
  covering.sort(
    (a, b) =>
      Number(b.minorClass !== null) - Number(a.minorClass !== null) ||
      (b.regionCode ? regionPrefix(b.regionCode).length : 0) - (a.regionCode ? regionPrefix(a.regionCode).length : 0) ||
      b.priority - a.priority,
  )
  return covering[0]
}

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
/** Open cases of a class near a point since an instant (duplicate proposals). */
export type NearbyQuery = { minorClass: string; lng: number; lat: number; radiusM: number; since: Date }
export type NearbyCandidate = { id: string; number: string; state: CaseState; lng: number; lat: number; reportedAt: Date }

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
   * Group commit: many new cases (numbers given), their first events and audit rows, and the
   * duplicate look-up of every point, in ONE statement. The rows travel as three JSON parameters
   * (json_populate_recordset) instead of ~50 bind parameters per case, nothing is returned per
   * row (the caller already has the rows), and the candidates come back as one JSON text: on the
   * embedded database each bind parameter and each returned field costs JavaScript time on the
   * only thread. The look-up reads the snapshot before the inserts (a statement never sees its own
   * CTEs' writes), exactly as when it ran first. Result n lists the candidates of query n.
   */
  async insertReportedBatch(
    tx: Executor,
    opts: {
      items: { row: NewCaseRow & { id: string }; event: Omit<NewCaseEvent, 'caseId'>; audit: Insertable<DB['auditLog']>[] }[]
      nearby: NearbyQuery[]
    },
  ): Promise<NearbyCandidate[][]> {
    const cases = opts.items.map(({ row: r }) => ({
      id: r.id,
      number: r.number,
      source: r.source,
      class_kind: r.classKind,
      major_class: r.majorClass,
      minor_class: r.minorClass,
      component_code: r.componentCode,
      description: r.description,
      address: r.address,
      lng: r.lng,
      lat: r.lat,
      grid_code: r.gridCode,
      community_code: r.communityCode,
      street_code: r.streetCode,
      district_code: r.districtCode,
      state: r.state,
      suspended_from: r.suspendedFrom,
      urgency: r.urgency,
      department_id: r.departmentId,
      proposed_department_id: r.proposedDepartmentId,
      primary_case_id: r.primaryCaseId,
      last_check_outcome: r.lastCheckOutcome,
      reporter_id: r.reporterId,
      reporter_name_enc: r.reporterNameEnc,
      reporter_phone_enc: r.reporterPhoneEnc,
      reporter_phone_hash: r.reporterPhoneHash,
      anonymous: r.anonymous,
      confidence: r.confidence,
      photos: r.photos,
      stage: r.stage,
      clocks: r.clocks,
      timings: r.timings,
      stage_deadline: r.stageDeadline,
      stage_warn_at: r.stageWarnAt,
      reported_at: r.reportedAt,
      registered_at: r.registeredAt,
      dispatched_at: r.dispatchedAt,
      handled_at: r.handledAt,
      closed_at: r.closedAt,
    }))
    const events = opts.items.map(({ row, event: e }) => ({
      case_id: row.id,
      at: e.at,
      actor_id: e.actorId,
      actor_name: e.actorName,
      action: e.action,
      from_state: e.fromState,
      to_state: e.toState,
      comment: e.comment,
      input: e.input ?? {},
      photos: e.photos,
    }))
    // before/after arrive as JSON texts (auditRows): embed them as JSON values, not as strings.
    const jsonValue = (v: unknown) => (v === null || v === undefined ? null : typeof v === 'string' ? (JSON.parse(v) as unknown) : v)
    const audit = opts.items.flatMap(({ audit }) =>
      audit.map((a) => ({
        at: a.at,
        actor_id: a.actorId ?? null,
        actor_name: a.actorName ?? null,
        action: a.action,
        entity_type: a.entityType,
        entity_id: a.entityId ?? null,
        before: jsonValue(a.before),
        after: jsonValue(a.after),
        request_id: a.requestId ?? null,
        ip: a.ip ?? null,
      })),
    )
    const queries = opts.nearby.map((q, i) => {
      const dLat = q.radiusM / 111_320
      const dLng = q.radiusM / (111_320 * Math.cos((q.lat * Math.PI) / 180))
      return { i, minor_class: q.minorClass, lat0: q.lat - dLat, lat1: q.lat + dLat, lng0: q.lng - dLng, lng1: q.lng + dLng, since: q.since }
    })
    const r = await sql<{ nearby: string }>`
      with ins_cases as (
        insert into cases (id, number, source, class_kind, major_class, minor_class, component_code, description, address, lng, lat,
          grid_code, community_code, street_code, district_code, state, suspended_from, urgency, department_id, proposed_department_id,
          primary_case_id, last_check_outcome, reporter_id, reporter_name_enc, reporter_phone_enc, reporter_phone_hash, anonymous,
          confidence, photos, stage, clocks, timings, stage_deadline, stage_warn_at, reported_at, registered_at, dispatched_at,
          handled_at, closed_at)
        select id, number, source, class_kind, major_class, minor_class, component_code, description, address, lng, lat,
          grid_code, community_code, street_code, district_code, state, suspended_from, urgency, department_id, proposed_department_id,
          primary_case_id, last_check_outcome, reporter_id, reporter_name_enc, reporter_phone_enc, reporter_phone_hash, anonymous,
          confidence, photos, stage, clocks, timings, stage_deadline, stage_warn_at, reported_at, registered_at, dispatched_at,
          handled_at, closed_at
        from json_populate_recordset(null::cases, ${JSON.stringify(cases)}::json)
      ), ins_events as (
        insert into case_events (case_id, at, actor_id, actor_name, action, from_state, to_state, comment, input, photos)
        select case_id, at, actor_id, actor_name, action, from_state, to_state, comment, input, photos
        from json_populate_recordset(null::case_events, ${JSON.stringify(events)}::json)
      ), ins_audit as (
        insert into audit_log (at, actor_id, actor_name, action, entity_type, entity_id, before, after, request_id, ip)
        select at, actor_id, actor_name, action, entity_type, entity_id, before, after, request_id, ip
        from json_populate_recordset(null::audit_log, ${JSON.stringify(audit)}::json)
      )
      select coalesce(json_agg(json_build_array(q.i, d.id, d.number, d.state, d.lng, d.lat, d.reported_at)), '[]')::text as nearby
      from json_to_recordset(${JSON.stringify(queries)}::json) q (i int, minor_class text, lat0 float8, lat1 float8, lng0 float8, lng1 float8, since timestamptz)
      cross join lateral (
        select c.id, c.number, c.state, c.lng, c.lat, c.reported_at from cases c
        where c.minor_class = q.minor_class and c.state not in ('rejected', 'closed', 'voided', 'merged')
          and c.lat >= q.lat0 and c.lat <= q.lat1 and c.lng >= q.lng0 and c.lng <= q.lng1 and c.reported_at >= q.since
        order by c.reported_at desc limit 20
      ) d`.execute(tx)
    const out = opts.nearby.map(() => [] as NearbyCandidate[])
    const found = JSON.parse(r.rows[0]!.nearby) as [number, string, string, CaseState, number, number, string][]
    for (const [i, id, number, state, lng, lat, reportedAt] of found) out[i]!.push({ id, number, state, lng, lat, reportedAt: new Date(reportedAt) })
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

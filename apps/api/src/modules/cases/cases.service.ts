import { randomUUID } from 'node:crypto'
import { isAdmin, type AuthUser, type Role } from '../../platform/access.js'
import { appendAudit, auditRows, type Actor } from '../../platform/audit.js'
import { toJsonValue } from '../../platform/canonical-json.js'
import type { Executor, Tx } from '../../platform/db/database.js'
import { DomainError, invalid, notFound } from '../../platform/errors.js'
import type { NewBusEvent } from '../../platform/events.js'
import { distanceMetres, toWgs84, type Crs } from '../../platform/geo/index.js'
import { GroupCommit, type GroupCommitStats, type Outcome } from '../../platform/group-commit.js'
import { assertIdempotencyKey, type UnitOfWork } from '../../platform/idempotency.js'
import { runIdempotentBatch, type IdempotentResult } from '../../platform/idempotency-batch.js'
import { maskName, maskPhone } from '../../platform/personal-data.js'
import type { Platform } from '../../platform/platform.js'
import { tableStream, type TableFormat } from '../../platform/tabular-export.js'
import { COMPONENTS_CHANGED, findComponentByCode, setComponentStatus } from '../components/index.js'
import { photoFacts, type FileMeta } from '../files/index.js'
import { locatePoint, type LocatedPoint } from '../regions/index.js'
import { stageDeadline, type CaseClocks } from './case-clock.js'
import { transitionPatch } from './case-transition.js'
import { workCalendar } from './case-calendar.js'
import { CASE_STAGES } from './case-limits.js'
import { taskRulesFor } from './case-queues.js'
import {
  CASE_TRANSITIONS,
  PUBLIC_STATUS,
  availableActions,
  initialStateFor,
  isOpen,
  nextState,
  refusalError,
  type CaseAction,
  type CaseSource,
} from './case-workflow.js'
import { assertCanSeeCase, canSeeCase, casesPolicy, sourcesFor } from './cases.policy.js'
import { cachedClass, cachedClassSettings, cachedDispatchRules } from './case-catalog.js'
import { reserveCaseNumber } from './case-numbers.js'
import { casesRepository as repo, matchDispatchRule, type CaseListFilter, type CaseRow, type ClassKind, type NewCaseEvent, type NewCaseRow } from './cases.repository.js'
import type { CaseActionInputBody, CaseView, CreateCaseInput, ListCasesQueryInput } from './cases.schemas.js'
import { elapsedFraction, lightFor, localDateOf, type Light, type WorkCalendar } from './work-calendar.js'

/** Duplicate proposals: open cases of the same class within this distance and time. */
export const DUPLICATE_RADIUS_M = 50
export const DUPLICATE_WINDOW_HOURS = 72

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** The light of the running stage now (computed, so a list is exact between timer runs). */
function currentLight(calendar: WorkCalendar, row: Pick<CaseRow, 'state' | 'stage' | 'clocks' | 'light'>, now: Date): Light {
  if (!isOpen(row.state) || !row.stage) return row.light
  const clock = row.clocks[row.stage]
  if (!clock || clock.end) return row.light
  const pauses = clock.pauses.filter((x) => x.to).map((x) => ({ from: new Date(x.from), to: new Date(x.to!) }))
  const until = clock.pauses.find((x) => !x.to)?.from
  return lightFor(elapsedFraction(calendar, new Date(clock.start), until ? new Date(until) : now, clock.limit, pauses))
}

export function toCaseView(p: Platform, calendar: WorkCalendar, row: CaseRow, caller: AuthUser | null, now: Date): CaseView {
  const staff = caller && !(caller.roles.length === 1 && caller.roles[0] === 'resident')
  const ownReport = caller?.id === row.reporterId
  const showReporter = staff || ownReport
  const name = row.reporterNameEnc ? p.pii.decrypt(row.reporterNameEnc) : null
  const phone = row.reporterPhoneEnc ? p.pii.decrypt(row.reporterPhoneEnc) : null
  const actions = caller ? availableActionsFor(caller, row) : []
  return {
    id: row.id,
    number: row.number,
    source: row.source,
    classKind: row.classKind,
    majorClass: row.majorClass,
    minorClass: row.minorClass,
    componentCode: row.componentCode,
    description: row.description,
    address: row.address,
    lng: row.lng,
    lat: row.lat,
    gridCode: row.gridCode,
    communityCode: row.communityCode,
    streetCode: row.streetCode,
    districtCode: row.districtCode,
    state: row.state,
    publicStatus: PUBLIC_STATUS[row.state],
    stage: row.stage,
    stageDeadline: iso(row.stageDeadline),
    light: currentLight(calendar, row, now),
    extensionPending: row.extensionPending,
    supervised: row.supervised,
    urgency: row.urgency,
    departmentId: row.departmentId,
    proposedDepartmentId: row.proposedDepartmentId,
    primaryCaseId: row.primaryCaseId,
    // Reporter details are masked for everyone; anonymous reports hide even the masked name from the public.
    reporter: {
      name: showReporter && name && !(row.anonymous && !staff) ? maskName(name) : null,
      phone: showReporter && phone ? maskPhone(phone) : null,
      anonymous: row.anonymous,
    },
    photos: row.photos,
    version: row.version,
    reportedAt: row.reportedAt.toISOString(),
    registeredAt: iso(row.registeredAt),
    dispatchedAt: iso(row.dispatchedAt),
    handledAt: iso(row.handledAt),
    closedAt: iso(row.closedAt),
    // jsonb does not keep key order: list finished stages in workflow order.
    timings: CASE_STAGES.flatMap((stage) => row.timings[stage] ?? []),
    actions,
  }
}

/** Roles that may act on this particular case: handlers only on their department's cases, field and centre roles only inside their regions. */
function actingRoles(user: AuthUser, row: Pick<CaseRow, 'gridCode' | 'departmentId' | 'reporterId'>): Role[] {
  const inRegion = canSeeCase({ ...user, departmentId: null }, { ...row, reporterId: null })
  return user.roles.filter((r) => (r === 'departmentHandler' ? row.departmentId !== null && row.departmentId === user.departmentId : r !== 'resident' && inRegion))
}

function availableActionsFor(user: AuthUser, row: CaseRow): CaseAction[] {
  return availableActions(row.state, actingRoles(user, row), { extensionPending: row.extensionPending })
}

function caseEvent(type: string, row: CaseRow, data: Record<string, unknown>): NewBusEvent {
  return {
    type,
    regionCode: row.gridCode,
    departmentId: row.departmentId,
    data: { id: row.id, number: row.number, state: row.state, light: row.light, stage: row.stage, minorClass: row.minorClass, lng: row.lng, lat: row.lat, ...data },
  }
}

/** The same event the components module announces for its own changes (maps and dashboards listen to it). */
const componentChangedEvent = (c: { code: string; gridCode: string }): NewBusEvent => ({ type: COMPONENTS_CHANGED, regionCode: c.gridCode, data: { code: c.code, action: 'update' } })

/** The department auto-dispatch proposes: a dispatch rule, else the class's default department. */
async function proposeDepartment(p: Platform, db: Executor, opts: { classKind: ClassKind; minorClass: string; gridCode: string; defaultDepartmentId: string | null }) {
  const rule = matchDispatchRule(await cachedDispatchRules(p, db), opts)
  return rule?.departmentId ?? opts.defaultDepartmentId
}

async function assertPhotosExist(db: Executor, photos: readonly string[]) {
  if (photos.length === 0) return
  const found = await db.selectFrom('files').select('sha256').where('sha256', 'in', [...photos]).execute()
  const known = new Set(found.map((f) => f.sha256))
  const missing = photos.map((sha, i) => ({ sha, i })).filter((x) => !known.has(x.sha))
  if (missing.length) throw invalid(missing.map((m) => ({ field: `photos.${m.i}`, reason: 'no uploaded file with this id' })))
}

/** What intake needs from caches and outside the transaction (PGlite has one connection: inside a transaction use only `tx`). */
export interface ReportContext {
  calendar: WorkCalendar
  place: LocatedPoint & { grid: NonNullable<LocatedPoint['grid']> }
  lng: number
  lat: number
  source: CaseSource
  /** The instant of the report. */
  now: Date
  /** The case number's sequence, reserved before any transaction (PostgreSQL); null: the intake statement takes it. */
  seq: number | null
}

/**
 * Check who may report as what, locate the point in its grid and, on PostgreSQL, reserve the case
 * number — here, outside the intake transaction: waiting for a pool connection while holding
 * one would deadlock a busy pool. A refused or replayed report leaves a gap in the numbers.
 */
export async function prepareReport(p: Platform, opts: { caller: AuthUser; input: CreateCaseInput }): Promise<ReportContext> {
  const { caller, input } = opts
  casesPolicy.assert(caller, 'cases.report')
  const allowed = sourcesFor(caller)
  const source = input.source ?? allowed[0]
  if (!source || !allowed.includes(source)) throw new DomainError('FORBIDDEN', `Your role may not report as ${input.source}`)
  const [lng, lat] = toWgs84((input.crs ?? 'WGS84') as Crs, input.lng, input.lat)
  const place = await locatePoint(p, lng, lat)
  if (!place?.grid) throw invalid([{ field: 'lng', reason: 'the point is in no unit grid of this deployment' }], 'The location is outside every unit grid')
  const calendar = await workCalendar(p)
  const now = p.clock.now()
  const seq = await reserveCaseNumber(p, place.grid.code.slice(0, 6), localDateOf(calendar, now))
  return { calendar, place: { ...place, grid: place.grid }, lng, lat, source, now, seq }
}

type ReportBody = { case: CaseView; duplicates: { id: string; number: string; state: string; distanceM: number; reportedAt: string }[] }

/** A checked report, ready to write: everything but its number (when the statement takes it) and its duplicates. */
interface ReportDraft {
  caller: AuthUser
  context: ReportContext
  day: string
  row: NewCaseRow & { id: string }
  event: Omit<NewCaseEvent, 'caseId'>
  audit: ReturnType<typeof auditRows>
}

/**
 * Check a report against the catalog (class, component, photos) and build its case row, first
 * event and audit row. Reads only (`db`: the transaction, or the database outside one).
 */
async function draftReport(p: Platform, db: Executor, opts: { actor: Actor; caller: AuthUser; input: CreateCaseInput; context: ReportContext }): Promise<ReportDraft> {
  const { caller, input, context } = opts
  const { calendar, place, lng, lat, source, now } = context
  const klass = await cachedClass(p, db, input.classKind, input.minorClass)
  if (!klass || klass.retired) throw invalid([{ field: 'minorClass', reason: klass ? 'this class is retired' : `no ${input.classKind} class ${input.minorClass}` }])
  // A component fault names the component: its class must match and its maintainer (养护单位), else its authority (主管部门), is proposed.
  const component = input.componentCode ? await findComponentByCode(p, { code: input.componentCode, db }) : null
  if (input.componentCode && !component) throw invalid([{ field: 'componentCode', reason: 'no such component' }])
  if (component && (input.classKind !== 'component' || component.minorClass !== input.minorClass)) {
    throw invalid([{ field: 'minorClass', reason: `component ${component.code} is of class ${component.minorClass} ${component.minorClassName}` }])
  }
  await assertPhotosExist(db, input.photos ?? [])

  const settings = await cachedClassSettings(p, db, input.classKind, input.minorClass)
  const gridCode = place.grid.code
  const districtCode = gridCode.slice(0, 6)
  const state = initialStateFor(source)
  const clocks: CaseClocks = { register: { start: now.toISOString(), limit: settings.register, pauses: [], end: null } }
  const deadline = stageDeadline(calendar, clocks, 'register')
  const proposedDepartmentId =
    component?.maintainerDeptId ??
    component?.authorityDeptId ??
    (await proposeDepartment(p, db, { classKind: input.classKind, minorClass: input.minorClass, gridCode, defaultDepartmentId: settings.defaultDepartmentId }))
  const id = randomUUID()
  return {
    caller,
    context,
    day: localDateOf(calendar, now),
    row: {
      id,
      number: '',
      source,
      classKind: input.classKind,
      majorClass: input.minorClass.slice(0, 2),
      minorClass: input.minorClass,
      componentCode: input.componentCode ?? null,
      description: input.description,
      address: input.address ?? null,
      lng,
      lat,
      gridCode,
      communityCode: place.community?.code ?? null,
      streetCode: place.street?.code ?? null,
      districtCode,
      state,
      suspendedFrom: null,
      urgency: settings.urgency,
      departmentId: null,
      proposedDepartmentId,
      primaryCaseId: null,
      lastCheckOutcome: null,
      reporterId: caller.id,
      reporterNameEnc: input.reporter?.name ? p.pii.encrypt(input.reporter.name) : null,
      reporterPhoneEnc: input.reporter?.phone ? p.pii.encrypt(input.reporter.phone) : null,
      reporterPhoneHash: input.reporter?.phone ? p.pii.lookupHash(input.reporter.phone) : null,
      anonymous: input.anonymous ?? false,
      confidence: input.confidence ?? null,
      photos: input.photos ?? [],
      stage: 'register',
      clocks,
      timings: {},
      stageDeadline: deadline.deadline,
      stageWarnAt: deadline.warnAt,
      reportedAt: now,
      registeredAt: null,
      dispatchedAt: null,
      handledAt: null,
      closedAt: null,
    },
    event: {
      at: now,
      actorId: caller.id,
      actorName: caller.username,
      action: 'report',
      fromState: null,
      toState: state,
      comment: null,
      input: { source, confidence: input.confidence ?? null },
      photos: input.photos ?? [],
    },
    // The audit row's after-image gains the case number when it is known.
    audit: auditRows(opts.actor, [{ action: 'case.report', entityType: 'case', entityId: id, after: { state, gridCode, minorClass: input.minorClass, source } }], now),
  }
}

const duplicateQuery = (d: ReportDraft) => ({
  minorClass: d.row.minorClass,
  lng: d.row.lng,
  lat: d.row.lat,
  radiusM: DUPLICATE_RADIUS_M,
  since: new Date(d.context.now.getTime() - DUPLICATE_WINDOW_HOURS * 3_600_000),
})

function reportResult(p: Platform, d: ReportDraft, row: CaseRow, nearby: { id: string; number: string; state: string; lng: number; lat: number; reportedAt: Date }[]): UnitOfWork<ReportBody> {
  const { lng, lat, calendar, now, source } = d.context
  const duplicates = nearby
    .map((x) => ({ id: x.id, number: x.number, state: x.state, distanceM: Math.round(distanceMetres([lng, lat], [x.lng, x.lat]) * 10) / 10, reportedAt: x.reportedAt.toISOString() }))
    .filter((x) => x.distanceM <= DUPLICATE_RADIUS_M)
  return {
    body: { case: toCaseView(p, calendar, row, d.caller, now), duplicates },
    events: [caseEvent('case.reported', row, { action: 'report', source })],
  }
}

/**
 * Take in a report from any source: number it, start the register clock, propose a department
 * and list possible duplicates. Runs inside the caller's transaction (so an Idempotency-Key
 * record commits with it). The HTTP intake goes through `submitReport` (group commit) instead.
 */
export async function reportCase(p: Platform, tx: Tx, opts: { actor: Actor; caller: AuthUser; input: CreateCaseInput; context: ReportContext }): Promise<UnitOfWork<ReportBody>> {
  const d = await draftReport(p, tx, opts)
  const nearby = await repo.nearbyOpen(tx, duplicateQuery(d))
  // The case, its first event and its audit row go in one statement. On PostgreSQL the number was
  // reserved in a block outside this transaction, so no row is locked here that other intakes need.
  const row = await repo.insertReported(tx, { day: d.day, seq: d.context.seq, row: d.row, event: d.event, audit: d.audit })
  return reportResult(p, d, row, nearby)
}

/** One report waiting for its group commit: its draft, or why it was refused (refused after its idempotency key is checked). */
interface IntakeItem {
  draft: ReportDraft | { error: unknown }
  userId: string
  key: string | undefined
  request: CreateCaseInput
}

/** Group commit of intakes: one batch at a time on the embedded database (one connection), a few on PostgreSQL. */
export const INTAKE_BATCH = { maxBatch: 64, concurrency: { pglite: 1, postgres: 2 } }

const intakeQueues = new WeakMap<Platform, GroupCommit<IntakeItem, IdempotentResult<ReportBody>>>()

function intakeQueue(p: Platform) {
  let q = intakeQueues.get(p)
  if (!q) {
    q = new GroupCommit<IntakeItem, IdempotentResult<ReportBody>>({
      maxBatch: INTAKE_BATCH.maxBatch,
      concurrency: INTAKE_BATCH.concurrency[p.database.kind],
      run: (items) =>
        runIdempotentBatch(
          { db: p.db, bus: p.bus },
          items.map((x) => ({ userId: x.userId, key: x.key, request: x.request, statusCode: 201 })),
          (tx, indexes) => writeReports(p, tx, indexes.map((i) => items[i]!.draft)),
        ),
    })
    intakeQueues.set(p, q)
  }
  return q
}

/** How the intake batches have formed so far (bench and tests). */
export function intakeBatchStats(p: Platform): GroupCommitStats {
  return { ...intakeQueue(p).stats }
}

/**
 * Write the reports of one group commit in the batch's transaction: numbers (embedded: one counter
 * statement per district and day), one duplicate look-up for all, one multi-row insert of cases,
 * events and audit rows. A report refused while drafting fails alone.
 */
async function writeReports(p: Platform, tx: Tx, drafts: IntakeItem['draft'][]): Promise<Outcome<UnitOfWork<ReportBody>>[]> {
  const good = drafts.flatMap((d) => ('error' in d ? [] : [d]))
  const done = new Map<ReportDraft, UnitOfWork<ReportBody>>()
  if (good.length) {
    // Numbers the block reservation did not give (embedded database): one counter update per district and day.
    const wanted = new Map<string, ReportDraft[]>()
    for (const d of good) if (d.context.seq === null) wanted.set(`${d.row.districtCode}|${d.day}`, [...(wanted.get(`${d.row.districtCode}|${d.day}`) ?? []), d])
    const seqs = new Map<ReportDraft, number>()
    for (const list of wanted.values()) {
      const last = await repo.reserveNumbers(tx, list[0]!.row.districtCode, list[0]!.day, list.length)
      list.forEach((d, n) => seqs.set(d, last - list.length + 1 + n))
    }
    const items = good.map((d) => {
      const number = `${d.day.replaceAll('-', '')}${String(d.context.seq ?? seqs.get(d)!).padStart(5, '0')}`
      const audit = d.audit.map((a) => ({ ...a, after: { number, ...(JSON.parse(String(a.after ?? '{}')) as object) } }))
      return { row: { ...d.row, number }, event: d.event, audit }
    })
    // Cases, events, audit rows and the duplicate look-up in one statement; the stored rows are
    // what was sent plus the column defaults (nothing comes back per row).
    const nearby = await repo.insertReportedBatch(tx, { items, nearby: good.map(duplicateQuery) })
    const rows: CaseRow[] = items.map(({ row }) => ({ ...row, version: 1, light: 'green', extensionPending: false, supervised: false, updatedAt: row.reportedAt }))
    good.forEach((d, n) => {
      // Earlier reports of the same batch are candidates too, as they would be one after the other.
      const earlier = good.slice(0, n).flatMap((e, m) => (e.row.minorClass === d.row.minorClass ? [rows[m]!] : []))
      const candidates = [...nearby[n]!, ...earlier.reverse()].sort((a, b) => b.reportedAt.getTime() - a.reportedAt.getTime()).slice(0, 20)
      done.set(d, reportResult(p, d, rows[n]!, candidates))
    })
  }
  return drafts.map((d) => ('error' in d ? { ok: false, error: d.error } : { ok: true, value: done.get(d)! }))
}

/**
 * The HTTP intake: check and build the report outside any transaction, then write it with the
 * other reports of the same few milliseconds in one transaction (group commit). Its own result or
 * error either way; an `Idempotency-Key` retry replays the first result and never duplicates.
 */
export async function submitReport(
  p: Platform,
  opts: { actor: Actor; caller: AuthUser; input: CreateCaseInput; context: ReportContext; idempotencyKey: string | undefined },
): Promise<IdempotentResult<ReportBody>> {
  const { caller, input, idempotencyKey: key } = opts
  assertIdempotencyKey(key)
  let draft: IntakeItem['draft']
  try {
    draft = await draftReport(p, p.db, opts)
  } catch (error) {
    // A retry of a recorded report replays it even if the report would be refused today.
    if (!key) throw error
    draft = { error }
  }
  return intakeQueue(p).submit({ draft, userId: caller.id, key, request: input })
}

/**
 * Take a workflow action on a case: scope and role, the transition table, the stage clocks,
 * then a compare-and-set on `version` with the case event and audit rows in the same transaction.
 */
export async function actOnCase(
  p: Platform,
  tx: Tx,
  opts: { actor: Actor; caller: AuthUser; caseId: string; action: CaseAction; input: CaseActionInputBody; calendar: WorkCalendar },
): Promise<UnitOfWork<CaseView>> {
  const { caller, action, input, calendar } = opts
  const row = await repo.find(tx, opts.caseId)
  if (!row) throw notFound('Case')
  assertCanSeeCase(caller, row)
  if (row.version !== input.version) {
    throw new DomainError('VERSION_CONFLICT', `The case is at version ${row.version}; reload and try again`, { currentVersion: row.version, currentState: row.state })
  }
  const now = p.clock.now()
  const running = stageDeadline(calendar, row.clocks, row.stage)
  const decision = nextState({
    state: row.state,
    action,
    roles: actingRoles(caller, row),
    input: { ...input, departmentCode: input.departmentId ?? null },
    context: {
      now,
      caseId: row.id,
      extensionPending: row.extensionPending,
      suspendedFrom: row.suspendedFrom,
      proposedDepartmentCode: row.proposedDepartmentId,
      lastCheckOutcome: row.lastCheckOutcome,
      stageDeadline: running.deadline,
      closedAt: row.closedAt,
    },
  })
  if (!decision.ok) {
    // A role that exists but cannot act on this case (another department, another region) sees a 403 too.
    throw refusalError(decision)
  }
  if (action === 'dispatch') {
    const dept = await tx.selectFrom('departments').select(['id', 'disabled']).where('id', '=', input.departmentId!).executeTakeFirst()
    if (!dept || dept.disabled) throw invalid([{ field: 'departmentId', reason: 'no such active department' }])
  }
  let primary: CaseRow | undefined
  if (action === 'merge') {
    primary = await repo.find(tx, input.primaryCaseId!)
    if (!primary || !canSeeCase(caller, primary)) throw invalid([{ field: 'primaryCaseId', reason: 'no such case' }])
    if (!isOpen(primary.state)) throw invalid([{ field: 'primaryCaseId', reason: 'the primary case is not open' }])
    if (primary.minorClass !== row.minorClass) throw invalid([{ field: 'primaryCaseId', reason: 'the primary case has another class' }])
  }
  await assertPhotosExist(tx, input.photos ?? [])

  const settings = await cachedClassSettings(p, tx, row.classKind, row.minorClass)
  const patch = transitionPatch({ row, action, decision, input, limits: settings, calendar, now, ...(primary ? { primaryCaseId: primary.id } : {}) })
  // Filing a component fault marks the component damaged (破损); closing the case marks it intact again.
  const componentStatus = row.componentCode && (action === 'register' || action === 'close') ? (action === 'register' ? 'damaged' : 'intact') : null
  const componentChange = componentStatus
    ? await setComponentStatus(p, { tx, actor: opts.actor, code: row.componentCode!, status: componentStatus, reason: `case ${row.number} ${action}` })
    : null
  // The update, its case event(s) and audit row in one statement; nothing is written if the version moved.
  const toState = patch.state ?? row.state
  const caseEvents: NewCaseEvent[] = [
    {
      caseId: row.id,
      at: now,
      actorId: caller.id,
      actorName: caller.username,
      action,
      fromState: row.state,
      toState,
      comment: input.comment ?? input.reason ?? null,
      input: toJsonValue({ ...input, version: undefined, photos: undefined }),
      photos: input.photos ?? [],
    },
  ]
  if (primary) {
    caseEvents.push({
      caseId: primary.id,
      at: now,
      actorId: caller.id,
      actorName: caller.username,
      action: 'mergedInto',
      fromState: primary.state,
      toState: primary.state,
      comment: `merged ${row.number}`,
      input: { mergedCaseId: row.id },
      photos: [],
    })
  }
  const departmentId = patch.departmentId !== undefined ? patch.departmentId : row.departmentId
  const updated = await repo.updateIfVersionWith(tx, {
    id: row.id,
    version: row.version,
    patch,
    events: caseEvents,
    audit: auditRows(
      opts.actor,
      [{ action: `case.${action}`, entityType: 'case', entityId: row.id, before: { state: row.state, version: row.version }, after: { state: toState, version: row.version + 1, departmentId } }],
      now,
    ),
  })
  if (!updated) {
    // Someone committed first: tell the caller what the case is now.
    const current = await repo.find(tx, row.id)
    throw new DomainError('VERSION_CONFLICT', 'The case was changed by someone else; reload and try again', { currentVersion: current?.version, currentState: current?.state })
  }
  const events = [caseEvent(`case.${action}`, updated, { action, from: row.state, to: updated.state })]
  if (componentChange) events.push(componentChangedEvent(componentChange))
  return { body: toCaseView(p, calendar, updated, caller, now), events }
}

export async function getCase(p: Platform, opts: { caller: AuthUser; caseId: string }) {
  casesPolicy.assert(opts.caller, 'cases.read')
  const row = await repo.find(p.db, opts.caseId)
  if (!row) throw notFound('Case')
  assertCanSeeCase(opts.caller, row)
  const calendar = await workCalendar(p)
  const staff = !(opts.caller.roles.length === 1 && opts.caller.roles[0] === 'resident')
  const events = await repo.events(p.db, row.id)
  const facts = await photoFacts(p, row.photos)
  return {
    case: toCaseView(p, calendar, row, opts.caller, p.clock.now()),
    photoChecks: row.photos.map((sha256) => photoCheck(sha256, facts.get(sha256), row)),
    timeline: events.map((e) => ({
      id: String(e.id),
      at: e.at.toISOString(),
      // The public sees what happened, not which official did it.
      actorName: staff ? e.actorName : '',
      action: e.action,
      fromState: e.fromState,
      toState: e.toState,
      comment: staff ? e.comment : null,
      input: staff ? e.input : {},
      photos: e.photos,
    })),
  }
}

/** A photo whose EXIF position is farther than this from the reported place is flagged. */
export const PHOTO_DISTANCE_FLAG_M = 3000
/** …or whose EXIF time is this long before the report. */
export const PHOTO_AGE_FLAG_HOURS = 24

/** What a photo's EXIF says beside what was reported, and whether it looks like it was taken elsewhere or long before. */
function photoCheck(sha256: string, fact: FileMeta | undefined, row: Pick<CaseRow, 'lng' | 'lat' | 'reportedAt'>) {
  const hasPosition = typeof fact?.lng === 'number' && typeof fact?.lat === 'number'
  const distanceM = hasPosition ? Math.round(distanceMetres([row.lng, row.lat], [fact!.lng!, fact!.lat!])) : null
  const takenAt = fact?.takenAt ?? null
  const reasons: string[] = []
  if (distanceM !== null && distanceM > PHOTO_DISTANCE_FLAG_M) reasons.push('farFromReportedPlace')
  if (takenAt && row.reportedAt.getTime() - new Date(takenAt).getTime() > PHOTO_AGE_FLAG_HOURS * 3_600_000) reasons.push('takenLongBefore')
  return { sha256, takenAt, lng: hasPosition ? fact!.lng! : null, lat: hasPosition ? fact!.lat! : null, distanceM, flagged: reasons.length > 0, reasons }
}

const scopeOf = (user: AuthUser) => ({ all: isAdmin(user), regionCodes: user.regionCodes, departmentId: user.departmentId })

/**
 * Cases the caller may see: `tasks` — what waits for their roles, reddest and nearest deadline
 * first; `all` — newest first with filters. Cursor pagination with a stable order.
 */
export async function listCases(p: Platform, opts: { caller: AuthUser; query: ListCasesQueryInput }) {
  const { caller, query } = opts
  casesPolicy.assert(caller, 'cases.read')
  const order = query.view === 'tasks' ? 'urgency' : 'reported'
  const filter: CaseListFilter = {
    ...(query.state ? { states: query.state } : {}),
    ...(query.stage ? { stage: query.stage } : {}),
    ...(query.minorClass ? { minorClass: query.minorClass } : {}),
    ...(query.source ? { source: query.source } : {}),
    ...(query.region ? { regionCode: query.region } : {}),
    ...(query.departmentId ? { departmentId: query.departmentId } : {}),
    ...(query.light ? { light: query.light } : {}),
    ...(query.from ? { from: new Date(query.from) } : {}),
    ...(query.to ? { to: new Date(query.to) } : {}),
    ...(query.q ? { q: query.q } : {}),
  }
  const after = query.cursor ? decodeCursor(query.cursor) : undefined
  const residentOnly = caller.roles.every((r) => r === 'resident')
  let rows: CaseRow[]
  if (residentOnly) {
    rows = await repo.list(p.db, { filter: { ...filter }, scope: { all: false, regionCodes: [], departmentId: null }, reporterId: caller.id, limit: query.limit + 1, order, ...(after ? { after } : {}) })
  } else if (query.view === 'tasks') {
    const rules = taskRulesFor(caller.roles)
    if (rules.length === 0) return { items: [], nextCursor: null }
    rows = await repo.list(p.db, { filter, scope: scopeOf(caller), tasks: { rules, departmentId: caller.departmentId }, limit: query.limit + 1, order, ...(after ? { after } : {}) })
  } else {
    rows = await repo.list(p.db, { filter, scope: scopeOf(caller), limit: query.limit + 1, order, ...(after ? { after } : {}) })
  }
  const calendar = await workCalendar(p)
  const now = p.clock.now()
  const page = rows.slice(0, query.limit)
  const last = page.at(-1)
  return {
    items: page.map((r) => toCaseView(p, calendar, r, caller, now)),
    nextCursor: rows.length > query.limit && last ? encodeCursor(order, last) : null,
  }
}

function encodeCursor(order: 'reported' | 'urgency', row: CaseRow): string {
  const a = order === 'reported' ? row.reportedAt.toISOString() : `${{ red: 0, yellow: 1, green: 2 }[row.light]}|${row.stageDeadline?.toISOString() ?? 'null'}`
  return Buffer.from(JSON.stringify({ a, id: row.id })).toString('base64url')
}

function decodeCursor(cursor: string): { a: string; id: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { a: string; id: string }
    if (typeof v.a === 'string' && typeof v.id === 'string' && /^[0-9a-f-]{36}$/.test(v.id)) return v
  } catch {}
  throw invalid([{ field: 'cursor', reason: 'not a cursor from this list' }])
}

const EXPORT_COLUMNS = ['number', 'state', 'stage', 'light', 'source', 'minorClass', 'description', 'address', 'lng', 'lat', 'gridCode', 'districtCode', 'departmentId', 'stageDeadline', 'reportedAt', 'registeredAt', 'dispatchedAt', 'handledAt', 'closedAt'] as const

/** The filtered list as CSV or XLSX, streamed page by page (same filters and scope as the list). */
export function exportCases(p: Platform, opts: { caller: AuthUser; query: ListCasesQueryInput; format: TableFormat }) {
  casesPolicy.assert(opts.caller, 'cases.read')
  async function* pages() {
    let cursor: string | undefined
    do {
      const page = await listCases(p, { caller: opts.caller, query: { ...opts.query, limit: 200, ...(cursor ? { cursor } : {}) } })
      yield page.items.map((c) => EXPORT_COLUMNS.map((k) => c[k] ?? null))
      cursor = page.nextCursor ?? undefined
    } while (cursor)
  }
  return tableStream(opts.format, 'cases', [...EXPORT_COLUMNS], pages())
}

/** Open cases of the same class near a case (the operator's duplicate check). */
export async function findDuplicates(p: Platform, opts: { caller: AuthUser; caseId: string }) {
  const { case: c } = await getCase(p, opts)
  const now = p.clock.now()
  const rows = await repo.nearbyOpen(p.db, {
    minorClass: c.minorClass,
    lng: c.lng,
    lat: c.lat,
    radiusM: DUPLICATE_RADIUS_M,
    since: new Date(now.getTime() - DUPLICATE_WINDOW_HOURS * 3_600_000),
    excludeId: c.id,
  })
  return rows
    .filter((r) => canSeeCase(opts.caller, { ...r, reporterId: null }))
    .map((r) => ({ id: r.id, number: r.number, state: r.state, distanceM: Math.round(distanceMetres([c.lng, c.lat], [r.lng, r.lat]) * 10) / 10, reportedAt: r.reportedAt.toISOString() }))
    .filter((d) => d.distanceM <= DUPLICATE_RADIUS_M)
}

/** The reporter's name and phone in clear, for a call back: permission, purpose, audit. */
export async function unmaskReporter(p: Platform, opts: { actor: Actor; caller: AuthUser; caseId: string; purpose: string }) {
  casesPolicy.assert(opts.caller, 'personalData.unmask')
  const row = await repo.find(p.db, opts.caseId)
  if (!row) throw notFound('Case')
  await p.db.transaction().execute((tx) =>
    appendAudit(tx, opts.actor, { action: 'personalData.unmask', entityType: 'case', entityId: row.id, after: { fields: ['reporterName', 'reporterPhone'], purpose: opts.purpose } }),
  )
  return { name: row.reporterNameEnc ? p.pii.decrypt(row.reporterNameEnc) : null, phone: row.reporterPhoneEnc ? p.pii.decrypt(row.reporterPhoneEnc) : null }
}

/**
 * The timer job: turn green cases yellow at 80 % of their stage limit and red at the deadline,
 * recording one notice per case, stage run and deadline. The conditional light update and the
 * unique notice make it safe with several instances and across restarts.
 */
export async function scanCaseTimers(p: Platform, now: Date, batch = 500): Promise<{ warned: number; overdue: number }> {
  let warned = 0
  let overdue = 0
  for (;;) {
    const due = await repo.dueForLight(p.db, now, batch)
    if (due.length === 0) break
    for (const c of due) {
      const to: Light = c.stageDeadline && c.stageDeadline <= now ? 'red' : 'yellow'
      const kind = to === 'red' ? 'overdue' : 'warning'
      const changed = await p.db.transaction().execute(async (tx) => {
        if (!(await repo.setLightIf(tx, c.id, c.light, to))) return false
        return repo.insertNotification(tx, { caseId: c.id, kind, stage: c.stage ?? '', deadline: c.stageDeadline!, departmentId: c.departmentId, gridCode: c.gridCode, createdAt: now })
      })
      if (changed) {
        if (to === 'red') overdue++
        else warned++
        await p.bus.publish({ type: `case.${kind}`, regionCode: c.gridCode, departmentId: c.departmentId, data: { id: c.id, number: c.number, stage: c.stage, light: to, deadline: c.stageDeadline?.toISOString() ?? null } })
      }
    }
    if (due.length < batch) break
  }
  return { warned, overdue }
}

export async function listCaseNotifications(p: Platform, opts: { caller: AuthUser; limit: number }) {
  casesPolicy.assert(opts.caller, 'cases.read')
  const rows = await repo.notifications(p.db, { scope: scopeOf(opts.caller), limit: opts.limit })
  return rows.map((r) => ({ id: String(r.id), caseId: r.caseId, number: r.number, kind: r.kind, stage: r.stage, deadline: r.deadline.toISOString(), createdAt: r.createdAt.toISOString() }))
}

export { CASE_TRANSITIONS }

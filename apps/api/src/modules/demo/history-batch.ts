/**
 * The case history written in bulk: the same intake and workflow rules as `reportCase`,
 * `actOnCase` and `scanCaseTimers` (the cases module's pure transition table, stage clocks and
 * deadlines), applied to rows held in memory while the discrete-event run (history.ts) goes
 * through the 30 days, then written with a few multi-row statements (demo.repository.ts): the
 * cases in their final state, every case event, audit row, notice, component status change and
 * the number counters. The stats triggers on `cases` and `case_events` fire on those inserts, so
 * the rollups fold to what the step-by-step run gives.
 *
 * `history-batch.test.ts` seeds one database through the services and one through this, and
 * compares them table by table: keep the two in step when the case services change.
 */
import { randomUUID } from 'node:crypto'
import { canSee, isAdmin, type AuthUser, type Role } from '../../platform/access.js'
import { auditRows, type Actor } from '../../platform/audit.js'
import { toJsonValue } from '../../platform/canonical-json.js'
import { DomainError, invalid } from '../../platform/errors.js'
import type { Platform } from '../../platform/platform.js'
import { locatePoint } from '../regions/index.js'
import {
  CASE_STAGES,
  DEFAULT_CLASS_LIMITS,
  initialStateFor,
  isOpen,
  localDateOf,
  nextState,
  matchDispatchRule,
  refusalError,
  stageDeadline,
  transitionPatch,
  type CaseAction,
  type CaseClocks,
  type CaseStage,
  type CaseState,
  type ClassLimits,
  type StageTiming,
  type WorkCalendar,
} from '../cases/index.js'
import { demoRepository as repo, type BatchAudit, type BatchCase, type BatchCaseEvent, type BatchComponentChange, type BatchNotification, type DispatchRule } from './demo.repository.js'

type Settings = ClassLimits & { defaultDepartmentId: string | null }

/** What the history driver reads back from a case after each step (the fields of a case view it uses). */
export interface CaseFeedback {
  id: string
  number: string
  version: number
  state: string
  stageDeadline: string | null
  extensionPending: boolean
  departmentId: string | null
  proposedDepartmentId: string | null
  timings: { onTime: boolean }[]
  gridCode: string
  lng: number
  lat: number
  minorClass: string
  componentCode: string | null
}

export interface ReportInput {
  source: BatchCase['source']
  classKind: 'event' | 'component'
  minorClass: string
  lng: number
  lat: number
  description: string
  address?: string
  componentCode?: string
  photos?: string[]
  reporter?: { name: string; phone: string }
  anonymous?: boolean
  confidence?: number
}

export interface ActInput {
  version: number
  reason?: string
  comment?: string
  verifyOutcome?: 'confirmed' | 'notFound'
  checkOutcome?: 'passed' | 'failed'
  reviewDate?: string
  extension?: { amount: number; unit: string }
  photos?: string[]
  departmentId?: string
  primaryCaseId?: string
}

interface ComponentState {
  status: string
  gridCode: string
  maintainerDeptId: string | null
  authorityDeptId: string | null
  version: number
  updatedAt: Date | null
  updatedBy: string | null
}

/** A case in memory, with the columns the services write. */
type Row = BatchCase

export class BatchHistory {
  private readonly cases = new Map<string, Row>()
  private readonly order: Row[] = []
  private readonly events: BatchCaseEvent[] = []
  private readonly audit: BatchAudit[] = []
  private readonly notifications: BatchNotification[] = []
  private readonly noticeKeys = new Set<string>()
  private readonly componentChanges: BatchComponentChange[] = []
  private readonly counters = new Map<string, number>()

  private constructor(
    private readonly p: Platform,
    private readonly calendar: WorkCalendar,
    private readonly settings: Map<string, Settings>,
    private readonly rules: DispatchRule[],
    private readonly components: Map<string, ComponentState>,
  ) {}

  /** Read what intake needs (class settings, dispatch rules, the components) before the run. */
  static async load(p: Platform, calendar: WorkCalendar): Promise<BatchHistory> {
    const settings = new Map<string, Settings>()
    for (const r of await repo.classSettings(p.db)) {
      settings.set(`${r.classKind}:${r.minorClass}`, { ...DEFAULT_CLASS_LIMITS, ...(r.limits as Partial<ClassLimits>), urgency: r.urgency as ClassLimits['urgency'], closingStandard: r.closingStandard, defaultDepartmentId: r.defaultDepartmentId })
    }
    const components = new Map<string, ComponentState>()
    for (const c of await repo.componentStates(p.db)) {
      components.set(c.code, { status: c.status, gridCode: c.gridCode, maintainerDeptId: c.maintainerDeptId, authorityDeptId: c.authorityDeptId, version: c.version, updatedAt: null, updatedBy: null })
    }
    return new BatchHistory(p, calendar, settings, await repo.dispatchRules(p.db), components)
  }

  private settingsOf(kind: string, code: string): Settings {
    return this.settings.get(`${kind}:${code}`) ?? { ...DEFAULT_CLASS_LIMITS, defaultDepartmentId: null }
  }

  /** As `reportCase` (after `prepareReport`): number, register clock, proposed department, first event, audit row. */
  async report(opts: { actor: Actor; caller: AuthUser; input: ReportInput; now: Date }): Promise<CaseFeedback> {
    const { caller, input, now } = opts
    const place = await locatePoint(this.p, input.lng, input.lat)
    if (!place?.grid) throw invalid([{ field: 'lng', reason: 'the point is in no unit grid of this deployment' }], 'The location is outside every unit grid')
    const component = input.componentCode ? this.components.get(input.componentCode) : undefined
    if (input.componentCode && !component) throw invalid([{ field: 'componentCode', reason: 'no such component' }])
    const settings = this.settingsOf(input.classKind, input.minorClass)
    const gridCode = place.grid.code
    const districtCode = gridCode.slice(0, 6)
    const source = input.source
    const state = initialStateFor(source)
    const clocks: CaseClocks = { register: { start: now.toISOString(), limit: settings.register, pauses: [], end: null } }
    const deadline = stageDeadline(this.calendar, clocks, 'register')
    const proposedDepartmentId =
      component?.maintainerDeptId ?? component?.authorityDeptId ?? matchDispatchRule(this.rules, { classKind: input.classKind, minorClass: input.minorClass, gridCode })?.departmentId ?? settings.defaultDepartmentId
    const day = localDateOf(this.calendar, now)
    const key = `${districtCode}|${day}`
    const seq = (this.counters.get(key) ?? 0) + 1
    this.counters.set(key, seq)
    const number = `${day.replaceAll('-', '')}${String(seq).padStart(5, '0')}`
    const id = randomUUID()
    const photos = input.photos ?? []
    const row: Row = {
      id,
      number,
      source,
      classKind: input.classKind,
      majorClass: input.minorClass.slice(0, 2),
      minorClass: input.minorClass,
      componentCode: input.componentCode ?? null,
      description: input.description,
      address: input.address ?? null,
      lng: input.lng,
      lat: input.lat,
      gridCode,
      communityCode: place.community?.code ?? null,
      streetCode: place.street?.code ?? null,
      districtCode,
      state,
      suspendedFrom: null,
      extensionPending: false,
      supervised: false,
      urgency: settings.urgency,
      departmentId: null,
      proposedDepartmentId,
      primaryCaseId: null,
      lastCheckOutcome: null,
      reporterId: caller.id,
      reporterNameEnc: input.reporter?.name ? this.p.pii.encrypt(input.reporter.name) : null,
      reporterPhoneEnc: input.reporter?.phone ? this.p.pii.encrypt(input.reporter.phone) : null,
      reporterPhoneHash: input.reporter?.phone ? this.p.pii.lookupHash(input.reporter.phone) : null,
      anonymous: input.anonymous ?? false,
      confidence: input.confidence ?? null,
      photos,
      stage: 'register',
      clocks,
      timings: {},
      stageDeadline: deadline.deadline,
      stageWarnAt: deadline.warnAt,
      light: 'green',
      version: 1,
      reportedAt: now,
      registeredAt: null,
      dispatchedAt: null,
      handledAt: null,
      closedAt: null,
    }
    this.cases.set(id, row)
    this.order.push(row)
    this.events.push({ caseId: id, at: now, actorId: caller.id, actorName: caller.username, action: 'report', fromState: null, toState: state, comment: null, input: { source, confidence: input.confidence ?? null }, photos })
    const [a] = auditRows(opts.actor, [{ action: 'case.report', entityType: 'case', entityId: id, after: { number, state, gridCode, minorClass: input.minorClass, source } }], now)
    this.audit.push(a!)
    return feedback(row)
  }

  /** As `actOnCase`: the transition table, the stage clocks, the component status, the case event(s) and the audit row. */
  act(opts: { actor: Actor; caller: AuthUser; caseId: string; action: CaseAction; input: ActInput; now: Date }): CaseFeedback {
    const { caller, action, input, now } = opts
    const calendar = this.calendar
    const row = this.cases.get(opts.caseId)
    if (!row) throw new Error(`demo: no case ${opts.caseId}`)
    if (row.version !== input.version) throw new DomainError('VERSION_CONFLICT', `The case is at version ${row.version}; reload and try again`)
    const running = stageDeadline(calendar, row.clocks, row.stage)
    const decision = nextState({
      state: row.state,
      action,
      roles: actingRoles(caller, row),
      input: { ...input, departmentCode: input.departmentId ?? null } as never,
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
    if (!decision.ok) throw refusalError(decision)
    let primary: Row | undefined
    if (action === 'merge') {
      primary = this.cases.get(input.primaryCaseId!)
      if (!primary) throw invalid([{ field: 'primaryCaseId', reason: 'no such case' }])
      if (!isOpen(primary.state)) throw invalid([{ field: 'primaryCaseId', reason: 'the primary case is not open' }])
      if (primary.minorClass !== row.minorClass) throw invalid([{ field: 'primaryCaseId', reason: 'the primary case has another class' }])
    }
    const settings = this.settingsOf(row.classKind, row.minorClass)
    const patch: Partial<Row> = transitionPatch({ row, action, decision, input: input as never, limits: settings, calendar, now, ...(primary ? { primaryCaseId: primary.id } : {}) })
    // as setComponentStatus: a component fault filed marks it damaged, closed intact again
    if (row.componentCode && (action === 'register' || action === 'close')) this.setComponentStatus(opts.actor, row.componentCode, action === 'register' ? 'damaged' : 'intact', `case ${row.number} ${action}`, now)
    const toState = (patch.state ?? row.state) as CaseState
    this.events.push({
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
    })
    if (primary) {
      this.events.push({ caseId: primary.id, at: now, actorId: caller.id, actorName: caller.username, action: 'mergedInto', fromState: primary.state, toState: primary.state, comment: `merged ${row.number}`, input: { mergedCaseId: row.id }, photos: [] })
    }
    const departmentId = patch.departmentId !== undefined ? patch.departmentId : row.departmentId
    const [a] = auditRows(
      opts.actor,
      [{ action: `case.${action}`, entityType: 'case', entityId: row.id, before: { state: row.state, version: row.version }, after: { state: toState, version: row.version + 1, departmentId } }],
      now,
    )
    this.audit.push(a!)
    Object.assign(row, patch)
    row.version += 1
    return feedback(row)
  }

  private setComponentStatus(actor: Actor, code: string, status: string, reason: string, at: Date) {
    const c = this.components.get(code)
    if (!c) throw new Error(`demo: no component ${code}`)
    if (c.status === status) return
    const before = c.status
    c.status = status
    c.version += 1
    c.updatedAt = at
    c.updatedBy = actor.userId
    this.componentChanges.push({ componentCode: code, at, actorId: actor.userId, actorName: actor.name, source: 'case', importId: null, action: 'update', changes: { status: [before, status] } })
    const [a] = auditRows(actor, [{ action: 'component.status', entityType: 'component', entityId: code, before: { status: before }, after: { status, reason } }], at)
    this.audit.push(a!)
  }

  /** As `scanCaseTimers(now)`: yellow at 80 % of the stage limit, red at the deadline, one notice per case, stage run and deadline. */
  scan(now: Date): { warned: number; overdue: number } {
    let warned = 0
    let overdue = 0
    for (const c of this.order) {
      if (!isOpen(c.state)) continue
      const dueWarn = c.light === 'green' && c.stageWarnAt !== null && c.stageWarnAt <= now
      const dueRed = c.light !== 'red' && c.stageDeadline !== null && c.stageDeadline <= now
      if (!dueWarn && !dueRed) continue
      const to = c.stageDeadline && c.stageDeadline <= now ? 'red' : 'yellow'
      const kind = to === 'red' ? 'overdue' : 'warning'
      c.light = to
      const key = `${c.id}|${kind}|${c.stage ?? ''}|${c.stageDeadline!.getTime()}`
      if (this.noticeKeys.has(key)) continue
      this.noticeKeys.add(key)
      this.notifications.push({ caseId: c.id, kind, stage: c.stage ?? '', deadline: c.stageDeadline!, departmentId: c.departmentId, gridCode: c.gridCode, createdAt: now })
      if (to === 'red') overdue++
      else warned++
    }
    return { warned, overdue }
  }

  /** Write everything in one transaction. */
  async write(): Promise<{ cases: number; events: number; audit: number; notifications: number }> {
    const changed = [...this.components].filter(([, c]) => c.updatedAt !== null).map(([code, c]) => ({ code, status: c.status, version: c.version, updatedAt: c.updatedAt!, updatedBy: c.updatedBy }))
    const counters = [...this.counters].map(([key, last]) => {
      const [districtCode, day] = key.split('|') as [string, string]
      return { districtCode, day, last }
    })
    await this.p.db.transaction().execute(async (tx) => {
      await repo.insertCases(tx, this.order)
      await repo.insertCaseEvents(tx, this.events)
      await repo.insertNotifications(tx, this.notifications)
      await repo.updateComponents(tx, changed, this.componentChanges)
      await repo.insertAudit(tx, this.audit)
      await repo.setCaseNumberCounters(tx, counters)
    })
    return { cases: this.order.length, events: this.events.length, audit: this.audit.length, notifications: this.notifications.length }
  }
}

function feedback(row: Row): CaseFeedback {
  const timings = row.timings as Partial<Record<CaseStage, StageTiming>>
  return {
    id: row.id,
    number: row.number,
    version: row.version,
    state: row.state,
    stageDeadline: row.stageDeadline ? row.stageDeadline.toISOString() : null,
    extensionPending: row.extensionPending,
    departmentId: row.departmentId,
    proposedDepartmentId: row.proposedDepartmentId,
    timings: CASE_STAGES.flatMap((s) => timings[s] ?? []),
    gridCode: row.gridCode,
    lng: row.lng,
    lat: row.lat,
    minorClass: row.minorClass,
    componentCode: row.componentCode,
  }
}

/** As the cases service: handlers act on their department's cases, other roles inside their regions. */
function actingRoles(user: AuthUser, row: Pick<Row, 'gridCode' | 'departmentId'>): Role[] {
  const residentOnly = user.roles.length === 1 && user.roles[0] === 'resident'
  const inRegion = isAdmin(user) || (!residentOnly && canSee({ ...user, departmentId: null }, { regionCode: row.gridCode, departmentId: row.departmentId }))
  return user.roles.filter((r) => (r === 'departmentHandler' ? row.departmentId !== null && row.departmentId === user.departmentId : r !== 'resident' && inRegion))
}


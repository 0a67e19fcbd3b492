/**
 * The case history as people would make it (pure): when reports come in (source × weekday ×
 * hour), what they are about, and — step by step — who does what next and when: the centre
 * (registering, dispatching, 24 h), supervisors (verifying and checking on patrol, 08:00–18:00),
 * departments (in working time, taking a share of their limit — or more, for the ~5 % overdue),
 * with returns, reworks, extensions, suspensions, rejections, duplicates merged, and some cases
 * left open in every stage at the end. The driver (history.ts) executes the steps through the
 * case services and feeds each resulting case view back in.
 */
import { addWorkingTime, isWorkingDay, localDateOf, workingMinutesBetween, type CaseAction, type CaseState, type Limit, type WorkCalendar } from '../cases/index.js'
import { CLASSES, COMMON_LIMITS, type DemoClass, type Source } from './catalog.js'
import type { Random } from './random.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

// ---------------------------------------------------------------------------------------------
// Local time

const formats = new Map<string, Intl.DateTimeFormat>()
const offsets = new Map<string, number>()

/** Offset (ms) of a zone at an instant: local wall clock minus UTC (zones change offsets on whole quarter hours, so it is kept per quarter hour). */
export function zoneOffsetMs(timeZone: string, at: Date): number {
  const quarter = Math.floor(at.getTime() / 900_000)
  const key = `${timeZone}|${quarter}`
  const known = offsets.get(key)
  if (known !== undefined) return known
  let f = formats.get(timeZone)
  if (!f) formats.set(timeZone, (f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })))
  const t = new Date(quarter * 900_000)
  const parts = f.formatToParts(t)
  const n = (type: string) => Number(parts.find((x) => x.type === type)!.value)
  const offset = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - t.getTime()
  if (offsets.size > 100_000) offsets.clear()
  offsets.set(key, offset)
  return offset
}

/** The instant of a local date (YYYY-MM-DD) and minute of the day in the zone. */
export function localInstant(timeZone: string, date: string, minuteOfDay: number): Date {
  const wall = Date.parse(`${date}T00:00:00Z`) + minuteOfDay * MINUTE
  // the offset at the wall time read as UTC is right except across a DST jump (none in China)
  return new Date(wall - zoneOffsetMs(timeZone, new Date(wall)))
}

/** Local minute of the day (0–1439) of an instant. */
export function localMinute(timeZone: string, at: Date): number {
  const wall = at.getTime() + zoneOffsetMs(timeZone, at)
  return Math.floor((wall % 86_400_000) / MINUTE)
}

const nextDate = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
const weekdayOf = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay() // 0 = Sunday

// ---------------------------------------------------------------------------------------------
// Intake

/** Reports per hour of the day (relative), by source. */
const HOURLY: Record<Source, readonly number[]> = {
  supervisor: [0, 0, 0, 0, 0, 0, 0, 1, 4, 8, 9, 7, 3, 2, 6, 8, 7, 4, 1, 0, 0, 0, 0, 0],
  public: [1, 0, 0, 0, 0, 0, 1, 3, 5, 5, 4, 4, 5, 4, 4, 4, 4, 5, 6, 7, 7, 5, 3, 2],
  hotline: [1, 1, 0, 0, 0, 0, 1, 2, 5, 7, 7, 6, 4, 5, 6, 6, 5, 4, 5, 5, 4, 3, 2, 1],
  device: [1, 1, 1, 1, 1, 1, 2, 4, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5, 4, 3, 2],
  superior: [0, 0, 0, 0, 0, 0, 0, 0, 2, 4, 4, 2, 0, 0, 3, 4, 3, 1, 0, 0, 0, 0, 0, 0],
}
/** Share of a working day's reports by source, and how a rest day or a holiday changes it. */
const SOURCES: readonly { source: Source; share: number; rest: number; holiday: number }[] = [
  { source: 'supervisor', share: 0.6, rest: 0.45, holiday: 0.3 },
  { source: 'public', share: 0.1, rest: 1.25, holiday: 1.3 },
  { source: 'hotline', share: 0.17, rest: 0.8, holiday: 0.7 },
  { source: 'device', share: 0.09, rest: 1, holiday: 1 },
  { source: 'superior', share: 0.04, rest: 0, holiday: 0 },
]

/** How a case's life goes (drawn at intake). */
export interface Fate {
  /** Operator sends a public/hotline/device report to the grid supervisor to verify first. */
  verify: boolean
  /** …who does not find it: the shift leader rejects it. */
  notFound: boolean
  /** Rejected at registration (outside the remit, not enough information, a repeat). */
  reject: boolean
  /** A second report of an open problem: merged into it by the operator. */
  duplicate: boolean
  /** First dispatched to a wrong department, which returns it. */
  returned: boolean
  /** The department asks for more time (approved unless `extensionDenied`). */
  extension: boolean
  extensionDenied: boolean
  /** 挂账: suspended as a long-term problem; `resume` — taken up again some days later. */
  suspend: boolean
  resume: boolean
  /** Annulled by the shift leader after registration. */
  void: boolean
  /** The check fails once: 返工. */
  rework: boolean
  /** Handling finishes after its deadline. */
  overdue: boolean
  /** A leader puts it under supervision (督办) when it turns red. */
  supervise: boolean
  /** Where the case stops (someone has not got to it yet): open in that state at the end. */
  stopAt: CaseState | null
}

export interface Intake {
  at: Date
  source: Source
  cls: DemoClass
  fate: Fate
}

const initialState = (source: Source): CaseState => (source === 'supervisor' || source === 'superior' ? 'pendingRegister' : 'reported')

/** The states a case with this fate passes through (for choosing where a recent case stops). */
export function statesOf(source: Source, fate: Fate): CaseState[] {
  const s: CaseState[] = [initialState(source)]
  if (s[0] === 'reported' && fate.verify) s.push('verifying', 'pendingRegister')
  if (fate.reject || fate.notFound || fate.duplicate) return s
  s.push('registered')
  if (fate.returned) s.push('dispatched', 'returned')
  s.push('dispatched', 'handling')
  if (fate.suspend) s.push('suspended')
  if (fate.void) return s
  s.push('handled', 'checking', 'checked')
  return [...new Set(s)]
}

const STOP_STATES: readonly CaseState[] = ['reported', 'verifying', 'pendingRegister', 'registered', 'returned', 'dispatched', 'handling', 'handled', 'checking', 'checked']

function drawFate(rnd: Random, source: Source): Fate {
  const fromPublic = source === 'public' || source === 'hotline' || source === 'device'
  const duplicate = (source === 'public' || source === 'hotline') && rnd.chance(0.05)
  const verify = fromPublic && !duplicate && rnd.chance(source === 'hotline' ? 0.4 : source === 'public' ? 0.6 : 0.5)
  const notFound = verify && rnd.chance(0.1)
  const reject = !duplicate && !notFound && rnd.chance(fromPublic ? 0.06 : 0.02)
  const suspend = rnd.chance(0.02)
  const extension = !suspend && rnd.chance(0.05)
  return {
    verify,
    notFound,
    reject,
    duplicate,
    returned: rnd.chance(0.05),
    extension,
    extensionDenied: extension && rnd.chance(0.25),
    suspend,
    resume: suspend && rnd.chance(0.5),
    void: !suspend && rnd.chance(0.005),
    rework: rnd.chance(0.07),
    overdue: !extension && !suspend && rnd.chance(0.05),
    supervise: rnd.chance(0.4),
    stopAt: null,
  }
}

/**
 * Every report of the history, in time order: per local day, each source's expected count
 * (its share × the day type) spread over its hourly profile; classes by per-source weight.
 * Then, going back from the end, the latest reports that can reach an open state get it as
 * their stop state until each open state has one (someone has not got to them yet).
 */
export function planIntakes(rnd: Random, opts: { from: Date; to: Date; calendar: WorkCalendar; casesPerDay: number; recentHours?: number }): Intake[] {
  const { calendar, from, to } = opts
  const tz = calendar.timeZone
  const out: Intake[] = []
  const holidays = new Set(calendar.holidays)
  for (let date = localDateOf(calendar, from); Date.parse(`${date}T00:00:00Z`) <= to.getTime() + 86_400_000; date = nextDate(date)) {
    const working = isWorkingDay(calendar, date)
    const dayKind = working ? 'working' : holidays.has(date) ? 'holiday' : 'rest'
    for (const s of SOURCES) {
      const factor = dayKind === 'working' ? 1 : dayKind === 'holiday' ? s.holiday : s.rest
      const mean = opts.casesPerDay * s.share * factor * (weekdayOf(date) === 1 && working ? 1.15 : 1)
      const n = Math.max(0, Math.round(mean * rnd.between(0.8, 1.2)))
      const hours = HOURLY[s.source].map((w, h) => [h, w] as const)
      for (let i = 0; i < n; i++) {
        const minute = rnd.weighted(hours) * 60 + rnd.int(0, 59)
        const at = localInstant(tz, date, minute)
        const classes = CLASSES.filter((c) => (c.weight[s.source] ?? 0) > 0).map((c) => [c, c.weight[s.source]!] as const)
        const cls = rnd.weighted(classes)
        const fate = drawFate(rnd, s.source)
        if (at >= from && at < to) out.push({ at: new Date(Math.floor(at.getTime() / 1000) * 1000 + rnd.int(0, 59) * 1000), source: s.source, cls, fate })
      }
    }
  }
  out.sort((a, b) => a.at.getTime() - b.at.getTime())
  // open in every state at the end: the latest reports stop in the states still missing
  const recentFrom = to.getTime() - (opts.recentHours ?? 120) * HOUR
  const missing = new Set<CaseState>(STOP_STATES)
  for (let i = out.length - 1; i >= 0 && missing.size > 0; i--) {
    const intake = out[i]!
    if (intake.at.getTime() < recentFrom) break
    // after handling only if handling is short and there was a day for it
    const quick = intake.cls.handle.unit === 'naturalHours' || (intake.cls.handle.unit === 'workingHours' && intake.cls.handle.amount <= 4)
    const late = (s: CaseState) => s === 'handled' || s === 'checking' || s === 'checked'
    const reachable = statesOf(intake.source, intake.fate).filter((s) => missing.has(s) && (!late(s) || (quick && intake.at.getTime() <= to.getTime() - 30 * HOUR)))
    if (reachable.length === 0) continue
    // the earliest missing state on its way: the latest reports have had the least time
    const state = reachable[0]!
    missing.delete(state)
    intake.fate.stopAt = state
    if (late(state)) Object.assign(intake.fate, { overdue: false, extension: false, extensionDenied: false, suspend: false, resume: false })
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Steps

export type Actor = 'operator' | 'shift' | 'dispatcher' | 'handler' | 'wrongHandler' | 'supervisor' | 'leader'

/** What the driver knows about a case after its last action (from the case view). */
export interface CaseSnapshot {
  state: CaseState
  stageDeadline: Date | null
  extensionPending: boolean
  lastCheckOutcome: 'passed' | 'failed' | null
}

/** What has happened to a case so far (kept by the driver, changed by `nextStep`). */
export interface CaseMemo {
  returned: boolean
  extended: boolean
  suspended: boolean
  reworked: boolean
  supervised: boolean
}

export const newMemo = (): CaseMemo => ({ returned: false, extended: false, suspended: false, reworked: false, supervised: false })

export interface Step {
  at: Date
  action: CaseAction
  actor: Actor
  input: {
    reason?: string
    comment?: string
    verifyOutcome?: 'confirmed' | 'notFound'
    checkOutcome?: 'passed' | 'failed'
    /** `dispatch`: 'proposed' or 'wrong'. */
    department?: 'proposed' | 'wrong'
    reviewDate?: string
    extension?: Limit
    photos?: 'after' | 'check'
  }
}

export interface StepContext {
  calendar: WorkCalendar
  rnd: Random
}

const limitOf = (cls: DemoClass, stage: 'register' | 'dispatch' | 'handle' | 'check' | 'close'): Limit => (stage === 'handle' ? cls.handle : COMMON_LIMITS[stage])

/** The command centre answers in minutes, day and night (a little slower at night). */
function centre(ctx: StepContext, now: Date, min: number, max: number): Date {
  const night = localMinute(ctx.calendar.timeZone, now) < 7 * 60
  return new Date(now.getTime() + Math.round(ctx.rnd.between(min, night ? max * 2 : max) * MINUTE))
}

/** Supervisors work on patrol, 08:00–18:00 every day: a task is done `min`–`max` minutes later, in patrol time. */
function patrol(ctx: StepContext, now: Date, min: number, max: number): Date {
  const tz = ctx.calendar.timeZone
  let t = new Date(now.getTime() + Math.round(ctx.rnd.between(min, max) * MINUTE))
  const m = localMinute(tz, t)
  if (m < 8 * 60 || m >= 18 * 60) {
    const date = localDateOf(ctx.calendar, t)
    const day = m < 8 * 60 ? date : nextDate(date)
    t = localInstant(tz, day, 8 * 60 + ctx.rnd.int(5, 90))
  }
  return t
}

/** A point `fraction` of the way from `now` to `deadline`, in the limit's own kind of time. */
function towards(ctx: StepContext, limit: Limit, now: Date, deadline: Date, fraction: number): Date {
  if (limit.unit === 'naturalHours') return new Date(now.getTime() + Math.max(0, deadline.getTime() - now.getTime()) * fraction)
  return addWorkingTime(ctx.calendar, now, workingMinutesBetween(ctx.calendar, now, deadline) * fraction)
}

/** `fraction` of a limit past `deadline` (overdue handling), in the limit's kind of time. */
function past(ctx: StepContext, limit: Limit, deadline: Date, fraction: number): Date {
  const minutes = (limit.unit === 'workingDays' ? limit.amount * ctx.calendar.minutesPerWorkingDay : limit.amount * 60) * fraction
  if (limit.unit === 'naturalHours') return new Date(deadline.getTime() + minutes * MINUTE)
  return addWorkingTime(ctx.calendar, deadline, Math.max(5, minutes))
}

/** A department acts in working time (or, for natural-hour limits, right away). */
function department(ctx: StepContext, limit: Limit, now: Date, min: number, max: number): Date {
  const minutes = ctx.rnd.between(min, max)
  if (limit.unit === 'naturalHours') return new Date(now.getTime() + minutes * MINUTE)
  return addWorkingTime(ctx.calendar, now, minutes)
}

const later = (a: Date, b: Date) => (a > b ? a : b)
const plus = (d: Date, minutes: number) => new Date(d.getTime() + minutes * MINUTE)

/**
 * The next step of a case's main line, or null when its life (in the history) is over. Side
 * steps (督办) come from `sideStep`.
 */
export function nextStep(ctx: StepContext, intake: Intake, memo: CaseMemo, c: CaseSnapshot, now: Date): Step | null {
  const { fate, cls } = intake
  const rnd = ctx.rnd
  if (fate.stopAt === c.state) return null
  switch (c.state) {
    case 'reported':
      if (fate.duplicate) return { at: centre(ctx, now, 3, 20), action: 'merge', actor: 'operator', input: {} }
      if (fate.verify) return { at: centre(ctx, now, 3, 20), action: 'requestVerify', actor: 'operator', input: {} }
      if (fate.reject) return { at: centre(ctx, now, 5, 25), action: 'reject', actor: 'shift', input: { reason: rnd.pick(['不属于城市管理受理范围', '信息不全，无法定位', '重复反映，已在处理中']) } }
      return { at: centre(ctx, now, 5, 25), action: 'register', actor: 'shift', input: {} }
    case 'verifying':
      return { at: patrol(ctx, now, 10, 60), action: 'verify', actor: 'supervisor', input: { verifyOutcome: fate.notFound ? 'notFound' : 'confirmed', comment: fate.notFound ? '现场未发现该问题' : '现场核实属实' } }
    case 'pendingRegister':
      if (fate.notFound) return { at: centre(ctx, now, 3, 15), action: 'reject', actor: 'shift', input: { reason: '现场核实未发现该问题' } }
      if (fate.reject) return { at: centre(ctx, now, 3, 15), action: 'reject', actor: 'shift', input: { reason: rnd.pick(['重复上报', '不属于城市管理受理范围']) } }
      return { at: centre(ctx, now, 3, 20), action: 'register', actor: 'shift', input: {} }
    case 'registered':
      if (fate.returned && !memo.returned) return { at: centre(ctx, now, 3, 20), action: 'dispatch', actor: 'dispatcher', input: { department: 'wrong', reason: '按属地及行业管理调整派遣' } }
      return { at: centre(ctx, now, 3, 20), action: 'dispatch', actor: 'dispatcher', input: { department: 'proposed' } }
    case 'returned':
      return { at: centre(ctx, now, 5, 30), action: 'dispatch', actor: 'dispatcher', input: { department: 'proposed' } }
    case 'dispatched': {
      const limit = limitOf(cls, 'handle')
      if (fate.returned && !memo.returned) return { at: department(ctx, limit, now, 10, 60), action: 'return', actor: 'wrongHandler', input: { reason: '不属于本单位职责范围，请重新派遣' } }
      return { at: department(ctx, limit, now, 5, 40), action: 'accept', actor: 'handler', input: {} }
    }
    case 'handling': {
      const limit = limitOf(cls, 'handle')
      const deadline = c.stageDeadline!
      if (c.extensionPending) return { at: centre(ctx, now, 20, 90), action: fate.extensionDenied ? 'extendDeny' : 'extendApprove', actor: 'shift', input: fate.extensionDenied ? { reason: '不符合延期条件，请按期处置' } : { extension: limit } }
      if (fate.extension && !memo.extended) {
        const at = towards(ctx, limit, now, deadline, rnd.between(0.4, 0.7))
        if (at < deadline) return { at, action: 'extendRequest', actor: 'handler', input: { reason: '需协调相关单位，申请延期', extension: limit } }
      }
      if (fate.suspend && !memo.suspended) {
        return { at: later(plus(now, 30), towards(ctx, limit, now, deadline, rnd.between(0.2, 0.5))), action: 'suspend', actor: 'shift', input: { reason: '涉及产权单位协调，列入挂账', reviewDate: localDateOf(ctx.calendar, plus(now, rnd.int(14, 30) * 1440)) } }
      }
      if (fate.void) return { at: later(plus(now, 30), towards(ctx, limit, now, deadline, 0.3)), action: 'void', actor: 'shift', input: { reason: '经核查为误报，予以作废' } }
      const overdue = fate.overdue && !memo.reworked
      const at = overdue ? past(ctx, limit, deadline, rnd.between(0.1, 1.2)) : later(plus(now, 10), towards(ctx, limit, now, deadline, memo.reworked ? rnd.between(0.1, 0.4) : rnd.between(0.2, 0.9)))
      return { at, action: 'handled', actor: 'handler', input: { photos: 'after', comment: rnd.pick(['已处置完毕', '已按要求整改', '已清理完毕', '已修复']) } }
    }
    case 'suspended':
      if (!fate.resume) return null
      return { at: plus(now, rnd.int(3, 10) * 1440 + rnd.int(0, 600)), action: 'resume', actor: 'shift', input: {} }
    case 'handled':
      return { at: centre(ctx, now, 3, 20), action: 'requestCheck', actor: 'operator', input: {} }
    case 'checking': {
      const fail = fate.rework && !memo.reworked
      return { at: patrol(ctx, now, 15, 90), action: 'check', actor: 'supervisor', input: { checkOutcome: fail ? 'failed' : 'passed', photos: 'check', comment: fail ? '现场仍未整改到位' : '现场核查已处置' } }
    }
    case 'checked':
      if (c.lastCheckOutcome === 'failed') return { at: centre(ctx, now, 5, 30), action: 'rework', actor: 'shift', input: { reason: '核查未通过，返工' } }
      return { at: centre(ctx, now, 3, 20), action: 'close', actor: 'shift', input: {} }
    default:
      return null
  }
}

/** 督办: a leader (or the shift leader) follows up a case that is red, once. */
export function superviseStep(ctx: StepContext, intake: Intake, memo: CaseMemo, c: CaseSnapshot): Step | null {
  if (!intake.fate.supervise || memo.supervised || !c.stageDeadline) return null
  if (!['dispatched', 'handling', 'registered', 'returned', 'pendingRegister', 'reported'].includes(c.state)) return null
  return { at: plus(c.stageDeadline, ctx.rnd.int(10, 120)), action: 'supervise', actor: 'leader', input: { comment: '已超时，请加快处置并反馈' } }
}

/** Apply what a step did to the memo (after it was taken). */
export function remember(memo: CaseMemo, step: Step): void {
  switch (step.action) {
    case 'return':
      memo.returned = true
      break
    case 'extendRequest':
      memo.extended = true
      break
    case 'suspend':
      memo.suspended = true
      break
    case 'rework':
      memo.reworked = true
      break
    case 'supervise':
      memo.supervised = true
      break
  }
}

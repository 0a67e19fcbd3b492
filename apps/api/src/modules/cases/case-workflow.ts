/**
 * The case workflow (案卷流程, grid-standards §4) as one transition table and a pure `nextState()`.
 * The service around it checks scope (region/department), persists with
 * `UPDATE … WHERE id = $1 AND version = $2` and writes the case event and audit rows; this file
 * only decides whether an action is allowed and what it does to the state, the flags and the
 * stage clocks.
 *
 * Main path: reported → verifying → pendingRegister → registered → dispatched → handling →
 * handled → checking → checked → closed. Side flows: reject, return, extend, suspend/resume,
 * rework, void, supervise/urge, merge, reopen.
 */
import type { Role } from '../../platform/access.js'
import { DomainError, invalid, type FieldError } from '../../platform/errors.js'
import { validateLimit, type CaseStage } from './case-limits.js'
import type { Limit } from './work-calendar.js'

export const CASE_STATES = [
  'reported', // 上报 from the public, the hotline or a device: awaiting triage by an operator
  'verifying', // 核实 task with the grid's supervisor
  'pendingRegister', // awaiting 立案 by the shift leader (supervisor and superior reports start here)
  'rejected', // 不予立案 / 注销
  'registered', // 立案: awaiting 派遣
  'returned', // 回退 by a department: awaiting re-dispatch
  'dispatched', // 派遣 to a department: the handling clock runs
  'handling', // accepted by the department (also after 返工)
  'handled', // 处置反馈 received: awaiting a check task
  'checking', // 核查 task with the grid's supervisor
  'checked', // check reported: awaiting 结案 or 返工 by the shift leader
  'suspended', // 挂账: long-term problem, clock stopped, out of timeliness scoring
  'closed', // 结案
  'voided', // 作废: a registered case annulled
  'merged', // a duplicate, merged into its primary case
] as const
export type CaseState = (typeof CASE_STATES)[number]

/** Finished states. Everything else is open. */
export const CLOSED_STATES: readonly CaseState[] = ['rejected', 'closed', 'voided', 'merged']
export const OPEN_STATES: readonly CaseState[] = CASE_STATES.filter((s) => !CLOSED_STATES.includes(s))
/** Open states whose stage clock runs (a pending extension pauses it too: see `isClockRunning`). */
export const TIMED_STATES: readonly CaseState[] = OPEN_STATES.filter((s) => s !== 'suspended')

export const isOpen = (state: CaseState) => !CLOSED_STATES.includes(state)
export const isClockRunning = (state: CaseState, flags: { extensionPending?: boolean } = {}) =>
  TIMED_STATES.includes(state) && !flags.extensionPending

/** The stage whose limit applies in each state (`suspended`: the paused handling stage). */
export const STAGE_OF: Readonly<Record<CaseState, CaseStage | null>> = {
  reported: 'register',
  verifying: 'register',
  pendingRegister: 'register',
  registered: 'dispatch',
  returned: 'dispatch',
  dispatched: 'handle',
  handling: 'handle',
  suspended: 'handle',
  handled: 'check',
  checking: 'check',
  checked: 'close',
  rejected: null,
  closed: null,
  voided: null,
  merged: null,
}

/**
 * What a resident or an Open311 client is told. Plain open/closed is not enough (FixMyStreet
 * #285: "closed" must not read as "fixed"), so a closed case says why it is closed.
 */
export type PublicStatus = 'received' | 'inProgress' | 'longTerm' | 'fixed' | 'notAccepted' | 'cancelled' | 'duplicate'
export const PUBLIC_STATUS: Readonly<Record<CaseState, PublicStatus>> = {
  reported: 'received',
  verifying: 'received',
  pendingRegister: 'received',
  registered: 'inProgress',
  returned: 'inProgress',
  dispatched: 'inProgress',
  handling: 'inProgress',
  handled: 'inProgress',
  checking: 'inProgress',
  checked: 'inProgress',
  suspended: 'longTerm',
  closed: 'fixed',
  rejected: 'notAccepted',
  voided: 'cancelled',
  merged: 'duplicate',
}

/** 监督员上报, 公众举报, 12345 热线, 视频/物联网, 上级交办. */
export type CaseSource = 'supervisor' | 'public' | 'hotline' | 'device' | 'superior'

/**
 * Where intake puts a new case. A supervisor saw the problem on site and a superior assignment is
 * authoritative, so both go straight to the shift leader; the others wait for an operator, who
 * may send a verify task (the shift leader may also register or reject them directly).
 */
export function initialStateFor(source: CaseSource): CaseState {
  return source === 'supervisor' || source === 'superior' ? 'pendingRegister' : 'reported'
}

/** How long after 结案 the centre may reopen a case, in natural days (FixMyStreet asks after 4 weeks). */
export const DEFAULT_REOPEN_WINDOW_DAYS = 30

/**
 * What an action does to the stage clock:
 * - `start`: a new clock starts now for the stage of the new state (deadline = now + its limit);
 * - `keep`: the running clock of the same stage goes on;
 * - `pause`: the running clock stops counting (挂账, 延期 pending) until a `resume`;
 * - `resume`: the stage's earlier clock goes on from its original start; the time since it
 *   stopped is a pause (for `rework`: the time from 处置反馈 to 返工 — the department gets no
 *   new limit but is not charged for the check);
 * - `stop`: no clock afterwards; `none`: nothing changes (督办/催办 are recorded only).
 */
export type ClockEffect = 'start' | 'keep' | 'pause' | 'resume' | 'stop' | 'none'

export type VerifyOutcome = 'confirmed' | 'notFound'
export type CheckOutcome = 'passed' | 'failed'

/** What the actor submits with an action. Which fields are required depends on the action. */
export interface CaseActionInput {
  reason?: string | null
  comment?: string | null
  /** File ids of photos (处置后 for `handled`, on-site for `check`). */
  photos?: readonly string[] | null
  departmentCode?: string | null
  verifyOutcome?: VerifyOutcome | null
  checkOutcome?: CheckOutcome | null
  primaryCaseId?: string | null
  /** 挂账 review date, local `YYYY-MM-DD`. */
  reviewDate?: string | null
  /** `extendRequest`: the extra time asked for; `extendApprove`: the extra time granted. */
  extension?: Limit | null
}
export type CaseInputField = keyof CaseActionInput

/** What the case already knows (from its row), needed by some rules. */
export interface CaseContext {
  now: Date
  caseId?: string
  extensionPending?: boolean
  /** The state a suspended case was in (where `resume` goes back to). */
  suspendedFrom?: CaseState | null
  /** The department auto-dispatch proposed; dispatching elsewhere needs a reason. */
  proposedDepartmentCode?: string | null
  lastCheckOutcome?: CheckOutcome | null
  /** Deadline of the running stage: an extension must be asked for before it. */
  stageDeadline?: Date | null
  closedAt?: Date | null
  reopenWindowDays?: number
}

export interface CaseFlags {
  /** A 延期 request awaits the shift leader: the handling clock is paused. */
  extensionPending: boolean
  /** Under 督办 by the centre or a leader; kept after closing, for the record. */
  supervised: boolean
}

interface TransitionRule {
  readonly from: readonly CaseState[]
  /** `same`: no state change; `beforeSuspension`: `context.suspendedFrom`. */
  readonly to: CaseState | 'same' | 'beforeSuspension'
  readonly roles: readonly Role[]
  readonly requires: readonly CaseInputField[]
  readonly clock: ClockEffect
  readonly flags?: Partial<CaseFlags>
}

const AT_DEPARTMENT = ['dispatched', 'handling'] as const satisfies readonly CaseState[]

/** The whole workflow. Conditional rules beyond this table are in `conditionErrors()`. */
export const CASE_TRANSITIONS = {
  requestVerify: { from: ['reported'], to: 'verifying', roles: ['operator'], requires: [], clock: 'keep' },
  // Both outcomes go to the shift leader: 注销 of a report not found on site is their decision.
  verify: { from: ['verifying'], to: 'pendingRegister', roles: ['supervisor'], requires: ['verifyOutcome'], clock: 'keep' },
  register: { from: ['reported', 'pendingRegister'], to: 'registered', roles: ['shiftLeader'], requires: [], clock: 'start' },
  reject: { from: ['reported', 'verifying', 'pendingRegister'], to: 'rejected', roles: ['shiftLeader'], requires: ['reason'], clock: 'stop' },
  merge: {
    from: ['reported', 'verifying', 'pendingRegister', 'registered', 'returned'],
    to: 'merged',
    roles: ['operator', 'shiftLeader'],
    requires: ['primaryCaseId'],
    clock: 'stop',
  },
  dispatch: { from: ['registered', 'returned'], to: 'dispatched', roles: ['dispatcher'], requires: ['departmentCode'], clock: 'start' },
  accept: { from: ['dispatched'], to: 'handling', roles: ['departmentHandler'], requires: [], clock: 'keep' },
  return: { from: AT_DEPARTMENT, to: 'returned', roles: ['departmentHandler'], requires: ['reason'], clock: 'start' },
  handled: { from: AT_DEPARTMENT, to: 'handled', roles: ['departmentHandler'], requires: ['photos'], clock: 'start' },
  extendRequest: {
    from: AT_DEPARTMENT,
    to: 'same',
    roles: ['departmentHandler'],
    requires: ['reason', 'extension'],
    clock: 'pause',
    flags: { extensionPending: true },
  },
  extendApprove: {
    from: AT_DEPARTMENT,
    to: 'same',
    roles: ['shiftLeader'],
    requires: ['extension'],
    clock: 'resume',
    flags: { extensionPending: false },
  },
  extendDeny: {
    from: AT_DEPARTMENT,
    to: 'same',
    roles: ['shiftLeader'],
    requires: ['reason'],
    clock: 'resume',
    flags: { extensionPending: false },
  },
  suspend: { from: AT_DEPARTMENT, to: 'suspended', roles: ['shiftLeader'], requires: ['reason', 'reviewDate'], clock: 'pause' },
  resume: { from: ['suspended'], to: 'beforeSuspension', roles: ['shiftLeader'], requires: [], clock: 'resume' },
  requestCheck: { from: ['handled'], to: 'checking', roles: ['operator'], requires: [], clock: 'keep' },
  check: { from: ['checking'], to: 'checked', roles: ['supervisor'], requires: ['checkOutcome', 'photos'], clock: 'start' },
  close: { from: ['checked'], to: 'closed', roles: ['shiftLeader'], requires: [], clock: 'stop' },
  rework: { from: ['checked'], to: 'handling', roles: ['shiftLeader'], requires: ['reason'], clock: 'resume' },
  void: {
    from: ['registered', 'returned', 'dispatched', 'handling', 'handled', 'checking', 'checked', 'suspended'],
    to: 'voided',
    roles: ['shiftLeader'],
    requires: ['reason'],
    clock: 'stop',
  },
  reopen: { from: ['closed'], to: 'registered', roles: ['shiftLeader'], requires: ['reason'], clock: 'start' },
  supervise: { from: OPEN_STATES, to: 'same', roles: ['leader', 'shiftLeader'], requires: ['comment'], clock: 'none', flags: { supervised: true } },
  urge: { from: OPEN_STATES, to: 'same', roles: ['leader', 'shiftLeader', 'dispatcher', 'operator'], requires: [], clock: 'none' },
} as const satisfies Record<string, TransitionRule>

export type CaseAction = keyof typeof CASE_TRANSITIONS
export const CASE_ACTIONS = Object.keys(CASE_TRANSITIONS) as CaseAction[]

const rule = (action: CaseAction): TransitionRule => CASE_TRANSITIONS[action]

export interface CaseTransition {
  ok: true
  action: CaseAction
  from: CaseState
  to: CaseState
  /** The stage whose limit applies after the action (null once finished). */
  stage: CaseStage | null
  /** The stage this action ended, for on-time statistics (e.g. `register` ends `register`). */
  stoppedStage: CaseStage | null
  clock: ClockEffect
  /** Flag changes to persist. */
  flags: Partial<CaseFlags>
}

export type CaseRefusalKind = 'roleNotAllowed' | 'stateNotAllowed' | 'invalidInput' | 'conditionNotMet'

export interface CaseRefusal {
  ok: false
  action: CaseAction
  state: CaseState
  kind: CaseRefusalKind
  message: string
  /** For `invalidInput`: one entry per missing or invalid field. */
  errors: FieldError[]
}

export interface NextStateArgs {
  state: CaseState
  action: CaseAction
  /** All roles of the actor; one allowed role is enough. */
  roles: readonly Role[]
  input?: CaseActionInput
  context: CaseContext
}

/**
 * Decide an action: the transition it makes, or why it is refused. Checked in this order, so the
 * answer maps to one HTTP status: role (403), state (409), input (400), then conditions (409).
 */
export function nextState({ state, action, roles, input = {}, context }: NextStateArgs): CaseTransition | CaseRefusal {
  const r = rule(action)
  const refuse = (kind: CaseRefusalKind, message: string, errors: FieldError[] = []): CaseRefusal => ({
    ok: false,
    action,
    state,
    kind,
    message,
    errors,
  })
  if (!roles.some((role) => r.roles.includes(role))) {
    return refuse('roleNotAllowed', `${action} needs one of the roles ${r.roles.join(', ')}`)
  }
  if (!r.from.includes(state)) return refuse('stateNotAllowed', `${action} is not possible on a ${state} case`)
  const errors = inputErrors(action, r, input, context)
  if (errors.length > 0) return refuse('invalidInput', `${action}: ${errors.map((e) => `${e.field} ${e.reason}`).join('; ')}`, errors)
  const unmet = conditionError(action, input, context)
  if (unmet) return refuse('conditionNotMet', unmet)

  const to = r.to === 'same' ? state : r.to === 'beforeSuspension' ? context.suspendedFrom! : r.to
  const flags: Partial<CaseFlags> = { ...r.flags }
  // Leaving the department's hands ends a pending extension request (it is moot).
  if (context.extensionPending && to !== state) flags.extensionPending = false
  const stage = STAGE_OF[to]
  return { ok: true, action, from: state, to, stage, stoppedStage: STAGE_OF[state] !== stage ? STAGE_OF[state] : null, clock: r.clock, flags }
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '')

function inputErrors(action: CaseAction, r: TransitionRule, input: CaseActionInput, context: CaseContext): FieldError[] {
  const errors: FieldError[] = []
  for (const field of r.requires) {
    const value = input[field]
    if (blank(value) || (Array.isArray(value) && value.length === 0)) errors.push({ field, reason: 'required' })
  }
  const { photos, verifyOutcome, checkOutcome, reviewDate, extension } = input
  if (photos && photos.some((p) => blank(p))) errors.push({ field: 'photos', reason: 'must be file ids' })
  if (!blank(verifyOutcome) && verifyOutcome !== 'confirmed' && verifyOutcome !== 'notFound') {
    errors.push({ field: 'verifyOutcome', reason: 'must be confirmed or notFound' })
  }
  if (!blank(checkOutcome) && checkOutcome !== 'passed' && checkOutcome !== 'failed') {
    errors.push({ field: 'checkOutcome', reason: 'must be passed or failed' })
  }
  if (!blank(reviewDate) && !isDate(reviewDate!)) errors.push({ field: 'reviewDate', reason: 'must be a YYYY-MM-DD date' })
  if (extension) errors.push(...validateLimit(extension, 'extension'))
  // Auto-dispatch proposes a department; the dispatcher may override it, with a reason.
  if (
    action === 'dispatch' &&
    !blank(input.departmentCode) &&
    !blank(context.proposedDepartmentCode) &&
    input.departmentCode !== context.proposedDepartmentCode &&
    blank(input.reason)
  ) {
    errors.push({ field: 'reason', reason: 'required when not dispatching to the proposed department' })
  }
  return errors
}

function isDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  return !!m && new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)).toISOString().slice(0, 10) === text
}

/** Rules that depend on the case, not on the table. Returns the reason for refusing, if any. */
function conditionError(action: CaseAction, input: CaseActionInput, context: CaseContext): string | null {
  const now = context.now.getTime()
  switch (action) {
    case 'extendRequest':
      if (context.extensionPending) return 'an extension request is already pending'
      if (!context.stageDeadline) return 'the stage deadline is unknown'
      if (now >= context.stageDeadline.getTime()) return 'an extension must be requested before the deadline'
      return null
    case 'extendApprove':
    case 'extendDeny':
      return context.extensionPending ? null : 'no extension request is pending'
    case 'resume':
      return context.suspendedFrom && (AT_DEPARTMENT as readonly CaseState[]).includes(context.suspendedFrom)
        ? null
        : 'the state before suspension is unknown'
    case 'close':
      return context.lastCheckOutcome === 'passed' ? null : 'only a case whose check passed can be closed; rework it instead'
    case 'merge':
      return context.caseId !== undefined && input.primaryCaseId === context.caseId ? 'a case cannot be merged into itself' : null
    case 'reopen': {
      if (!context.closedAt) return 'the closing time is unknown'
      const days = context.reopenWindowDays ?? DEFAULT_REOPEN_WINDOW_DAYS
      return now - context.closedAt.getTime() <= days * 86_400_000 ? null : `a case can be reopened only within ${days} days of closing`
    }
    default:
      return null
  }
}

/**
 * The actions the roles may take on a case in this state, for action buttons and `/me`
 * (inputs and case-specific conditions are checked when the action is taken).
 */
export function availableActions(state: CaseState, roles: readonly Role[], flags: { extensionPending?: boolean } = {}): CaseAction[] {
  return CASE_ACTIONS.filter((action) => {
    const r = rule(action)
    if (!r.from.includes(state) || !roles.some((role) => r.roles.includes(role))) return false
    if (action === 'extendRequest') return !flags.extensionPending
    if (action === 'extendApprove' || action === 'extendDeny') return !!flags.extensionPending
    return true
  })
}

/** A refusal as the DomainError the error plugin turns into problem+json. */
export function refusalError(refusal: CaseRefusal): DomainError {
  const extra = { refusal: refusal.kind, action: refusal.action, state: refusal.state }
  switch (refusal.kind) {
    case 'roleNotAllowed':
      return new DomainError('FORBIDDEN', refusal.message, extra)
    case 'invalidInput':
      return invalid(refusal.errors, refusal.message)
    default:
      return new DomainError('CASE_TRANSITION_NOT_ALLOWED', refusal.message, extra)
  }
}

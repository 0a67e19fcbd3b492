import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ROLES, type Role } from '../../platform/access.js'
import { DEFAULT_CLASS_LIMITS, type CaseStage } from './case-limits.js'
import {
  availableActions,
  CASE_ACTIONS,
  CASE_STATES,
  CASE_TRANSITIONS,
  CLOSED_STATES,
  initialStateFor,
  isClockRunning,
  nextState,
  OPEN_STATES,
  PUBLIC_STATUS,
  refusalError,
  STAGE_OF,
  TIMED_STATES,
  type CaseAction,
  type CaseActionInput,
  type CaseContext,
  type CaseRefusal,
  type CaseState,
  type CaseTransition,
} from './case-workflow.js'
import { createWorkCalendar, deadlineFor, type Pause } from './work-calendar.js'

const now = new Date('2026-11-26T02:00:00Z') // Thursday 10:00 in Beijing
const hoursLater = (h: number) => new Date(now.getTime() + h * 3_600_000)

/** Every input any action may need, valid. */
const FULL_INPUT: CaseActionInput = {
  reason: '不属于本部门职责',
  comment: '请加快处置',
  photos: ['file-after-1'],
  departmentCode: 'D-SANITATION',
  verifyOutcome: 'confirmed',
  checkOutcome: 'passed',
  primaryCaseId: 'case-0',
  reviewDate: '2027-03-01',
  extension: { amount: 2, unit: 'workingDays' },
}

/** A case context under which the action's conditions hold. */
function contextFor(action: CaseAction): CaseContext {
  return {
    now,
    caseId: 'case-1',
    extensionPending: action === 'extendApprove' || action === 'extendDeny',
    suspendedFrom: 'handling',
    lastCheckOutcome: 'passed',
    stageDeadline: hoursLater(4),
    closedAt: hoursLater(-48),
  }
}

const decide = (state: CaseState, action: CaseAction, role: Role, input: CaseActionInput = FULL_INPUT, context = contextFor(action)) =>
  nextState({ state, action, roles: [role], input, context })

function ok(result: CaseTransition | CaseRefusal): CaseTransition {
  assert.ok(result.ok, `expected a transition, got ${result.ok ? '' : `${result.kind}: ${result.message}`}`)
  return result
}
function refused(result: CaseTransition | CaseRefusal): CaseRefusal {
  assert.ok(!result.ok, `expected a refusal, got ${result.ok ? `${result.from} → ${result.to}` : ''}`)
  return result
}

describe('the transition table', () => {
  test('every allowed transition, as specified (action: from → to by roles)', () => {
    const open = OPEN_STATES.join(',')
    const spec: Record<CaseAction, string> = {
      requestVerify: 'reported → verifying by operator',
      verify: 'verifying → pendingRegister by supervisor',
      register: 'reported,pendingRegister → registered by shiftLeader',
      reject: 'reported,verifying,pendingRegister → rejected by shiftLeader',
      merge: 'reported,verifying,pendingRegister,registered,returned → merged by operator,shiftLeader',
      dispatch: 'registered,returned → dispatched by dispatcher',
      accept: 'dispatched → handling by departmentHandler',
      return: 'dispatched,handling → returned by departmentHandler',
      handled: 'dispatched,handling → handled by departmentHandler',
      extendRequest: 'dispatched,handling → same by departmentHandler',
      extendApprove: 'dispatched,handling → same by shiftLeader',
      extendDeny: 'dispatched,handling → same by shiftLeader',
      suspend: 'dispatched,handling → suspended by shiftLeader',
      resume: 'suspended → beforeSuspension by shiftLeader',
      requestCheck: 'handled → checking by operator',
      check: 'checking → checked by supervisor',
      close: 'checked → closed by shiftLeader',
      rework: 'checked → handling by shiftLeader',
      void: 'registered,returned,dispatched,handling,handled,checking,checked,suspended → voided by shiftLeader',
      reopen: 'closed → registered by shiftLeader',
      supervise: `${open} → same by leader,shiftLeader`,
      urge: `${open} → same by leader,shiftLeader,dispatcher,operator`,
    }
    const actual = Object.fromEntries(
      CASE_ACTIONS.map((a) => {
        const r = CASE_TRANSITIONS[a]
        return [a, `${r.from.join(',')} → ${r.to} by ${r.roles.join(',')}`]
      }),
    )
    assert.deepEqual(actual, spec)
  })

  test('exhaustive: each action × state × role is allowed exactly when the table says so', () => {
    let allowed = 0
    for (const action of CASE_ACTIONS) {
      const rule = CASE_TRANSITIONS[action]
      for (const state of CASE_STATES) {
        for (const role of ROLES) {
          const result = decide(state, action, role)
          const roleOk = (rule.roles as readonly Role[]).includes(role)
          const stateOk = (rule.from as readonly CaseState[]).includes(state)
          if (roleOk && stateOk) {
            const t = ok(result)
            const expected = rule.to === 'same' ? state : rule.to === 'beforeSuspension' ? 'handling' : rule.to
            assert.equal(t.to, expected, `${state} ${action}`)
            assert.equal(t.clock, rule.clock)
            allowed++
          } else {
            assert.equal(refused(result).kind, roleOk ? 'stateNotAllowed' : 'roleNotAllowed', `${state} ${action} ${role}`)
          }
        }
      }
    }
    assert.equal(allowed, 112) // (action, state, role) triples of the spec above; supervise + urge are 66 of them
  })

  test('availableActions lists what the table allows for the roles', () => {
    assert.deepEqual(availableActions('reported', ['operator']), ['requestVerify', 'merge', 'urge'])
    assert.deepEqual(availableActions('reported', ['shiftLeader']), ['register', 'reject', 'merge', 'supervise', 'urge'])
    assert.deepEqual(availableActions('handling', ['departmentHandler']), ['return', 'handled', 'extendRequest'])
    assert.deepEqual(availableActions('handling', ['departmentHandler'], { extensionPending: true }), ['return', 'handled'])
    assert.deepEqual(availableActions('handling', ['shiftLeader'], { extensionPending: true }), [
      'extendApprove',
      'extendDeny',
      'suspend',
      'void',
      'supervise',
      'urge',
    ])
    assert.deepEqual(availableActions('checked', ['shiftLeader', 'leader']), ['close', 'rework', 'void', 'supervise', 'urge'])
    for (const state of CASE_STATES) {
      for (const role of ['resident', 'gridWorker', 'parkingOperator', 'admin'] as const) {
        assert.deepEqual(availableActions(state, [role]), [], `${role} acts on no case (${state})`)
      }
    }
    for (const state of CLOSED_STATES) {
      assert.deepEqual(availableActions(state, [...ROLES]), state === 'closed' ? ['reopen'] : [])
    }
  })

  test('forbidden samples per role, and role is checked before state', () => {
    const samples: [CaseState, CaseAction, Role][] = [
      ['checked', 'close', 'departmentHandler'],
      ['checked', 'close', 'supervisor'],
      ['pendingRegister', 'register', 'dispatcher'],
      ['pendingRegister', 'register', 'operator'],
      ['registered', 'dispatch', 'shiftLeader'],
      ['registered', 'dispatch', 'supervisor'],
      ['handling', 'handled', 'dispatcher'],
      ['checking', 'check', 'gridWorker'],
      ['verifying', 'verify', 'operator'],
      ['handling', 'void', 'operator'],
      ['dispatched', 'suspend', 'departmentHandler'],
      ['handling', 'extendApprove', 'departmentHandler'],
      ['handling', 'supervise', 'dispatcher'],
      ['handling', 'urge', 'resident'],
      ['closed', 'reopen', 'operator'],
      ['closed', 'dispatch', 'resident'], // wrong role and wrong state: the role answers
    ]
    for (const [state, action, role] of samples) assert.equal(refused(decide(state, action, role)).kind, 'roleNotAllowed', `${role} ${action}`)
    const wrongState: [CaseState, CaseAction, Role][] = [
      ['reported', 'dispatch', 'dispatcher'],
      ['verifying', 'register', 'shiftLeader'], // wait for the verify result
      ['closed', 'dispatch', 'dispatcher'],
      ['handled', 'close', 'shiftLeader'], // not checked yet
      ['registered', 'handled', 'departmentHandler'],
      ['suspended', 'handled', 'departmentHandler'],
      ['dispatched', 'merge', 'operator'],
      ['pendingRegister', 'void', 'shiftLeader'], // not registered: reject instead
      ['rejected', 'reopen', 'shiftLeader'],
      ['voided', 'urge', 'leader'],
    ]
    for (const [state, action, role] of wrongState) assert.equal(refused(decide(state, action, role)).kind, 'stateNotAllowed', `${state} ${action}`)
  })

  test('an actor with several roles may use any of them', () => {
    assert.equal(ok(nextState({ state: 'checked', action: 'close', roles: ['operator', 'shiftLeader'], context: contextFor('close') })).to, 'closed')
  })
})

describe('required inputs', () => {
  const fieldsOf = (r: CaseTransition | CaseRefusal) => {
    const refusal = refused(r)
    assert.equal(refusal.kind, 'invalidInput')
    return refusal.errors.map((e) => `${e.field}: ${e.reason}`)
  }

  test('photos for handled and check; the check outcome', () => {
    assert.deepEqual(fieldsOf(decide('handling', 'handled', 'departmentHandler', {})), ['photos: required'])
    assert.deepEqual(fieldsOf(decide('handling', 'handled', 'departmentHandler', { photos: [] })), ['photos: required'])
    assert.deepEqual(fieldsOf(decide('handling', 'handled', 'departmentHandler', { photos: [' '] })), ['photos: must be file ids'])
    assert.deepEqual(fieldsOf(decide('checking', 'check', 'supervisor', {})), ['checkOutcome: required', 'photos: required'])
    assert.deepEqual(fieldsOf(decide('checking', 'check', 'supervisor', { photos: ['f'], checkOutcome: 'ok' as never })), [
      'checkOutcome: must be passed or failed',
    ])
    ok(decide('handling', 'handled', 'departmentHandler', { photos: ['f'] }))
  })

  test('a reason for reject, return, void, rework, extendDeny, reopen; blank text is missing', () => {
    const cases: [CaseState, CaseAction, Role][] = [
      ['pendingRegister', 'reject', 'shiftLeader'],
      ['dispatched', 'return', 'departmentHandler'],
      ['handling', 'void', 'shiftLeader'],
      ['checked', 'rework', 'shiftLeader'],
      ['handling', 'extendDeny', 'shiftLeader'],
      ['closed', 'reopen', 'shiftLeader'],
    ]
    for (const [state, action, role] of cases) {
      assert.deepEqual(fieldsOf(decide(state, action, role, {})), ['reason: required'], action)
      assert.deepEqual(fieldsOf(decide(state, action, role, { reason: '   ' })), ['reason: required'], action)
      ok(decide(state, action, role, { reason: '理由' }))
    }
  })

  test('dispatch needs a department, and a reason to override the proposed one', () => {
    const context = { ...contextFor('dispatch'), proposedDepartmentCode: 'D-ROADS' }
    assert.deepEqual(fieldsOf(decide('registered', 'dispatch', 'dispatcher', {}, context)), ['departmentCode: required'])
    ok(decide('registered', 'dispatch', 'dispatcher', { departmentCode: 'D-ROADS' }, context))
    assert.deepEqual(fieldsOf(decide('registered', 'dispatch', 'dispatcher', { departmentCode: 'D-WATER' }, context)), [
      'reason: required when not dispatching to the proposed department',
    ])
    ok(decide('registered', 'dispatch', 'dispatcher', { departmentCode: 'D-WATER', reason: '井盖属自来水公司' }, context))
    ok(decide('registered', 'dispatch', 'dispatcher', { departmentCode: 'D-WATER' }, contextFor('dispatch'))) // nothing proposed
  })

  test('verify outcome, suspend reason and review date, extension limit, merge primary, supervise comment', () => {
    assert.deepEqual(fieldsOf(decide('verifying', 'verify', 'supervisor', {})), ['verifyOutcome: required'])
    assert.deepEqual(fieldsOf(decide('verifying', 'verify', 'supervisor', { verifyOutcome: 'maybe' as never })), [
      'verifyOutcome: must be confirmed or notFound',
    ])
    assert.equal(ok(decide('verifying', 'verify', 'supervisor', { verifyOutcome: 'notFound' })).to, 'pendingRegister')
    assert.deepEqual(fieldsOf(decide('handling', 'suspend', 'shiftLeader', {})), ['reason: required', 'reviewDate: required'])
    assert.deepEqual(fieldsOf(decide('handling', 'suspend', 'shiftLeader', { reason: '需立项改造', reviewDate: '2027-02-30' })), [
      'reviewDate: must be a YYYY-MM-DD date',
    ])
    assert.deepEqual(fieldsOf(decide('handling', 'extendRequest', 'departmentHandler', { reason: '材料未到' })), ['extension: required'])
    assert.deepEqual(
      fieldsOf(decide('handling', 'extendRequest', 'departmentHandler', { reason: '材料未到', extension: { amount: 0, unit: 'workingDays' } })),
      ['extension.amount: must be a number > 0 and ≤ 250'],
    )
    assert.deepEqual(fieldsOf(decide('handling', 'extendApprove', 'shiftLeader', {})), ['extension: required'])
    assert.deepEqual(fieldsOf(decide('reported', 'merge', 'operator', {})), ['primaryCaseId: required'])
    assert.deepEqual(fieldsOf(decide('handling', 'supervise', 'leader', {})), ['comment: required'])
    ok(decide('handling', 'urge', 'leader', {}))
  })
})

describe('conditions that depend on the case', () => {
  const kind = (r: CaseTransition | CaseRefusal) => (r.ok ? 'ok' : `${r.kind}: ${r.message}`)

  test('an extension is requested before the deadline, once at a time, and decided only when pending', () => {
    const base = contextFor('extendRequest')
    assert.match(kind(decide('handling', 'extendRequest', 'departmentHandler', FULL_INPUT, { ...base, stageDeadline: hoursLater(-1) })), /before the deadline/)
    assert.match(kind(decide('handling', 'extendRequest', 'departmentHandler', FULL_INPUT, { ...base, stageDeadline: now })), /before the deadline/)
    assert.match(kind(decide('handling', 'extendRequest', 'departmentHandler', FULL_INPUT, { ...base, stageDeadline: null })), /unknown/)
    assert.match(kind(decide('handling', 'extendRequest', 'departmentHandler', FULL_INPUT, { ...base, extensionPending: true })), /already pending/)
    assert.match(kind(decide('handling', 'extendApprove', 'shiftLeader', FULL_INPUT, { now })), /no extension request is pending/)
    assert.match(kind(decide('handling', 'extendDeny', 'shiftLeader', FULL_INPUT, { now })), /no extension request is pending/)
  })

  test('close only after a passed check', () => {
    assert.match(kind(decide('checked', 'close', 'shiftLeader', {}, { now, lastCheckOutcome: 'failed' })), /rework it instead/)
    assert.match(kind(decide('checked', 'close', 'shiftLeader', {}, { now })), /rework it instead/)
    assert.equal(kind(decide('checked', 'close', 'shiftLeader', {}, { now, lastCheckOutcome: 'passed' })), 'ok')
  })

  test('reopen within the window (30 natural days by default, configurable)', () => {
    const reopen = (closedDaysAgo: number, reopenWindowDays?: number) =>
      kind(decide('closed', 'reopen', 'shiftLeader', FULL_INPUT, { now, closedAt: hoursLater(-24 * closedDaysAgo), reopenWindowDays }))
    assert.equal(reopen(1), 'ok')
    assert.equal(reopen(30), 'ok')
    assert.match(reopen(31), /only within 30 days/)
    assert.match(reopen(8, 7), /only within 7 days/)
    assert.match(kind(decide('closed', 'reopen', 'shiftLeader', FULL_INPUT, { now })), /closing time is unknown/)
  })

  test('resume needs the state before suspension; a case is not merged into itself', () => {
    assert.equal(ok(decide('suspended', 'resume', 'shiftLeader', {}, { now, suspendedFrom: 'dispatched' })).to, 'dispatched')
    assert.match(kind(decide('suspended', 'resume', 'shiftLeader', {}, { now })), /before suspension is unknown/)
    assert.match(kind(decide('suspended', 'resume', 'shiftLeader', {}, { now, suspendedFrom: 'closed' })), /before suspension is unknown/)
    assert.match(kind(decide('reported', 'merge', 'operator', { primaryCaseId: 'case-1' }, { now, caseId: 'case-1' })), /into itself/)
  })

  test('refusals map to the error codes the API answers with', () => {
    const role = refusalError(refused(decide('checked', 'close', 'resident')))
    assert.equal(role.code, 'FORBIDDEN')
    const input = refusalError(refused(decide('handling', 'handled', 'departmentHandler', {})))
    assert.equal(input.code, 'VALIDATION_FAILED')
    assert.deepEqual(input.extra.errors, [{ field: 'photos', reason: 'required' }])
    const state = refusalError(refused(decide('closed', 'dispatch', 'dispatcher')))
    assert.equal(state.code, 'CASE_TRANSITION_NOT_ALLOWED')
    assert.deepEqual(state.extra, { refusal: 'stateNotAllowed', action: 'dispatch', state: 'closed' })
  })
})

describe('lives of a case, as sequences of pure calls', () => {
  type Step = [CaseAction, Role, CaseActionInput?, Partial<CaseContext>?]
  /** Runs the steps; returns each transition. Throws on the first refusal. */
  function live(start: CaseState, steps: Step[]): CaseTransition[] {
    let state = start
    return steps.map(([action, role, input = {}, context = {}]) => {
      const t = ok(nextState({ state, action, roles: [role], input, context: { now, ...context } }))
      state = t.to
      return t
    })
  }
  const path = (ts: CaseTransition[]) => [ts[0]!.from, ...ts.map((t) => t.to)].join(' → ')
  const photos = ['file-1']

  test('public report: reported → verify → register → dispatch → accept → handled → check → close', () => {
    assert.equal(initialStateFor('public'), 'reported')
    const ts = live(initialStateFor('public'), [
      ['requestVerify', 'operator'],
      ['verify', 'supervisor', { verifyOutcome: 'confirmed' }],
      ['register', 'shiftLeader'],
      ['dispatch', 'dispatcher', { departmentCode: 'D-SANITATION' }],
      ['accept', 'departmentHandler'],
      ['handled', 'departmentHandler', { photos }],
      ['requestCheck', 'operator'],
      ['check', 'supervisor', { checkOutcome: 'passed', photos }],
      ['close', 'shiftLeader', {}, { lastCheckOutcome: 'passed' }],
    ])
    assert.equal(path(ts), 'reported → verifying → pendingRegister → registered → dispatched → handling → handled → checking → checked → closed')
    // Which stage clock runs after each step, what it did, and which stage each step completed.
    assert.deepEqual(
      ts.map((t) => `${t.action}: ${t.clock} ${t.stage ?? '-'} (ended ${t.stoppedStage ?? '-'})`),
      [
        'requestVerify: keep register (ended -)',
        'verify: keep register (ended -)',
        'register: start dispatch (ended register)',
        'dispatch: start handle (ended dispatch)',
        'accept: keep handle (ended -)',
        'handled: start check (ended handle)',
        'requestCheck: keep check (ended -)',
        'check: start close (ended check)',
        'close: stop - (ended close)',
      ],
    )
    assert.equal(PUBLIC_STATUS.closed, 'fixed')
  })

  test('supervisor report starts at pendingRegister; a handler may reply without accepting first', () => {
    assert.equal(initialStateFor('supervisor'), 'pendingRegister')
    assert.equal(initialStateFor('superior'), 'pendingRegister')
    assert.equal(initialStateFor('hotline'), 'reported')
    assert.equal(initialStateFor('device'), 'reported')
    const ts = live('pendingRegister', [
      ['register', 'shiftLeader'],
      ['dispatch', 'dispatcher', { departmentCode: 'D1' }],
      ['handled', 'departmentHandler', { photos }],
    ])
    assert.equal(path(ts), 'pendingRegister → registered → dispatched → handled')
  })

  test('rejected reports: directly by the shift leader, or after a verify that found nothing', () => {
    assert.equal(path(live('reported', [['reject', 'shiftLeader', { reason: '重复举报' }]])), 'reported → rejected')
    const ts = live('reported', [
      ['requestVerify', 'operator'],
      ['verify', 'supervisor', { verifyOutcome: 'notFound' }],
      ['reject', 'shiftLeader', { reason: '现场未发现' }],
    ])
    assert.equal(path(ts), 'reported → verifying → pendingRegister → rejected')
    assert.equal(ts[2]!.stoppedStage, 'register')
    assert.equal(PUBLIC_STATUS.rejected, 'notAccepted')
  })

  test('return and re-dispatch: a fresh dispatch clock, then a fresh handling clock for the new department', () => {
    const ts = live('registered', [
      ['dispatch', 'dispatcher', { departmentCode: 'D-ROADS' }],
      ['accept', 'departmentHandler'],
      ['return', 'departmentHandler', { reason: '属供水管线，非道路' }],
      ['dispatch', 'dispatcher', { departmentCode: 'D-WATER', reason: '改派' }, { proposedDepartmentCode: 'D-ROADS' }],
      ['handled', 'departmentHandler', { photos }],
    ])
    assert.equal(path(ts), 'registered → dispatched → handling → returned → dispatched → handled')
    assert.deepEqual(
      ts.map((t) => [t.clock, t.stage, t.stoppedStage]),
      [
        ['start', 'handle', 'dispatch'],
        ['keep', 'handle', null],
        ['start', 'dispatch', 'handle'],
        ['start', 'handle', 'dispatch'],
        ['start', 'check', 'handle'],
      ],
    )
  })

  test('rework loop: a failed check goes back to the department, twice, then passes', () => {
    const round: Step[] = [
      ['handled', 'departmentHandler', { photos }],
      ['requestCheck', 'operator'],
      ['check', 'supervisor', { checkOutcome: 'failed', photos }],
      ['rework', 'shiftLeader', { reason: '垃圾未清理干净' }, { lastCheckOutcome: 'failed' }],
    ]
    const ts = live('handling', [
      ...round,
      ...round,
      ['handled', 'departmentHandler', { photos }],
      ['requestCheck', 'operator'],
      ['check', 'supervisor', { checkOutcome: 'passed', photos }],
      ['close', 'shiftLeader', {}, { lastCheckOutcome: 'passed' }],
    ])
    assert.equal(
      path(ts),
      'handling → handled → checking → checked → handling → handled → checking → checked → handling → handled → checking → checked → closed',
    )
    const rework = ts[3]!
    assert.deepEqual([rework.clock, rework.stage, rework.stoppedStage], ['resume', 'handle', 'close'])
  })

  test('extension: requested (clock paused), approved or denied (clock resumes); replying ends a pending request', () => {
    const requested = live('handling', [['extendRequest', 'departmentHandler', { reason: '需协调', extension: { amount: 1, unit: 'workingDays' } }, { stageDeadline: hoursLater(2) }]])[0]!
    assert.deepEqual([requested.to, requested.clock, requested.flags], ['handling', 'pause', { extensionPending: true }])
    for (const decision of [
      ['extendApprove', { extension: { amount: 1, unit: 'workingDays' } }],
      ['extendDeny', { reason: '可按期完成' }],
    ] as const) {
      const t = live('handling', [[decision[0], 'shiftLeader', decision[1], { extensionPending: true }]])[0]!
      assert.deepEqual([t.to, t.clock, t.flags], ['handling', 'resume', { extensionPending: false }])
    }
    const replied = live('handling', [['handled', 'departmentHandler', { photos }, { extensionPending: true }]])[0]!
    assert.deepEqual(replied.flags, { extensionPending: false })
    assert.equal(isClockRunning('handling', { extensionPending: true }), false)
  })

  test('suspend (挂账) and resume back to where the case was', () => {
    const ts = live('dispatched', [
      ['suspend', 'shiftLeader', { reason: '需纳入年度改造计划', reviewDate: '2027-03-01' }],
      ['resume', 'shiftLeader', {}, { suspendedFrom: 'dispatched' }],
      ['accept', 'departmentHandler'],
    ])
    assert.equal(path(ts), 'dispatched → suspended → dispatched → handling')
    assert.deepEqual(
      ts.slice(0, 2).map((t) => [t.clock, t.stage, t.stoppedStage]),
      [
        ['pause', 'handle', null],
        ['resume', 'handle', null],
      ],
    )
    assert.equal(isClockRunning('suspended'), false)
    assert.equal(PUBLIC_STATUS.suspended, 'longTerm')
  })

  test('void from any registered open state, merge before dispatch, reopen after closing', () => {
    for (const state of ['registered', 'returned', 'dispatched', 'handling', 'handled', 'checking', 'checked', 'suspended'] as const) {
      const t = live(state, [['void', 'shiftLeader', { reason: '误立案' }]])[0]!
      assert.deepEqual([t.to, t.clock, t.stage], ['voided', 'stop', null])
    }
    assert.equal(path(live('reported', [['merge', 'operator', { primaryCaseId: 'case-0' }]])), 'reported → merged')
    const reopened = live('closed', [
      ['reopen', 'shiftLeader', { reason: '群众反映问题复现' }, { closedAt: hoursLater(-72) }],
      ['dispatch', 'dispatcher', { departmentCode: 'D1' }],
    ])
    assert.equal(path(reopened), 'closed → registered → dispatched')
    assert.deepEqual([reopened[0]!.clock, reopened[0]!.stage], ['start', 'dispatch'])
  })

  test('supervise and urge change nothing but are recorded; supervise sets the flag', () => {
    const [s, u] = live('handling', [
      ['supervise', 'leader', { comment: '请于今日内处置完毕' }],
      ['urge', 'dispatcher'],
    ])
    assert.deepEqual([s!.from, s!.to, s!.clock, s!.flags], ['handling', 'handling', 'none', { supervised: true }])
    assert.deepEqual([u!.to, u!.clock, u!.flags, u!.stoppedStage], ['handling', 'none', {}, null])
  })
})

describe('state groups', () => {
  test('open and closed partition the states; timed = open minus suspended; each open state has a stage', () => {
    assert.deepEqual([...OPEN_STATES, ...CLOSED_STATES].sort(), [...CASE_STATES].sort())
    assert.deepEqual([...CLOSED_STATES], ['rejected', 'closed', 'voided', 'merged'])
    assert.deepEqual(
      OPEN_STATES.filter((s) => !TIMED_STATES.includes(s)),
      ['suspended'],
    )
    for (const s of OPEN_STATES) assert.notEqual(STAGE_OF[s], null, s)
    for (const s of CLOSED_STATES) assert.equal(STAGE_OF[s], null, s)
    for (const s of CASE_STATES) assert.ok(PUBLIC_STATUS[s])
  })
})

describe('clock effects drive deadlines (how a service combines the table and the calendar)', () => {
  const cal = createWorkCalendar()
  const bj = (text: string) => new Date(`${text.replace(' ', 'T')}:00+08:00`)
  const show = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')
  const limits = { ...DEFAULT_CLASS_LIMITS, handle: { amount: 4, unit: 'workingHours' } } as const

  /** Per stage: when its clock started, its pauses, and since when it is stopped/paused. */
  type Clock = { start: Date; pauses: Pause[]; stoppedAt: Date | null }
  function track(steps: [CaseAction, Role, string, CaseActionInput?, Partial<CaseContext>?][], from: CaseState) {
    const clocks: Partial<Record<CaseStage, Clock>> = {}
    let state = from
    for (const [action, role, at, input = {}, context = {}] of steps) {
      const when = bj(at)
      const t = ok(nextState({ state, action, roles: [role], input, context: { now: when, stageDeadline: bj('2030-01-01 00:00'), ...context } }))
      if (t.stoppedStage && clocks[t.stoppedStage]) clocks[t.stoppedStage]!.stoppedAt = when
      if (t.stage) {
        if (t.clock === 'start') clocks[t.stage] = { start: when, pauses: [], stoppedAt: null }
        if (t.clock === 'pause') clocks[t.stage]!.stoppedAt = when
        if (t.clock === 'resume') {
          const c = clocks[t.stage]!
          c.pauses.push({ from: c.stoppedAt!, to: when })
          c.stoppedAt = null
        }
      }
      state = t.to
    }
    const handle = clocks.handle!
    return show(deadlineFor(cal, handle.start, limits.handle, handle.pauses))
  }

  test('dispatched Monday 09:00 with 4 working hours: due 14:30', () => {
    assert.equal(track([['dispatch', 'dispatcher', '2026-11-23 09:00', { departmentCode: 'D1' }]], 'registered'), '2026-11-23 14:30')
  })

  test('suspended Monday 10:00 → resumed Wednesday 10:00: due Wednesday 14:30', () => {
    const due = track(
      [
        ['dispatch', 'dispatcher', '2026-11-23 09:00', { departmentCode: 'D1' }],
        ['suspend', 'shiftLeader', '2026-11-23 10:00', { reason: '挂账', reviewDate: '2027-01-01' }],
        ['resume', 'shiftLeader', '2026-11-25 10:00', {}, { suspendedFrom: 'dispatched' }],
      ],
      'registered',
    )
    assert.equal(due, '2026-11-25 14:30')
  })

  test('rework continues the handling clock without charging the check time: handled at 10:00, reworked Tuesday 09:00 → due Tuesday 12:00', () => {
    const due = track(
      [
        ['dispatch', 'dispatcher', '2026-11-23 09:00', { departmentCode: 'D1' }],
        ['handled', 'departmentHandler', '2026-11-23 10:00', { photos: ['f'] }],
        ['requestCheck', 'operator', '2026-11-23 10:10'],
        ['check', 'supervisor', '2026-11-23 16:00', { checkOutcome: 'failed', photos: ['f'] }],
        ['rework', 'shiftLeader', '2026-11-24 09:00', { reason: '未清理干净' }],
      ],
      'registered',
    )
    assert.equal(due, '2026-11-24 12:00') // 1 h used on Monday, 3 h left from Tuesday 09:00
  })
})

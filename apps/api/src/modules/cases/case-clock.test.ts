import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { applyClockEffect, stageDeadline, type CaseClocks } from './case-clock.js'
import type { CaseStage } from './case-limits.js'
import { nextState, STAGE_OF, type CaseAction, type CaseActionInput, type CaseState } from './case-workflow.js'
import { createWorkCalendar, type Limit } from './work-calendar.js'

// 08:30–12:00 and 13:30–17:30, Monday–Friday, no holidays: 2026-11-30 is a Monday.
const calendar = createWorkCalendar({ timeZone: 'Asia/Shanghai' })
const LIMITS: Record<CaseStage, Limit> = {
  register: { amount: 1, unit: 'workingHours' },
  dispatch: { amount: 1, unit: 'workingHours' },
  handle: { amount: 4, unit: 'workingHours' },
  check: { amount: 2, unit: 'workingHours' },
  close: { amount: 1, unit: 'workingHours' },
}
const local = (s: string) => new Date(`${s}+08:00`)

/** Drive a case through actions with the real transition table, applying clock effects. */
function life() {
  let state: CaseState = 'pendingRegister'
  let clocks: CaseClocks = { register: { start: local('2026-11-30T08:30:00').toISOString(), limit: LIMITS.register, pauses: [], end: null } }
  let suspendedFrom: CaseState | null = null
  let extensionPending = false
  const timings: { stage: CaseStage; usedMinutes: number; onTime: boolean }[] = []
  const act = (action: CaseAction, at: string, roles: ['shiftLeader'] | ['dispatcher'] | ['departmentHandler'] | ['operator'] | ['supervisor'], input: CaseActionInput = {}) => {
    const now = local(at)
    const d = stageDeadline(calendar, clocks, STAGE_OF[state])
    const t = nextState({ state, action, roles, input, context: { now, suspendedFrom, extensionPending, lastCheckOutcome: 'passed', stageDeadline: d.deadline } })
    if (!t.ok) throw new Error(t.message)
    const r = applyClockEffect({ clocks, transition: t, now, calendar, limitOf: (s) => LIMITS[s], fromStage: STAGE_OF[state], extraLimit: action === 'extendApprove' ? input.extension ?? null : null })
    if (t.to === 'suspended') suspendedFrom = state
    if (t.flags.extensionPending !== undefined) extensionPending = t.flags.extensionPending
    clocks = r.clocks
    if (r.reopened) timings.splice(timings.findIndex((x) => x.stage === r.reopened), 1)
    timings.push(...r.ended)
    state = t.to
    return stageDeadline(calendar, clocks, STAGE_OF[state])
  }
  return { act, timings: () => timings, clocks: () => clocks }
}

describe('stage clocks', () => {
  test('each stage gets its own deadline in working time; finished stages leave timings', () => {
    const c = life()
    const d1 = c.act('register', '2026-11-30T09:00:00', ['shiftLeader'])
    assert.equal(d1.stage, 'dispatch')
    assert.equal(d1.deadline!.toISOString(), local('2026-11-30T10:00:00').toISOString())
    const d2 = c.act('dispatch', '2026-11-30T09:00:00', ['dispatcher'], { departmentCode: 'ROADS' })
    assert.equal(d2.deadline!.toISOString(), local('2026-11-30T14:30:00').toISOString(), '3 h before lunch + 1 h after')
    assert.equal(d2.warnAt!.toISOString(), local('2026-11-30T13:42:00').toISOString(), '80 % of 4 h = 3 h 12 min')
    assert.deepEqual(
      c.timings().map((x) => [x.stage, x.usedMinutes, x.onTime]),
      [['register', 30, true], ['dispatch', 0, true]],
    )
  })

  test('rework resumes the handling clock: the time at the check is not charged to the department', () => {
    const c = life()
    c.act('register', '2026-11-30T09:00:00', ['shiftLeader'])
    c.act('dispatch', '2026-11-30T09:00:00', ['dispatcher'], { departmentCode: 'ROADS' })
    c.act('handled', '2026-11-30T11:00:00', ['departmentHandler'], { photos: ['p1'] })
    assert.deepEqual(c.timings().at(-1), { stage: 'handle', start: local('2026-11-30T09:00:00').toISOString(), end: local('2026-11-30T11:00:00').toISOString(), usedMinutes: 120, limitMinutes: 240, onTime: true })
    c.act('requestCheck', '2026-11-30T11:00:00', ['operator'])
    c.act('check', '2026-11-30T15:00:00', ['supervisor'], { checkOutcome: 'failed', photos: ['p2'] })
    const back = c.act('rework', '2026-12-01T09:00:00', ['shiftLeader'], { reason: 'still broken' })
    assert.equal(back.stage, 'handle')
    assert.equal(back.deadline!.toISOString(), local('2026-12-01T11:00:00').toISOString(), '2 h left of the 4 h')
    assert.ok(!c.timings().some((x) => x.stage === 'handle'), 'the handle timing is reopened')
    c.act('handled', '2026-12-01T10:30:00', ['departmentHandler'], { photos: ['p3'] })
    const handle = c.timings().find((x) => x.stage === 'handle')!
    assert.equal(handle.usedMinutes, 210)
    assert.equal(handle.onTime, true)
  })

  test('suspension and a pending extension stop the clock; an approved extension moves the deadline', () => {
    const c = life()
    c.act('register', '2026-11-30T09:00:00', ['shiftLeader'])
    c.act('dispatch', '2026-11-30T09:00:00', ['dispatcher'], { departmentCode: 'ROADS' })
    const asked = c.act('extendRequest', '2026-11-30T10:00:00', ['departmentHandler'], { reason: 'parts on order', extension: { amount: 1, unit: 'workingDays' } })
    assert.equal(asked.deadline, null, 'paused while the request is pending')
    const granted = c.act('extendApprove', '2026-11-30T11:00:00', ['shiftLeader'], { extension: { amount: 1, unit: 'workingDays' } })
    // 1 h used before the pause; 4 h + 7.5 h = 11.5 h in all; 10.5 h left from 11:00 Monday: 5 h Monday, 3.5 h + 2 h Tuesday.
    assert.equal(granted.deadline!.toISOString(), local('2026-12-01T15:30:00').toISOString())
    const suspended = c.act('suspend', '2026-11-30T13:30:00', ['shiftLeader'], { reason: 'needs a new pipe', reviewDate: '2026-12-15' })
    assert.equal(suspended.deadline, null)
    const resumed = c.act('resume', '2026-12-07T13:30:00', ['shiftLeader'])
    assert.equal(resumed.deadline!.toISOString(), local('2026-12-08T15:30:00').toISOString(), 'a week later, the same time still left')
  })
})

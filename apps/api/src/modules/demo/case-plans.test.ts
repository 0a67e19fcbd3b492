import assert from 'node:assert/strict'
import { test } from 'node:test'
import { deadlineFor, loadChinaCalendar, type CaseState } from '../cases/index.js'
import { localInstant, localMinute, newMemo, nextStep, planIntakes, remember, statesOf, type CaseSnapshot, type Intake } from './case-plans.js'
import { CLASSES } from './catalog.js'
import { Random } from './random.js'

const calendar = loadChinaCalendar([2025, 2026, 2027])
const to = new Date('2026-03-16T06:37:00Z')
const from = new Date(to.getTime() - 30 * 86_400_000)

test('local time helpers read and build Shanghai wall time', () => {
  const at = localInstant('Asia/Shanghai', '2026-03-16', 14 * 60 + 37)
  assert.equal(at.toISOString(), '2026-03-16T06:37:00.000Z')
  assert.equal(localMinute('Asia/Shanghai', at), 14 * 60 + 37)
})

test('intake: the same seed plans the same month; supervisors on patrol hours, fewer reports on rest days and 春节', () => {
  const plan = (seed: number) => planIntakes(new Random(seed), { from, to, calendar, casesPerDay: 30 })
  const a = plan(5)
  assert.deepEqual(a.map((i) => [i.at.getTime(), i.source, i.cls.code]), plan(5).map((i) => [i.at.getTime(), i.source, i.cls.code]))
  assert.notDeepEqual(a.map((i) => i.at.getTime()), plan(6).map((i) => i.at.getTime()))
  assert.ok(a.every((i, k) => i.at >= from && i.at < to && (k === 0 || i.at >= a[k - 1]!.at)), 'in time order inside the month')
  const supervisor = a.filter((i) => i.source === 'supervisor')
  assert.ok(supervisor.every((i) => localMinute('Asia/Shanghai', i.at) >= 7 * 60 && localMinute('Asia/Shanghai', i.at) < 19 * 60), 'supervisors report on patrol')
  assert.ok(a.filter((i) => i.source === 'superior').every((i) => !['2026-02-14', '2026-02-15', '2026-02-17'].includes(i.at.toISOString().slice(0, 10))), 'no superior assignments on the 春节 holidays')
  const perDay = new Map<string, number>()
  for (const i of supervisor) perDay.set(localDay(i.at), (perDay.get(localDay(i.at)) ?? 0) + 1)
  assert.ok((perDay.get('2026-03-10') ?? 0) > (perDay.get('2026-03-08') ?? 0), 'a Tuesday has more supervisor reports than a Sunday')
  const overdue = a.filter((i) => i.fate.overdue).length / a.length
  assert.ok(overdue > 0.02 && overdue < 0.08, `overdue share ${overdue}`)
  const stops = new Set(a.map((i) => i.fate.stopAt).filter(Boolean))
  for (const s of ['reported', 'pendingRegister', 'registered', 'dispatched', 'handling', 'handled', 'checking', 'checked'] as CaseState[]) assert.ok(stops.has(s), `some case stops in ${s}`)
})

const localDay = (at: Date) => new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10)

/** Walk a case's main line through the workflow by hand (as the services would move it). */
function walk(intake: Intake, seed = 1) {
  const ctx = { calendar, rnd: new Random(seed) }
  const memo = newMemo()
  let snap: CaseSnapshot = { state: intake.source === 'supervisor' ? 'pendingRegister' : 'reported', stageDeadline: null, extensionPending: false, lastCheckOutcome: null }
  let now = intake.at
  const actions: string[] = []
  for (let n = 0; n < 30; n++) {
    const step = nextStep(ctx, intake, memo, snap, now)
    if (!step) break
    assert.ok(step.at >= now, `${step.action} is not before the last step`)
    now = step.at
    actions.push(step.action)
    remember(memo, step)
    const next: Record<string, CaseState> = {
      requestVerify: 'verifying', verify: 'pendingRegister', register: 'registered', reject: 'rejected', dispatch: 'dispatched', return: 'returned',
      accept: 'handling', handled: 'handled', requestCheck: 'checking', check: 'checked', close: 'closed', rework: 'handling', suspend: 'suspended',
      resume: 'handling', void: 'voided', merge: 'merged', extendRequest: snap.state, extendApprove: snap.state, extendDeny: snap.state,
    }
    const state = next[step.action]!
    const cls = intake.cls
    const deadline = state === 'dispatched' ? deadlineFor(calendar, now, cls.handle) : snap.stageDeadline
    snap = { state, stageDeadline: deadline, extensionPending: step.action === 'extendRequest', lastCheckOutcome: step.action === 'check' ? step.input.checkOutcome! : snap.lastCheckOutcome }
  }
  return { actions, state: snap.state }
}

const fate = (f: Partial<Intake['fate']> = {}): Intake['fate'] => ({
  verify: false, notFound: false, reject: false, duplicate: false, returned: false, extension: false, extensionDenied: false, suspend: false, resume: false, void: false, rework: false, overdue: false, supervise: false, stopAt: null, ...f,
})
const intake = (source: Intake['source'], f: Partial<Intake['fate']> = {}): Intake => ({ at: new Date('2026-03-10T01:30:00Z'), source, cls: CLASSES.find((c) => c.code === '0102' && c.kind === 'event')!, fate: fate(f) })

test('a case line goes through the workflow: the plain life, verification, return, rework, extension, suspension, stops', () => {
  assert.deepEqual(walk(intake('supervisor')).actions, ['register', 'dispatch', 'accept', 'handled', 'requestCheck', 'check', 'close'])
  assert.deepEqual(walk(intake('public', { verify: true })).actions.slice(0, 3), ['requestVerify', 'verify', 'register'])
  assert.deepEqual(walk(intake('public', { verify: true, notFound: true })), { actions: ['requestVerify', 'verify', 'reject'], state: 'rejected' })
  assert.deepEqual(walk(intake('supervisor', { returned: true })).actions.slice(0, 5), ['register', 'dispatch', 'return', 'dispatch', 'accept'])
  const rework = walk(intake('supervisor', { rework: true })).actions
  assert.deepEqual(rework.slice(-8), ['handled', 'requestCheck', 'check', 'rework', 'handled', 'requestCheck', 'check', 'close'])
  assert.ok(walk(intake('supervisor', { extension: true })).actions.join().includes('extendRequest,extendApprove,handled'))
  assert.deepEqual(walk(intake('supervisor', { suspend: true })), { actions: ['register', 'dispatch', 'accept', 'suspend'], state: 'suspended' })
  assert.ok(walk(intake('supervisor', { suspend: true, resume: true })).actions.join().includes('suspend,resume,handled'))
  assert.deepEqual(walk(intake('supervisor', { stopAt: 'handling' })).state, 'handling')
  assert.deepEqual(statesOf('public', fate({ verify: true })).slice(0, 4), ['reported', 'verifying', 'pendingRegister', 'registered'])
})

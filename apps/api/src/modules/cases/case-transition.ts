/**
 * What a workflow transition writes to the case row — one function for an action taken now
 * (`actOnCase`) and for the demo's replayed history (`demo/history-batch.ts`), so the two can
 * never disagree: the new state and stage, the stage clocks (started, paused, resumed, ended with
 * their timings), the running stage's deadline, warning instant and light, the flags, and the
 * columns each action owns.
 */
import { applyClockEffect, stageDeadline, type CaseClocks, type StageTiming } from './case-clock.js'
import type { CaseStage, ClassLimits } from './case-limits.js'
import { STAGE_OF, type CaseAction, type CaseActionInput, type CaseState, type CaseTransition } from './case-workflow.js'
import type { CaseRow } from './cases.repository.js'
import type { Limit, WorkCalendar } from './work-calendar.js'

export type TransitionRow = Pick<CaseRow, 'state' | 'clocks' | 'timings' | 'photos'>

export function transitionPatch(o: {
  row: TransitionRow
  action: CaseAction
  decision: CaseTransition
  input: Pick<CaseActionInput, 'photos' | 'checkOutcome'> & { departmentId?: string | null; extension?: Limit | null }
  limits: ClassLimits
  calendar: WorkCalendar
  now: Date
  /** The case a `merge` joins. */
  primaryCaseId?: string
}): Partial<CaseRow> {
  const { row, action, decision, input, now } = o
  const clock = applyClockEffect({
    clocks: row.clocks as CaseClocks,
    transition: decision,
    now,
    calendar: o.calendar,
    limitOf: (stage: CaseStage) => o.limits[stage],
    fromStage: STAGE_OF[row.state as CaseState],
    extraLimit: action === 'extendApprove' ? (input.extension ?? null) : null,
  })
  const timings: Partial<Record<CaseStage, StageTiming>> = { ...row.timings }
  if (clock.reopened) delete timings[clock.reopened]
  for (const t of clock.ended) timings[t.stage] = t
  const next = stageDeadline(o.calendar, clock.clocks, decision.stage)

  const patch: Partial<CaseRow> = {
    state: decision.to,
    stage: decision.stage,
    clocks: clock.clocks,
    timings,
    stageDeadline: next.deadline,
    stageWarnAt: next.warnAt,
    light: next.deadline && next.deadline <= now ? 'red' : next.warnAt && next.warnAt <= now ? 'yellow' : 'green',
    ...(decision.flags.extensionPending !== undefined ? { extensionPending: decision.flags.extensionPending } : {}),
    ...(decision.flags.supervised !== undefined ? { supervised: decision.flags.supervised } : {}),
  }
  if (decision.clock === 'none' || (decision.to === row.state && decision.clock === 'keep')) delete patch.light
  const photos = () => [...new Set([...row.photos, ...(input.photos ?? [])])]
  switch (action) {
    case 'register':
      patch.registeredAt = now
      break
    case 'dispatch':
      patch.departmentId = input.departmentId!
      patch.dispatchedAt = now
      break
    case 'handled':
      patch.handledAt = now
      patch.photos = photos()
      break
    case 'check':
      patch.lastCheckOutcome = input.checkOutcome!
      patch.photos = photos()
      break
    case 'close':
      patch.closedAt = now
      break
    case 'reopen':
      patch.closedAt = null
      patch.lastCheckOutcome = null
      break
    case 'suspend':
      patch.suspendedFrom = row.state
      break
    case 'resume':
      patch.suspendedFrom = null
      break
    case 'merge':
      patch.primaryCaseId = o.primaryCaseId!
      break
  }
  return patch
}

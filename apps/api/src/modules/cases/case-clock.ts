/**
 * Stage clocks of one case (pure). Each stage that has started keeps its own clock — start,
 * pauses, end and the limit it runs against — so `rework` can resume the handling clock where
 * it stopped, and every finished stage leaves a timing row for evaluation that is never
 * recomputed from history.
 */
import type { CaseStage } from './case-limits.js'
import type { CaseTransition } from './case-workflow.js'
import { deadlineFor, elapsedFraction, limitMinutes, type Limit, type Pause, type WorkCalendar } from './work-calendar.js'

/** JSON-storable clock of one stage (ISO instants). `to: null` is the pause running now. */
export interface StageClock {
  start: string
  limit: Limit
  pauses: { from: string; to: string | null }[]
  end: string | null
}
export type CaseClocks = Partial<Record<CaseStage, StageClock>>

/** One finished stage: how long it took in the limit's own measure and whether that was in time. */
export interface StageTiming {
  stage: CaseStage
  start: string
  end: string
  usedMinutes: number
  limitMinutes: number
  onTime: boolean
}

/** The deadline view of the running stage: when it turns yellow and red (null while paused). */
export interface StageDeadline {
  stage: CaseStage | null
  deadline: Date | null
  warnAt: Date | null
}

const closedPauses = (c: StageClock): Pause[] =>
  c.pauses.filter((p) => p.to !== null).map((p) => ({ from: new Date(p.from), to: new Date(p.to!) }))
const isPaused = (c: StageClock) => c.pauses.some((p) => p.to === null)

/** Minutes of the stage's own measure (working or natural) used between its start and `until`. */
function minutesUsed(calendar: WorkCalendar, c: StageClock, until: Date): number {
  return elapsedFraction(calendar, new Date(c.start), until, c.limit, closedPauses(c)) * limitMinutes(calendar, c.limit)
}

/**
 * Apply what a transition does to the clocks at `now`: end the stage it left (with its timing),
 * and start, keep, pause or resume the stage it enters. `limitOf` gives the limit of a stage for
 * this case's class; `extraLimit` is an approved extension added to the running stage.
 */
export function applyClockEffect(args: {
  clocks: CaseClocks
  transition: Pick<CaseTransition, 'from' | 'to' | 'stage' | 'stoppedStage' | 'clock'>
  now: Date
  calendar: WorkCalendar
  limitOf: (stage: CaseStage) => Limit
  fromStage: CaseStage | null
  extraLimit?: Limit | null
}): { clocks: CaseClocks; ended: StageTiming[]; reopened: CaseStage | null } {
  const { transition: t, now, calendar } = args
  const at = now.toISOString()
  const clocks: CaseClocks = structuredClone(args.clocks)
  const ended: StageTiming[] = []
  let reopened: CaseStage | null = null

  const end = (stage: CaseStage) => {
    const c = clocks[stage]
    if (!c || c.end) return
    for (const p of c.pauses) if (p.to === null) p.to = at
    c.end = at
    const used = minutesUsed(calendar, c, now)
    const limit = limitMinutes(calendar, c.limit)
    ended.push({ stage, start: c.start, end: at, usedMinutes: Math.round(used * 100) / 100, limitMinutes: limit, onTime: used <= limit })
  }

  if (t.stoppedStage) end(t.stoppedStage)
  const stage = t.stage
  switch (t.clock) {
    case 'start':
      if (stage) clocks[stage] = { start: at, limit: args.limitOf(stage), pauses: [], end: null }
      break
    case 'stop':
      if (args.fromStage) end(args.fromStage)
      break
    case 'pause': {
      const c = stage ? clocks[stage] : undefined
      if (c && !isPaused(c)) c.pauses.push({ from: at, to: null })
      break
    }
    case 'resume': {
      const c = stage ? clocks[stage] : undefined
      if (!c || !stage) break
      const open = c.pauses.find((p) => p.to === null)
      if (open) open.to = at
      else if (c.end) {
        // Back to a stage that had ended (返工): the time since it ended is not the department's.
        c.pauses.push({ from: c.end, to: at })
        c.end = null
        reopened = stage
      }
      if (args.extraLimit) c.limit = addLimits(calendar, c.limit, args.extraLimit)
      break
    }
    case 'keep':
    case 'none':
      break
  }
  return { clocks, ended, reopened }
}

/** A limit plus an extension, in the first limit's unit. */
function addLimits(calendar: WorkCalendar, base: Limit, extra: Limit): Limit {
  if (base.unit === extra.unit) return { amount: base.amount + extra.amount, unit: base.unit }
  const minutes = limitMinutes(calendar, base) + limitMinutes(calendar, extra)
  return base.unit === 'workingDays' ? { amount: minutes / calendar.minutesPerWorkingDay, unit: 'workingDays' } : { amount: minutes / 60, unit: base.unit }
}

/** When the running stage turns yellow (80 % used) and red (deadline); both null while paused or finished. */
export function stageDeadline(calendar: WorkCalendar, clocks: CaseClocks, stage: CaseStage | null): StageDeadline {
  const c = stage ? clocks[stage] : undefined
  if (!c || c.end || isPaused(c)) return { stage, deadline: null, warnAt: null }
  const start = new Date(c.start)
  const pauses = closedPauses(c)
  return {
    stage,
    deadline: deadlineFor(calendar, start, c.limit, pauses),
    warnAt: deadlineFor(calendar, start, { amount: c.limit.amount * 0.8, unit: c.limit.unit }, pauses),
  }
}

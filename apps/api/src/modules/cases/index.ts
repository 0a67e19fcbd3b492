/**
 * The cases module's public face: the pure foundations (work calendar, class limits, workflow
 * table, stage clocks) and the case services other modules may call.
 */
import type { FastifyInstance } from 'fastify'
import { casesRoutes } from './cases.routes.js'
import { scanCaseTimers } from './cases.service.js'

export * from './work-calendar.js'
export * from './china-calendar.js'
export * from './case-limits.js'
export * from './case-workflow.js'
export * from './case-clock.js'
export { transitionPatch } from './case-transition.js'
export { workCalendar } from './case-calendar.js'
export { caseChecks, countCases } from './quality.js'
export { matchDispatchRule } from './cases.repository.js'
export { prepareReport, reportCase, actOnCase, getCase, listCases, scanCaseTimers } from './cases.service.js'

/** Routes under /api/v1 and the timer job (yellow at 80 %, red at the deadline). */
export async function casesModule(app: FastifyInstance) {
  const p = app.platform
  p.jobs.every('cases.timers', 60_000, async ({ now }) => {
    await scanCaseTimers(p, now)
  })
  await app.register(casesRoutes)
}

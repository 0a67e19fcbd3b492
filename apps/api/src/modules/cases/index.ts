/**
 * The cases module's public face. For now: the pure foundations — work calendar, class limits
 * and the workflow table; intake, persistence and routes come on top of them.
 */
export * from './work-calendar.js'
export * from './china-calendar.js'
export * from './case-limits.js'
export * from './case-workflow.js'

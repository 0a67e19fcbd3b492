import type { FastifyInstance } from 'fastify'
import { statsRoutes } from './stats.routes.js'
import { announceStatsChanges, foldStats, takeStatsSnapshot } from './stats.service.js'

/**
 * Statistics of cases for the big screen (docs/STATS.md): rollups kept by database triggers
 * (signed deltas in the case transaction) and a fold job; exact reads; rebuild and check.
 */
export { foldStats, rebuildStats, checkStats, takeStatsSnapshot, STATS_CHANGED } from './stats.service.js'
export { statsPolicy } from './stats.policy.js'

/** Routes under /api/v1, the fold (every second) and snapshot (hourly, checked every 5 min) jobs, and `stats.changed`. */
export async function statsModule(app: FastifyInstance) {
  const p = app.platform
  p.jobs.every('stats.fold', 1000, async () => {
    await foldStats(p)
  })
  p.jobs.every('stats.snapshot', 5 * 60_000, async ({ now }) => {
    await takeStatsSnapshot(p, now)
  })
  const stop = announceStatsChanges(p)
  app.addHook('onClose', async () => stop())
  await app.register(statsRoutes)
}

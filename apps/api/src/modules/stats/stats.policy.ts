import { definePolicy, isAdmin, regionCovers, regionLevelOf, type AuthUser } from '../../platform/access.js'
import { notFound } from '../../platform/errors.js'

export const statsPolicy = definePolicy({
  /** The big screen's aggregates, inside one's region scopes. */
  'stats.read': ['admin', 'leader', 'operator', 'shiftLeader', 'dispatcher', 'supervisor', 'gridWorker'],
  /** Recompute the rollups from the case history. */
  'stats.rebuild': ['admin'],
})

/** Shortest first: the widest of the caller's scopes. */
const WIDTH = { province: 0, city: 1, district: 2, street: 3, community: 4, grid: 5 } as const

/**
 * The region a stats request is about: the asked one if the caller's scopes cover it (404
 * otherwise, like anything outside a scope), else the caller's widest scope; `fallbackCity` for
 * users who see everything.
 */
export function statsRegionFor(user: AuthUser, asked: string | undefined, fallbackCity: () => Promise<string | null>): Promise<string> | string {
  statsPolicy.assert(user, 'stats.read')
  if (asked) {
    if (isAdmin(user) || user.regionCodes.some((scope) => regionCovers(scope, asked))) return asked
    throw notFound('Region')
  }
  if (isAdmin(user)) {
    return fallbackCity().then((c) => {
      if (!c) throw notFound('Region')
      return c
    })
  }
  const widest = [...user.regionCodes].sort((a, b) => WIDTH[regionLevelOf(a)] - WIDTH[regionLevelOf(b)] || a.localeCompare(b))[0]
  if (!widest) throw notFound('Region')
  return widest
}

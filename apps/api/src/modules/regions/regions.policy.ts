import { definePolicy, isAdmin, regionCovers, regionPrefix, type AuthUser, type Role } from '../../platform/access.js'
import type { Visibility } from './regions.repository.js'

const STAFF: Role[] = ['admin', 'leader', 'operator', 'shiftLeader', 'dispatcher', 'departmentHandler', 'supervisor', 'gridWorker', 'parkingOperator']

export const regionsPolicy = definePolicy({
  /** Browse the territory tree (inside one's scopes, plus the names of their ancestors). */
  'regions.read': STAFF,
  /** Resolve a point to its grid; every signed-in role, residents' reports included. */
  'regions.locate': [...STAFF, 'resident'],
  'regions.import': ['admin'],
  'regions.divide': ['admin'],
  /** Put grid supervisors and grid workers on grids. */
  'grids.assign': ['admin'],
})

/**
 * How much of a region a user may see: 'full' inside one of their scopes (geometry, statistics,
 * people); 'ancestor' for the regions above a scope — code, name and level only, so a tree can
 * be drawn down to what they work on; otherwise 'none' (answered 404).
 */
export function regionAccess(user: AuthUser, code: string): 'full' | 'ancestor' | 'none' {
  if (isAdmin(user) || user.regionCodes.some((scope) => regionCovers(scope, code))) return 'full'
  if (user.regionCodes.some((scope) => regionCovers(code, scope))) return 'ancestor'
  return 'none'
}

/** The same rule as a filter for list queries; null for admins (everything). */
export function visibilityOf(user: AuthUser): Visibility | null {
  if (isAdmin(user)) return null
  const codes = new Set<string>()
  for (const s of user.regionCodes) {
    // ancestors: province, city, district, street, community codes above the scope
    for (const a of [`${s.slice(0, 2)}0000`, `${s.slice(0, 4)}00`, s.slice(0, 6), s.slice(0, 9), s.slice(0, 12)]) if (a !== s && regionCovers(a, s)) codes.add(a)
  }
  return { prefixes: user.regionCodes.map(regionPrefix), codes: [...codes] }
}

import { DomainError, notFound } from './errors.js'

export const ROLES = [
  'admin',
  'leader',
  'operator',
  'shiftLeader',
  'dispatcher',
  'departmentHandler',
  'supervisor',
  'gridWorker',
  'resident',
  'parkingOperator',
] as const
export type Role = (typeof ROLES)[number]

/** The signed-in caller as every use case sees it. */
export interface AuthUser {
  id: string
  username: string
  displayName: string
  roles: Role[]
  departmentId: string | null
  /** Region codes the user is bound to (district, street, community or grid). */
  regionCodes: string[]
  via: 'session' | 'token'
  sessionId: string | null
}

/** What a thing belongs to: its region (any level) and, for department work, its department. */
export interface AccessTarget {
  regionCode?: string | null
  departmentId?: string | null
}

/**
 * The prefix a region code covers. Codes nest by prefix (district 6 digits, street +3,
 * community +3, grid +3); a city code such as 320100 covers 3201xx, a province 320000 covers 32xxxx.
 */
export function regionPrefix(code: string): string {
  if (code.length === 6 && code.endsWith('0000')) return code.slice(0, 2)
  if (code.length === 6 && code.endsWith('00')) return code.slice(0, 4)
  return code
}

/** True when the region `code` lies inside (or is) the region `scope`. */
export function regionCovers(scope: string, code: string): boolean {
  return code.startsWith(regionPrefix(scope)) || code === scope
}

export const isAdmin = (user: AuthUser) => user.roles.includes('admin')

/** May the user see a thing? Admins see all; others through a region scope or their department. */
export function canSee(user: AuthUser, target: AccessTarget): boolean {
  if (isAdmin(user)) return true
  if (target.departmentId && user.departmentId === target.departmentId) return true
  const code = target.regionCode
  if (code) return user.regionCodes.some((scope) => regionCovers(scope, code))
  return false
}

/** Every action name any module's policy defines, so `/me` can list what a user may do. */
const registry = new Map<string, readonly Role[]>()

/**
 * A module's rules: action → roles allowed to do it. `assert` answers 404 for things outside
 * the caller's scope (their existence is not revealed) and 403 for forbidden actions on
 * visible things.
 */
export function definePolicy<A extends string>(rules: Record<A, readonly Role[]>) {
  for (const [action, roles] of Object.entries(rules) as [A, readonly Role[]][]) registry.set(action, roles)
  const allows = (user: AuthUser, action: A) => user.roles.some((r) => rules[action].includes(r))
  return {
    allows,
    assert(user: AuthUser, action: A, target?: AccessTarget, what = 'Resource'): void {
      if (target && !canSee(user, target)) throw notFound(what)
      if (!allows(user, action)) throw new DomainError('FORBIDDEN', `Your role may not ${action}`)
    },
  }
}


/** The actions the user's roles allow, across all module policies. */
export function permissionsOf(user: Pick<AuthUser, 'roles'>): string[] {
  return [...registry].filter(([, roles]) => user.roles.some((r) => roles.includes(r))).map(([a]) => a).sort()
}

/** Region level implied by a code's length (and trailing zeros for city/province codes). */
export function regionLevelOf(code: string): 'province' | 'city' | 'district' | 'street' | 'community' | 'grid' {
  if (code.length === 6) return code.endsWith('0000') ? 'province' : code.endsWith('00') ? 'city' : 'district'
  if (code.length === 9) return 'street'
  if (code.length === 12) return 'community'
  return 'grid'
}

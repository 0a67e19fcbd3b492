import { canSee, isAdmin, definePolicy, type AuthUser, type Role } from '../../platform/access.js'
import { notFound } from '../../platform/errors.js'
import type { CaseSource } from './case-workflow.js'
import type { CaseRow } from './cases.repository.js'

export const casesPolicy = definePolicy({
  'cases.report': ['admin', 'supervisor', 'gridWorker', 'operator', 'shiftLeader', 'leader', 'resident', 'parkingOperator'],
  'cases.read': ['admin', 'leader', 'operator', 'shiftLeader', 'dispatcher', 'departmentHandler', 'supervisor', 'gridWorker', 'resident'],
  'cases.settings': ['admin'],
  'personalData.unmask': ['admin'],
})

/** Which intake sources each role may use; the first is its default. */
const SOURCES_BY_ROLE: Partial<Record<Role, CaseSource[]>> = {
  supervisor: ['supervisor'],
  gridWorker: ['supervisor'],
  resident: ['public'],
  operator: ['hotline', 'public', 'device'],
  shiftLeader: ['hotline', 'superior'],
  leader: ['superior'],
  // plate cameras and the parking console report illegal parking (parking module's violations)
  parkingOperator: ['device'],
  admin: ['supervisor', 'public', 'hotline', 'device', 'superior'],
}

export function sourcesFor(user: AuthUser): CaseSource[] {
  return [...new Set(user.roles.flatMap((r) => SOURCES_BY_ROLE[r] ?? []))]
}

/**
 * Who sees a case: admins; staff whose region scopes cover its grid; its department; and the
 * member of the public who reported it. Everyone else gets 404.
 */
export function canSeeCase(user: AuthUser, c: Pick<CaseRow, 'gridCode' | 'departmentId' | 'reporterId'>): boolean {
  if (isAdmin(user)) return true
  if (user.roles.length === 1 && user.roles[0] === 'resident') return c.reporterId === user.id
  return canSee(user, { regionCode: c.gridCode, departmentId: c.departmentId }) || c.reporterId === user.id
}

export function assertCanSeeCase(user: AuthUser, c: Pick<CaseRow, 'gridCode' | 'departmentId' | 'reporterId'>) {
  if (!canSeeCase(user, c)) throw notFound('Case')
}

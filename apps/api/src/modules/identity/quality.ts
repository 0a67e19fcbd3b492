import type { Platform } from '../../platform/platform.js'
import type { QualityCheck, QualityScope } from '../../platform/quality.js'
import { identityQualityRepository as repo } from './quality.repository.js'

/** Checks of the users dataset, for the data manager. */
export const userChecks: QualityCheck[] = [
  {
    key: 'no_scope',
    severity: 'warning',
    count: async (p, scope) => Number((await repo.usersWithoutScope(p.db, scope).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    page: (p, scope, { after, limit }) => repo.usersPage(p.db, scope, after, limit),
  },
]

/** Checks of the departments dataset, for the data manager. */
export const departmentChecks: QualityCheck[] = [
  {
    key: 'no_members',
    severity: 'warning',
    count: async (p, scope) => Number((await repo.departmentsWithoutMembers(p.db, scope).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    page: (p, scope, { after, limit }) => repo.departmentsPage(p.db, scope, after, limit),
  },
]

export const countUsersAndDepartments = (p: Platform, scope: QualityScope) => repo.counts(p.db, scope)

import { sql, type ExpressionBuilder } from 'kysely'
import type { Executor } from '../../platform/db/database.js'
import type { DB } from '../../platform/db/schema.js'
import type { QualityRow, QualityScope } from '../../platform/quality.js'

/** SQL of the data manager's user and department figures and checks (see docs/DATASETS.md). */

/** Roles that act inside region scopes (admins see all, residents act for themselves, department handlers through their department). */
export const REGIONAL_ROLES = ['leader', 'operator', 'shiftLeader', 'dispatcher', 'supervisor', 'gridWorker', 'parkingOperator'] as const

/** Users with a scope inside the caller's scope (everyone for admins). */
function userInScope(eb: ExpressionBuilder<DB, 'users'>, scope: QualityScope) {
  if (scope.prefixes === null) return sql<boolean>`true`
  if (scope.prefixes.length === 0) return sql<boolean>`false`
  const prefixes = scope.prefixes
  return eb.exists(
    eb
      .selectFrom('userScopes as s')
      .select('s.userId')
      .whereRef('s.userId', '=', 'users.id')
      .where((e) => e.or(prefixes.map((p) => e('s.regionCode', 'like', `${p}%`)))),
  )
}

/** Departments of a region inside the caller's scope (everyone for admins). */
function departmentInScope(eb: ExpressionBuilder<DB, 'departments'>, scope: QualityScope) {
  if (scope.prefixes === null) return sql<boolean>`true`
  if (scope.prefixes.length === 0) return sql<boolean>`false`
  return eb.or(scope.prefixes.map((p) => eb('departments.regionCode', 'like', `${p}%`)))
}

const users = (db: Executor, scope: QualityScope) => db.selectFrom('users').where((eb) => userInScope(eb, scope))
const departments = (db: Executor, scope: QualityScope) => db.selectFrom('departments').where((eb) => departmentInScope(eb, scope))
const n = sql<number>`count(*)::int`.as('n')

export const identityQualityRepository = {
  async counts(db: Executor, scope: QualityScope): Promise<{ users: number; departments: number }> {
    const [u, d] = await Promise.all([users(db, scope).select(n).executeTakeFirstOrThrow(), departments(db, scope).select(n).executeTakeFirstOrThrow()])
    return { users: Number(u.n), departments: Number(d.n) }
  },

  /** Enabled, non-admin users with a regional role and no region scope: they see nothing of their work. */
  usersWithoutScope: (db: Executor, scope: QualityScope) =>
    users(db, scope)
      .where('users.disabled', '=', false)
      .where(sql<boolean>`users.roles && ${sql.val([...REGIONAL_ROLES])}::text[]`)
      .where(sql<boolean>`not ('admin' = any(users.roles))`)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('userScopes as s').select('s.userId').whereRef('s.userId', '=', 'users.id')))),

  /** Enabled departments with no enabled member: cases dispatched there reach nobody. */
  departmentsWithoutMembers: (db: Executor, scope: QualityScope) =>
    departments(db, scope)
      .where('departments.disabled', '=', false)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('users as m').select('m.id').whereRef('m.departmentId', '=', 'departments.id').where('m.disabled', '=', false)))),


  async usersPage(db: Executor, scope: QualityScope, after: string | null, limit: number): Promise<QualityRow[]> {
    let q = identityQualityRepository.usersWithoutScope(db, scope).select(['users.id', 'users.username', 'users.displayName', 'users.roles']).orderBy('users.id').limit(limit)
    if (after !== null) q = q.where('users.id', '>', after)
    return (await q.execute()).map((r) => ({ id: r.id, name: `${r.displayName} (${r.username})`, regionCode: null, detail: `roles ${r.roles.join(', ')}; no region scope` }))
  },

  async departmentsPage(db: Executor, scope: QualityScope, after: string | null, limit: number): Promise<QualityRow[]> {
    let q = identityQualityRepository.departmentsWithoutMembers(db, scope).select(['departments.id', 'departments.code', 'departments.name', 'departments.regionCode']).orderBy('departments.id').limit(limit)
    if (after !== null) q = q.where('departments.id', '>', after)
    return (await q.execute()).map((r) => ({ id: r.id, name: `${r.name} (${r.code})`, regionCode: r.regionCode, detail: 'no enabled member' }))
  },
}

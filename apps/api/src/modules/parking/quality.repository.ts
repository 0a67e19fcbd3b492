import { sql, type ExpressionBuilder } from 'kysely'
import type { Executor } from '../../platform/db/database.js'
import type { DB } from '../../platform/db/schema.js'
import type { QualityScope } from '../../platform/quality.js'

/** SQL of the data manager's parking figures (see docs/DATASETS.md). */

const prefixes = (scope: QualityScope) => (scope.prefixes === null ? null : scope.prefixes.map((p) => `${p}%`))

function lotInScope(eb: ExpressionBuilder<DB, 'parkingLots'>, scope: QualityScope) {
  const like = prefixes(scope)
  if (like === null) return sql<boolean>`true`
  return like.length ? eb.or(like.map((l) => eb('parkingLots.gridCode', 'like', l))) : sql<boolean>`false`
}

function spaceInScope(eb: ExpressionBuilder<DB, 'parkingSpaces'>, scope: QualityScope) {
  const like = prefixes(scope)
  if (like === null) return sql<boolean>`true`
  return like.length ? eb.or(like.map((l) => eb('parkingSpaces.gridCode', 'like', l))) : sql<boolean>`false`
}

export const parkingQualityRepository = {
  async counts(db: Executor, scope: QualityScope): Promise<{ lots: number; spaces: number }> {
    const [l, s] = await Promise.all([
      db.selectFrom('parkingLots').select(sql<number>`count(*)::int`.as('n')).where((eb) => lotInScope(eb, scope)).executeTakeFirstOrThrow(),
      db.selectFrom('parkingSpaces').select(sql<number>`count(*)::int`.as('n')).where((eb) => spaceInScope(eb, scope)).executeTakeFirstOrThrow(),
    ])
    return { lots: Number(l.n), spaces: Number(s.n) }
  },
}

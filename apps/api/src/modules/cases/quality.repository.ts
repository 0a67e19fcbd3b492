import { sql, type ExpressionBuilder } from 'kysely'
import type { Executor } from '../../platform/db/database.js'
import type { DB } from '../../platform/db/schema.js'
import type { QualityRow, QualityScope } from '../../platform/quality.js'

/** SQL of the data manager's case figures and checks (see docs/DATASETS.md). */

function inScope(eb: ExpressionBuilder<DB, 'cases'>, scope: QualityScope) {
  if (scope.prefixes === null) return sql<boolean>`true`
  if (scope.prefixes.length === 0) return sql<boolean>`false`
  return eb.or(scope.prefixes.map((p) => eb('cases.gridCode', 'like', `${p}%`)))
}

const base = (db: Executor, scope: QualityScope) => db.selectFrom('cases').where((eb) => inScope(eb, scope))
type Base = ReturnType<typeof base>

export const casesQualityRepository = {
  async count(db: Executor, scope: QualityScope): Promise<number> {
    const r = await base(db, scope).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()
    return Number(r.n)
  },

  /** Cases still standing (not rejected, voided or merged) reported without a single photo. */
  withoutPhotos: (db: Executor, scope: QualityScope) =>
    base(db, scope)
      .where('cases.state', 'not in', ['rejected', 'voided', 'merged'])
      .where(sql<boolean>`cases.photos = '[]'::jsonb`),

  async countOf(q: Base): Promise<number> {
    const r = await q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()
    return Number(r.n)
  },

  async pageOf(q: Base, after: string | null, limit: number): Promise<QualityRow[]> {
    let page = q.select(['cases.id', 'cases.number', 'cases.gridCode', 'cases.state', 'cases.description']).orderBy('cases.id').limit(limit)
    if (after !== null) page = page.where('cases.id', '>', after)
    return (await page.execute()).map((r) => ({ id: r.id, name: r.number, regionCode: r.gridCode, detail: `${r.state}: ${r.description.slice(0, 60)}` }))
  },
}

import { sql, type ExpressionBuilder } from 'kysely'
import type { Executor } from '../../platform/db/database.js'
import type { DB } from '../../platform/db/schema.js'
import type { QualityRow, QualityScope } from '../../platform/quality.js'

/** SQL of the data manager's component figures and checks (see docs/DATASETS.md). */

type Eb = ExpressionBuilder<DB, 'components'>

function inScope(eb: Eb, scope: QualityScope) {
  if (scope.prefixes === null) return sql<boolean>`true`
  if (scope.prefixes.length === 0) return sql<boolean>`false`
  return eb.or(scope.prefixes.map((p) => eb('components.gridCode', 'like', `${p}%`)))
}

const base = (db: Executor, scope: QualityScope) => db.selectFrom('components').where((eb) => inScope(eb, scope))
type Base = ReturnType<typeof base>

/** States of a case in which it still works on the problem (see cases' workflow). */
const OPEN_CASE = sql<boolean>`cases.state not in ('rejected', 'closed', 'voided', 'merged')`

export const componentsQualityRepository = {
  async count(db: Executor, scope: QualityScope): Promise<number> {
    const r = await base(db, scope).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()
    return Number(r.n)
  },

  /** The newest bulk import: when, by whom, how many rows, how it ended. */
  lastImport(db: Executor) {
    return db
      .selectFrom('componentImports as i')
      .leftJoin('users as u', 'u.id', 'i.createdBy')
      .select(['i.id', 'i.status', 'i.createdAt', 'i.finishedAt', 'i.rowsRead', 'i.created', 'i.updated', 'i.unchanged', 'i.rowsInvalid', 'u.username', 'u.displayName'])
      .orderBy('i.createdAt', 'desc')
      .limit(1)
      .executeTakeFirst()
  },

  /**
   * Candidates for "outside any grid": the recorded grid is no current grid, or the point lies
   * outside that grid's bounding box. The caller confirms each with the point → grid index.
   */
  outsideGridCandidates(db: Executor, scope: QualityScope) {
    return base(db, scope)
      .leftJoin('regions as g', (j) => j.onRef('g.code', '=', 'components.gridCode').on('g.level', '=', 'grid').on(sql<boolean>`(g.valid_to is null or g.valid_to > current_date)`))
      .where((eb) => eb.or([eb('g.code', 'is', null), sql<boolean>`not (components.lng between g.min_lng and g.max_lng and components.lat between g.min_lat and g.max_lat)`]))
      .select(['components.code', 'components.name', 'components.gridCode', 'components.lng', 'components.lat'])
      .orderBy('components.code')
      .execute()
  },

  /** In-use components with none of the three responsible units (authority, owner, maintainer). */
  withoutResponsibleUnit: (db: Executor, scope: QualityScope) =>
    base(db, scope)
      .where('components.currency', '=', 'inUse')
      .where('components.authorityDeptId', 'is', null)
      .where('components.ownerDeptId', 'is', null)
      .where('components.maintainerDeptId', 'is', null),

  /**
   * In-use components damaged or lost, unchanged since before `since`, with no open case about
   * them (reads the cases table: the check is about the two together).
   */
  staleStatus: (db: Executor, scope: QualityScope, since: Date) =>
    base(db, scope)
      .where('components.currency', '=', 'inUse')
      .where('components.status', 'in', ['damaged', 'lost'])
      .where('components.updatedAt', '<', since)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('cases').select('cases.id').whereRef('cases.componentCode', '=', 'components.code').where(OPEN_CASE)))),

  /**
   * In-use components sharing class and point (coordinates rounded to 0.000001°, about 0.1 m)
   * with another in-use component: one object registered twice. One grouping pass over the
   * registry (a pairwise search with a tolerance cost seconds for a few thousand rows).
   */
  duplicateLocation: (db: Executor, scope: QualityScope) =>
    base(db, scope)
      .where('components.currency', '=', 'inUse')
      .where(
        sql<boolean>`(components.minor_class, round(components.lng * 1000000), round(components.lat * 1000000)) in (
          select d.minor_class, round(d.lng * 1000000), round(d.lat * 1000000) from components d where d.currency = 'inUse'
          group by 1, 2, 3 having count(*) > 1)`,
      ),

  async countOf(q: Base): Promise<number> {
    const r = await q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()
    return Number(r.n)
  },

  async pageOf(q: Base, after: string | null, limit: number, detail: (r: { status: string; updatedAt: Date; minorClass: string }) => string | null): Promise<QualityRow[]> {
    let page = q.select(['components.code', 'components.name', 'components.gridCode', 'components.status', 'components.updatedAt', 'components.minorClass']).orderBy('components.code').limit(limit)
    if (after !== null) page = page.where('components.code', '>', after)
    return (await page.execute()).map((r) => ({ id: r.code, name: r.name, regionCode: r.gridCode, detail: detail(r) }))
  },
}

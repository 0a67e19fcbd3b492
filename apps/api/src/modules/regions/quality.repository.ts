import { sql, type ExpressionBuilder } from 'kysely'
import type { Executor } from '../../platform/db/database.js'
import type { DB } from '../../platform/db/schema.js'
import type { AreaGeometry } from '../../platform/geo/index.js'
import type { QualityRow, QualityScope } from '../../platform/quality.js'

/** SQL of the data manager's region and grid figures and checks (see docs/DATASETS.md). */

const current = sql<boolean>`(valid_to is null or valid_to > current_date)`

function inScope(eb: ExpressionBuilder<DB, 'regions'>, scope: QualityScope) {
  if (scope.prefixes === null) return sql<boolean>`true`
  if (scope.prefixes.length === 0) return sql<boolean>`false`
  return eb.or(scope.prefixes.map((p) => eb('regions.code', 'like', `${p}%`)))
}

const base = (db: Executor) => db.selectFrom('regions')
type Base = ReturnType<typeof base>

export const regionsQualityRepository = {
  /** Current regions above grid level, and grids, in the scope. */
  async counts(db: Executor, scope: QualityScope): Promise<{ regions: number; grids: number }> {
    const r = await db
      .selectFrom('regions')
      .select([
        sql<number>`count(*) filter (where level <> 'grid')::int`.as('regions'),
        sql<number>`count(*) filter (where level = 'grid')::int`.as('grids'),
      ])
      .where(current)
      .where((eb) => inScope(eb, scope))
      .executeTakeFirstOrThrow()
    return { regions: Number(r.regions), grids: Number(r.grids) }
  },

  /** Changes whenever a community or grid is added, removed, reshaped or retired: the key of the topology cache. */
  async topologyFingerprint(db: Executor): Promise<string> {
    const r = await db
      .selectFrom('regions')
      .select(sql<string>`count(*)::text || ':' || coalesce(md5(string_agg(code || ':' || extract(epoch from updated_at)::text || ':' || coalesce(valid_to::text, ''), ',' order by code)), '')`.as('f'))
      .where('level', 'in', ['community', 'grid'])
      .executeTakeFirstOrThrow()
    return r.f
  },

  /** Every current community and grid with its geometry (grids carry their community as parent). */
  topologySource(db: Executor): Promise<{ code: string; name: string; level: 'community' | 'grid'; parentCode: string | null; geometry: AreaGeometry | null }[]> {
    return db
      .selectFrom('regions')
      .select(['code', 'name', 'level', 'parentCode', 'geometry'])
      .where('level', 'in', ['community', 'grid'])
      .where(current)
      .orderBy('code')
      .execute() as never
  },

  /** Current grids with no primary person assigned (unit grids need a responsible supervisor). */
  gridsWithoutPrimary(db: Executor, scope: QualityScope): Base {
    return base(db)
      .where('level', '=', 'grid')
      .where(current)
      .where((eb) => inScope(eb, scope))
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('gridAssignments as a').select('a.id').whereRef('a.gridCode', '=', 'regions.code').where('a.role', '=', 'primary').where('a.assignedTo', 'is', null))),
      )
  },

  /** Current regions above grid level drawn without a boundary (they cannot be checked or shown on the map). */
  regionsWithoutGeometry(db: Executor, scope: QualityScope): Base {
    return base(db).where('level', '<>', 'grid').where('geometry', 'is', null).where(current).where((eb) => inScope(eb, scope))
  },

  /** Top regions of the territory (cities, and districts with no city above them), for export links. */
  topRegions(db: Executor): Promise<{ code: string; name: string }[]> {
    return db.selectFrom('regions').select(['code', 'name']).where('parentCode', 'is', null).where(current).orderBy('code').limit(20).execute()
  },

  async countOf(q: Base): Promise<number> {
    const r = await q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()
    return Number(r.n)
  },

  async pageOf(q: Base, after: string | null, limit: number, detail: string | null): Promise<QualityRow[]> {
    let page = q.select(['regions.code', 'regions.name']).orderBy('regions.code').limit(limit)
    if (after !== null) page = page.where('regions.code', '>', after)
    return (await page.execute()).map((r) => ({ id: r.code, name: r.name, regionCode: r.code, detail }))
  },
}

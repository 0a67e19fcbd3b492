import { sql, type Generated, type GeneratedAlways } from 'kysely'
import type { Executor } from '../../platform/db/database.js'
import type { AreaGeometry } from '../../platform/geo/index.js'

export const REGION_LEVELS = ['city', 'district', 'street', 'community', 'grid'] as const
export type RegionLevel = (typeof REGION_LEVELS)[number]

declare module '../../platform/db/schema.js' {
  interface DB {
    regions: {
      code: string
      name: string
      level: RegionLevel
      parentCode: string | null
      districtCode: GeneratedAlways<string>
      sourceCode: string | null
      geometry: AreaGeometry | null
      areaM2: number | null
      minLng: number | null
      minLat: number | null
      maxLng: number | null
      maxLat: number | null
      approximate: Generated<boolean>
      validFrom: Generated<string>
      validTo: string | null
      createdAt: Generated<Date>
      updatedAt: Generated<Date>
    }
    gridAssignments: {
      id: Generated<string>
      gridCode: string
      districtCode: GeneratedAlways<string>
      userId: string
      role: 'primary' | 'helper'
      assignedFrom: Date
      assignedTo: Date | null
      assignedBy: string | null
      endedBy: string | null
    }
  }
}

export interface RegionRow {
  code: string
  name: string
  level: RegionLevel
  parentCode: string | null
  districtCode: string
  sourceCode: string | null
  areaM2: number | null
  minLng: number | null
  minLat: number | null
  maxLng: number | null
  maxLat: number | null
  approximate: boolean
  validFrom: string
  validTo: string | null
}
export type RegionWithGeometry = RegionRow & { geometry: AreaGeometry | null }

export interface NewRegion {
  code: string
  name: string
  level: RegionLevel
  parentCode: string | null
  sourceCode: string | null
  geometry: AreaGeometry | null
  areaM2: number | null
  bbox: [number, number, number, number] | null
  approximate: boolean
  validFrom?: string
}

/** What a non-admin may read: codes under these prefixes, plus these exact (ancestor) codes. */
export interface Visibility {
  prefixes: string[]
  codes: string[]
}

const columns = [
  'code',
  'name',
  'level',
  'parentCode',
  'districtCode',
  'sourceCode',
  'areaM2',
  'minLng',
  'minLat',
  'maxLng',
  'maxLat',
  'approximate',
  'validFrom',
  'validTo',
] as const

/** Rows in force today (validity dates are inclusive of valid_from, exclusive of valid_to). */
const current = sql<boolean>`(valid_to is null or valid_to > current_date)`
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`)

/** Run a lookup by code in slices, keeping `in (…)` lists well under the 65,535 parameter limit. */
async function inSlices<T>(codes: string[], lookup: (slice: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = []
  for (let i = 0; i < codes.length; i += 1000) out.push(...(await lookup(codes.slice(i, i + 1000))))
  return out
}

export const regionsRepository = {
  findWithGeometry(db: Executor, code: string): Promise<RegionWithGeometry | undefined> {
    return db.selectFrom('regions').select([...columns, 'geometry']).where('code', '=', code).executeTakeFirst()
  },

  /** Rows of these codes (any validity), with geometry. */
  findMany(db: Executor, codes: string[]): Promise<RegionWithGeometry[]> {
    return inSlices(codes, (slice) => db.selectFrom('regions').select([...columns, 'geometry']).where('code', 'in', slice).execute())
  },

  /** A page of current regions ordered by code, filtered by level, parent and visibility. */
  list(db: Executor, opts: { level?: RegionLevel; parent?: string; q?: string; after?: string; limit: number; visibility: Visibility | null }): Promise<RegionRow[]> {
    let q = db.selectFrom('regions').select(columns).where(current).orderBy('code').limit(opts.limit)
    if (opts.level) q = q.where('level', '=', opts.level)
    if (opts.q) q = q.where('name', 'ilike', `%${escapeLike(opts.q)}%`)
    if (opts.parent) q = q.where('parentCode', '=', opts.parent)
    if (opts.after) q = q.where('code', '>', opts.after)
    const v = opts.visibility
    if (v) {
      q = q.where((eb) =>
        eb.or([...v.prefixes.map((prefix) => eb('code', 'like', `${escapeLike(prefix)}%`)), ...(v.codes.length ? [eb('code', 'in', v.codes)] : [])]),
      )
    }
    return q.execute()
  },

  /** Current descendants of a region down to some levels (by code prefix), with geometry. */
  subtree(db: Executor, prefix: string, levels: RegionLevel[]): Promise<RegionWithGeometry[]> {
    return db
      .selectFrom('regions')
      .select([...columns, 'geometry'])
      .where('code', 'like', `${escapeLike(prefix)}%`)
      .where('level', 'in', levels)
      .where('geometry', 'is not', null)
      .where(current)
      .orderBy('code')
      .execute()
  },

  /** Count and area of current descendants per level. */
  async descendantStats(db: Executor, prefix: string, code: string) {
    return db
      .selectFrom('regions')
      .select(['level', (eb) => eb.fn.countAll<number>().as('count'), (eb) => eb.fn.sum<number | null>('areaM2').as('area')])
      .where('code', 'like', `${escapeLike(prefix)}%`)
      .where('code', '<>', code)
      .where(current)
      .groupBy('level')
      .execute()
  },

  countChildren(db: Executor, code: string): Promise<number> {
    return db
      .selectFrom('regions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('parentCode', '=', code)
      .where(current)
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n))
  },

  /** Codes among these that exist already. */
  async existingCodes(db: Executor, codes: string[]): Promise<Set<string>> {
    const rows = await inSlices(codes, (slice) => db.selectFrom('regions').select('code').where('code', 'in', slice).execute())
    return new Set(rows.map((r) => r.code))
  },

  /** Current grids of some communities, with geometry. */
  gridsOf(db: Executor, communityCodes: string[]): Promise<RegionWithGeometry[]> {
    return inSlices(communityCodes, (slice) =>
      db.selectFrom('regions').select([...columns, 'geometry']).where('level', '=', 'grid').where('parentCode', 'in', slice).where(current).orderBy('code').execute(),
    )
  },

  async insertMany(db: Executor, rows: NewRegion[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 500) {
      await db
        .insertInto('regions')
        .values(
          rows.slice(i, i + 500).map((r) => ({
            code: r.code,
            name: r.name,
            level: r.level,
            parentCode: r.parentCode,
            sourceCode: r.sourceCode,
            // serialised here, as the audit log does, so both drivers send the same jsonb text
            geometry: (r.geometry ? JSON.stringify(r.geometry) : null) as never,
            areaM2: r.areaM2,
            minLng: r.bbox?.[0] ?? null,
            minLat: r.bbox?.[1] ?? null,
            maxLng: r.bbox?.[2] ?? null,
            maxLat: r.bbox?.[3] ?? null,
            approximate: r.approximate,
            ...(r.validFrom ? { validFrom: r.validFrom } : {}),
          })),
        )
        .execute()
    }
  },

  deleteGridsOf(db: Executor, communityCode: string): Promise<{ code: string }[]> {
    return db.deleteFrom('regions').where('level', '=', 'grid').where('parentCode', '=', communityCode).returning('code').execute()
  },

  /** Everything the point lookup needs: current regions with geometry, in code order, and all names. */
  async locateSource(db: Executor) {
    const shapes = await db
      .selectFrom('regions')
      .select(['code', 'level', 'geometry'])
      .where('geometry', 'is not', null)
      .where(current)
      .orderBy('code')
      .execute()
    const names = await db.selectFrom('regions').select(['code', 'name', 'level']).where(current).execute()
    return { shapes: shapes as { code: string; level: RegionLevel; geometry: AreaGeometry }[], names }
  },

  // Grid assignments

  /** Take the grid's row lock so concurrent assignment writes for one grid run one after another. */
  lockRegion(db: Executor, code: string) {
    return db.selectFrom('regions').select('code').where('code', '=', code).forUpdate().executeTakeFirst()
  },

  assignments(db: Executor, gridCode: string, opts: { active: boolean; limit?: number }) {
    let q = db
      .selectFrom('gridAssignments as a')
      .innerJoin('users as u', 'u.id', 'a.userId')
      .leftJoin('users as by', 'by.id', 'a.assignedBy')
      .leftJoin('users as end', 'end.id', 'a.endedBy')
      .select([
        'a.id',
        'a.userId',
        'u.username',
        'u.displayName',
        'u.roles',
        'a.role',
        'a.assignedFrom',
        'a.assignedTo',
        'by.username as assignedByName',
        'end.username as endedByName',
      ])
      .where('a.gridCode', '=', gridCode)
    q = opts.active ? q.where('a.assignedTo', 'is', null).orderBy('a.role', 'desc').orderBy('u.username') : q.where('a.assignedTo', 'is not', null).orderBy('a.assignedTo', 'desc')
    return (opts.limit ? q.limit(opts.limit) : q).execute()
  },

  /** Active assignments of the grids of a community (used when a division replaces them). */
  activeAssignmentsUnder(db: Executor, communityCode: string) {
    return db
      .selectFrom('gridAssignments')
      .select(['id', 'gridCode', 'userId'])
      .where('gridCode', 'like', `${escapeLike(communityCode)}%`)
      .where('assignedTo', 'is', null)
      .execute()
  },

  insertAssignment(db: Executor, row: { gridCode: string; userId: string; role: 'primary' | 'helper'; assignedFrom: Date; assignedBy: string | null }) {
    return db.insertInto('gridAssignments').values(row).execute()
  },

  endAssignments(db: Executor, ids: string[], at: Date, by: string | null) {
    if (ids.length === 0) return Promise.resolve([])
    return db.updateTable('gridAssignments').set({ assignedTo: at, endedBy: by }).where('id', 'in', ids).where('assignedTo', 'is', null).execute()
  },

  /** The users that may be put on a grid, by id. */
  assignableUsers(db: Executor, ids: string[]) {
    if (ids.length === 0) return Promise.resolve([])
    return db.selectFrom('users').select(['id', 'username', 'roles', 'disabled']).where('id', 'in', ids).execute()
  },

  // The foundation's scope table (identity module): an active assignment is a region scope.
  // Written here, in the assignment's transaction, because identity exposes no scope helper yet.

  async grantScope(db: Executor, userId: string, regionCode: string) {
    await db.insertInto('userScopes').values({ userId, regionCode }).onConflict((oc) => oc.columns(['userId', 'regionCode']).doNothing()).execute()
  },

  async revokeScope(db: Executor, userId: string, regionCode: string) {
    await db.deleteFrom('userScopes').where('userId', '=', userId).where('regionCode', '=', regionCode).execute()
  },
}

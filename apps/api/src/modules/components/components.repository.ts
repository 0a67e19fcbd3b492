import { sql, type ColumnType, type Generated, type GeneratedAlways, type RawBuilder } from 'kysely'
import type { Executor, Tx } from '../../platform/db/database.js'
import type { AreaGeometry } from '../../platform/geo/index.js'
import type { ComponentGeometry } from './component-geometry.js'
import type { ComponentStatus, Currency, DataSource } from './import-rows.js'

type Json<T> = ColumnType<T, string, string>
/** jsonb with a default: optional on insert. */
type JsonDefault<T> = ColumnType<T, string | undefined, string>

declare module '../../platform/db/schema.js' {
  interface DB {
    componentCodeCounters: { districtCode: string; minorClass: string; lastSeq: number }
    components: {
      code: string
      districtCode: GeneratedAlways<string>
      classKind: Generated<'component'>
      minorClass: string
      majorClass: GeneratedAlways<string>
      name: string
      /** null for a Point: its lng/lat is the geometry */
      geometry: ColumnType<ComponentGeometry | null, string | null, string | null>
      lng: number
      lat: number
      minLng: number
      minLat: number
      maxLng: number
      maxLat: number
      gridCode: string
      streetCode: GeneratedAlways<string>
      communityCode: GeneratedAlways<string>
      location: string | null
      status: Generated<ComponentStatus>
      currency: Generated<Currency>
      authorityDeptId: string | null
      ownerDeptId: string | null
      maintainerDeptId: string | null
      dataSource: Generated<DataSource>
      photos: Generated<string[]>
      installDate: string | null
      attributes: JsonDefault<Record<string, unknown>>
      note: string | null
      version: Generated<number>
      importId: string | null
      createdAt: Generated<Date>
      createdBy: string | null
      updatedAt: Generated<Date>
      updatedBy: string | null
    }
    componentChanges: {
      id: Generated<number>
      componentCode: string
      districtCode: GeneratedAlways<string>
      at: Date
      actorId: string | null
      actorName: string
      source: 'api' | 'import' | 'case'
      importId: string | null
      action: 'create' | 'update'
      changes: Json<Record<string, [unknown, unknown]> | null> | null
    }
    componentImports: {
      id: string
      status: ImportStatus
      format: 'csv' | 'xlsx' | 'geojson'
      fileName: string | null
      fileSize: number | null
      mode: 'all-or-nothing' | 'keep-valid'
      crs: string
      encoding: Generated<string>
      mapping: JsonDefault<Record<string, string>>
      rowsRead: Generated<number>
      rowsValid: Generated<number>
      rowsInvalid: Generated<number>
      bytesRead: Generated<number>
      created: Generated<number>
      updated: Generated<number>
      unchanged: Generated<number>
      errorsTruncated: Generated<boolean>
      message: string | null
      instanceId: string | null
      heartbeatAt: Date | null
      createdBy: string | null
      createdAt: Generated<Date>
      startedAt: Date | null
      finishedAt: Date | null
    }
    componentImportErrors: { importId: string; rowNo: number; columnName: string | null; value: string | null; reason: string }
  }
}

export type ImportStatus = 'pending' | 'reading' | 'applying' | 'succeeded' | 'rejected' | 'failed'
export const UNFINISHED: ImportStatus[] = ['pending', 'reading', 'applying']

export const componentColumns = [
  'c.code',
  'c.districtCode',
  'c.minorClass',
  'c.majorClass',
  'c.name',
  'c.geometry',
  'c.lng',
  'c.lat',
  'c.minLng',
  'c.minLat',
  'c.maxLng',
  'c.maxLat',
  'c.gridCode',
  'c.streetCode',
  'c.communityCode',
  'c.location',
  'c.status',
  'c.currency',
  'c.authorityDeptId',
  'c.ownerDeptId',
  'c.maintainerDeptId',
  'c.dataSource',
  'c.photos',
  'c.installDate',
  'c.attributes',
  'c.note',
  'c.version',
  'c.importId',
  'c.createdAt',
  'c.createdBy',
  'c.updatedAt',
  'c.updatedBy',
] as const

export interface ComponentRow {
  code: string
  districtCode: string
  minorClass: string
  majorClass: string
  name: string
  /** Lines and polygons; a Point is rebuilt from lng/lat (see `geometryOf`). */
  geometry: ComponentGeometry | null
  lng: number
  lat: number
  minLng: number
  minLat: number
  maxLng: number
  maxLat: number
  gridCode: string
  streetCode: string
  communityCode: string
  location: string | null
  status: ComponentStatus
  currency: Currency
  authorityDeptId: string | null
  ownerDeptId: string | null
  maintainerDeptId: string | null
  dataSource: DataSource
  photos: string[]
  installDate: string | null
  attributes: Record<string, unknown>
  note: string | null
  version: number
  importId: string | null
  createdAt: Date
  createdBy: string | null
  updatedAt: Date
  updatedBy: string | null
  minorClassName: string
  majorClassName: string
}

/** Values a write sets (geometry as GeoJSON, attributes as an object). */
export interface ComponentValues {
  minorClass: string
  name: string
  geometry: ComponentGeometry
  lng: number
  lat: number
  minLng: number
  minLat: number
  maxLng: number
  maxLat: number
  gridCode: string
  location: string | null
  status: ComponentStatus
  currency: Currency
  authorityDeptId: string | null
  ownerDeptId: string | null
  maintainerDeptId: string | null
  dataSource: DataSource
  photos: string[]
  installDate: string | null
  attributes: Record<string, unknown>
  note: string | null
}

/** What the geometry column holds: null for a Point (its lng/lat), the GeoJSON text otherwise. */
const storedGeometry = (g: ComponentGeometry): string | null => (g.type === 'Point' ? null : JSON.stringify(g))

/** A row's geometry, a Point rebuilt from its lng/lat. */
export const geometryOf = (r: { geometry: ComponentGeometry | null; lng: number; lat: number }): ComponentGeometry =>
  r.geometry ?? { type: 'Point', coordinates: [r.lng, r.lat] }

/** Who may see what in SQL: null = everything (admin); otherwise grid-code prefixes and a department. */
export interface SqlScope {
  prefixes: string[]
  departmentId: string | null
}

export interface ListFilters {
  prefix?: string
  gridCode?: string
  minorClass?: string[]
  majorClass?: string
  status?: ComponentStatus[]
  currency?: Currency
  deptId?: string
  deptRole?: 'authority' | 'owner' | 'maintainer'
  q?: string
  bbox?: [number, number, number, number]
}

function selectComponents(db: Executor) {
  return db
    .selectFrom('components as c')
    .innerJoin('minorClasses as m', (j) => j.onRef('m.kind', '=', 'c.classKind').onRef('m.code', '=', 'c.minorClass'))
    .innerJoin('majorClasses as j', (j) => j.onRef('j.kind', '=', 'c.classKind').onRef('j.code', '=', 'c.majorClass'))
    .select([...componentColumns, 'm.name as minorClassName', 'j.name as majorClassName'])
}

/** The next code above `prefix` in text order: 320102 → 320103, 3201029 → 320103 (for index ranges). */
export function prefixUpper(prefix: string): string {
  let i = prefix.length - 1
  while (i >= 0 && prefix[i] === '9') i--
  if (i < 0) return '~'
  return prefix.slice(0, i) + String.fromCharCode(prefix.charCodeAt(i) + 1)
}

const inPrefix = (column: string, prefix: string): RawBuilder<boolean> =>
  sql<boolean>`(${sql.ref(column)} >= ${prefix} and ${sql.ref(column)} < ${prefixUpper(prefix)})`

function scopeCondition(scope: SqlScope | null): RawBuilder<boolean> | null {
  if (!scope) return null
  const parts: RawBuilder<boolean>[] = scope.prefixes.map((p) => inPrefix('c.gridCode', p))
  if (scope.departmentId) {
    const d = scope.departmentId
    parts.push(sql<boolean>`(c.authority_dept_id = ${d} or c.owner_dept_id = ${d} or c.maintainer_dept_id = ${d})`)
  }
  if (parts.length === 0) return sql<boolean>`false`
  return sql<boolean>`(${sql.join(parts, sql` or `)})`
}

export const componentsRepository = {
  /** Take the next sequence number of (district, minor class), locking the counter until commit. */
  async allocateSeq(tx: Tx, districtCode: string, minorClass: string): Promise<number> {
    const r = await sql<{ lastSeq: number }>`
      insert into component_code_counters (district_code, minor_class, last_seq) values (${districtCode}, ${minorClass}, 1)
      on conflict (district_code, minor_class) do update set last_seq = component_code_counters.last_seq + 1
      returning last_seq`.execute(tx)
    return r.rows[0]!.lastSeq
  },

  /** Keep the counter at or above an explicitly given sequence (codes carried over from another system). */
  async raiseSeq(tx: Tx, districtCode: string, minorClass: string, seq: number): Promise<void> {
    await sql`
      insert into component_code_counters (district_code, minor_class, last_seq) values (${districtCode}, ${minorClass}, ${seq})
      on conflict (district_code, minor_class) do update set last_seq = greatest(component_code_counters.last_seq, excluded.last_seq)`.execute(tx)
  },

  async insert(tx: Tx, code: string, v: ComponentValues, meta: { actorId: string | null; at: Date }): Promise<void> {
    await tx
      .insertInto('components')
      .values({
        code,
        ...v,
        geometry: storedGeometry(v.geometry),
        attributes: JSON.stringify(v.attributes),
        createdBy: meta.actorId,
        updatedBy: meta.actorId,
        createdAt: meta.at,
        updatedAt: meta.at,
      })
      .execute()
  },

  async update(tx: Tx, code: string, v: Partial<ComponentValues>, meta: { actorId: string | null; at: Date }): Promise<void> {
    const { geometry, attributes, ...rest } = v
    await tx
      .updateTable('components')
      .set((eb) => ({
        ...rest,
        ...(geometry ? { geometry: storedGeometry(geometry) } : {}),
        ...(attributes ? { attributes: JSON.stringify(attributes) } : {}),
        version: eb('version', '+', 1),
        updatedAt: meta.at,
        updatedBy: meta.actorId,
      }))
      .where('code', '=', code)
      .execute()
  },

  async find(db: Executor, code: string, opts: { forUpdate?: boolean } = {}): Promise<ComponentRow | undefined> {
    let q = selectComponents(db).where('c.code', '=', code)
    if (opts.forUpdate) q = q.forUpdate('c')
    return (await q.executeTakeFirst()) as ComponentRow | undefined
  },

  async insertChanges(
    tx: Tx,
    rows: { componentCode: string; at: Date; actorId: string | null; actorName: string; source: 'api' | 'import' | 'case'; importId: string | null; action: 'create' | 'update'; changes: Record<string, [unknown, unknown]> | null }[],
  ): Promise<void> {
    if (rows.length === 0) return
    await tx
      .insertInto('componentChanges')
      .values(rows.map((r) => ({ ...r, changes: r.changes === null ? null : JSON.stringify(r.changes) })))
      .execute()
  },

  listChanges(db: Executor, code: string, limit: number) {
    return db
      .selectFrom('componentChanges')
      .select(['id', 'at', 'actorId', 'actorName', 'source', 'importId', 'action', 'changes'])
      .where('componentCode', '=', code)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute()
  },

  async list(db: Executor, opts: { scope: SqlScope | null; filters: ListFilters; after?: string; limit: number }): Promise<ComponentRow[]> {
    let q = selectComponents(db).orderBy('c.code').limit(opts.limit)
    const f = opts.filters
    const scope = scopeCondition(opts.scope)
    if (scope) q = q.where(scope)
    if (opts.after) q = q.where('c.code', '>', opts.after)
    if (f.prefix) q = q.where(inPrefix('c.gridCode', f.prefix))
    if (f.gridCode) q = q.where('c.gridCode', '=', f.gridCode)
    if (f.minorClass?.length) q = q.where('c.minorClass', 'in', f.minorClass)
    if (f.majorClass) q = q.where('c.majorClass', '=', f.majorClass)
    if (f.status?.length) q = q.where('c.status', 'in', f.status)
    if (f.currency) q = q.where('c.currency', '=', f.currency)
    if (f.deptId) {
      const d = f.deptId
      if (f.deptRole === 'authority') q = q.where('c.authorityDeptId', '=', d)
      else if (f.deptRole === 'owner') q = q.where('c.ownerDeptId', '=', d)
      else if (f.deptRole === 'maintainer') q = q.where('c.maintainerDeptId', '=', d)
      else q = q.where((eb) => eb.or([eb('c.authorityDeptId', '=', d), eb('c.ownerDeptId', '=', d), eb('c.maintainerDeptId', '=', d)]))
    }
    if (f.q) {
      // the expression of the trigram index; ILIKE on it uses the index (pg_trgm)
      const pattern = `%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`
      q = q.where(sql<boolean>`(c.name || ' ' || coalesce(c.location, '')) ilike ${pattern}`)
    }
    if (f.bbox) {
      const [x1, y1, x2, y2] = f.bbox
      q = q.where((eb) =>
        eb.or([
          eb.and([eb('c.lng', '>=', x1), eb('c.lng', '<=', x2), eb('c.lat', '>=', y1), eb('c.lat', '<=', y2)]),
          eb.and([
            sql<boolean>`(c.min_lng < c.max_lng or c.min_lat < c.max_lat)`,
            eb('c.minLng', '<=', x2),
            eb('c.maxLng', '>=', x1),
            eb('c.minLat', '<=', y2),
            eb('c.maxLat', '>=', y1),
          ]),
        ]),
      )
    }
    return (await q.execute()) as ComponentRow[]
  },

  /**
   * Candidates for a nearest search: components of the classes whose representative point lies
   * in the window (index components_nearest_idx: minor class, then a range on lng, then lat),
   * plus lines and polygons of those classes whose bbox meets it (components_extent_idx).
   */
  async nearestCandidates(
    db: Executor,
    opts: { minorClasses: string[]; window: [number, number, number, number]; includeRetired: boolean; scope: SqlScope | null },
  ) {
    const [x1, y1, x2, y2] = opts.window
    const scope = scopeCondition(opts.scope)
    const retired = opts.includeRetired ? sql`` : sql`and c.currency = 'inUse'`
    const scoped = scope ? sql`and ${scope}` : sql``
    const r = await sql<{ code: string; minorClass: string; name: string; lng: number; lat: number; status: ComponentStatus; currency: Currency; gridCode: string; location: string | null; geometry: ComponentGeometry | null }>`
      select c.code, c.minor_class, c.name, c.lng, c.lat, c.status, c.currency, c.grid_code, c.location, c.geometry
      from components c
      where c.minor_class = any(${opts.minorClasses}::text[]) and c.lng between ${x1} and ${x2} and c.lat between ${y1} and ${y2} ${retired} ${scoped}
      union all
      select c.code, c.minor_class, c.name, c.lng, c.lat, c.status, c.currency, c.grid_code, c.location, c.geometry
      from components c
      where c.minor_class = any(${opts.minorClasses}::text[]) and (c.min_lng < c.max_lng or c.min_lat < c.max_lat)
        and not (c.lng between ${x1} and ${x2} and c.lat between ${y1} and ${y2})
        and c.min_lng <= ${x2} and c.max_lng >= ${x1} and c.min_lat <= ${y2} and c.max_lat >= ${y1} ${retired} ${scoped}`.execute(db)
    return r.rows
  },

  /** One page of the compact point data the cluster index is built from, in code order. */
  pointsPage(db: Executor, after: string, limit: number) {
    return db
      .selectFrom('components')
      .select(['code', 'lng', 'lat', 'minorClass', 'status', 'currency', 'gridCode', 'authorityDeptId', 'ownerDeptId', 'maintainerDeptId'])
      .where('code', '>', after)
      .orderBy('code')
      .limit(limit)
      .execute()
  },

  /**
   * Unit grids in code order, for the import's reading thread (it builds its own point-in-grid
   * index there, the same way the regions module's locate index does: lowest code wins a border).
   */
  async gridShapes(db: Executor): Promise<{ code: string; geometry: AreaGeometry }[]> {
    const r = await sql<{ code: string; geometry: AreaGeometry }>`
      select code, geometry from regions
      where level = 'grid' and geometry is not null and (valid_to is null or valid_to > current_date)
      order by code`.execute(db)
    return r.rows
  },

  async departments(db: Executor): Promise<{ id: string; code: string }[]> {
    // read-only use of identity's table: department codes in import files become ids
    return sql<{ id: string; code: string }>`select id, code from departments`.execute(db).then((r) => r.rows)
  },

  async existingDepartments(db: Executor, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set()
    const r = await sql<{ id: string }>`select id from departments where id = any(${ids}::uuid[])`.execute(db)
    return new Set(r.rows.map((x) => x.id))
  },

  async existingFiles(db: Executor, shas: string[]): Promise<Set<string>> {
    if (shas.length === 0) return new Set()
    const r = await sql<{ sha256: string }>`select sha256 from files where sha256 = any(${shas}::text[])`.execute(db)
    return new Set(r.rows.map((x) => x.sha256))
  },

  async count(db: Executor): Promise<number> {
    const r = await sql<{ n: number }>`select count(*) as n from components`.execute(db)
    return Number(r.rows[0]!.n)
  },
}

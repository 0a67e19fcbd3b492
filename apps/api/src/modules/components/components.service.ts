import { canSee, isAdmin, regionPrefix, type AuthUser } from '../../platform/access.js'
import { appendAudit, type Actor } from '../../platform/audit.js'
import type { Executor, Tx } from '../../platform/db/database.js'
import { isCheckViolation } from '../../platform/db/pg-errors.js'
import { DomainError, forbidden, invalid, notFound, type FieldError } from '../../platform/errors.js'
import { convertCoordinates, fromWgs84, toWgs84, type Crs } from '../../platform/geo/index.js'
import type { Platform } from '../../platform/platform.js'
import { findClass, loadClassCatalog, validateAttributes, type MinorClassView } from '../classes/index.js'
import { locateIndexOf } from '../regions/index.js'
import { degreesAround, distanceToGeometry, placeGeometry, placePoint, type ComponentGeometry, type PlacedGeometry } from './component-geometry.js'
import { pointIndexOf } from './cluster-index.js'
import { componentsPolicy as policy } from './components.policy.js'
import { componentsRepository as repo, geometryOf, type ComponentRow, type ComponentValues, type ListFilters, type SqlScope } from './components.repository.js'
import type { ComponentView, CreateComponentInput, ListQueryInput, UpdateComponentInput } from './components.schemas.js'
import type { ComponentStatus, Currency } from './import-rows.js'

export const COMPONENTS_CHANGED = 'components.changed'

/** The SQL form of the caller's scopes: null for admins (everything). */
export function sqlScopeOf(caller: AuthUser): SqlScope | null {
  if (isAdmin(caller)) return null
  return { prefixes: caller.regionCodes.map(regionPrefix), departmentId: caller.departmentId }
}

/** Visible: inside the caller's regions, or one of the three responsible units is their department. */
export function canSeeComponent(caller: AuthUser, c: Pick<ComponentRow, 'gridCode' | 'authorityDeptId' | 'ownerDeptId' | 'maintainerDeptId'>): boolean {
  if (canSee(caller, { regionCode: c.gridCode })) return true
  const d = caller.departmentId
  return d !== null && (c.authorityDeptId === d || c.ownerDeptId === d || c.maintainerDeptId === d)
}

function convertGeometry(g: ComponentGeometry, crs: Crs): ComponentGeometry {
  if (crs === 'WGS84') return g
  return { ...g, coordinates: convertCoordinates(g.coordinates, (x, y) => fromWgs84(crs, x, y), 7) } as ComponentGeometry
}

export function toView(r: ComponentRow, crs: Crs = 'WGS84'): ComponentView {
  const [lng, lat] = crs === 'WGS84' ? [r.lng, r.lat] : fromWgs84(crs, r.lng, r.lat)
  const [x1, y1] = crs === 'WGS84' ? [r.minLng, r.minLat] : fromWgs84(crs, r.minLng, r.minLat)
  const [x2, y2] = crs === 'WGS84' ? [r.maxLng, r.maxLat] : fromWgs84(crs, r.maxLng, r.maxLat)
  return {
    code: r.code,
    name: r.name,
    majorClass: r.majorClass,
    majorClassName: r.majorClassName,
    minorClass: r.minorClass,
    minorClassName: r.minorClassName,
    geometry: convertGeometry(geometryOf(r), crs),
    lng,
    lat,
    bbox: [x1, y1, x2, y2],
    gridCode: r.gridCode,
    communityCode: r.communityCode,
    streetCode: r.streetCode,
    districtCode: r.districtCode,
    location: r.location,
    status: r.status,
    currency: r.currency,
    authorityDeptId: r.authorityDeptId,
    ownerDeptId: r.ownerDeptId,
    maintainerDeptId: r.maintainerDeptId,
    dataSource: r.dataSource,
    photos: r.photos,
    installDate: r.installDate,
    attributes: r.attributes as ComponentView['attributes'],
    note: r.note,
    version: r.version,
    importId: r.importId,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }
}

/** The fields a change compares and records, with how they are read from a row. */
const TRACKED = [
  'name',
  'geometry',
  'gridCode',
  'location',
  'status',
  'currency',
  'authorityDeptId',
  'ownerDeptId',
  'maintainerDeptId',
  'dataSource',
  'installDate',
  'photos',
  'attributes',
  'note',
] as const satisfies readonly (keyof ComponentValues)[]

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

function diff(before: Partial<ComponentValues>, after: Partial<ComponentValues>): Record<string, [unknown, unknown]> {
  const out: Record<string, [unknown, unknown]> = {}
  for (const f of TRACKED) {
    if (!(f in after)) continue
    if (!same(before[f] ?? null, after[f] ?? null)) out[f] = [before[f] ?? null, after[f] ?? null]
  }
  return out
}

async function place(p: Platform, input: { geometry?: unknown; lng?: number; lat?: number; crs: Crs }): Promise<{ placed: PlacedGeometry; gridCode: string } | null> {
  let placed: PlacedGeometry | { error: string }
  let field = 'geometry'
  if (input.geometry !== undefined && input.geometry !== null) placed = placeGeometry(input.geometry, input.crs)
  else if (input.lng !== undefined || input.lat !== undefined) {
    field = 'lng'
    if (input.lng === undefined || input.lat === undefined) throw invalid([{ field: input.lng === undefined ? 'lng' : 'lat', reason: 'give both lng and lat' }])
    placed = placePoint(input.lng, input.lat, input.crs)
  } else return null
  if ('error' in placed) throw invalid([{ field, reason: placed.error }])
  const index = await locateIndexOf(p)
  const gridCode = index.gridAt(placed.point[0], placed.point[1])
  if (!gridCode) throw invalid([{ field, reason: `the point ${placed.point[0]}, ${placed.point[1]} (WGS84) is in no grid` }])
  return { placed, gridCode }
}

async function checkReferences(p: Platform, v: Partial<ComponentValues>): Promise<void> {
  const errors: FieldError[] = []
  const deptFields = (['authorityDeptId', 'ownerDeptId', 'maintainerDeptId'] as const).filter((f) => v[f])
  if (deptFields.length) {
    const known = await repo.existingDepartments(p.db, deptFields.map((f) => v[f]!))
    for (const f of deptFields) if (!known.has(v[f]!)) errors.push({ field: f, reason: 'no such department' })
  }
  if (v.photos?.length) {
    const known = await repo.existingFiles(p.db, v.photos)
    v.photos.forEach((sha, i) => {
      if (!known.has(sha)) errors.push({ field: `photos.${i}`, reason: 'no uploaded file with this sha256 (POST /api/v1/files first)' })
    })
  }
  if (errors.length) throw invalid(errors)
}

function assertAttributes(cls: MinorClassView, attrs: Record<string, unknown>) {
  const errors = validateAttributes(cls, attrs)
  if (errors.length) throw invalid(errors, `Attributes do not match class ${cls.code} ${cls.name}`)
}

function announce(p: Platform, c: { code: string; gridCode: string }, action: string) {
  return p.bus.publish({ type: COMPONENTS_CHANGED, regionCode: c.gridCode, data: { code: c.code, action } })
}

const dropNull = (attrs: Record<string, unknown> | undefined): Record<string, unknown> =>
  Object.fromEntries(Object.entries(attrs ?? {}).filter(([, v]) => v !== null && v !== undefined))

/**
 * Register a component: class checked (not retired), location converted to WGS84 and located
 * in its grid, responsible units and photos checked, class attributes validated; the code is
 * the next number of its (district, class) counter, taken in the same transaction.
 */
export async function createComponent(p: Platform, opts: { actor: Actor; caller?: AuthUser; input: CreateComponentInput }): Promise<ComponentView> {
  const { input } = opts
  if (opts.caller) policy.assert(opts.caller, 'components.manage')
  const cls = await findClass(p, { kind: 'component', code: input.minorClass })
  if (!cls) throw invalid([{ field: 'minorClass', reason: 'unknown component class' }])
  if (cls.retired) throw invalid([{ field: 'minorClass', reason: `class ${cls.code} ${cls.name} is retired` }])
  const located = await place(p, input)
  if (!located) throw invalid([{ field: 'lng', reason: 'the location is required (lng and lat, or a GeoJSON geometry)' }])
  const { placed, gridCode } = located
  if (opts.caller && !canSee(opts.caller, { regionCode: gridCode })) throw forbidden('The location is outside your regions')
  const values: ComponentValues = {
    minorClass: cls.code,
    name: input.name ?? cls.name,
    geometry: placed.geometry,
    lng: placed.point[0],
    lat: placed.point[1],
    minLng: placed.bbox[0],
    minLat: placed.bbox[1],
    maxLng: placed.bbox[2],
    maxLat: placed.bbox[3],
    gridCode,
    location: input.location ?? null,
    status: input.status ?? 'intact',
    currency: input.currency ?? 'inUse',
    authorityDeptId: input.authorityDeptId ?? null,
    ownerDeptId: input.ownerDeptId ?? null,
    maintainerDeptId: input.maintainerDeptId ?? null,
    dataSource: input.dataSource ?? 'other',
    photos: input.photos ?? [],
    installDate: input.installDate ?? null,
    attributes: dropNull(input.attributes),
    note: input.note ?? null,
  }
  assertAttributes(cls, values.attributes)
  await checkReferences(p, values)
  const districtCode = gridCode.slice(0, 6)
  const at = p.clock.now()
  let code: string
  try {
    code = await p.db.transaction().execute(async (tx) => {
      const seq = await repo.allocateSeq(tx, districtCode, cls.code)
      const c = `${districtCode}${cls.code}${String(seq).padStart(6, '0')}`
      await repo.insert(tx, c, values, { actorId: opts.actor.userId, at })
      const initial = diff({}, values)
      await repo.insertChanges(tx, [{ componentCode: c, at, actorId: opts.actor.userId, actorName: opts.actor.name, source: 'api', importId: null, action: 'create', changes: initial }])
      await appendAudit(tx, opts.actor, { action: 'component.create', entityType: 'component', entityId: c, after: { ...values, geometry: values.geometry.type } }, at)
      return c
    })
  } catch (err) {
    if (isCheckViolation(err)) throw new DomainError('CONFLICT', `The code sequence of district ${districtCode} class ${cls.code} is exhausted (999999)`)
    throw err
  }
  await announce(p, { code, gridCode }, 'create')
  return toView((await repo.find(p.db, code))!)
}

async function visibleRow(p: Platform, caller: AuthUser, code: string, db: Executor = p.db): Promise<ComponentRow> {
  policy.assert(caller, 'components.read')
  const row = await repo.find(db, code)
  if (!row || !canSeeComponent(caller, row)) throw notFound('Component')
  return row
}

/**
 * Change a component. The class is part of the code and cannot change; a new location is
 * located again (a move may change the grid, not the code). `attributes` replaces the whole
 * set and is validated against the class. Writes one history row with the changed fields.
 */
export async function updateComponent(p: Platform, opts: { actor: Actor; caller: AuthUser; code: string; input: UpdateComponentInput }): Promise<ComponentView> {
  const { input } = opts
  const current = await visibleRow(p, opts.caller, opts.code)
  policy.assert(opts.caller, 'components.manage')
  const located = await place(p, { geometry: input.geometry, lng: input.lng, lat: input.lat, crs: input.crs ?? 'WGS84' })
  if (located && !canSee(opts.caller, { regionCode: located.gridCode })) throw forbidden('The new location is outside your regions')
  const patch: Partial<ComponentValues> = {}
  if (input.name !== undefined) patch.name = input.name
  if (located) {
    Object.assign(patch, {
      geometry: located.placed.geometry,
      lng: located.placed.point[0],
      lat: located.placed.point[1],
      minLng: located.placed.bbox[0],
      minLat: located.placed.bbox[1],
      maxLng: located.placed.bbox[2],
      maxLat: located.placed.bbox[3],
      gridCode: located.gridCode,
    })
  }
  for (const f of ['location', 'status', 'currency', 'authorityDeptId', 'ownerDeptId', 'maintainerDeptId', 'dataSource', 'photos', 'installDate', 'note'] as const) {
    if (input[f] !== undefined) (patch as Record<string, unknown>)[f] = input[f]
  }
  if (input.attributes !== undefined) patch.attributes = dropNull(input.attributes)
  const cls = await findClass(p, { kind: 'component', code: current.minorClass })
  assertAttributes(cls!, patch.attributes ?? current.attributes)
  await checkReferences(p, patch)
  const at = p.clock.now()
  const result = await p.db.transaction().execute(async (tx) => {
    const before = (await repo.find(tx, opts.code, { forUpdate: true }))!
    if (input.version !== undefined && input.version !== before.version) {
      throw new DomainError('VERSION_CONFLICT', `Component ${opts.code} is at version ${before.version}`, { current: toView(before) })
    }
    const changes = diff({ ...before, geometry: geometryOf(before) }, patch)
    if (Object.keys(changes).length === 0) return { row: before, changed: false }
    await repo.update(tx, opts.code, patch, { actorId: opts.actor.userId, at })
    await repo.insertChanges(tx, [{ componentCode: opts.code, at, actorId: opts.actor.userId, actorName: opts.actor.name, source: 'api', importId: null, action: 'update', changes }])
    await appendAudit(tx, opts.actor, { action: 'component.update', entityType: 'component', entityId: opts.code, before: auditOf(changes, 0), after: auditOf(changes, 1) }, at)
    return { row: (await repo.find(tx, opts.code))!, changed: true }
  })
  if (result.changed) await announce(p, result.row, 'update')
  return toView(result.row)
}

/** The before (0) or after (1) side of a change set, geometry shortened to its type. */
function auditOf(changes: Record<string, [unknown, unknown]>, side: 0 | 1) {
  return Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, k === 'geometry' ? (v[side] as { type?: string } | null)?.type ?? null : v[side]]))
}

/**
 * Set a component's status inside the caller's transaction — the case module marks a cover
 * 破损 when a case is filed and 完好 when it closes. Writes history (source `case`) and audit
 * in that transaction. Returns the change (null when the status was already that), which the
 * caller announces after its commit with `announceComponentChange`.
 */
export async function setComponentStatus(
  p: Platform,
  opts: { tx: Tx; actor: Actor; code: string; status: ComponentStatus; reason?: string },
): Promise<{ code: string; gridCode: string; before: ComponentStatus; after: ComponentStatus } | null> {
  const row = await repo.find(opts.tx, opts.code, { forUpdate: true })
  if (!row) throw notFound('Component')
  if (row.status === opts.status) return null
  const at = p.clock.now()
  await repo.update(opts.tx, opts.code, { status: opts.status }, { actorId: opts.actor.userId, at })
  const changes: Record<string, [unknown, unknown]> = { status: [row.status, opts.status] }
  await repo.insertChanges(opts.tx, [{ componentCode: opts.code, at, actorId: opts.actor.userId, actorName: opts.actor.name, source: 'case', importId: null, action: 'update', changes }])
  await appendAudit(opts.tx, opts.actor, { action: 'component.status', entityType: 'component', entityId: opts.code, before: { status: row.status }, after: { status: opts.status, reason: opts.reason ?? null } }, at)
  return { code: row.code, gridCode: row.gridCode, before: row.status, after: opts.status }
}

/** Tell subscribers (maps, dashboards, cluster caches) about a change committed elsewhere. */
export async function announceComponentChange(p: Platform, change: { code: string; gridCode: string }) {
  await announce(p, change, 'update')
}

/** A component by code, or null; for other modules (no access check). Pass `db` to read in a transaction. */
export async function findComponentByCode(p: Platform, opts: { code: string; db?: Executor; crs?: Crs }): Promise<ComponentView | null> {
  const row = await repo.find(opts.db ?? p.db, opts.code)
  return row ? toView(row, opts.crs) : null
}

export async function getComponent(p: Platform, opts: { caller: AuthUser; code: string; crs: Crs; historyLimit?: number }) {
  const row = await visibleRow(p, opts.caller, opts.code)
  const changes = await repo.listChanges(p.db, row.code, opts.historyLimit ?? 200)
  const history = changes.map((c) => ({
    at: c.at.toISOString(),
    actorId: c.actorId,
    actorName: c.actorName,
    source: c.source,
    importId: c.importId,
    action: c.action,
    changes: (typeof c.changes === 'string' ? JSON.parse(c.changes) : c.changes) as Record<string, [unknown, unknown]> | null,
  }))
  // components created by an import have no per-row creation entry: the import is the record
  if (row.importId && !history.some((h) => h.action === 'create')) {
    history.push({ at: row.createdAt.toISOString(), actorId: row.createdBy, actorName: 'import', source: 'import', importId: row.importId, action: 'create', changes: null })
  }
  return { ...toView(row, opts.crs), history }
}

export function parseBBox(text: string, crs: Crs): [number, number, number, number] {
  const [a, b, c, d] = text.split(',').map(Number) as [number, number, number, number]
  if (![a, b, c, d].every(Number.isFinite) || a > c || b > d) throw invalid([{ field: 'bbox', reason: 'minLng,minLat,maxLng,maxLat with min ≤ max' }])
  if (crs === 'WGS84') return [a, b, c, d]
  const [x1, y1] = toWgs84(crs, a, b)
  const [x2, y2] = toWgs84(crs, c, d)
  return [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)]
}

export function filtersOf(q: { region?: string; grid?: string; minorClass?: string; majorClass?: string; status?: string; currency?: Currency; dept?: string; deptRole?: ListFilters['deptRole']; q?: string; bbox?: string; crs: Crs }): ListFilters {
  return {
    ...(q.region ? { prefix: regionPrefix(q.region) } : {}),
    ...(q.grid ? { gridCode: q.grid } : {}),
    ...(q.minorClass ? { minorClass: q.minorClass.split(',') } : {}),
    ...(q.majorClass ? { majorClass: q.majorClass } : {}),
    ...(q.status ? { status: q.status.split(',') as ComponentStatus[] } : {}),
    ...(q.currency ? { currency: q.currency } : {}),
    ...(q.dept ? { deptId: q.dept, ...(q.deptRole ? { deptRole: q.deptRole } : {}) } : {}),
    ...(q.q ? { q: q.q } : {}),
    ...(q.bbox ? { bbox: parseBBox(q.bbox, q.crs) } : {}),
  }
}

const encodeCursor = (code: string) => Buffer.from(code).toString('base64url')
function decodeCursor(cursor: string): string {
  const code = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!/^[0-9]{16}$/.test(code)) throw invalid([{ field: 'cursor', reason: 'not a cursor of this list' }])
  return code
}

/** Components in the caller's scopes, filtered, in code order (cursor pagination). */
export async function listComponents(p: Platform, opts: { caller: AuthUser; query: ListQueryInput }) {
  policy.assert(opts.caller, 'components.read')
  const q = opts.query
  const rows = await repo.list(p.db, {
    scope: sqlScopeOf(opts.caller),
    filters: await withIndexedWindow(p, filtersOf(q)),
    ...(q.cursor ? { after: decodeCursor(q.cursor) } : {}),
    limit: q.limit + 1,
  })
  const page = rows.slice(0, q.limit)
  return { items: page.map((r) => toView(r, q.crs)), nextCursor: rows.length > q.limit ? encodeCursor(page.at(-1)!.code) : null }
}

/** All component class codes, cached per instance until the classification changes. */
const classCodes = new WeakMap<Platform, Promise<string[]>>()
const classSubscribed = new WeakSet<Platform>()
function componentClassCodes(p: Platform): Promise<string[]> {
  if (!classSubscribed.has(p)) {
    classSubscribed.add(p)
    p.bus.subscribe((e) => e.type === 'classes.changed' && classCodes.delete(p))
  }
  let codes = classCodes.get(p)
  if (!codes) {
    codes = loadClassCatalog(p, { kind: 'component' }).then((c) => [...c.byCode.keys()])
    classCodes.set(p, codes)
    codes.catch(() => classCodes.delete(p))
  }
  return codes
}

/**
 * A map window without a class filter names every class, so the (minor_class, lng, lat) index
 * serves it as one range scan per class (there is no separate (lng, lat) index to maintain).
 */
export async function withIndexedWindow(p: Platform, filters: ListFilters): Promise<ListFilters> {
  if (!filters.bbox || filters.minorClass?.length) return filters
  const all = await componentClassCodes(p)
  return { ...filters, minorClass: filters.majorClass ? all.filter((c) => c.startsWith(filters.majorClass!)) : all }
}

export interface NearestResult {
  code: string
  name: string
  minorClass: string
  status: ComponentStatus
  currency: Currency
  gridCode: string
  location: string | null
  lng: number
  lat: number
  distance: number
}

/**
 * The components of the given classes (all classes when none) nearest to a point within
 * `radius` metres, closest first: an indexed window query (class, lng range, lat range) and
 * then the exact distance to each candidate's geometry. With a caller, only their components.
 */
export async function nearestComponents(
  p: Platform,
  opts: { caller?: AuthUser; lng: number; lat: number; crs?: Crs; minorClasses?: string[]; radius?: number; limit?: number; includeRetired?: boolean; db?: Executor },
): Promise<NearestResult[]> {
  if (opts.caller) policy.assert(opts.caller, 'components.read')
  const crs = opts.crs ?? 'WGS84'
  const radius = opts.radius ?? 50
  const [lng, lat] = toWgs84(crs, opts.lng, opts.lat)
  const { dLng, dLat } = degreesAround(lat, radius)
  const minorClasses = opts.minorClasses?.length ? opts.minorClasses : await componentClassCodes(p)
  const rows = await repo.nearestCandidates(opts.db ?? p.db, {
    minorClasses,
    window: [lng - dLng, lat - dLat, lng + dLng, lat + dLat],
    includeRetired: opts.includeRetired ?? false,
    scope: opts.caller ? sqlScopeOf(opts.caller) : null,
  })
  const found: NearestResult[] = []
  for (const r of rows) {
    const distance = distanceToGeometry(lng, lat, geometryOf(r))
    if (distance > radius) continue
    const [x, y] = crs === 'WGS84' ? [r.lng, r.lat] : fromWgs84(crs, r.lng, r.lat)
    found.push({ code: r.code, name: r.name, minorClass: r.minorClass, status: r.status, currency: r.currency, gridCode: r.gridCode, location: r.location, lng: x, lat: y, distance: Math.round(distance * 100) / 100 })
  }
  found.sort((a, b) => a.distance - b.distance || (a.code < b.code ? -1 : 1))
  return found.slice(0, opts.limit ?? 1)
}

/**
 * Counts by class, status and currency for a region (or everything visible), from the point
 * index (a scan of typed arrays: milliseconds for a million components, where SQL would read
 * every row); `asOf` says how fresh it is.
 */
export async function componentStats(p: Platform, opts: { caller: AuthUser; region?: string }) {
  policy.assert(opts.caller, 'components.read')
  const index = await pointIndexOf(p, COMPONENTS_CHANGED)
  const s = index.stats(opts.region ? regionPrefix(opts.region) : null, opts.caller)
  const catalog = await loadClassCatalog(p, { kind: 'component' })
  const byStatus: Record<string, number> = { intact: 0, damaged: 0, lost: 0, occupied: 0 }
  const byCurrency: Record<string, number> = { inUse: 0, retired: 0 }
  const byClass = [...s.byClass]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([code, statuses]) => {
      const c = { minorClass: code, name: catalog.byCode.get(code)?.name ?? code, majorClass: code.slice(0, 2), total: 0, byStatus: {} as Record<string, number>, retired: 0 }
      for (const [status, [inUse, retired]] of statuses) {
        c.total += inUse + retired
        c.byStatus[status] = inUse + retired
        c.retired += retired
        byStatus[status] = (byStatus[status] ?? 0) + inUse + retired
        byCurrency.inUse! += inUse
        byCurrency.retired! += retired
      }
      return c
    })
  return { region: opts.region ?? null, total: s.total, asOf: index.builtAt.toISOString(), byStatus, byCurrency, byClass }
}

import { regionPrefix, type AuthUser } from '../../platform/access.js'
import { appendAudit, type Actor } from '../../platform/audit.js'
import { isUniqueViolation } from '../../platform/db/pg-errors.js'
import { DomainError, invalid, notFound } from '../../platform/errors.js'
import {
  bboxOf,
  convertCoordinates,
  fromWgs84,
  geometryArea,
  polygonsOf,
  toAreaGeometry,
  toWgs84,
  type AreaGeometry,
  type Crs,
  type Position,
} from '../../platform/geo/index.js'
import type { Platform } from '../../platform/platform.js'
import { announceUserChanged } from '../identity/index.js'
import { divideArea } from './division.js'
import { checkImport, codesOfFile } from './import-check.js'
import { locateIndexOf, REGIONS_CHANGED, type LocatedPoint } from './locate-index.js'
import { regionAccess, regionsPolicy, visibilityOf } from './regions.policy.js'
import { REGION_LEVELS, regionsRepository as repo, type RegionLevel, type RegionRow, type RegionWithGeometry } from './regions.repository.js'
import type { DivideInput, ImportInput, ImportReport, PeopleView, RegionView } from './regions.schemas.js'

const MAX_GRIDS_PER_COMMUNITY = 999

function toView(row: RegionRow | RegionWithGeometry, access: 'full' | 'ancestor', geometry?: { crs: Crs }): RegionView {
  const full = access === 'full'
  const g = 'geometry' in row ? row.geometry : null
  return {
    code: row.code,
    name: row.name,
    level: row.level,
    parentCode: row.parentCode,
    districtCode: row.districtCode,
    sourceCode: row.sourceCode,
    approximate: row.approximate,
    area: full ? row.areaM2 : null,
    bbox: full && row.minLng !== null ? [row.minLng, row.minLat!, row.maxLng!, row.maxLat!] : null,
    validFrom: row.validFrom,
    validTo: row.validTo,
    hasGeometry: row.areaM2 !== null,
    access,
    ...(geometry ? { geometry: full && g ? inCrs(g, geometry.crs) : null } : {}),
  }
}

/** A stored (WGS84) geometry in the coordinate system a client draws in. */
const inCrs = (g: AreaGeometry, crs: Crs): AreaGeometry => (crs === 'WGS84' ? g : { ...g, coordinates: convertCoordinates(g.coordinates, (x, y) => fromWgs84(crs, x, y)) } as AreaGeometry)

const encodeCursor = (code: string) => Buffer.from(code).toString('base64url')
const decodeCursor = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8')

async function visibleRegion(p: Platform, caller: AuthUser, code: string, need: 'full' | 'ancestor') {
  regionsPolicy.assert(caller, 'regions.read')
  const access = regionAccess(caller, code)
  const row = access === 'none' ? undefined : await repo.findWithGeometry(p.db, code)
  if (!row || (need === 'full' && access !== 'full')) throw notFound(`Region ${code}`)
  return { row, access: access as 'full' | 'ancestor' }
}

async function announce(p: Platform, data: Record<string, unknown>, regionCode: string | null = null) {
  await p.bus.publish({ type: REGIONS_CHANGED, broadcast: true, regionCode, data })
}

// Reading

export async function listRegions(p: Platform, opts: { caller: AuthUser; level?: RegionLevel; parent?: string; q?: string; limit: number; cursor?: string }) {
  regionsPolicy.assert(opts.caller, 'regions.read')
  const rows = await repo.list(p.db, {
    limit: opts.limit + 1,
    visibility: visibilityOf(opts.caller),
    ...(opts.level ? { level: opts.level } : {}),
    ...(opts.parent ? { parent: opts.parent } : {}),
    ...(opts.q ? { q: opts.q } : {}),
    ...(opts.cursor ? { after: decodeCursor(opts.cursor) } : {}),
  })
  const page = rows.slice(0, opts.limit)
  return {
    items: page.map((r) => toView(r, regionAccess(opts.caller, r.code) === 'full' ? 'full' : 'ancestor')),
    nextCursor: rows.length > opts.limit ? encodeCursor(page.at(-1)!.code) : null,
  }
}

export async function getRegion(p: Platform, opts: { caller: AuthUser; code: string; geometry: boolean; crs: Crs }): Promise<RegionView> {
  const { row, access } = await visibleRegion(p, opts.caller, opts.code, 'ancestor')
  return toView(row, access, opts.geometry ? { crs: opts.crs } : undefined)
}

/** Direct children in code order (a community holds at most 999 grids, so no paging). */
export async function listChildren(p: Platform, opts: { caller: AuthUser; code: string }) {
  await visibleRegion(p, opts.caller, opts.code, 'ancestor')
  const rows = await repo.list(p.db, { parent: opts.code, limit: 5000, visibility: visibilityOf(opts.caller) })
  return { items: rows.map((r) => toView(r, regionAccess(opts.caller, r.code) === 'full' ? 'full' : 'ancestor')) }
}

/** The region and its descendants down to `depth` levels, as a FeatureCollection. */
export async function exportGeoJson(p: Platform, opts: { caller: AuthUser; code: string; depth: number; crs: Crs }) {
  const { row } = await visibleRegion(p, opts.caller, opts.code, 'full')
  const from = REGION_LEVELS.indexOf(row.level)
  const levels = REGION_LEVELS.slice(from, from + opts.depth + 1)
  const rows = await repo.subtree(p.db, regionPrefix(row.code), levels)
  return {
    type: 'FeatureCollection' as const,
    features: rows.map((r) => ({
      type: 'Feature' as const,
      id: r.code,
      geometry: inCrs(r.geometry!, opts.crs),
      properties: { code: r.code, name: r.name, level: r.level, parentCode: r.parentCode, area: r.areaM2, approximate: r.approximate },
    })),
  }
}

export async function regionStats(p: Platform, opts: { caller: AuthUser; code: string }) {
  const { row } = await visibleRegion(p, opts.caller, opts.code, 'full')
  const [stats, children] = await Promise.all([repo.descendantStats(p.db, regionPrefix(row.code), row.code), repo.countChildren(p.db, row.code)])
  const descendants = Object.fromEntries(stats.map((s) => [s.level, Number(s.count)]))
  const grid = stats.find((s) => s.level === 'grid')
  const gridArea = Number(grid?.area ?? 0)
  return {
    code: row.code,
    level: row.level,
    area: row.areaM2,
    children,
    descendants,
    grids: Number(grid?.count ?? 0),
    gridArea,
    gridCoverage: row.areaM2 ? gridArea / row.areaM2 : null,
  }
}

// Locating

/**
 * Where a WGS84 point lies, for other modules at intake (cases, components, parking): the grid
 * and its community, street and district, or — outside every grid — the deepest region that
 * contains it with `grid: null`. Null outside every region. Served from an in-memory index
 * (built once per application instance, rebuilt after any change of regions).
 */
export async function locatePoint(p: Platform, lng: number, lat: number): Promise<LocatedPoint | null> {
  return (await locateIndexOf(p)).locate(lng, lat)
}

export async function locate(p: Platform, opts: { caller: AuthUser; lng: number; lat: number; crs: Crs; strict: boolean }) {
  regionsPolicy.assert(opts.caller, 'regions.locate')
  const wgs84 = toWgs84(opts.crs, opts.lng, opts.lat)
  const found = await locatePoint(p, wgs84[0], wgs84[1])
  if (!found || (opts.strict && !found.grid)) {
    throw new DomainError('NOT_FOUND', `The point ${opts.lng}, ${opts.lat} (${opts.crs}) is in no grid${found ? '' : ' and in no known region'}`)
  }
  return { ...found, wgs84 }
}

// Import

/** Check a GeoJSON FeatureCollection of regions and, unless it is a dry run, store it. */
export async function importRegions(p: Platform, opts: { actor: Actor; caller?: AuthUser; input: ImportInput }): Promise<ImportReport> {
  if (opts.caller) regionsPolicy.assert(opts.caller, 'regions.import')
  const { featureCollection, dryRun, ...options } = opts.input
  const features = featureCollection.features as unknown[]
  // what the checks need from the database: which codes exist, the ancestors, the grids already there
  const { codes, ancestors } = codesOfFile(features, options.mapping)
  const communities = [...ancestors, ...codes].filter((c) => c.length === 12)
  const [existing, known, dbGrids] = await Promise.all([
    repo.existingCodes(p.db, [...codes]),
    repo.findMany(p.db, [...ancestors, ...communities]),
    repo.gridsOf(p.db, communities),
  ])
  const gridsBy = new Map<string, { code: string; geometry: AreaGeometry }[]>()
  for (const g of dbGrids) {
    if (!gridsBy.has(g.parentCode!)) gridsBy.set(g.parentCode!, [])
    gridsBy.get(g.parentCode!)!.push({ code: g.code, geometry: g.geometry! })
  }
  const { problems, rows, rejected } = checkImport(features, options, {
    existing,
    known: new Map(known.map((r) => [r.code, { level: r.level, geometry: r.geometry }])),
    dbGrids: gridsBy,
  })
  const errors = problems.filter((x) => x.severity === 'error')
  const byLevel: Record<string, number> = {}
  for (const r of rows) byLevel[r.level] = (byLevel[r.level] ?? 0) + 1
  const blocked = options.mode === 'all-or-nothing' && errors.length > 0
  const report: ImportReport = {
    dryRun,
    mode: options.mode,
    crs: options.crs,
    committed: false,
    summary: {
      features: features.length,
      valid: rows.length,
      rejected: rejected.size,
      imported: 0,
      errors: errors.length,
      warnings: problems.length - errors.length,
      byLevel,
    },
    problems,
  }
  if (dryRun || blocked || rows.length === 0) {
    if (blocked && !dryRun) {
      throw new DomainError('VALIDATION_FAILED', `${errors.length} problem(s) in the file; nothing was imported`, {
        errors: errors.slice(0, 100).map((e) => ({ field: e.index === null ? `community.${e.code}` : `features.${e.index}`, reason: `${e.kind}: ${e.message}` })),
        report,
      })
    }
    return report
  }
  try {
    await p.db.transaction().execute(async (tx) => {
      await repo.insertMany(tx, rows)
      await appendAudit(tx, opts.actor, {
        action: 'regions.import',
        entityType: 'region',
        entityId: null,
        after: { mode: options.mode, crs: options.crs, imported: rows.length, byLevel, rejected: rejected.size, codes: rows.slice(0, 50).map((r) => r.code) },
      })
    })
  } catch (err) {
    // someone else imported one of these codes between the check and the insert
    if (isUniqueViolation(err)) throw new DomainError('CONFLICT', 'A region in the file was created meanwhile; run the import again to see which')
    throw err
  }
  await announce(p, { action: 'import', count: rows.length, levels: Object.keys(byLevel) })
  return { ...report, committed: true, summary: { ...report.summary, imported: rows.length } }
}

// Division

/** Road centre lines from a FeatureCollection or a list of geometries, in WGS84. */
function roadLines(roads: unknown, crs: Crs): Position[][] {
  const list = Array.isArray(roads) ? roads : ((roads as { features?: { geometry?: unknown }[] })?.features?.map((f) => f.geometry) ?? null)
  if (!list) throw invalid([{ field: 'roads', reason: 'a FeatureCollection or an array of LineString/MultiLineString geometries' }])
  const lines: Position[][] = []
  list.forEach((g, i) => {
    const geom = g as { type?: string; coordinates?: unknown }
    const parts = geom?.type === 'LineString' ? [geom.coordinates] : geom?.type === 'MultiLineString' ? (geom.coordinates as unknown[]) : null
    if (!parts) return // points, polygons: not roads
    for (const part of parts) {
      const ok = Array.isArray(part) && part.length >= 2 && part.every((q) => Array.isArray(q) && Number.isFinite(q[0]) && Number.isFinite(q[1]))
      if (!ok) throw invalid([{ field: `roads.${i}`, reason: 'a line needs at least two [lng, lat] positions' }])
      lines.push((part as number[][]).map((q) => toWgs84(crs, q[0]!, q[1]!)))
    }
  })
  return lines
}

/**
 * Divide a community into unit grids (division.ts). Without `commit` it is a preview; with it
 * the grids are stored — never over existing grids unless `replace`, which ends the old grids'
 * assignments (and the scopes they gave) in the same transaction.
 */
export async function divideCommunity(p: Platform, opts: { actor: Actor; caller: AuthUser; code: string; input: DivideInput }) {
  const { input } = opts
  regionsPolicy.assert(opts.caller, 'regions.divide')
  const community = await repo.findWithGeometry(p.db, opts.code)
  if (!community) throw notFound(`Region ${opts.code}`)
  if (community.level !== 'community') throw invalid([{ field: 'code', reason: `${opts.code} is a ${community.level}; only communities are divided into grids` }])
  if (!community.geometry) throw invalid([{ field: 'code', reason: `community ${opts.code} has no geometry` }])
  if (!(input.minArea <= input.targetArea && input.targetArea <= input.maxArea)) {
    throw invalid([{ field: 'targetArea', reason: 'needs minArea ≤ targetArea ≤ maxArea' }])
  }
  const roads = input.roads === undefined ? undefined : roadLines(input.roads, input.roadsCrs)
  const division = divideArea(community.geometry, { targetArea: input.targetArea, minArea: input.minArea, maxArea: input.maxArea, ...(roads ? { roads } : {}) })
  const cells = division.cells
  if (cells.length > MAX_GRIDS_PER_COMMUNITY) {
    throw invalid([{ field: 'targetArea', reason: `${cells.length} cells exceed the ${MAX_GRIDS_PER_COMMUNITY} grid numbers of a community; raise targetArea` }])
  }
  const codeOf = (seq: number) => `${community.code}${String(seq).padStart(3, '0')}`
  const nameOf = (seq: number) => `${community.name}${String(seq).padStart(3, '0')}网格`
  const areas = cells.map((c) => c.area)
  const communityArea = geometryArea(community.geometry)
  const result = {
    community: { code: community.code, name: community.name, area: communityArea },
    committed: false,
    replaced: 0,
    stats: {
      cells: cells.length,
      totalArea: areas.reduce((s, a) => s + a, 0),
      communityArea,
      minArea: Math.min(...areas),
      maxArea: Math.max(...areas),
      meanArea: areas.reduce((s, a) => s + a, 0) / cells.length,
      belowMin: areas.filter((a) => a < input.minArea).length,
      aboveMax: areas.filter((a) => a > input.maxArea).length,
      rows: Math.max(...cells.map((c) => c.row)),
      blocks: division.blocks,
      roadCuts: division.roadCuts,
    },
    cells: {
      type: 'FeatureCollection' as const,
      features: cells.map((c) => ({
        type: 'Feature' as const,
        id: codeOf(c.seq),
        geometry: toAreaGeometry(c.polygons),
        properties: { code: codeOf(c.seq), name: nameOf(c.seq), seq: c.seq, row: c.row, area: c.area },
      })),
    },
  }
  if (!input.commit) return result

  const now = p.clock.now()
  const unassigned = new Set<string>()
  const replaced = await p.db.transaction().execute(async (tx) => {
    await repo.lockRegion(tx, community.code)
    const existing = await repo.gridsOf(tx, [community.code])
    if (existing.length > 0 && !input.replace) {
      throw new DomainError('CONFLICT', `Community ${community.code} already has ${existing.length} grid(s); pass replace: true to replace them`)
    }
    if (existing.length > 0) {
      const active = await repo.activeAssignmentsUnder(tx, community.code)
      await repo.endAssignments(tx, active.map((a) => a.id), now, opts.actor.userId)
      for (const a of active) {
        await repo.revokeScope(tx, a.userId, a.gridCode)
        unassigned.add(a.userId)
      }
      await repo.deleteGridsOf(tx, community.code)
    }
    await repo.insertMany(
      tx,
      cells.map((c) => {
        const geometry = toAreaGeometry(c.polygons)
        return { code: codeOf(c.seq), name: nameOf(c.seq), level: 'grid', parentCode: community.code, sourceCode: null, geometry, areaM2: c.area, bbox: bboxOf(polygonsOf(geometry)), approximate: community.approximate }
      }),
    )
    await appendAudit(tx, opts.actor, {
      action: 'regions.divide',
      entityType: 'region',
      entityId: community.code,
      before: existing.length ? { grids: existing.length } : null,
      after: { grids: cells.length, targetArea: input.targetArea, minArea: input.minArea, maxArea: input.maxArea, roadCuts: division.roadCuts },
    })
    return existing.length
  })
  await announce(p, { action: 'divide', code: community.code, grids: cells.length }, community.code)
  // their scopes changed: cached credentials must not keep the old grids
  for (const userId of unassigned) await announceUserChanged(p, userId)
  return { ...result, committed: true, replaced }
}

// Grid people

type AssignmentRow = Awaited<ReturnType<typeof repo.assignments>>[number]

async function peopleOf(p: Platform, grid: { code: string; name: string }): Promise<PeopleView> {
  const [active, history] = await Promise.all([repo.assignments(p.db, grid.code, { active: true }), repo.assignments(p.db, grid.code, { active: false, limit: 100 })])
  const person = (a: AssignmentRow) => ({
    userId: a.userId,
    username: a.username,
    displayName: a.displayName,
    roles: a.roles,
    since: a.assignedFrom.toISOString(),
    assignedBy: a.assignedByName,
  })
  const primary = active.find((a) => a.role === 'primary')
  return {
    grid,
    primary: primary ? person(primary) : null,
    helpers: active.filter((a) => a.role === 'helper').map(person),
    history: history.map((a) => ({
      userId: a.userId,
      username: a.username,
      displayName: a.displayName,
      role: a.role,
      from: a.assignedFrom.toISOString(),
      to: a.assignedTo!.toISOString(),
      assignedBy: a.assignedByName,
      endedBy: a.endedByName,
    })),
  }
}

async function findGrid(p: Platform, caller: AuthUser, code: string) {
  const { row } = await visibleRegion(p, caller, code, 'full')
  if (row.level !== 'grid') throw notFound(`Grid ${code}`)
  return row
}

export async function getGridPeople(p: Platform, opts: { caller: AuthUser; code: string }) {
  const grid = await findGrid(p, opts.caller, opts.code)
  return peopleOf(p, grid)
}

/**
 * Set who works a grid: one primary person (or none) and helpers, all grid supervisors or grid
 * workers. Changes end the old assignment rows and start new ones (history), and keep each
 * person's region scope on the grid in step: granted with the first active assignment, revoked
 * with the last.
 */
export async function setGridPeople(p: Platform, opts: { actor: Actor; caller: AuthUser; code: string; input: { primary: string | null; helpers: string[] } }) {
  const grid = await findGrid(p, opts.caller, opts.code)
  regionsPolicy.assert(opts.caller, 'grids.assign')
  const { primary, helpers } = opts.input
  if (primary && helpers.includes(primary)) throw invalid([{ field: 'helpers', reason: 'the primary person is not also a helper' }])
  const wanted = new Map<string, 'primary' | 'helper'>([...helpers.map((id) => [id, 'helper'] as const), ...(primary ? [[primary, 'primary'] as const] : [])])
  const users = await repo.assignableUsers(p.db, [...wanted.keys()])
  const problems = [...wanted.keys()].flatMap((id) => {
    const u = users.find((x) => x.id === id)
    const field = id === primary ? 'primary' : 'helpers'
    if (!u) return [{ field, reason: `no user ${id}` }]
    if (u.disabled) return [{ field, reason: `${u.username} is disabled` }]
    if (!u.roles.some((r) => r === 'supervisor' || r === 'gridWorker')) return [{ field, reason: `${u.username} is neither a grid supervisor nor a grid worker` }]
    return []
  })
  if (problems.length) throw invalid(problems)
  const now = p.clock.now()
  let touched: string[] = []
  try {
    await p.db.transaction().execute(async (tx) => {
      await repo.lockRegion(tx, grid.code)
      const active = await repo.assignments(tx, grid.code, { active: true })
      touched = [...new Set([...active.map((a) => a.userId), ...wanted.keys()])]
      const ending = active.filter((a) => wanted.get(a.userId) !== a.role)
      const kept = new Set(active.filter((a) => wanted.get(a.userId) === a.role).map((a) => a.userId))
      await repo.endAssignments(tx, ending.map((a) => a.id), now, opts.actor.userId)
      for (const [userId, role] of wanted) {
        if (!kept.has(userId)) await repo.insertAssignment(tx, { gridCode: grid.code, userId, role, assignedFrom: now, assignedBy: opts.actor.userId })
        await repo.grantScope(tx, userId, grid.code)
      }
      for (const a of ending) if (!wanted.has(a.userId)) await repo.revokeScope(tx, a.userId, grid.code)
      await appendAudit(tx, opts.actor, {
        action: 'grid.people.update',
        entityType: 'region',
        entityId: grid.code,
        before: { primary: active.find((a) => a.role === 'primary')?.userId ?? null, helpers: active.filter((a) => a.role === 'helper').map((a) => a.userId) },
        after: { primary, helpers },
      })
    })
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError('CONFLICT', `The people of grid ${grid.code} were changed at the same time; try again`)
    throw err
  }
  await p.bus.publish({ type: 'grid.people.changed', regionCode: grid.code, data: { code: grid.code } })
  for (const userId of touched) await announceUserChanged(p, userId)
  return peopleOf(p, grid)
}

import { bboxOf, bboxesOverlap, centroidOf, difference, multiPolygonArea, overlapArea, polygonsOf, union, type BBox, type PolygonCoords } from '../../platform/geo/index.js'
import type { Platform } from '../../platform/platform.js'
import { inQualityScope, listCheck, type QualityCheck, type QualityRow, type QualityScope } from '../../platform/quality.js'
import { regionsQualityRepository as repo } from './quality.repository.js'
import { IMPORT_TOLERANCES } from './regions.schemas.js'

/**
 * Quality checks of the territory for the data manager. Overlaps between sibling grids and the
 * gaps grids leave in their community are computed with the same polygon code as the import
 * check (no PostGIS), once per state of the communities and grids: the result is cached under
 * a fingerprint of those rows, so edits by any instance (or by hand in SQL) are seen.
 */

export interface GridTopology {
  /** Grid code → what it overlaps (each overlapping pair appears under both grids). */
  overlaps: QualityRow[]
  /** Communities whose grids leave area uncovered. */
  gaps: QualityRow[]
}

const cache = new WeakMap<Platform, { fingerprint: string; result: Promise<GridTopology> }>()

/** Sibling grid overlaps and community gaps beyond the import's area tolerance (m²). */
export async function gridTopology(p: Platform): Promise<GridTopology> {
  const fingerprint = await repo.topologyFingerprint(p.db)
  const hit = cache.get(p)
  if (hit && hit.fingerprint === fingerprint) return hit.result
  const result = repo.topologySource(p.db).then(computeTopology)
  cache.set(p, { fingerprint, result })
  result.catch(() => cache.get(p)?.result === result && cache.delete(p))
  return result
}

type Shape = { code: string; name: string; polys: PolygonCoords[]; bbox: BBox }

/** Pure: overlaps and gaps of a set of communities and grids. */
export function computeTopology(rows: Awaited<ReturnType<typeof repo.topologySource>>, tolerance = IMPORT_TOLERANCES.areaTolerance): GridTopology {
  const shape = (r: (typeof rows)[number]): Shape | null => (r.geometry ? { code: r.code, name: r.name, polys: polygonsOf(r.geometry), bbox: bboxOf(r.geometry.coordinates) } : null)
  const communities = new Map<string, Shape | null>()
  const grids = new Map<string, Shape[]>()
  for (const r of rows) {
    if (r.level === 'community') communities.set(r.code, shape(r))
    else if (r.parentCode) {
      const s = shape(r)
      if (!s) continue
      if (!grids.has(r.parentCode)) grids.set(r.parentCode, [])
      grids.get(r.parentCode)!.push(s)
    }
  }
  const overlaps: QualityRow[] = []
  const gaps: QualityRow[] = []
  for (const [community, list] of grids) {
    const found = new Map<string, string[]>()
    let overlapSum = 0
    for (let i = 0; i < list.length; i++) {
      for (let k = i + 1; k < list.length; k++) {
        const a = list[i]!
        const b = list[k]!
        if (!bboxesOverlap(a.bbox, b.bbox)) continue
        const area = overlapArea(a.polys, b.polys)
        if (area <= tolerance) continue
        overlapSum += area
        for (const [x, y] of [[a, b], [b, a]] as const) {
          if (!found.has(x.code)) found.set(x.code, [])
          found.get(x.code)!.push(`${y.code} (${area.toFixed(1)} m²)`)
        }
      }
    }
    for (const g of list) if (found.has(g.code)) overlaps.push({ id: g.code, name: g.name, regionCode: g.code, detail: `overlaps ${found.get(g.code)!.join(', ')}` })
    const c = communities.get(community)
    if (!c) continue
    // area arithmetic first; the exact (costly) union only when it suggests a gap
    const estimate = multiPolygonArea(c.polys) - list.reduce((s, g) => s + multiPolygonArea(g.polys), 0) + overlapSum
    if (estimate <= tolerance) continue
    const uncovered = difference(c.polys, union(list[0]!.polys, ...list.slice(1).map((g) => g.polys)))
    const area = multiPolygonArea(uncovered)
    if (area <= tolerance) continue
    const [lng, lat] = centroidOf(uncovered)
    gaps.push({ id: c.code, name: c.name, regionCode: c.code, detail: `${area.toFixed(1)} m² uncovered in ${uncovered.length} place(s), near ${lng!.toFixed(5)}, ${lat!.toFixed(5)}` })
  }
  overlaps.sort((a, b) => (a.id < b.id ? -1 : 1))
  gaps.sort((a, b) => (a.id < b.id ? -1 : 1))
  return { overlaps, gaps }
}

const scoped = (rows: QualityRow[], scope: QualityScope) => rows.filter((r) => inQualityScope(scope, r.regionCode))

/** Checks of the grids dataset. */
export const gridChecks: QualityCheck[] = [
  listCheck('overlap', 'error', async (p, scope) => scoped((await gridTopology(p)).overlaps, scope)),
  listCheck('gap', 'error', async (p, scope) => scoped((await gridTopology(p)).gaps, scope)),
  {
    key: 'no_primary',
    severity: 'warning',
    count: (p, scope) => repo.countOf(repo.gridsWithoutPrimary(p.db, scope)),
    page: (p, scope, { after, limit }) => repo.pageOf(repo.gridsWithoutPrimary(p.db, scope), after, limit, 'no primary grid person'),
  },
]

/** Checks of the regions dataset (levels above grid). */
export const regionChecks: QualityCheck[] = [
  {
    key: 'no_geometry',
    severity: 'info',
    count: (p, scope) => repo.countOf(repo.regionsWithoutGeometry(p.db, scope)),
    page: (p, scope, { after, limit }) => repo.pageOf(repo.regionsWithoutGeometry(p.db, scope), after, limit, 'no boundary'),
  },
]

/** Row counts of the regions and grids datasets in the scope. */
export const countRegions = (p: Platform, scope: QualityScope) => repo.counts(p.db, scope)

/** Top regions of the territory, for the data manager's GeoJSON export links. */
export const topRegions = (p: Platform) => repo.topRegions(p.db)

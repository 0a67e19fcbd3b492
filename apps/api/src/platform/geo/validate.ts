import { outOfChina } from './crs.js'
import { ringArea } from './measure.js'
import { pointInPolygons } from './polygon-index.js'
import { findRingCrossings } from './segments.js'
import { toAreaGeometry, type AreaGeometry, type PolygonCoords, type Position, type Ring } from './types.js'

export type GeometryIssueKind =
  | 'invalid_geometry'
  | 'unclosed_ring'
  | 'too_few_points'
  | 'self_intersection'
  | 'hole_outside'
  | 'outside_china'
  | 'wrong_winding'
  | 'duplicate_vertices'

export interface GeometryIssue {
  kind: GeometryIssueKind
  severity: 'error' | 'warning'
  message: string
  /** Where, when one place can be named. */
  at?: Position
}

export interface CheckedGeometry {
  /** The repaired geometry (winding fixed, repeated vertices dropped), or null when it has errors. */
  geometry: AreaGeometry | null
  issues: GeometryIssue[]
}

const isPosition = (p: unknown): p is number[] =>
  Array.isArray(p) && p.length >= 2 && typeof p[0] === 'number' && typeof p[1] === 'number' && Number.isFinite(p[0]) && Number.isFinite(p[1])

/**
 * Check a GeoJSON Polygon/MultiPolygon (already in WGS84) and repair what can be repaired
 * without guessing: wrong winding is reversed (RFC 7946: exterior counter-clockwise, holes
 * clockwise) and repeated consecutive vertices are dropped, both reported as warnings. Unclosed
 * rings, rings with fewer than three distinct points, self-intersections (including crossings
 * between rings), holes outside their exterior and positions outside China are errors.
 */
export function checkAreaGeometry(input: unknown, opts: { requireChina?: boolean } = {}): CheckedGeometry {
  const issues: GeometryIssue[] = []
  const error = (kind: GeometryIssueKind, message: string, at?: Position) => issues.push({ kind, severity: 'error', message, ...(at ? { at } : {}) })
  const g = input as { type?: unknown; coordinates?: unknown } | null
  if (!g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon') || !Array.isArray(g.coordinates)) {
    error('invalid_geometry', `Geometry must be a Polygon or MultiPolygon, got ${g ? String(g.type) : 'null'}`)
    return { geometry: null, issues }
  }
  const rawPolys = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as unknown[]
  if (rawPolys.length === 0) {
    error('invalid_geometry', 'Geometry has no polygons')
    return { geometry: null, issues }
  }
  let fixedWinding = 0
  let droppedVertices = 0
  let outside: Position | null = null
  const polys: PolygonCoords[] = []
  for (const [pi, rawPoly] of rawPolys.entries()) {
    if (!Array.isArray(rawPoly) || rawPoly.length === 0) {
      error('invalid_geometry', `Polygon ${pi} has no rings`)
      continue
    }
    const poly: PolygonCoords = []
    for (const [ri, rawRing] of rawPoly.entries()) {
      const where = `polygon ${pi} ring ${ri}`
      if (!Array.isArray(rawRing) || !rawRing.every(isPosition)) {
        error('invalid_geometry', `${where}: positions must be [lng, lat] pairs of finite numbers`)
        continue
      }
      // drop any Z, then consecutive repeats
      const ring: Ring = []
      for (const p of rawRing as number[][]) {
        const last = ring.at(-1)
        if (last && last[0] === p[0] && last[1] === p[1]) droppedVertices++
        else ring.push([p[0]!, p[1]!])
      }
      const first = ring[0]
      const last = ring.at(-1)
      if (!first || !last || ring.length < 2 || first[0] !== last[0] || first[1] !== last[1]) {
        error('unclosed_ring', `${where} is not closed: its last position must repeat the first`, first)
        continue
      }
      if (ring.length < 4) {
        error('too_few_points', `${where} has fewer than 3 distinct positions`, first)
        continue
      }
      if (!outside) outside = ring.find(([x, y]) => outOfChina(x, y)) ?? null
      const area = ringArea(ring)
      if (area === 0) {
        error('too_few_points', `${where} has zero area`, first)
        continue
      }
      const wantPositive = ri === 0
      if (area > 0 !== wantPositive) {
        ring.reverse()
        fixedWinding++
      }
      poly.push(ring)
    }
    if (poly.length > 0) polys.push(poly)
  }
  if (outside && opts.requireChina !== false) error('outside_china', `Position ${outside[0]}, ${outside[1]} is outside China (wrong coordinate order or system?)`, outside)
  if (issues.some((i) => i.severity === 'error')) return { geometry: null, issues }

  const allRings = polys.flat()
  const seen = new Set<string>()
  for (const c of findRingCrossings(allRings, { limit: 5 })) {
    // one place is often met by several pairs of edges: report it once
    const where = `${c.at[0].toFixed(6)}, ${c.at[1].toFixed(6)}`
    if (seen.has(where)) continue
    seen.add(where)
    const what = c.relation === 'overlap' ? 'run along each other' : c.relation === 'touch' ? 'touch' : 'cross'
    error('self_intersection', `${c.ringA === c.ringB ? 'A ring\'s edges' : 'Two rings'} ${what} near ${where}`, c.at)
  }
  for (const [pi, poly] of polys.entries()) {
    for (let ri = 1; ri < poly.length; ri++) {
      const probe = poly[ri]!.find((p) => pointInPolygons(p, [[poly[0]!]]) !== 0) ?? poly[ri]![0]!
      if (pointInPolygons(probe, [[poly[0]!]]) < 0) error('hole_outside', `Polygon ${pi} hole ${ri - 1} lies outside its exterior ring`, probe)
    }
  }
  if (fixedWinding > 0) issues.push({ kind: 'wrong_winding', severity: 'warning', message: `${fixedWinding} ring(s) had the wrong winding and were reversed` })
  if (droppedVertices > 0) issues.push({ kind: 'duplicate_vertices', severity: 'warning', message: `${droppedVertices} repeated consecutive position(s) dropped` })
  if (issues.some((i) => i.severity === 'error')) return { geometry: null, issues }
  return { geometry: toAreaGeometry(polys), issues }
}

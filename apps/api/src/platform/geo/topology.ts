import { difference, intersection } from './clip.js'
import { bboxOf, centroidOf, multiPolygonArea } from './measure.js'
import { PolygonTester } from './polygon-index.js'
import { findRingCrossings } from './segments.js'
import type { PolygonCoords } from './types.js'

type Multi = PolygonCoords[]

/**
 * Do two valid (multi)polygons share interior? Cheap for neighbours that only share edges (the
 * usual case among grids): a proper crossing of their edges, a vertex or an edge midpoint of
 * one strictly inside the other (midpoints catch overlaps along collinear edges), or an
 * interior point (centroid) of one inside the other. Clipping is left to the caller, for the
 * pairs that do overlap.
 */
export function interiorsOverlap(a: Multi, b: Multi): boolean {
  const ra = a.flat()
  const rb = b.flat()
  if (findRingCrossings([...ra, ...rb], { limit: 1, groups: [...ra.map(() => 0), ...rb.map(() => 1)] }).length > 0) return true
  const ta = new PolygonTester(a)
  const tb = new PolygonTester(b)
  for (const [rings, other] of [[ra, tb], [rb, ta]] as const) {
    for (const ring of rings) {
      for (let i = 0; i < ring.length - 1; i++) {
        const [x0, y0] = ring[i]!
        const [x1, y1] = ring[i + 1]!
        if (other.test(x0, y0) > 0 || other.test((x0 + x1) / 2, (y0 + y1) / 2) > 0) return true
      }
    }
  }
  for (const [polys, self, other] of [[a, ta, tb], [b, tb, ta]] as const) {
    for (const poly of polys) {
      const [x, y] = centroidOf([poly])
      if (self.test(x, y) > 0 && other.test(x, y) > 0) return true
    }
  }
  return false
}

/** Area (m²) of the overlap of two (multi)polygons; 0 without clipping when they only touch. */
export const overlapArea = (a: Multi, b: Multi): number => (interiorsOverlap(a, b) ? multiPolygonArea(intersection(a, b)) : 0)

/**
 * Area (m²) of `child` outside `parent`. Fast path: every vertex of the child inside or on the
 * parent counts as contained (an edge between two inside vertices leaving a concave parent is
 * not looked for); otherwise the exact difference, with the parent first cut to the child's box.
 */
export function outsideArea(child: Multi, parent: Multi, parentTester = new PolygonTester(parent)): number {
  if (child.every((poly) => poly.every((ring) => ring.every(([x, y]) => parentTester.test(x, y) >= 0)))) return 0
  const [x0, y0, x1, y1] = bboxOf(child)
  const m = Math.max(x1 - x0, y1 - y0) * 0.01
  const box: Multi = [[[[x0 - m, y0 - m], [x1 + m, y0 - m], [x1 + m, y1 + m], [x0 - m, y1 + m], [x0 - m, y0 - m]]]]
  return multiPolygonArea(difference(child, intersection(parent, box)))
}

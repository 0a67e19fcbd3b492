import { orient2d } from 'robust-predicates'
import type { Position } from './types.js'

export type SegmentRelation = 'none' | 'proper' | 'touch' | 'overlap'

const within = (v: number, a: number, b: number) => (a <= b ? a <= v && v <= b : b <= v && v <= a)
const onSegment = (p: Position, a: Position, b: Position) => within(p[0], a[0], b[0]) && within(p[1], a[1], b[1])

/**
 * How segments ab and cd meet, with exact orientation tests (robust-predicates): 'proper' for
 * a crossing in both interiors, 'overlap' for collinear segments sharing more than a point,
 * 'touch' for a single shared point (an endpoint on the other segment).
 */
export function segmentRelation(a: Position, b: Position, c: Position, d: Position): SegmentRelation {
  const o1 = orient2d(a[0], a[1], b[0], b[1], c[0], c[1])
  const o2 = orient2d(a[0], a[1], b[0], b[1], d[0], d[1])
  const o3 = orient2d(c[0], c[1], d[0], d[1], a[0], a[1])
  const o4 = orient2d(c[0], c[1], d[0], d[1], b[0], b[1])
  if ((o1 > 0 && o2 > 0) || (o1 < 0 && o2 < 0) || (o3 > 0 && o4 > 0) || (o3 < 0 && o4 < 0)) return 'none'
  if (o1 !== 0 && o2 !== 0 && o3 !== 0 && o4 !== 0) return 'proper'
  if (o1 === 0 && o2 === 0) {
    // collinear: compare along the dominant axis
    const ax = Math.abs(b[0] - a[0]) >= Math.abs(b[1] - a[1]) ? 0 : 1
    const lo = Math.max(Math.min(a[ax], b[ax]), Math.min(c[ax], d[ax]))
    const hi = Math.min(Math.max(a[ax], b[ax]), Math.max(c[ax], d[ax]))
    if (lo > hi) return 'none'
    return lo === hi ? 'touch' : 'overlap'
  }
  if ((o1 === 0 && onSegment(c, a, b)) || (o2 === 0 && onSegment(d, a, b)) || (o3 === 0 && onSegment(a, c, d)) || (o4 === 0 && onSegment(b, c, d))) {
    return 'touch'
  }
  return 'none'
}

/** Where two segments' lines cross (for messages; callers know they do). */
export function intersectionPoint(a: Position, b: Position, c: Position, d: Position): Position {
  const den = (a[0] - b[0]) * (c[1] - d[1]) - (a[1] - b[1]) * (c[0] - d[0])
  if (den === 0) return onSegment(c, a, b) ? c : d
  const t = ((a[0] - c[0]) * (c[1] - d[1]) - (a[1] - c[1]) * (c[0] - d[0])) / den
  return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
}

export interface SegmentCrossing {
  /** Ring numbers (as given) and segment indices of the two segments. */
  ringA: number
  segA: number
  ringB: number
  segB: number
  relation: SegmentRelation
  at: Position
}

/**
 * Find invalid meetings between the edges of closed rings: within one ring any contact of
 * non-adjacent edges (or adjacent edges folding back on each other); between rings a proper
 * crossing or a shared stretch (a single touching point is allowed, as in OGC Simple Features).
 * With `groups` (a group number per ring) only proper crossings between rings of different
 * groups count: how two polygons that may share edges are checked for overlapping.
 * Sort-and-sweep on x, so n log n plus the number of x-overlapping pairs. Stops after `limit`.
 */
export function findRingCrossings(rings: Position[][], opts: { limit?: number; groups?: number[] } = {}): SegmentCrossing[] {
  const limit = opts.limit ?? 10
  const groups = opts.groups
  type Seg = { r: number; i: number; n: number; minX: number; maxX: number; minY: number; maxY: number; a: Position; b: Position }
  const segs: Seg[] = []
  rings.forEach((ring, r) => {
    const n = ring.length - 1
    for (let i = 0; i < n; i++) {
      const a = ring[i]!
      const b = ring[i + 1]!
      segs.push({ r, i, n, a, b, minX: Math.min(a[0], b[0]), maxX: Math.max(a[0], b[0]), minY: Math.min(a[1], b[1]), maxY: Math.max(a[1], b[1]) })
    }
  })
  segs.sort((s, t) => s.minX - t.minX)
  const out: SegmentCrossing[] = []
  const active: Seg[] = []
  for (const s of segs) {
    for (let k = active.length - 1; k >= 0; k--) if (active[k]!.maxX < s.minX) active.splice(k, 1)
    for (const t of active) {
      if (t.maxY < s.minY || s.maxY < t.minY) continue
      const rel = segmentRelation(t.a, t.b, s.a, s.b)
      if (rel === 'none') continue
      const sameRing = s.r === t.r
      const adjacent = sameRing && (Math.abs(s.i - t.i) === 1 || Math.abs(s.i - t.i) === s.n - 1)
      const bad = groups
        ? groups[s.r] !== groups[t.r] && rel === 'proper'
        : sameRing
          ? adjacent
            ? rel === 'overlap'
            : true
          : rel !== 'touch'
      if (!bad) continue
      out.push({ ringA: t.r, segA: t.i, ringB: s.r, segB: s.i, relation: rel, at: rel === 'proper' ? intersectionPoint(t.a, t.b, s.a, s.b) : sharedPoint(t, s) })
      if (out.length >= limit) return out
    }
    active.push(s)
  }
  return out
}

function sharedPoint(t: { a: Position; b: Position }, s: { a: Position; b: Position }): Position {
  for (const p of [s.a, s.b]) if (onSegment(p, t.a, t.b) && orient2d(t.a[0], t.a[1], t.b[0], t.b[1], p[0], p[1]) === 0) return p
  return onSegment(t.a, s.a, s.b) ? t.a : t.b
}

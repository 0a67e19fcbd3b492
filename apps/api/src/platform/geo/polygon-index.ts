import Flatbush from 'flatbush'
import { orient2d } from 'robust-predicates'
import { polygonsOf, type AreaGeometry, type PolygonCoords, type Position } from './types.js'

/**
 * The ray from (x, y) towards +x against one closed ring (vertices start…end-1 of `xy`, the
 * last repeating the first): 1 for an odd number of crossings, 0 for even, -1 when the point
 * is on the ring. The side test is exact (robust-predicates), so a point on a shared edge is
 * on the boundary of both neighbours, never inside one and outside the other by rounding.
 */
function ringParity(x: number, y: number, xy: Float64Array, start: number, end: number): number {
  let odd = 0
  for (let i = start; i < end - 1; i++) {
    const x1 = xy[2 * i]!
    const y1 = xy[2 * i + 1]!
    const x2 = xy[2 * i + 2]!
    const y2 = xy[2 * i + 3]!
    if (y1 > y === y2 > y) {
      // edge entirely above, or entirely at-or-below: it can only hold the point if horizontal at y or ending at it
      if (y1 === y && (x1 === x || (y2 === y && (x1 - x) * (x2 - x) <= 0))) return -1
      continue
    }
    const o = orient2d(x1, y1, x2, y2, x, y)
    if (o === 0) return -1
    // the ray crosses an upward edge with the point on its left, or a downward one with it on its right
    if (o < 0 === y2 > y1) odd ^= 1
  }
  return odd
}

/**
 * Point-in-polygon on flattened rings r0…r1-1: 1 inside, 0 on the boundary, -1 outside.
 * Even–odd over all rings of an item, so holes and MultiPolygon parts need no special case.
 */
function pipFlat(x: number, y: number, xy: Float64Array, ringStart: Uint32Array, r0: number, r1: number): number {
  let odd = 0
  for (let r = r0; r < r1; r++) {
    const k = ringParity(x, y, xy, ringStart[r]!, ringStart[r + 1]!)
    if (k < 0) return 0
    odd ^= k
  }
  return odd ? 1 : -1
}

/** Point tests against one (multi)polygon, flattened once: 1 inside, 0 on the boundary, -1 outside. */
export class PolygonTester {
  private readonly flat: ReturnType<typeof flatten>
  constructor(polys: PolygonCoords[]) {
    this.flat = flatten([polys])
  }
  test(x: number, y: number): number {
    return pipFlat(x, y, this.flat.xy, this.flat.ringStart, 0, this.flat.itemRing[1]!)
  }
}

/** Where a point lies relative to one polygon or multipolygon: 1 inside, 0 on the boundary, -1 outside. */
export const pointInPolygons = (p: Position, polys: PolygonCoords[]): number => new PolygonTester(polys).test(p[0], p[1])

function flatten(items: PolygonCoords[][]) {
  let rings = 0
  let verts = 0
  for (const polys of items) {
    for (const poly of polys) {
      rings += poly.length
      for (const ring of poly) verts += ring.length
    }
  }
  const xy = new Float64Array(verts * 2)
  const ringStart = new Uint32Array(rings + 1)
  const itemRing = new Uint32Array(items.length + 1)
  let r = 0
  let v = 0
  items.forEach((polys, i) => {
    itemRing[i] = r
    for (const poly of polys) {
      for (const ring of poly) {
        ringStart[r++] = v
        for (const [x, y] of ring) {
          xy[2 * v] = x
          xy[2 * v + 1] = y
          v++
        }
      }
    }
  })
  itemRing[items.length] = r
  ringStart[r] = v
  return { xy, ringStart, itemRing }
}

/** More candidates than this in one bucket and the bucket defers to the tree. */
const BUCKET_MAX = 24

/**
 * A static spatial index of non-overlapping polygons answering "which one contains this point?"
 * in well under a microsecond: a Flatbush packed Hilbert R-tree over the bounding boxes, then
 * an exact point-in-polygon test on flat typed arrays. A point on a border is given to the
 * lowest item index among the polygons it touches, so callers pass items sorted by their
 * tie-break key (code). Rings must be closed (first position repeated last), as GeoJSON requires.
 *
 * Walking the tree costs about 1 µs a query on a 2-core machine, which alone would miss the
 * 1,000,000 lookups/s budget, so the tree's answers are also precomputed for a uniform lattice
 * of buckets (about one per item): a query reads its bucket's short candidate list and goes to
 * the tree only when a bucket holds too many (very uneven polygon sizes).
 */
export class PolygonIndex {
  readonly size: number
  private readonly tree: Flatbush | null
  private readonly xy: Float64Array
  private readonly ringStart: Uint32Array
  private readonly itemRing: Uint32Array
  private readonly boxes: Float64Array
  // bucket lattice: candidates of bucket b are cand[bucketStart[b] .. bucketStart[b+1]); deferred = use the tree
  private readonly grid = { minX: 0, minY: 0, maxX: -1, maxY: -1, cols: 0, rows: 0, sx: 0, sy: 0 }
  private readonly bucketStart: Uint32Array = new Uint32Array(1)
  private readonly cand: Uint32Array = new Uint32Array(0)
  /**
   * The candidates' boxes and, for single-ring polygons (nearly all grids), their vertex range,
   * copied next to each other: a query then reads its bucket and the vertices, and nothing else.
   */
  private readonly candBox: Float64Array = new Float64Array(0)
  private readonly candRing: Uint32Array = new Uint32Array(0)
  private readonly deferred: Uint8Array = new Uint8Array(0)
  // state of the current tree query, kept on the instance so the hot path allocates nothing
  private qx = 0
  private qy = 0
  private boundaryHit = -1
  private insideHit = -1
  private readonly visit = (i: number): boolean => {
    const r = pipFlat(this.qx, this.qy, this.xy, this.ringStart, this.itemRing[i]!, this.itemRing[i + 1]!)
    if (r > 0) {
      this.insideHit = i
      return true
    }
    if (r === 0 && (this.boundaryHit < 0 || i < this.boundaryHit)) this.boundaryHit = i
    return false
  }

  constructor(geometries: AreaGeometry[]) {
    const n = geometries.length
    this.size = n
    const flat = flatten(geometries.map(polygonsOf))
    this.xy = flat.xy
    this.ringStart = flat.ringStart
    this.itemRing = flat.itemRing
    this.boxes = new Float64Array(n * 4)
    if (n === 0) {
      this.tree = null
      return
    }
    const tree = new Flatbush(n)
    for (let i = 0; i < n; i++) {
      let minX = Infinity
      let minY = Infinity
      let maxX = -Infinity
      let maxY = -Infinity
      for (let v = this.ringStart[this.itemRing[i]!]!; v < this.ringStart[this.itemRing[i + 1]!]!; v++) {
        const x = this.xy[2 * v]!
        const y = this.xy[2 * v + 1]!
        if (x < minX) minX = x
        if (y < minY) minY = y
        if (x > maxX) maxX = x
        if (y > maxY) maxY = y
      }
      this.boxes.set([minX, minY, maxX, maxY], 4 * i)
      tree.add(minX, minY, maxX, maxY)
    }
    tree.finish()
    this.tree = tree

    const g = this.grid
    Object.assign(g, { minX: tree.minX, minY: tree.minY, maxX: tree.maxX, maxY: tree.maxY })
    const w = Math.max(g.maxX - g.minX, 1e-12)
    const h = Math.max(g.maxY - g.minY, 1e-12)
    g.cols = Math.max(1, Math.min(4096, Math.round(Math.sqrt((n * w) / h))))
    g.rows = Math.max(1, Math.min(4096, Math.round(n / g.cols)))
    g.sx = g.cols / w
    g.sy = g.rows / h
    const buckets = g.cols * g.rows
    const lists: number[][] = []
    this.deferred = new Uint8Array(buckets)
    let total = 0
    // a hair of overlap so a point that rounds into a neighbouring bucket still finds its polygon there
    const ex = w * 1e-9
    const ey = h * 1e-9
    for (let r = 0; r < g.rows; r++) {
      for (let c = 0; c < g.cols; c++) {
        const x0 = g.minX + c / g.sx
        const y0 = g.minY + r / g.sy
        const found = tree.search(x0 - ex, y0 - ey, x0 + 1 / g.sx + ex, y0 + 1 / g.sy + ey)
        if (found.length > BUCKET_MAX) {
          this.deferred[r * g.cols + c] = 1
          lists.push([])
        } else {
          found.sort((a, b) => a - b)
          lists.push(found)
          total += found.length
        }
      }
    }
    this.bucketStart = new Uint32Array(buckets + 1)
    this.cand = new Uint32Array(total)
    this.candBox = new Float64Array(total * 4)
    this.candRing = new Uint32Array(total * 2)
    let k = 0
    lists.forEach((list, b) => {
      this.bucketStart[b] = k
      for (const i of list) {
        this.candBox.set(this.boxes.subarray(4 * i, 4 * i + 4), 4 * k)
        const r = this.itemRing[i]!
        // [start, end) of the only ring; [0, 0) marks polygons with holes or parts
        if (this.itemRing[i + 1] === r + 1) this.candRing.set([this.ringStart[r]!, this.ringStart[r + 1]!], 2 * k)
        this.cand[k++] = i
      }
    })
    this.bucketStart[buckets] = k
  }

  /** Index of the item containing (x, y), or -1. */
  find(x: number, y: number): number {
    const g = this.grid
    if (!(x >= g.minX && x <= g.maxX && y >= g.minY && y <= g.maxY)) return -1
    const c = Math.min(g.cols - 1, Math.floor((x - g.minX) * g.sx))
    const r = Math.min(g.rows - 1, Math.floor((y - g.minY) * g.sy))
    const b = r * g.cols + c
    if (this.deferred[b]) return this.findInTree(x, y)
    const boxes = this.candBox
    let boundary = -1
    for (let k = this.bucketStart[b]!, end = this.bucketStart[b + 1]!; k < end; k++) {
      if (x < boxes[4 * k]! || y < boxes[4 * k + 1]! || x > boxes[4 * k + 2]! || y > boxes[4 * k + 3]!) continue
      const i = this.cand[k]!
      const end = this.candRing[2 * k + 1]!
      let res: number
      if (end > 0) {
        const odd = ringParity(x, y, this.xy, this.candRing[2 * k]!, end)
        res = odd < 0 ? 0 : odd ? 1 : -1
      } else res = pipFlat(x, y, this.xy, this.ringStart, this.itemRing[i]!, this.itemRing[i + 1]!)
      if (res > 0) return i
      // candidates are in index order, so the first border hit is the lowest
      if (res === 0 && boundary < 0) boundary = i
    }
    return boundary
  }

  private findInTree(x: number, y: number): number {
    this.qx = x
    this.qy = y
    this.boundaryHit = -1
    this.insideHit = -1
    if (this.tree!.collides(x, y, x, y, this.visit)) return this.insideHit
    return this.boundaryHit
  }
}

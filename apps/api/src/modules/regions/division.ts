import {
  areaBetween,
  bboxOf,
  bboxesOverlap,
  centroidOf,
  distanceMetres,
  findRingCrossings,
  intersection,
  intersectionPoint,
  metresPerDegree,
  multiPolygonArea,
  polygonsOf,
  pointInPolygons,
  ringArea,
  segmentRelation,
  union,
  type AreaGeometry,
  type PolygonCoords,
  type Position,
  type Ring,
} from '../../platform/geo/index.js'

/**
 * Automatic division of a community into unit grids (pure; see docs/REGIONS.md).
 *
 * 1. Road cuts (optional): road ways are joined into longer lines (chainRoads); every piece
 *    of a line that runs through a block from boundary to boundary splits it (splitPolygonByLine),
 *    repeatedly, so a side street ending on a main road cuts once the main road has. The cut is
 *    exact: both halves reuse the road's vertices, nothing is lost or doubled. Dead ends do not
 *    cut. Slivers between a road and the boundary (area < minArea, or mean width 2A/P below
 *    √minArea / 4) are merged into a neighbour.
 * 2. Each block larger than maxArea is cut into n ≈ area / targetArea cells: r rows of equal
 *    area (r chosen so cells come out about square), then each connected piece of a row into
 *    equal-area columns. Cut positions are found by bisection on an exact area function.
 * 3. Cells are split into connected pieces; pieces smaller than minArea join the neighbour
 *    sharing the longest border (preferring neighbours that stay within maxArea). A piece with
 *    no neighbour (an island) stays as it is: one of the documented remainders.
 * 4. Numbering, west→east, north→south: cells are taken by centroid latitude, north first; a
 *    cell opens a new row when its centroid lies more than √targetArea / 2 metres south of the
 *    first centroid of the current row; rows are numbered north→south, cells in a row by
 *    centroid longitude west→east. Sequence numbers start at 1.
 */
export interface DivideParams {
  targetArea: number
  minArea: number
  maxArea: number
  /** Road centre lines in WGS84. */
  roads?: Position[][]
}

export interface DivisionCell {
  seq: number
  row: number
  polygons: PolygonCoords[]
  area: number
  centroid: Position
}

export interface Division {
  cells: DivisionCell[]
  /** Blocks after the road cuts (1 per polygon part without roads). */
  blocks: number
  roadCuts: number
}

type Multi = PolygonCoords[]

const ringLength = (ring: Ring) => ring.reduce((s, p, i) => (i === 0 ? 0 : s + distanceMetres(ring[i - 1]!, p)), 0)
const perimeter = (m: Multi) => m.reduce((s, poly) => s + poly.reduce((t, ring) => t + ringLength(ring), 0), 0)
const rect = (x0: number, y0: number, x1: number, y1: number): Multi => [[[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]]

/** Bisection for the cut value c in [lo, hi] where f(c) reaches `target` (f increasing). */
function solve(f: (c: number) => number, target: number, lo: number, hi: number): number {
  for (let i = 0; i < 60 && hi - lo > 1e-13; i++) {
    const mid = (lo + hi) / 2
    if (f(mid) < target) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

/** Cut values along an axis splitting `m` into slices whose areas follow `shares` (from the high end when `fromHigh`). */
function equalAreaCuts(m: Multi, axis: 0 | 1, shares: number[], fromHigh: boolean): number[] {
  const b = bboxOf(m)
  const lo = b[axis]
  const hi = axis === 0 ? b[2] : b[3]
  const total = shares.reduce((s, x) => s + x, 0)
  const area = multiPolygonArea(m)
  const cuts: number[] = []
  let acc = 0
  for (const share of shares.slice(0, -1)) {
    acc += share
    const want = (area * acc) / total
    cuts.push(fromHigh ? solve((c) => areaBetween(m, axis, hi - (c - lo), hi), want, lo, hi) : solve((c) => areaBetween(m, axis, lo, c), want, lo, hi))
  }
  // bisection ran on a mirrored variable when cutting from the high end
  return fromHigh ? cuts.map((c) => hi - (c - lo)) : cuts
}

/** Split a block into about-square cells of roughly the target area. */
function subdivide(block: Multi, p: DivideParams): Multi[] {
  const area = multiPolygonArea(block)
  if (area <= p.maxArea) return [block]
  const n = Math.max(2, Math.round(area / p.targetArea), Math.ceil(area / p.maxArea))
  const b = bboxOf(block)
  const k = metresPerDegree((b[1] + b[3]) / 2)
  const w = Math.max((b[2] - b[0]) * k.lng, 1e-6)
  const h = Math.max((b[3] - b[1]) * k.lat, 1e-6)
  const rows = Math.min(n, Math.max(1, Math.round(Math.sqrt((n * h) / w))))
  const perRow = Array.from({ length: rows }, (_, i) => Math.floor(n / rows) + (i < n % rows ? 1 : 0))
  // rows from the north; the outer slab edges sit beyond the block so no edge coincides with them
  const pad = Math.max(b[2] - b[0], b[3] - b[1])
  const ys = [b[3] + pad, ...equalAreaCuts(block, 1, perRow, true), b[1] - pad]
  const cells: Multi[] = []
  for (let r = 0; r < rows; r++) {
    const strip = intersection(block, rect(b[0] - pad, ys[r + 1]!, b[2] + pad, ys[r]!))
    // each connected piece of the row gets its own columns, so pieces are not glued across gaps
    for (const piece of strip) {
      const pieceArea = multiPolygonArea([piece])
      const cols = Math.max(1, Math.round(pieceArea / p.targetArea), Math.ceil(pieceArea / p.maxArea))
      if (cols === 1) {
        cells.push([piece])
        continue
      }
      const pb = bboxOf(piece)
      const xs = [pb[0] - pad, ...equalAreaCuts([piece], 0, Array(cols).fill(1), false), pb[2] + pad]
      for (let c = 0; c < cols; c++) cells.push(intersection([piece], rect(xs[c]!, pb[1] - pad, xs[c + 1]!, pb[3] + pad)))
    }
  }
  return cells
}

interface LineEvent {
  /** Position along the line: segment index + fraction. */
  t: number
  p: Position
  ring: number
  /** Edge index in the ring and fraction along it (0 or 1 = an existing vertex). */
  edge: number
  u: number
}

/** Where a polyline meets the rings of a polygon, ordered along the line. */
function lineEvents(poly: PolygonCoords, line: Position[]): LineEvent[] {
  const events: LineEvent[] = []
  for (let i = 0; i < line.length - 1; i++) {
    const a = line[i]!
    const b = line[i + 1]!
    const sx0 = Math.min(a[0], b[0])
    const sx1 = Math.max(a[0], b[0])
    const sy0 = Math.min(a[1], b[1])
    const sy1 = Math.max(a[1], b[1])
    poly.forEach((ring, r) => {
      for (let j = 0; j < ring.length - 1; j++) {
        const c = ring[j]!
        const d = ring[j + 1]!
        if (Math.max(c[0], d[0]) < sx0 || Math.min(c[0], d[0]) > sx1 || Math.max(c[1], d[1]) < sy0 || Math.min(c[1], d[1]) > sy1) continue
        const rel = segmentRelation(a, b, c, d)
        if (rel === 'none') continue
        // the meeting points: the crossing, or the endpoints lying on the other segment
        const pts: Position[] = rel === 'proper' ? [intersectionPoint(c, d, a, b)] : [a, b, c, d].filter((q) => pointOnSegment(q, a, b) && pointOnSegment(q, c, d))
        for (const q of pts) events.push({ t: i + param(a, b, q), p: q, ring: r, edge: j, u: param(c, d, q) })
      }
    })
  }
  events.sort((x, y) => x.t - y.t)
  return events.filter((e, k) => k === 0 || e.p[0] !== events[k - 1]!.p[0] || e.p[1] !== events[k - 1]!.p[1])
}

const param = (a: Position, b: Position, q: Position) => {
  const ax = Math.abs(b[0] - a[0]) >= Math.abs(b[1] - a[1]) ? 0 : 1
  return b[ax] === a[ax] ? 0 : Math.min(1, Math.max(0, (q[ax] - a[ax]) / (b[ax] - a[ax])))
}
const pointOnSegment = (q: Position, a: Position, b: Position) =>
  segmentRelation(q, q, a, b) !== 'none' && Math.min(a[0], b[0]) <= q[0] && q[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= q[1] && q[1] <= Math.max(a[1], b[1])

/**
 * Split a polygon along the first piece of `line` that runs through its interior from one point
 * of the outer ring to another (a chord). The chord's end points are inserted into the ring and
 * both halves reuse the same vertices, so they share the road line exactly and their areas add
 * up to the polygon's. Holes go to the half that contains them. Null when the line makes no
 * such chord (it misses, ends inside, or only touches holes).
 */
export function splitPolygonByLine(poly: PolygonCoords, line: Position[]): [PolygonCoords, PolygonCoords] | null {
  const events = lineEvents(poly, line)
  for (let k = 0; k < events.length - 1; k++) {
    const e1 = events[k]!
    const e2 = events[k + 1]!
    if (e1.ring !== 0 || e2.ring !== 0) continue
    // the line's vertices strictly between the two events
    const inner: Position[] = []
    for (let i = Math.floor(e1.t) + 1; i <= Math.ceil(e2.t) - 1 && i < line.length; i++) if (i > e1.t && i < e2.t) inner.push(line[i]!)
    const next = inner[0] ?? e2.p
    const probe: Position = [(e1.p[0] + next[0]) / 2, (e1.p[1] + next[1]) / 2]
    if (pointInPolygons(probe, [poly]) <= 0) continue
    const halves = cutRing(poly, e1, e2, inner)
    if (halves) return halves
  }
  return null
}

function cutRing(poly: PolygonCoords, e1: LineEvent, e2: LineEvent, inner: Position[]): [PolygonCoords, PolygonCoords] | null {
  const outer = poly[0]!.slice(0, -1)
  // insert the two end points into the outer ring (unless they are vertices already)
  const inserts = [e1, e2]
    .map((e, which) => ({ e, which, pos: e.u === 0 ? e.edge : e.u === 1 ? (e.edge + 1) % outer.length : e.edge + e.u }))
    .sort((x, y) => y.pos - x.pos)
  const index: number[] = [0, 0]
  const ring = [...outer]
  for (const ins of inserts) {
    if (Number.isInteger(ins.pos)) index[ins.which] = ins.pos
    else {
      ring.splice(Math.floor(ins.pos) + 1, 0, ins.e.p)
      index[ins.which] = Math.floor(ins.pos) + 1
    }
  }
  // an insertion before the other point shifts its index
  if (!Number.isInteger(inserts[1]!.pos) && index[inserts[0]!.which]! >= index[inserts[1]!.which]!) index[inserts[0]!.which]! += 1
  const [i1, i2] = index as [number, number]
  if (i1 === i2) return null
  const arc = (from: number, to: number) => {
    const out: Position[] = []
    for (let i = (from + 1) % ring.length; i !== to; i = (i + 1) % ring.length) out.push(ring[i]!)
    return out
  }
  const p1 = ring[i1]!
  const p2 = ring[i2]!
  const a: Ring = [p1, ...inner, p2, ...arc(i2, i1), p1]
  const b: Ring = [p2, ...[...inner].reverse(), p1, ...arc(i1, i2), p2]
  if (a.length < 4 || b.length < 4 || findRingCrossings([a], { limit: 1 }).length > 0 || findRingCrossings([b], { limit: 1 }).length > 0) return null
  const halves: [PolygonCoords, PolygonCoords] = [[ringArea(a) > 0 ? a : a.reverse()], [ringArea(b) > 0 ? b : b.reverse()]]
  for (const hole of poly.slice(1)) halves[pointInPolygons(hole[0]!, [[halves[0][0]!]]) > 0 ? 0 : 1].push(hole)
  return halves
}

/**
 * Join road ways into longer lines: ways meeting end to end where no third way meets are one
 * road split in the data; at junctions the straightest continuation (within 30°) is taken.
 */
export function chainRoads(ways: Position[][]): Position[][] {
  const key = (p: Position) => `${p[0]},${p[1]}`
  const ends = new Map<string, { w: number; atStart: boolean }[]>()
  ways.forEach((w, i) => {
    for (const atStart of [true, false]) {
      const k = key(atStart ? w[0]! : w.at(-1)!)
      ends.set(k, [...(ends.get(k) ?? []), { w: i, atStart }])
    }
  })
  // direction leaving a way end, pointing into the way
  const dir = (w: Position[], atStart: boolean) => {
    const [p, q] = atStart ? [w[0]!, w[1]!] : [w.at(-1)!, w.at(-2)!]
    return Math.atan2(q[1] - p[1], q[0] - p[0])
  }
  const partner = new Map<string, { w: number; atStart: boolean }>()
  for (const list of ends.values()) {
    if (list.length < 2) continue
    const pairs: { a: (typeof list)[0]; b: (typeof list)[0]; bend: number }[] = []
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!
        const b = list[j]!
        if (a.w === b.w) continue
        const d = Math.abs(Math.PI - Math.abs(dir(ways[a.w]!, a.atStart) - dir(ways[b.w]!, b.atStart)))
        const bend = Math.min(d, 2 * Math.PI - d)
        if (list.length === 2 || bend < Math.PI / 6) pairs.push({ a, b, bend })
      }
    pairs.sort((x, y) => x.bend - y.bend)
    const used = new Set<string>()
    for (const { a, b } of pairs) {
      const ka = `${a.w}:${a.atStart}`
      const kb = `${b.w}:${b.atStart}`
      if (used.has(ka) || used.has(kb)) continue
      used.add(ka).add(kb)
      partner.set(ka, b)
      partner.set(kb, a)
    }
  }
  const done = new Set<number>()
  const chains: Position[][] = []
  for (let start = 0; start < ways.length; start++) {
    if (done.has(start)) continue
    // go back to the first way of this chain (stop on loops)
    let w = start
    let forward = true
    for (let guard = 0; guard < ways.length; guard++) {
      const back = partner.get(`${w}:${forward}`)
      if (!back || back.w === start) break
      w = back.w
      forward = !back.atStart
    }
    const chain: Position[] = []
    for (let guard = 0; guard <= ways.length && !done.has(w); guard++) {
      done.add(w)
      const pts = forward ? ways[w]! : [...ways[w]!].reverse()
      chain.push(...(chain.length ? pts.slice(1) : pts))
      const next = partner.get(`${w}:${!forward}`)
      if (!next) break
      w = next.w
      forward = next.atStart
    }
    chains.push(chain)
  }
  return chains
}

/** Cut blocks along roads until no road makes another cut; returns the blocks and the number of cuts. */
function cutByRoads(blocks: PolygonCoords[], roads: Position[][]): { blocks: PolygonCoords[]; cuts: number } {
  const lines = chainRoads(roads).map((line) => ({ line, box: bboxOf(line) }))
  let cuts = 0
  const out: PolygonCoords[] = []
  const queue = [...blocks]
  // a block is final when no line cuts it; halves go back on the queue (later cuts may end on earlier ones)
  while (queue.length > 0) {
    const block = queue.pop()!
    const box = bboxOf(block)
    let halves: [PolygonCoords, PolygonCoords] | null = null
    for (const { line, box: lb } of lines) {
      if (!bboxesOverlap(box, lb)) continue
      halves = splitPolygonByLine(block, line)
      if (halves) break
    }
    if (halves) {
      cuts++
      queue.push(...halves)
    } else out.push(block)
  }
  return { blocks: out, cuts }
}

/**
 * Merge pieces that fail `small` into the neighbour sharing the longest border (shared length =
 * (P(a) + P(b) − P(a ∪ b)) / 2, which needs no matching vertices); a neighbour that stays
 * within maxArea is preferred. Pieces without any neighbour are kept.
 */
function mergeSmall(pieces: Multi[], small: (m: Multi, area: number) => boolean, maxArea: number): Multi[] {
  const items = pieces.map((m) => ({ m, area: multiPolygonArea(m), box: bboxOf(m), per: perimeter(m), alive: true }))
  const lonely = new Set<number>()
  for (;;) {
    let pick = -1
    for (const [i, it] of items.entries()) if (it.alive && !lonely.has(i) && small(it.m, it.area) && (pick < 0 || it.area < items[pick]!.area)) pick = i
    if (pick < 0) break
    const a = items[pick]!
    let best: { j: number; shared: number; merged: Multi; fits: boolean } | null = null
    for (const [j, b] of items.entries()) {
      if (j === pick || !b.alive || !bboxesOverlap(a.box, b.box)) continue
      const merged = union(a.m, b.m)
      const shared = (a.per + b.per - perimeter(merged)) / 2
      if (merged.length !== 1 || shared < 0.01) continue
      const fits = a.area + b.area <= maxArea
      if (!best || (fits && !best.fits) || (fits === best.fits && shared > best.shared)) best = { j, shared, merged, fits }
    }
    if (!best) {
      lonely.add(pick)
      continue
    }
    const into = items[best.j]!
    Object.assign(into, { m: best.merged, area: into.area + a.area, box: bboxOf(best.merged), per: perimeter(best.merged) })
    a.alive = false
  }
  return items.filter((it) => it.alive).map((it) => it.m)
}

/** Number cells west→east, north→south (rule in the file comment). */
export function numberCells(cells: { centroid: Position }[], targetArea: number): { index: number; row: number }[] {
  if (cells.length === 0) return []
  const order = cells.map((c, index) => ({ index, c: c.centroid })).sort((a, b) => b.c[1] - a.c[1] || a.c[0] - b.c[0])
  const rowGap = Math.sqrt(targetArea) / 2 / metresPerDegree(order[0]!.c[1]).lat
  const rows: (typeof order)[] = []
  for (const o of order) {
    const row = rows.at(-1)
    if (row && row[0]!.c[1] - o.c[1] <= rowGap) row.push(o)
    else rows.push([o])
  }
  return rows.flatMap((row, r) => row.sort((a, b) => a.c[0] - b.c[0] || b.c[1] - a.c[1]).map((o) => ({ index: o.index, row: r + 1 })))
}

/** Divide an area geometry (WGS84) into unit grid cells. */
export function divideArea(geometry: AreaGeometry, params: DivideParams): Division {
  const polys = polygonsOf(geometry)
  let blocks: Multi[] = polys.map((p) => [p])
  let roadCuts = 0
  if (params.roads?.length) {
    const cut = cutByRoads(polys, params.roads)
    roadCuts = cut.cuts
    const thin = Math.sqrt(params.minArea) / 4
    blocks = mergeSmall(cut.blocks.map((b) => [b]), (m, area) => area < params.minArea || (2 * area) / perimeter(m) < thin, params.maxArea)
  }
  const raw = blocks.flatMap((block) => subdivide(block, params)).flatMap((cell) => cell.map((poly) => [poly]))
  const merged = mergeSmall(raw, (_, area) => area < params.minArea, params.maxArea)
  const cells = merged.map((m) => ({ polygons: m, area: multiPolygonArea(m), centroid: centroidOf(m) }))
  const numbered = numberCells(cells, params.targetArea)
  return {
    cells: numbered.map(({ index, row }, i) => ({ seq: i + 1, row, ...cells[index]! })),
    blocks: blocks.length,
    roadCuts,
  }
}

/**
 * The demo territory (pure): the real city and districts, the real 2023 street list, and
 * **approximate** street and community outlines — open data has no polygons below district level,
 * so they are Voronoi cells of centre points clipped to the parent (docs/DEMO.md).
 *
 * - Street centres: the 2016 street point of the same name in the same district (codes were
 *   renumbered between 2016 and 2023, names mostly were not), else the mean of that 2016 street's
 *   community points, else a point spread deterministically inside the district.
 * - Communities: the 2016 communities with a centre point inside the street's cell (a few per
 *   street at most, nearest the street centre first), as Voronoi cells clipped to the street;
 *   a street with none gets one demo community covering it (`<street>（演示社区）`, code …999).
 */
import { Delaunay } from 'd3-delaunay'
import {
  bboxOf,
  bboxesOverlap,
  clipRingHalfPlane,
  intersection,
  multiPolygonArea,
  PolygonTester,
  polygonsOf,
  toAreaGeometry,
  type AreaGeometry,
  type BBox,
  type PolygonCoords,
  type Position,
  type Ring,
} from '../../platform/geo/index.js'
import type { NanjingData } from './datasets.js'
import { hashSeed, Random } from './random.js'

export interface RegionFeature {
  code: string
  name: string
  level: 'city' | 'district' | 'street' | 'community'
  parentCode: string | null
  geometry: AreaGeometry
  approximate: boolean
  /** Where the centre point of a generated outline came from. */
  pointSource?: 'street2016' | 'communities2016' | 'community2016' | 'spread' | 'whole'
  point?: Position
}

export interface Territory {
  city: RegionFeature
  districts: RegionFeature[]
  streets: RegionFeature[]
  communities: RegionFeature[]
}

export interface TerritoryOptions {
  /** At most this many communities per street (nearest the street centre first), except in `fullBox`. */
  maxCommunitiesPerStreet: number
  /** Streets whose outline reaches into this box keep all their communities (the pilot area). */
  fullBox?: BBox
}

const COS_LAT = Math.cos((32 * Math.PI) / 180)

/** Voronoi cells of `points` (WGS84) clipped to `within`; cells are computed with longitude scaled by cos(32°) so they are about round on the ground. */
export function voronoiCells(points: readonly Position[], within: PolygonCoords[]): PolygonCoords[][] {
  if (points.length === 1) return [within]
  const [minX, minY, maxX, maxY] = bboxOf(within)
  const pad = 0.01
  const delaunay = Delaunay.from(points.map(([x, y]) => [x * COS_LAT, y] as [number, number]))
  const voronoi = delaunay.voronoi([(minX - pad) * COS_LAT, minY - pad, (maxX + pad) * COS_LAT, maxY + pad])
  return points.map((_, i) => {
    const cell = voronoi.cellPolygon(i) as [number, number][] | null
    if (!cell) return []
    const ring = cell.map(([x, y]) => [x / COS_LAT, y] as Position)
    const near = clipToConvex(within, ring, 1e-6)
    return near.length === 0 ? [] : intersection([[ring]], near)
  })
}

/**
 * The part of `polys` near a convex ring, cheaply: each ring clipped (Sutherland–Hodgman) to the
 * convex ring grown by `margin`. On concave input this leaves zero-width bridges along the grown
 * edges — strictly outside the convex ring — so it only prepares an exact `intersection` with
 * the convex ring, which then sweeps the few hundred segments near it instead of thousands.
 */
export function clipToConvex(polys: PolygonCoords[], convex: Ring, margin: number): PolygonCoords[] {
  const pts = convex[0]![0] === convex.at(-1)![0] && convex[0]![1] === convex.at(-1)![1] ? convex.slice(0, -1) : convex
  let twice = 0
  for (let i = 0; i < pts.length; i++) {
    const [x0, y0] = pts[i]!
    const [x1, y1] = pts[(i + 1) % pts.length]!
    twice += x0 * y1 - x1 * y0
  }
  const ccw = twice > 0 ? 1 : -1
  // half-planes a·x + b·y <= c, each edge pushed out by margin
  const planes = pts.map((p0, i) => {
    const p1 = pts[(i + 1) % pts.length]!
    const dx = p1[0] - p0[0]
    const dy = p1[1] - p0[1]
    const len = Math.hypot(dx, dy) || 1
    // outward normal: to the right of the edge for a counter-clockwise ring
    const nx = (ccw * dy) / len
    const ny = (-ccw * dx) / len
    return { a: nx, b: ny, c: nx * p0[0] + ny * p0[1] + margin }
  })
  const out: PolygonCoords[] = []
  const [bx0, by0, bx1, by1] = bboxOf([[pts]])
  for (const poly of polys) {
    const [px0, py0, px1, py1] = bboxOf(poly)
    if (px0 > bx1 + margin || px1 < bx0 - margin || py0 > by1 + margin || py1 < by0 - margin) continue
    const rings: Ring[] = []
    for (const [i, ring] of poly.entries()) {
      let r = ring.slice(0, -1)
      for (const h of planes) {
        if (r.length === 0) break
        r = clipHalfPlane(r, h.a, h.b, h.c)
      }
      if (r.length < 3) {
        if (i === 0) break
        continue
      }
      rings.push([...r, r[0]!])
    }
    if (rings.length > 0) out.push(rings)
  }
  return out
}

function clipHalfPlane(ring: Ring, a: number, b: number, c: number): Ring {
  const out: Ring = []
  const n = ring.length
  for (let i = 0; i < n; i++) {
    const cur = ring[i]!
    const prev = ring[(i + n - 1) % n]!
    const dc = a * cur[0] + b * cur[1] - c
    const dp = a * prev[0] + b * prev[1] - c
    if (dc <= 0 !== dp <= 0) {
      const t = dp / (dp - dc)
      out.push([prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])])
    }
    if (dc <= 0) out.push(cur)
  }
  return out
}

/**
 * The part of `polys` near a box, cheaply: each ring clipped to the box (Sutherland–Hodgman).
 * On concave rings this leaves zero-width bridges along the box edges, so it only prepares an
 * exact `intersection` with something strictly inside the box — which then equals the
 * intersection with `polys` while the exact clipper sweeps a few hundred segments, not thousands.
 */
export function clipToBox(polys: PolygonCoords[], [minX, minY, maxX, maxY]: BBox): PolygonCoords[] {
  const out: PolygonCoords[] = []
  for (const poly of polys) {
    const [px0, py0, px1, py1] = bboxOf(poly)
    if (px0 > maxX || px1 < minX || py0 > maxY || py1 < minY) continue
    const rings: Ring[] = []
    for (const [i, ring] of poly.entries()) {
      let r = ring.slice(0, -1)
      r = clipRingHalfPlane(r, 0, minX, 'above')
      r = clipRingHalfPlane(r, 0, maxX, 'below')
      r = clipRingHalfPlane(r, 1, minY, 'above')
      r = clipRingHalfPlane(r, 1, maxY, 'below')
      if (r.length < 3) {
        if (i === 0) break
        continue
      }
      rings.push([...r, r[0]!])
    }
    if (rings.length > 0) out.push(rings)
  }
  return out
}

/**
 * Clipping computes new vertices on the parent's edges in floating point, so about half of them
 * fall a hair (~1e-15°) outside it. Move each such vertex by the smallest step (from 1e-13° up
 * to 1e-7°, ≈ 1 cm) in one of eight directions — towards `site` first — that puts it inside or
 * on the parent: the outline changes by far less than its precision, and the import's
 * containment check sees every vertex inside.
 */
export function pullInside(polys: PolygonCoords[], parent: PolygonTester, site: Position, parentVertices: Set<string>): PolygonCoords[] {
  return polys.map((poly) =>
    poly.map((ring) => {
      const out = ring.map((p) => {
        if (parentVertices.has(`${p[0]},${p[1]}`) || parent.test(p[0], p[1]) >= 0) return p
        const toSite = Math.atan2(site[1] - p[1], site[0] - p[0])
        for (let step = 1e-13; step <= 1e-7; step *= 4) {
          for (let k = 0; k < 8; k++) {
            const angle = toSite + (k % 2 === 0 ? 1 : -1) * Math.ceil(k / 2) * (Math.PI / 4)
            const q: Position = [p[0] + step * Math.cos(angle), p[1] + step * Math.sin(angle)]
            if (parent.test(q[0], q[1]) >= 0) return q
          }
        }
        return p
      })
      out[out.length - 1] = out[0]!
      return out
    }),
  )
}

const vertexSet = (polys: PolygonCoords[]) => new Set(polys.flatMap((poly) => poly.flatMap((ring) => ring.map((p) => `${p[0]},${p[1]}`))))

/** A point inside `polys`, the same for the same key (rejection sampling in the bounding box). */
export function spreadPoint(key: string, polys: PolygonCoords[]): Position {
  const tester = new PolygonTester(polys)
  const [minX, minY, maxX, maxY] = bboxOf(polys)
  const rnd = new Random(hashSeed(key))
  for (let i = 0; i < 10_000; i++) {
    const p: Position = [rnd.between(minX, maxX), rnd.between(minY, maxY)]
    if (tester.test(p[0], p[1]) > 0) return p
  }
  throw new Error(`no point found inside the polygon of ${key}`)
}

/** Points that coincide (or nearly) would get an empty Voronoi cell: move later ones a little, deterministically. */
function separate(points: Position[]): Position[] {
  const seen = new Set<string>()
  return points.map((p, i) => {
    let q = p
    for (let k = 1; seen.has(key(q)); k++) q = [p[0] + 0.0003 * Math.cos(i + k), p[1] + 0.0003 * Math.sin(i + k)]
    seen.add(key(q))
    return q
  })
  function key(p: Position) {
    return `${p[0].toFixed(5)},${p[1].toFixed(5)}`
  }
}

const shortName = (name: string) => name.replace(/(街道|镇|林场|农场|乡)$/, '')
const communityName = (name: string) => name.replace(/居委会$|委员会$/, '')

/** Build the territory from the shipped datasets. */
export function buildTerritory(data: NanjingData, opts: TerritoryOptions): Territory {
  const city: RegionFeature = { code: data.city.code, name: data.city.name, level: 'city', parentCode: null, geometry: data.city.geometry, approximate: false }
  const districts: RegionFeature[] = data.districts.map((d) => ({ code: d.code, name: d.name, level: 'district', parentCode: city.code, geometry: d.geometry, approximate: false }))
  const towns2016 = data.divisions2016.filter((r) => r.level === 'town')
  const villages2016 = data.divisions2016.filter((r) => r.level === 'village')
  const streets: RegionFeature[] = []
  const communities: RegionFeature[] = []

  for (const district of districts) {
    const dPolys = polygonsOf(district.geometry)
    const dTester = new PolygonTester(dPolys)
    const dVertices = vertexSet(dPolys)
    const inside = (p: Position | null): p is Position => !!p && dTester.test(p[0], p[1]) > 0
    const list = data.streets.filter((s) => s.districtCode === district.code)
    const located = list.map((s) => {
      const town = towns2016.find((t) => t.districtCode === district.code && t.name === s.name)
      const villages = town ? villages2016.filter((v) => v.parent === town.code) : []
      const points = villages.map((v) => v.point).filter(inside)
      if (inside(town?.point ?? null)) return { street: s, villages, point: town!.point!, source: 'street2016' as const }
      if (points.length) {
        const mean: Position = [points.reduce((a, p) => a + p[0], 0) / points.length, points.reduce((a, p) => a + p[1], 0) / points.length]
        if (inside(mean)) return { street: s, villages, point: mean, source: 'communities2016' as const }
      }
      return { street: s, villages, point: spreadPoint(`street:${s.code}`, dPolys), source: 'spread' as const }
    })
    const points = separate(located.map((l) => l.point))
    const cells = voronoiCells(points, dPolys)
    located.forEach((l, i) => {
      const polys = pullInside(cells[i]!, dTester, points[i]!, dVertices)
      if (polys.length === 0) throw new Error(`street ${l.street.code} ${l.street.name} got an empty cell`)
      const street: RegionFeature = {
        code: l.street.code,
        name: l.street.name,
        level: 'street',
        parentCode: district.code,
        geometry: toAreaGeometry(polys),
        approximate: true,
        pointSource: l.source,
        point: points[i]!,
      }
      streets.push(street)
      const all = opts.fullBox && bboxesOverlap(bboxOf(polys), opts.fullBox)
      communities.push(...communitiesOf(street, polys, l.villages, all ? Infinity : opts.maxCommunitiesPerStreet))
    })
  }
  return { city, districts, streets, communities }
}

function communitiesOf(street: RegionFeature, polys: PolygonCoords[], villages: { code: string; name: string; point: Position | null }[], max: number): RegionFeature[] {
  const tester = new PolygonTester(polys)
  const [sx, sy] = street.point!
  const candidates = villages
    .filter((v) => v.point && tester.test(v.point[0], v.point[1]) > 0)
    .map((v) => ({ ...v, d: Math.hypot((v.point![0] - sx) * COS_LAT, v.point![1] - sy) }))
    .sort((a, b) => a.d - b.d || a.code.localeCompare(b.code))
  const kept = candidates.slice(0, max).sort((a, b) => a.code.localeCompare(b.code))
  const used = new Set<string>()
  const codeOf = (v: { code: string }, i: number) => {
    // the 2016 community number under the 2023 street code; renumbered if taken
    let suffix = v.code.slice(9, 12)
    if (used.has(suffix) || suffix === '000') suffix = String(900 - i).padStart(3, '0')
    used.add(suffix)
    return `${street.code}${suffix}`
  }
  if (kept.length === 0) {
    return [{ code: `${street.code}999`, name: `${shortName(street.name)}（演示社区）`, level: 'community', parentCode: street.code, geometry: street.geometry, approximate: true, pointSource: 'whole', point: street.point! }]
  }
  const points = separate(kept.map((v) => v.point!))
  const cells = voronoiCells(points, polys)
  const vertices = vertexSet(polys)
  return kept.flatMap((v, i) => {
    const cell = pullInside(cells[i]!, tester, points[i]!, vertices)
    if (cell.length === 0 || multiPolygonArea(cell) < 1) return []
    return [{ code: codeOf(v, i), name: communityName(v.name), level: 'community' as const, parentCode: street.code, geometry: toAreaGeometry(cell), approximate: true, pointSource: 'community2016' as const, point: points[i]! }]
  })
}

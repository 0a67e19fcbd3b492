import {
  bboxOf,
  centroidOf,
  checkAreaGeometry,
  convertCoordinates,
  metresPerDegree,
  outOfChina,
  pointInPolygons,
  toWgs84,
  type BBox,
  type Crs,
  type PolygonCoords,
  type Position,
} from '../../platform/geo/index.js'

/**
 * Component geometry (pure): a Point for most components, a LineString (护栏) or a Polygon
 * (绿地). Input in WGS84, GCJ-02 or BD-09 is converted to WGS84 and rounded to 7 decimals
 * (≈1 cm); every geometry gets a representative point (the point itself, the middle of a
 * line along its length, a point inside a polygon) that locates its grid, and a bbox.
 */
export type ComponentGeometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'Polygon'; coordinates: PolygonCoords }

export interface PlacedGeometry {
  geometry: ComponentGeometry
  point: Position
  bbox: BBox
}

/** Largest extent a component may have, in degrees (≈ 20 km): keeps bbox searches bounded. */
export const MAX_EXTENT_DEG = 0.2
const ROUND = 1e7
const round = (v: number) => Math.round(v * ROUND) / ROUND

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const isPos = (p: unknown): p is number[] => Array.isArray(p) && p.length >= 2 && p.length <= 3 && isNum(p[0]) && isNum(p[1])

/** Check one WGS84-or-other position's numbers; the reason when it is not usable. */
export function positionProblem(lng: number, lat: number): string | null {
  if (!Number.isFinite(lng) || !Number.isFinite(lat)) return 'coordinates must be numbers'
  if (lng < -180 || lng > 180 || lat < -90 || lat > 90) return 'coordinates out of range (lng −180…180, lat −90…90)'
  if (outOfChina(lng, lat)) return 'coordinates are outside China (is lng/lat swapped?)'
  return null
}

export function placePoint(lng: number, lat: number, crs: Crs): PlacedGeometry | { error: string } {
  const problem = positionProblem(lng, lat)
  if (problem) return { error: problem }
  const [x, y] = toWgs84(crs, lng, lat)
  const p: Position = [round(x), round(y)]
  return { geometry: { type: 'Point', coordinates: p }, point: p, bbox: [p[0], p[1], p[0], p[1]] }
}

/** Validate a GeoJSON geometry object, convert it to WGS84 and place it. */
export function placeGeometry(input: unknown, crs: Crs): PlacedGeometry | { error: string } {
  const g = input as { type?: unknown; coordinates?: unknown } | null
  if (!g || typeof g !== 'object') return { error: 'geometry must be a GeoJSON object' }
  if (g.type === 'Point') {
    if (!isPos(g.coordinates)) return { error: 'a Point needs [lng, lat]' }
    return placePoint(g.coordinates[0]!, g.coordinates[1]!, crs)
  }
  const convert = (lng: number, lat: number) => toWgs84(crs, lng, lat)
  if (g.type === 'LineString') {
    const coords = g.coordinates
    if (!Array.isArray(coords) || coords.length < 2 || !coords.every(isPos)) return { error: 'a LineString needs at least two [lng, lat] positions' }
    for (const c of coords as number[][]) {
      const problem = positionProblem(c[0]!, c[1]!)
      if (problem) return { error: problem }
    }
    const line = convertCoordinates((coords as number[][]).map((c) => [c[0]!, c[1]!] as Position), convert, 7)
    if (line.every((p) => p[0] === line[0]![0] && p[1] === line[0]![1])) return { error: 'a LineString needs two distinct positions' }
    return finish({ type: 'LineString', coordinates: line }, midpointOfLine(line))
  }
  if (g.type === 'Polygon') {
    if (!Array.isArray(g.coordinates) || !g.coordinates.every((r) => Array.isArray(r) && r.every(isPos))) return { error: 'a Polygon needs rings of [lng, lat] positions' }
    for (const ring of g.coordinates as number[][][]) {
      for (const c of ring) {
        const problem = positionProblem(c[0]!, c[1]!)
        if (problem) return { error: problem }
      }
    }
    const rings = convertCoordinates((g.coordinates as number[][][]).map((r) => r.map((c) => [c[0]!, c[1]!] as Position)), convert, 7)
    const checked = checkAreaGeometry({ type: 'Polygon', coordinates: rings })
    const error = checked.issues.find((i) => i.severity === 'error')
    if (error || !checked.geometry || checked.geometry.type !== 'Polygon') return { error: `invalid polygon: ${error?.message ?? 'not a single polygon'}` }
    const poly = checked.geometry.coordinates
    return finish({ type: 'Polygon', coordinates: poly }, pointInside(poly))
  }
  return { error: `geometry type must be Point, LineString or Polygon, got ${String(g.type)}` }
}

function finish(geometry: ComponentGeometry, point: Position): PlacedGeometry | { error: string } {
  const bbox = bboxOf(geometry.coordinates)
  if (bbox[2] - bbox[0] > MAX_EXTENT_DEG || bbox[3] - bbox[1] > MAX_EXTENT_DEG) return { error: `geometry is larger than ${MAX_EXTENT_DEG}° across; split it` }
  return { geometry, point: [round(point[0]), round(point[1])], bbox }
}

/** The point halfway along a line (by length in metres). */
export function midpointOfLine(line: Position[]): Position {
  const k = metresPerDegree(line[0]![1])
  const seg = (a: Position, b: Position) => Math.hypot((b[0] - a[0]) * k.lng, (b[1] - a[1]) * k.lat)
  let total = 0
  for (let i = 1; i < line.length; i++) total += seg(line[i - 1]!, line[i]!)
  let half = total / 2
  for (let i = 1; i < line.length; i++) {
    const a = line[i - 1]!
    const b = line[i]!
    const d = seg(a, b)
    if (d >= half && d > 0) {
      const t = half / d
      return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
    }
    half -= d
  }
  return line[0]!
}

/**
 * A point inside a polygon: its centroid when that is inside, otherwise the middle of the
 * widest stretch of the horizontal line through the centroid that lies inside (holes and
 * concave shapes).
 */
export function pointInside(poly: PolygonCoords): Position {
  const c = centroidOf([poly])
  if (pointInPolygons(c, [poly]) > 0) return c
  const y = c[1]
  const xs: number[] = []
  for (const ring of poly) {
    for (let i = 1; i < ring.length; i++) {
      const [x1, y1] = ring[i - 1]!
      const [x2, y2] = ring[i]!
      if (y1 > y !== y2 > y) xs.push(x1 + ((y - y1) / (y2 - y1)) * (x2 - x1))
    }
  }
  xs.sort((a, b) => a - b)
  let best: Position | null = null
  let width = -1
  for (let i = 0; i + 1 < xs.length; i += 2) {
    if (xs[i + 1]! - xs[i]! > width) {
      width = xs[i + 1]! - xs[i]!
      best = [(xs[i]! + xs[i + 1]!) / 2, y]
    }
  }
  return best ?? poly[0]![0]!
}

/** Great-circle distance in metres (haversine on the mean Earth radius). */
export function haversineMetres(aLng: number, aLat: number, bLng: number, bLat: number): number {
  const R = 6371008.8
  const toRad = Math.PI / 180
  const dLat = (bLat - aLat) * toRad
  const dLng = (bLng - aLng) * toRad
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(aLat * toRad) * Math.cos(bLat * toRad) * Math.sin(dLng / 2) ** 2
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(s)))
}

/**
 * Distance in metres from a point to a component's geometry: to the point, to the nearest
 * segment of a line, 0 inside a polygon or to its nearest edge (segments measured in a local
 * flat projection, exact to centimetres at the distances a nearest search uses).
 */
export function distanceToGeometry(lng: number, lat: number, g: ComponentGeometry): number {
  if (g.type === 'Point') return haversineMetres(lng, lat, g.coordinates[0], g.coordinates[1])
  if (g.type === 'Polygon' && pointInPolygons([lng, lat], [g.coordinates]) >= 0) return 0
  const k = metresPerDegree(lat)
  const segments = g.type === 'LineString' ? [g.coordinates] : g.coordinates
  let best = Infinity
  for (const line of segments) {
    for (let i = 1; i < line.length; i++) {
      const ax = (line[i - 1]![0] - lng) * k.lng
      const ay = (line[i - 1]![1] - lat) * k.lat
      const bx = (line[i]![0] - lng) * k.lng
      const by = (line[i]![1] - lat) * k.lat
      const dx = bx - ax
      const dy = by - ay
      const len2 = dx * dx + dy * dy
      const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2))
      best = Math.min(best, Math.hypot(ax + t * dx, ay + t * dy))
    }
  }
  return best
}

/** Degrees of longitude and latitude spanning `metres` around a latitude (for bbox pre-filters). */
export function degreesAround(lat: number, metres: number): { dLng: number; dLat: number } {
  const k = metresPerDegree(lat)
  return { dLng: metres / k.lng, dLat: metres / k.lat }
}

import type { Position } from './types.js'

/**
 * The three lon/lat systems in use in China. WGS84 is what we store (GPS, OSM, Tianditu within
 * about a metre); GCJ-02 is the obfuscated system of Amap/Tencent/DataV; BD-09 is Baidu's,
 * GCJ-02 plus another offset. The forward formulas are the published ones; the inverses are
 * found by fixed-point iteration, which converges to ~1e-9° in a few steps (a single-step
 * inverse is only good to ~0.5 m).
 */
export const CRS_LIST = ['WGS84', 'GCJ-02', 'BD-09'] as const
export type Crs = (typeof CRS_LIST)[number]

const A = 6378245.0 // Krasovsky 1940 semi-major axis, as in the GCJ-02 formula
const EE = 0.006693421622965943 // Krasovsky eccentricity², as published (0.00669342162296594323) to double precision
const X_PI = (Math.PI * 3000.0) / 180.0

/** The rectangle inside which GCJ-02 applies an offset (the usual published bounds). */
export const outOfChina = (lng: number, lat: number) => lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271

function transformLat(x: number, y: number) {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x))
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0
  r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0
  r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0
  return r
}

function transformLng(x: number, y: number) {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x))
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0
  r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0
  r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0
  return r
}

export function wgs84ToGcj02(lng: number, lat: number): Position {
  if (outOfChina(lng, lat)) return [lng, lat]
  let dLat = transformLat(lng - 105.0, lat - 35.0)
  let dLng = transformLng(lng - 105.0, lat - 35.0)
  const radLat = (lat / 180.0) * Math.PI
  const magic = 1 - EE * Math.sin(radLat) ** 2
  const sqrtMagic = Math.sqrt(magic)
  dLat = (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI)
  dLng = (dLng * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI)
  return [lng + dLng, lat + dLat]
}

export function gcj02ToBd09(lng: number, lat: number): Position {
  const z = Math.sqrt(lng * lng + lat * lat) + 0.00002 * Math.sin(lat * X_PI)
  const theta = Math.atan2(lat, lng) + 0.000003 * Math.cos(lng * X_PI)
  return [z * Math.cos(theta) + 0.0065, z * Math.sin(theta) + 0.006]
}

/** Solve forward(p) = target for p, starting from the target itself. */
function invert(forward: (lng: number, lat: number) => Position, lng: number, lat: number): Position {
  let x = lng
  let y = lat
  for (let i = 0; i < 20; i++) {
    const [fx, fy] = forward(x, y)
    const dx = fx - lng
    const dy = fy - lat
    x -= dx
    y -= dy
    if (Math.abs(dx) < 1e-10 && Math.abs(dy) < 1e-10) break
  }
  return [x, y]
}

export const gcj02ToWgs84 = (lng: number, lat: number): Position => (outOfChina(lng, lat) ? [lng, lat] : invert(wgs84ToGcj02, lng, lat))
export const bd09ToGcj02 = (lng: number, lat: number): Position => invert(gcj02ToBd09, lng, lat)
export const wgs84ToBd09 = (lng: number, lat: number): Position => gcj02ToBd09(...wgs84ToGcj02(lng, lat))
export const bd09ToWgs84 = (lng: number, lat: number): Position => gcj02ToWgs84(...bd09ToGcj02(lng, lat))

/** Convert one position from `crs` to WGS84. */
export function toWgs84(crs: Crs, lng: number, lat: number): Position {
  if (crs === 'GCJ-02') return gcj02ToWgs84(lng, lat)
  if (crs === 'BD-09') return bd09ToWgs84(lng, lat)
  return [lng, lat]
}

/** Convert one WGS84 position to `crs` (for clients drawing on a GCJ-02 or BD-09 basemap). */
export function fromWgs84(crs: Crs, lng: number, lat: number): Position {
  if (crs === 'GCJ-02') return wgs84ToGcj02(lng, lat)
  if (crs === 'BD-09') return wgs84ToBd09(lng, lat)
  return [lng, lat]
}

/**
 * Convert every position of a coordinate tree (any GeoJSON `coordinates`) in place-free style:
 * returns a new tree. `round` keeps the given number of decimals (6 ≈ 0.1 m) when set.
 */
export function convertCoordinates<T>(coords: T, convert: (lng: number, lat: number) => Position, round?: number): T {
  const f = round === undefined ? null : 10 ** round
  const walk = (c: unknown): unknown => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = convert(c[0] as number, c[1] as number)
      return f ? [Math.round(x * f) / f, Math.round(y * f) / f] : [x, y]
    }
    return (c as unknown[]).map(walk)
  }
  return walk(coords) as T
}

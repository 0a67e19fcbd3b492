import type { AreaGeometry, Position } from '../../apps/api/src/platform/geo/index.js'

/** Deterministic hash → [0, 1), so every run measures the same grids and points. */
export function rand(...k: number[]): number {
  let h = 2166136261
  for (const v of k) {
    h ^= v
    h = Math.imul(h, 16777619)
    h ^= h >>> 13
    h = Math.imul(h, 0x5bd1e995)
    h ^= h >>> 15
  }
  return (h >>> 0) / 4294967296
}

export interface SyntheticGrids {
  cols: number
  rows: number
  /** Grid codes in the same order as `geometries` (sorted, so index order = code order). */
  codes: string[]
  geometries: AreaGeometry[]
  bbox: [number, number, number, number]
}

/**
 * A seamless tessellation of cols × rows unit grids of about 100 m × 100 m near Nanjing: lattice
 * corners jittered by up to ±20 % of a cell, and 1–2 extra jittered vertices on every edge,
 * shared by the two cells along it — so every grid has 8–12 vertices and neighbours fit exactly.
 */
export function syntheticGrids(cols = 400, rows = 250, origin: Position = [118.5, 31.9]): SyntheticGrids {
  const dx = 0.00106 // ≈ 100 m of longitude at 32°N
  const dy = 0.0009 // ≈ 100 m of latitude
  const corner = (i: number, j: number): Position => {
    const edge = i === 0 || j === 0 || i === cols || j === rows
    const jx = edge ? 0 : (rand(i, j, 1) - 0.5) * 0.4 * dx
    const jy = edge ? 0 : (rand(i, j, 2) - 0.5) * 0.4 * dy
    return [origin[0] + i * dx + jx, origin[1] + j * dy + jy]
  }
  // intermediate points of the edge from corner a to corner b; `key` identifies the edge
  const between = (a: Position, b: Position, key: number[]): Position[] => {
    const n = 1 + Math.floor(rand(...key, 3) * 2)
    const out: Position[] = []
    for (let k = 1; k <= n; k++) {
      const t = k / (n + 1)
      const off = (rand(...key, 4 + k) - 0.5) * 0.15
      // offset perpendicular to the edge, in cell units
      out.push([a[0] + t * (b[0] - a[0]) - off * (b[1] - a[1]) * (dx / dy), a[1] + t * (b[1] - a[1]) + off * (b[0] - a[0]) * (dy / dx)])
    }
    return out
  }
  const codes: string[] = []
  const geometries: AreaGeometry[] = []
  for (let j = rows - 1; j >= 0; j--) {
    for (let i = 0; i < cols; i++) {
      const sw = corner(i, j)
      const se = corner(i + 1, j)
      const ne = corner(i + 1, j + 1)
      const nw = corner(i, j + 1)
      const ring: Position[] = [
        sw,
        ...between(sw, se, [i, j, 0]),
        se,
        ...between(se, ne, [i + 1, j, 1]),
        ne,
        ...between(nw, ne, [i, j + 1, 0]).reverse(),
        nw,
        ...between(sw, nw, [i, j, 1]).reverse(),
        sw,
      ]
      geometries.push({ type: 'Polygon', coordinates: [ring] })
      // community = one per 20×10 block, grid number inside it; codes sort in push order
      codes.push(`320102${String(1 + (rows - 1 - j)).padStart(3, '0')}${String(1 + Math.floor(i / 100)).padStart(3, '0')}${String(1 + (i % 100)).padStart(3, '0')}`)
    }
  }
  return { cols, rows, codes, geometries, bbox: [origin[0], origin[1], origin[0] + cols * dx, origin[1] + rows * dy] }
}

/** n query points spread uniformly over the bbox, as a flat [lng, lat, …] array. */
export function queryPoints(n: number, bbox: [number, number, number, number]): Float64Array {
  const pts = new Float64Array(n * 2)
  for (let k = 0; k < n; k++) {
    pts[2 * k] = bbox[0] + rand(k, 11) * (bbox[2] - bbox[0])
    pts[2 * k + 1] = bbox[1] + rand(k, 12) * (bbox[3] - bbox[1])
  }
  return pts
}

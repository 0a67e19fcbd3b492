import { isAdmin, regionPrefix, type AuthUser } from '../../platform/access.js'
import type { Platform } from '../../platform/platform.js'
import { componentsRepository as repo } from './components.repository.js'
import { STATUSES, type ComponentStatus } from './import-rows.js'

/**
 * An in-memory point index of all components for the map's clustered view: the representative
 * points sorted by longitude in typed arrays (about 40 bytes a component: 40 MB for a million),
 * with class, status, currency, grid and units as small indexes. A window query binary-searches
 * the longitude range, filters, and bins the points into square cells of `cellPx` screen pixels
 * at the zoom — a few milliseconds for a city-wide window over a million points, where a SQL
 * GROUP BY would read every row.
 *
 * One index per instance, built lazily from the database and marked stale by
 * `components.changed` events (local or, in server mode, from other instances through the bus).
 * A stale index of up to SYNC_REBUILD points is rebuilt before answering; a larger one answers
 * from the previous build while a new one is made in the background (`asOf` says how fresh).
 */
const SYNC_REBUILD = 200_000
const PAGE = 50_000

export interface ClusterQuery {
  bbox: [number, number, number, number]
  zoom: number
  cellPx: number
  minorClasses?: string[]
  majorClass?: string
  statuses?: ComponentStatus[]
  includeRetired: boolean
}

export interface Cluster {
  lng: number
  lat: number
  count: number
  code?: string
  minorClass?: string
  status?: ComponentStatus
  bbox?: [number, number, number, number]
}

class Grow {
  n = 0
  lng = new Float64Array(1024)
  lat = new Float64Array(1024)
  code = new BigUint64Array(1024)
  minor = new Uint16Array(1024)
  flags = new Uint8Array(1024)
  grid = new Uint32Array(1024)
  dept = new Uint16Array(3 * 1024)
  push(lng: number, lat: number, code: bigint, minor: number, flags: number, grid: number, d1: number, d2: number, d3: number) {
    if (this.n === this.lng.length) this.grow()
    const i = this.n++
    this.lng[i] = lng
    this.lat[i] = lat
    this.code[i] = code
    this.minor[i] = minor
    this.flags[i] = flags
    this.grid[i] = grid
    this.dept[3 * i] = d1
    this.dept[3 * i + 1] = d2
    this.dept[3 * i + 2] = d3
  }
  private grow() {
    const c = this.lng.length * 2
    const copy = <T extends Float64Array | BigUint64Array | Uint16Array | Uint8Array | Uint32Array>(a: T, size: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size)
      b.set(a as never)
      return b
    }
    this.lng = copy(this.lng, c)
    this.lat = copy(this.lat, c)
    this.code = copy(this.code, c)
    this.minor = copy(this.minor, c)
    this.flags = copy(this.flags, c)
    this.grid = copy(this.grid, c)
    this.dept = copy(this.dept, 3 * c)
  }
}

export class PointIndex {
  readonly size: number
  private readonly lng: Float64Array
  private readonly lat: Float64Array
  private readonly code: BigUint64Array
  private readonly minor: Uint16Array
  /** status (bits 0–1) and retired (bit 2) */
  private readonly flags: Uint8Array
  private readonly grid: Uint32Array
  private readonly dept: Uint16Array

  constructor(
    g: Grow,
    private readonly minorCodes: string[],
    private readonly gridCodes: string[],
    private readonly deptIds: string[],
    readonly builtAt: Date,
  ) {
    this.size = g.n
    const order = new Uint32Array(g.n)
    for (let i = 0; i < g.n; i++) order[i] = i
    order.sort((a, b) => g.lng[a]! - g.lng[b]!)
    this.lng = new Float64Array(g.n)
    this.lat = new Float64Array(g.n)
    this.code = new BigUint64Array(g.n)
    this.minor = new Uint16Array(g.n)
    this.flags = new Uint8Array(g.n)
    this.grid = new Uint32Array(g.n)
    this.dept = new Uint16Array(3 * g.n)
    for (let k = 0; k < g.n; k++) {
      const i = order[k]!
      this.lng[k] = g.lng[i]!
      this.lat[k] = g.lat[i]!
      this.code[k] = g.code[i]!
      this.minor[k] = g.minor[i]!
      this.flags[k] = g.flags[i]!
      this.grid[k] = g.grid[i]!
      this.dept[3 * k] = g.dept[3 * i]!
      this.dept[3 * k + 1] = g.dept[3 * i + 1]!
      this.dept[3 * k + 2] = g.dept[3 * i + 2]!
    }
  }

  static async build(p: Platform): Promise<PointIndex> {
    const g = new Grow()
    const minorIdx = new Map<string, number>()
    const gridIdx = new Map<string, number>()
    const deptIdx = new Map<string, number>([['', 0]])
    const idx = (m: Map<string, number>, k: string) => {
      let i = m.get(k)
      if (i === undefined) m.set(k, (i = m.size))
      return i
    }
    const builtAt = new Date()
    let after = ''
    for (;;) {
      const rows = await repo.pointsPage(p.db, after, PAGE)
      for (const r of rows) {
        const flags = STATUSES.indexOf(r.status) | (r.currency === 'retired' ? 4 : 0)
        g.push(r.lng, r.lat, BigInt(r.code), idx(minorIdx, r.minorClass), flags, idx(gridIdx, r.gridCode), idx(deptIdx, r.authorityDeptId ?? ''), idx(deptIdx, r.ownerDeptId ?? ''), idx(deptIdx, r.maintainerDeptId ?? ''))
      }
      if (rows.length < PAGE) break
      after = rows.at(-1)!.code
    }
    return new PointIndex(g, [...minorIdx.keys()], [...gridIdx.keys()], [...deptIdx.keys()], builtAt)
  }

  /** Clusters of the points in a window that pass the filters and the caller's scopes. */
  clusters(q: ClusterQuery, caller: AuthUser): { total: number; items: Cluster[] } {
    const [x1, y1, x2, y2] = q.bbox
    const cell = (q.cellPx * 360) / (256 * 2 ** q.zoom)
    // which small indexes pass
    const minorOk = new Uint8Array(this.minorCodes.length)
    this.minorCodes.forEach((m, i) => {
      minorOk[i] = (!q.minorClasses || q.minorClasses.includes(m)) && (!q.majorClass || m.startsWith(q.majorClass)) ? 1 : 0
    })
    const statusOk = q.statuses ? STATUSES.map((s) => q.statuses!.includes(s)) : [true, true, true, true]
    let gridOk: Uint8Array | null = null
    let deptOk = 0
    if (!isAdmin(caller)) {
      const prefixes = caller.regionCodes.map(regionPrefix)
      gridOk = new Uint8Array(this.gridCodes.length)
      this.gridCodes.forEach((g, i) => {
        gridOk![i] = prefixes.some((pf) => g.startsWith(pf)) ? 1 : 0
      })
      deptOk = caller.departmentId ? this.deptIds.indexOf(caller.departmentId) : -1
    }
    // binary search the first point with lng >= x1
    let lo = 0
    let hi = this.size
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.lng[mid]! < x1) lo = mid + 1
      else hi = mid
    }
    const cells = new Map<number, number>()
    const count: number[] = []
    const sumX: number[] = []
    const sumY: number[] = []
    const first: number[] = []
    const box: number[] = []
    let total = 0
    const ox = Math.floor(x1 / cell)
    const oy = Math.floor(y1 / cell)
    const cols = Math.floor(x2 / cell) - ox + 1
    for (let i = lo; i < this.size; i++) {
      const x = this.lng[i]!
      if (x > x2) break
      const y = this.lat[i]!
      if (y < y1 || y > y2) continue
      if (!minorOk[this.minor[i]!]) continue
      const f = this.flags[i]!
      if (!statusOk[f & 3] || (!q.includeRetired && f & 4)) continue
      if (gridOk && !gridOk[this.grid[i]!]) {
        const d = deptOk
        if (d <= 0 || (this.dept[3 * i] !== d && this.dept[3 * i + 1] !== d && this.dept[3 * i + 2] !== d)) continue
      }
      total++
      const key = (Math.floor(y / cell) - oy) * cols + (Math.floor(x / cell) - ox)
      let c = cells.get(key)
      if (c === undefined) {
        c = count.length
        cells.set(key, c)
        count.push(0)
        sumX.push(0)
        sumY.push(0)
        first.push(i)
        box.push(x, y, x, y)
      }
      count[c]!++
      sumX[c]! += x
      sumY[c]! += y
      if (x < box[4 * c]!) box[4 * c] = x
      if (y < box[4 * c + 1]!) box[4 * c + 1] = y
      if (x > box[4 * c + 2]!) box[4 * c + 2] = x
      if (y > box[4 * c + 3]!) box[4 * c + 3] = y
    }
    const items: Cluster[] = count.map((n, c) => {
      if (n === 1) {
        const i = first[c]!
        return {
          lng: this.lng[i]!,
          lat: this.lat[i]!,
          count: 1,
          code: this.code[i]!.toString().padStart(16, '0'),
          minorClass: this.minorCodes[this.minor[i]!]!,
          status: STATUSES[this.flags[i]! & 3]!,
        }
      }
      return { lng: sumX[c]! / n, lat: sumY[c]! / n, count: n, bbox: [box[4 * c]!, box[4 * c + 1]!, box[4 * c + 2]!, box[4 * c + 3]!] }
    })
    return { total, items }
  }

  /** Counts by class, status and currency of the points in a grid-code prefix (or all) the caller may see. */
  stats(prefix: string | null, caller: AuthUser): PointStats {
    const scopes = isAdmin(caller) ? null : caller.regionCodes.map(regionPrefix)
    const inPrefix = new Uint8Array(this.gridCodes.length)
    const visible = new Uint8Array(this.gridCodes.length)
    this.gridCodes.forEach((g, i) => {
      inPrefix[i] = !prefix || g.startsWith(prefix) ? 1 : 0
      visible[i] = !scopes || scopes.some((pf) => g.startsWith(pf)) ? 1 : 0
    })
    const dept = scopes && caller.departmentId ? this.deptIds.indexOf(caller.departmentId) : -1
    // counts[minor * 8 + flags]
    const counts = new Float64Array(this.minorCodes.length * 8)
    let total = 0
    for (let i = 0; i < this.size; i++) {
      const g = this.grid[i]!
      if (!inPrefix[g]) continue
      if (!visible[g] && (dept <= 0 || (this.dept[3 * i] !== dept && this.dept[3 * i + 1] !== dept && this.dept[3 * i + 2] !== dept))) continue
      counts[this.minor[i]! * 8 + this.flags[i]!]!++
      total++
    }
    const byClass = new Map<string, Map<ComponentStatus, [number, number]>>()
    this.minorCodes.forEach((code, m) => {
      for (let f = 0; f < 8; f++) {
        const n = counts[m * 8 + f]!
        if (!n) continue
        let c = byClass.get(code)
        if (!c) byClass.set(code, (c = new Map()))
        const status = STATUSES[f & 3]!
        const pair = c.get(status) ?? [0, 0]
        pair[f & 4 ? 1 : 0] += n
        c.set(status, pair)
      }
    })
    return { total, byClass }
  }
}

export interface PointStats {
  total: number
  /** minor class → status → [in use, retired] */
  byClass: Map<string, Map<ComponentStatus, [number, number]>>
}

interface Holder {
  current: PointIndex | null
  building: Promise<PointIndex> | null
  dirty: boolean
}
const holders = new WeakMap<Platform, Holder>()

/** The instance's point index, fresh or (when large and just changed) from the previous build. */
export async function pointIndexOf(p: Platform, changedEvent: string): Promise<PointIndex> {
  let h = holders.get(p)
  if (!h) {
    const holder: Holder = { current: null, building: null, dirty: true }
    holders.set(p, (h = holder))
    p.bus.subscribe((e) => {
      if (e.type === changedEvent) holder.dirty = true
    })
  }
  const holder = h
  if (!holder.dirty && holder.current) return holder.current
  if (!holder.building) {
    holder.dirty = false
    const building = PointIndex.build(p)
    holder.building = building
    building.then(
      (idx) => {
        holder.current = idx
        if (holder.building === building) holder.building = null
      },
      () => {
        holder.dirty = true
        if (holder.building === building) holder.building = null
      },
    )
  }
  if (holder.current && holder.current.size > SYNC_REBUILD) return holder.current
  return holder.building!
}

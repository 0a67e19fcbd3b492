import { PolygonIndex, type AreaGeometry } from '../../platform/geo/index.js'
import type { Platform } from '../../platform/platform.js'
import { REGION_LEVELS, regionsRepository as repo, type RegionLevel } from './regions.repository.js'

export const REGIONS_CHANGED = 'regions.changed'

export interface RegionRef {
  code: string
  name: string
}

/** Where a point lies: its grid and the regions above it (null where the tree has no such level there). */
export interface LocatedPoint {
  grid: RegionRef | null
  community: RegionRef | null
  street: RegionRef | null
  district: RegionRef | null
  city: RegionRef | null
}

/** One PolygonIndex per level, deepest first, plus every region's name for the ancestors. */
export class LocateIndex {
  private readonly levels: { level: RegionLevel; codes: string[]; index: PolygonIndex }[]
  private readonly names: Map<string, string>
  private readonly grids: { codes: string[]; index: PolygonIndex } | null

  constructor(shapes: { code: string; level: RegionLevel; geometry: AreaGeometry }[], names: { code: string; name: string }[]) {
    this.names = new Map(names.map((n) => [n.code, n.name]))
    this.levels = [...REGION_LEVELS]
      .reverse()
      .map((level) => {
        // shapes arrive in code order, so a border point goes to the lowest code
        const mine = shapes.filter((s) => s.level === level)
        return { level, codes: mine.map((s) => s.code), index: new PolygonIndex(mine.map((s) => s.geometry)) }
      })
      .filter((l) => l.codes.length > 0)
    this.grids = this.levels.find((l) => l.level === 'grid') ?? null
  }

  get gridCount() {
    return this.grids?.codes.length ?? 0
  }

  /** The grid code containing a WGS84 point, or null: the hot path, no allocation. */
  gridAt(lng: number, lat: number): string | null {
    const i = this.grids ? this.grids.index.find(lng, lat) : -1
    return i >= 0 ? this.grids!.codes[i]! : null
  }

  /**
   * The grid containing the point and its ancestors; when no grid contains it, the deepest
   * region that does (grid: null) — so places outside any grid still get their district.
   * Null when the point is in no region at all.
   */
  locate(lng: number, lat: number): LocatedPoint | null {
    for (const { codes, index } of this.levels) {
      const i = index.find(lng, lat)
      if (i < 0) continue
      const code = codes[i]!
      const ref = (c: string | null): RegionRef | null => {
        const name = c ? this.names.get(c) : undefined
        return c && name !== undefined ? { code: c, name } : null
      }
      return {
        grid: ref(code.length === 15 ? code : null),
        community: ref(code.length >= 12 ? code.slice(0, 12) : null),
        street: ref(code.length >= 9 ? code.slice(0, 9) : null),
        district: ref(code.endsWith('00') && code.length === 6 ? null : code.slice(0, 6)),
        city: ref(`${code.slice(0, 4)}00`),
      }
    }
    return null
  }
}

/**
 * One index per Platform (application instance), built lazily from the database and dropped
 * when a `regions.changed` event arrives — from this instance after a commit, or from another
 * instance through the bus's LISTEN/NOTIFY bridge — so the next lookup rebuilds it.
 */
const cache = new WeakMap<Platform, Promise<LocateIndex>>()
const subscribed = new WeakSet<Platform>()

export function locateIndexOf(p: Platform): Promise<LocateIndex> {
  if (!subscribed.has(p)) {
    subscribed.add(p)
    p.bus.subscribe((e) => {
      if (e.type === REGIONS_CHANGED) cache.delete(p)
    })
  }
  let built = cache.get(p)
  if (!built) {
    built = repo.locateSource(p.db).then(({ shapes, names }) => new LocateIndex(shapes, names))
    cache.set(p, built)
    // a failed build must not stick
    built.catch(() => cache.get(p) === built && cache.delete(p))
  }
  return built
}

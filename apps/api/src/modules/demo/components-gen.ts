/**
 * Components of the pilot area (pure): real OSM features where OSM has them (bus stops,
 * traffic signals, toilets, parking, bicycle parking) and synthetic ones placed along the real
 * OSM roads at plausible spacings (street lights, manhole covers of each kind, gullies, bins,
 * street trees). Synthetic ones say so in their note.
 */
import { metresPerDegree, type Position } from '../../platform/geo/index.js'
import { MAINTAINER, PLACEMENTS, POI_CLASSES, type Placement } from './catalog.js'
import type { OsmLine, OsmPoi } from './datasets.js'
import type { Random } from './random.js'

export interface ComponentSeed {
  minorClass: string
  name: string | null
  lng: number
  lat: number
  location: string | null
  /** Department code of the maintainer (养护单位). */
  maintainer: string | null
  dataSource: 'survey' | 'fieldMapping' | 'other'
  installDate: string | null
  /** Class attributes (材质, 站名). */
  attributes: Record<string, string>
  note: string
  /** The pilot grid it lies in. */
  gridCode: string
}

export interface GenerateOptions {
  roads: readonly OsmLine[]
  pois: readonly OsmPoi[]
  /** The pilot grid of a point, or null outside the pilot (the point is dropped). */
  gridAt: (lng: number, lat: number) => string | null
  /** Department code maintaining a class in a grid (default: MAINTAINER). */
  maintainerOf?: (minorClass: string, gridCode: string) => string | null
  rnd: Random
}

const MAIN = new Set(['trunk', 'trunk_link', 'primary', 'primary_link', 'secondary', 'secondary_link', 'tertiary', 'tertiary_link'])
const MINOR = new Set(['residential', 'living_street', 'unclassified'])
export const isMainRoad = (highway: string) => MAIN.has(highway)
/** Roads that carry street furniture (and cut grids): not footways, paths, tracks or service ways. */
export const isStreet = (highway: string) => MAIN.has(highway) || MINOR.has(highway) || highway === 'pedestrian'

export const OSM_NOTE = '来源：OpenStreetMap（© OpenStreetMap contributors, ODbL）'
export const SYNTHETIC_NOTE = '演示数据：沿真实道路合成的位置'

/** Points every `spacing` metres along a line, `offset` metres to its left (positive) or right (negative), starting at `phase`. */
export function pointsAlong(line: readonly Position[], spacing: number, offset: number, phase: number): Position[] {
  const out: Position[] = []
  let next = phase
  let walked = 0
  for (let i = 0; i + 1 < line.length; i++) {
    const [x0, y0] = line[i]!
    const [x1, y1] = line[i + 1]!
    const m = metresPerDegree((y0 + y1) / 2)
    const dx = (x1 - x0) * m.lng
    const dy = (y1 - y0) * m.lat
    const len = Math.hypot(dx, dy)
    if (len === 0) continue
    // unit normal to the left, in metres
    const nx = -dy / len
    const ny = dx / len
    while (next <= walked + len) {
      const t = (next - walked) / len
      out.push([x0 + (dx * t + nx * offset) / m.lng, y0 + (dy * t + ny * offset) / m.lat])
      next += spacing
    }
    walked += len
  }
  return out
}

function randomDate(rnd: Random, fromYear: number, toYear: number): string {
  const from = Date.UTC(fromYear, 0, 1)
  const to = Date.UTC(toYear, 11, 31)
  return new Date(from + Math.floor(rnd.next() * ((to - from) / 86_400_000)) * 86_400_000).toISOString().slice(0, 10)
}

/**
 * The pilot's components. Points outside every pilot grid are dropped, as are synthetic points
 * closer than 3 m to one already placed by the same placement.
 */
export function generateComponents(opts: GenerateOptions): ComponentSeed[] {
  const out: ComponentSeed[] = []
  const maintainerOf = opts.maintainerOf ?? ((code: string) => MAINTAINER[code] ?? null)
  const poiRnd = opts.rnd.fork('pois')
  for (const poi of opts.pois) {
    const cls = POI_CLASSES.find((c) => poi.tags[c.tag] === c.value)
    if (!cls) continue
    const [lng, lat] = poi.point
    const gridCode = opts.gridAt(lng, lat)
    if (!gridCode) continue
    const name = poi.tags.name ?? poi.tags['name:zh'] ?? null
    const attributes: Record<string, string> = {}
    if (cls.code === '0203') {
      if (!name) continue // 站名 is required: an unnamed stop is left out
      attributes['站名'] = name
    }
    out.push({
      minorClass: cls.code,
      name: cls.code === '0203' ? `${name}公交站亭` : name,
      lng,
      lat,
      location: name,
      maintainer: maintainerOf(cls.code, gridCode),
      dataSource: 'other',
      installDate: randomDate(poiRnd, 2005, 2017),
      attributes,
      note: `${OSM_NOTE} ${poi.id}`,
      gridCode,
    })
  }
  for (const [k, placement] of PLACEMENTS.entries()) out.push(...alongRoads(opts, maintainerOf, placement, opts.rnd.fork(`placement:${k}`)))
  return out
}

function alongRoads(opts: GenerateOptions, maintainerOf: (minorClass: string, gridCode: string) => string | null, pl: Placement, rnd: Random): ComponentSeed[] {
  const out: ComponentSeed[] = []
  const taken = new Map<string, Position[]>()
  const near = (p: Position) => {
    const key = `${Math.round(p[0] * 2000)},${Math.round(p[1] * 2000)}`
    const bucket = taken.get(key) ?? []
    const m = metresPerDegree(p[1])
    const hit = bucket.some((q) => Math.hypot((q[0] - p[0]) * m.lng, (q[1] - p[1]) * m.lat) < 3)
    if (!hit) taken.set(key, [...bucket, p])
    return hit
  }
  for (const road of opts.roads) {
    const ok = pl.roads === 'main' ? isMainRoad(road.highway) : isStreet(road.highway) && !isMainRoad(road.highway)
    if (!ok) continue
    for (const line of road.lines) {
      for (let side = 0; side < pl.sides; side++) {
        const offset = side === 0 ? pl.offset : -pl.offset
        for (const raw of pointsAlong(line, pl.spacing, offset, rnd.between(0, pl.spacing))) {
          const p: Position = [Math.round(raw[0] * 1e7) / 1e7, Math.round(raw[1] * 1e7) / 1e7]
          const gridCode = opts.gridAt(p[0], p[1])
          if (!gridCode || near(p)) continue
          const attributes: Record<string, string> = pl.material ? { 材质: rnd.pick(pl.material) } : {}
          out.push({
            minorClass: pl.code,
            name: null,
            lng: p[0],
            lat: p[1],
            location: road.name ? `${road.name}${side === 0 ? '左侧' : '右侧'}` : null,
            maintainer: maintainerOf(pl.code, gridCode),
            dataSource: 'fieldMapping',
            installDate: randomDate(rnd, 2008, 2023),
            attributes,
            note: SYNTHETIC_NOTE,
            gridCode,
          })
        }
      }
    }
  }
  return out
}

/**
 * Reading the shipped Nanjing datasets (datasets/nanjing, see its README): the only file I/O of
 * the demo generators. Everything here is WGS84 — the 2016 centre points use their `*_wgs84`
 * columns, never the GCJ-02 ones.
 */
import { readFileSync } from 'node:fs'
import { parse } from 'csv-parse/sync'
import type { AreaGeometry, Position } from '../../platform/geo/index.js'

/** `datasets/nanjing/` of the repository, from this file (apps/api/src/modules/demo/). */
export const NANJING_DIR = new URL('../../../../../datasets/nanjing/', import.meta.url)

export interface DistrictSource {
  code: string
  name: string
  geometry: AreaGeometry
}

export interface Street2023 {
  /** 9-digit street code: the first 9 digits of the 12-digit statistical code. */
  code: string
  name: string
  districtCode: string
}

export interface Division2016 {
  code: string
  parent: string
  name: string
  level: 'city' | 'county' | 'town' | 'village'
  districtCode: string
  point: Position | null
}

export interface OsmLine {
  id: string
  highway: string
  name: string | null
  lines: Position[][]
}

export interface OsmPoi {
  id: string
  tags: Record<string, string>
  point: Position
}

export interface NanjingData {
  city: { code: string; name: string; geometry: AreaGeometry }
  districts: DistrictSource[]
  streets: Street2023[]
  divisions2016: Division2016[]
  roads: OsmLine[]
  pois: OsmPoi[]
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(new URL(path, NANJING_DIR), 'utf8')) as T
const readCsv = (path: string): Record<string, string>[] => parse(readFileSync(new URL(path, NANJING_DIR)), { columns: true, skip_empty_lines: true, bom: true })

type Fc = { features: { id?: string | number; properties: Record<string, unknown>; geometry: { type: string; coordinates: unknown } | null }[] }

let cached: NanjingData | null = null

/** The datasets the demo is built from (read once per process). */
export function loadNanjing(): NanjingData {
  if (cached) return cached
  const cityFc = readJson<Fc>('boundaries/nanjing-city.wgs84.geojson')
  const cityF = cityFc.features[0]!
  const districtsFc = readJson<Fc>('boundaries/nanjing-districts.wgs84.geojson')
  const districts = districtsFc.features
    .map((f) => ({ code: String(f.properties.adcode), name: String(f.properties.name), geometry: f.geometry as AreaGeometry }))
    .sort((a, b) => a.code.localeCompare(b.code))
  const streets = readCsv('divisions/nanjing-streets-2023.csv')
    .filter((r) => r.deep === '3')
    .map((r) => ({ code: r.ext_id!.slice(0, 9), name: r.ext_name!, districtCode: r.ext_id!.slice(0, 6) }))
    .sort((a, b) => a.code.localeCompare(b.code))
  const divisions2016 = readCsv('divisions/nanjing-divisions-2016.csv').map((r) => ({
    code: r.code!,
    parent: r.parent!,
    name: r.name!,
    level: r.level as Division2016['level'],
    districtCode: r.district_adcode!,
    point: r.lon_wgs84 && r.lat_wgs84 ? ([Number(r.lon_wgs84), Number(r.lat_wgs84)] as Position) : null,
  }))
  const lines = readJson<Fc>('osm/central-nanjing-osm.lines.geojson')
  const roads: OsmLine[] = []
  for (const f of lines.features) {
    const highway = f.properties.highway
    if (typeof highway !== 'string' || !f.geometry) continue
    const g = f.geometry
    const parts = g.type === 'LineString' ? [g.coordinates as Position[]] : g.type === 'MultiLineString' ? (g.coordinates as Position[][]) : []
    roads.push({ id: String(f.properties.id ?? f.id), highway, name: typeof f.properties.name === 'string' ? f.properties.name : null, lines: parts })
  }
  const poisFc = readJson<Fc>('osm/central-nanjing-osm.pois.geojson')
  const pois: OsmPoi[] = poisFc.features
    .filter((f) => f.geometry?.type === 'Point')
    .map((f) => ({
      id: String(f.properties.id ?? f.id),
      tags: Object.fromEntries(Object.entries(f.properties).filter(([, v]) => typeof v === 'string')) as Record<string, string>,
      point: f.geometry!.coordinates as Position,
    }))
  cached = {
    city: { code: String(cityF.properties.adcode), name: String(cityF.properties.name), geometry: cityF.geometry as AreaGeometry },
    districts,
    streets,
    divisions2016,
    roads,
    pois,
  }
  return cached
}

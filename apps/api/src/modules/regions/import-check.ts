import {
  bboxOf,
  bboxesOverlap,
  centroidOf,
  checkAreaGeometry,
  convertCoordinates,
  difference,
  multiPolygonArea,
  outsideArea,
  overlapArea,
  polygonsOf,
  PolygonTester,
  toWgs84,
  union,
  type AreaGeometry,
  type BBox,
  type PolygonCoords,
} from '../../platform/geo/index.js'
import { REGION_LEVELS, type NewRegion, type RegionLevel } from './regions.repository.js'
import type { ImportInput, ImportProblem } from './regions.schemas.js'

/**
 * Checking a GeoJSON import of regions (pure: the service fetches what the database knows).
 * Problem kinds, each with the feature index:
 *   missing_code, invalid_code, invalid_level, missing_name, parent_mismatch, parent_missing,
 *   parent_rejected, duplicate_code (in the file), code_exists (in the database),
 *   invalid_geometry, unclosed_ring, too_few_points, self_intersection, hole_outside,
 *   outside_china, wrong_winding (repaired, warning), duplicate_vertices (repaired, warning),
 *   not_inside_parent (error beyond the tolerance, warning within it), grid_overlap,
 *   grid_gap (index null: a community's grids leave uncovered area; `related` lists the grids).
 */

export type ImportOptions = Omit<ImportInput, 'featureCollection' | 'dryRun'>

/** What the database already holds that the checks need. */
export interface ImportContext {
  /** Codes of the file that exist in the database. */
  existing: Set<string>
  /** Database rows of every ancestor code of the file's features (and of their communities). */
  known: Map<string, { level: RegionLevel; geometry: AreaGeometry | null }>
  /** Current grids in the database of the communities the file adds grids to. */
  dbGrids: Map<string, { code: string; geometry: AreaGeometry }[]>
}

interface Parsed {
  index: number
  code: string
  sourceCode: string | null
  name: string
  level: RegionLevel
  parentCode: string | null
  polys: PolygonCoords[] | null
  geometry: AreaGeometry | null
  area: number | null
  bbox: BBox | null
}

const LEVEL_ALIASES: Record<string, RegionLevel> = { county: 'district', town: 'street', township: 'street', village: 'community', unit: 'grid' }
const CODE_LENGTH: Record<RegionLevel, number> = { city: 6, district: 6, street: 9, community: 12, grid: 15 }

/** A property by name, or by dotted path into nested objects (parent.adcode). */
function prop(props: Record<string, unknown>, path: string | undefined): unknown {
  if (!path) return undefined
  if (path in props) return props[path]
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), props)
}

const asText = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v).trim() : '')

export function inferLevel(code: string): RegionLevel | null {
  if (code.length === 6) return code.endsWith('00') ? 'city' : 'district'
  return ({ 9: 'street', 12: 'community', 14: 'grid', 15: 'grid' } as Record<number, RegionLevel>)[code.length] ?? null
}

/** The code of the parent a region must have (a district's city is optional). */
export function expectedParent(code: string, level: RegionLevel): string | null {
  if (level === 'city') return null
  if (level === 'district') return `${code.slice(0, 4)}00`
  return code.slice(0, -3)
}

/** Normalise a 14-digit CJ/T 213 grid code (2-digit grid number) to the stored 15-digit form. */
export const normaliseLegacyGridCode = (code: string) => `${code.slice(0, 12)}0${code.slice(12)}`

/** The codes a file names and all their ancestors' codes: what the service looks up before checking. */
export function codesOfFile(features: unknown[], mapping: ImportOptions['mapping']): { codes: Set<string>; ancestors: Set<string> } {
  const codes = new Set<string>()
  const ancestors = new Set<string>()
  for (const f of features) {
    const raw = asText(prop((f as { properties?: Record<string, unknown> | null })?.properties ?? {}, mapping.code))
    const level = /^[0-9]+$/.test(raw) ? inferLevel(raw) : null
    if (!level) continue
    const code = raw.length === 14 ? normaliseLegacyGridCode(raw) : raw
    codes.add(code)
    for (let a = expectedParent(code, level); a; a = expectedParent(a, inferLevel(a)!)) ancestors.add(a)
  }
  return { codes, ancestors }
}

export function checkImport(features: unknown[], opts: ImportOptions, ctx: ImportContext): { problems: ImportProblem[]; rows: NewRegion[]; rejected: Set<number> } {
  const problems: ImportProblem[] = []
  const report = (index: number | null, code: string | null, severity: 'error' | 'warning', kind: string, message: string, extra: Partial<ImportProblem> = {}) =>
    problems.push({ index, code, severity, kind, message, ...extra })
  const parsed: Parsed[] = []
  const byCode = new Map<string, Parsed>()
  // codes of features that failed their own checks, so their children are told why
  const failed = new Map<string, number>()

  // 1. each feature on its own: code, level, name, parent code, geometry
  features.forEach((raw, index) => {
    const f = (raw ?? {}) as { properties?: Record<string, unknown> | null; geometry?: unknown }
    const props = f.properties ?? {}
    const given = asText(prop(props, opts.mapping.code))
    let code = given
    const err = (kind: string, message: string, extra: Partial<ImportProblem> = {}) => report(index, code || null, 'error', kind, message, extra)
    if (!given) return err('missing_code', `No code in property "${opts.mapping.code}"`)
    if (!/^[0-9]+$/.test(given)) return err('invalid_code', `Code "${given}" is not all digits`)
    const levelProp = asText(prop(props, opts.mapping.level)).toLowerCase()
    const level = opts.level ?? (levelProp ? ((REGION_LEVELS as readonly string[]).includes(levelProp) ? (levelProp as RegionLevel) : LEVEL_ALIASES[levelProp]) : inferLevel(given))
    if (!level) return levelProp ? err('invalid_level', `Unknown level "${levelProp}"`) : err('invalid_code', `A ${given.length}-digit code is no region code (6, 9, 12 or 15 digits)`)
    let sourceCode: string | null = null
    if (level === 'grid' && given.length === 14) {
      if (!opts.legacyGridCodes) return err('invalid_code', `Grid code ${given} has 14 digits (CJ/T 213); import with legacyGridCodes to accept it`)
      code = normaliseLegacyGridCode(given)
      sourceCode = given
    }
    if (code.length !== CODE_LENGTH[level] || (level === 'city' && (!code.endsWith('00') || code.endsWith('0000'))) || (level === 'district' && code.endsWith('00'))) {
      return err('invalid_code', `Code ${given} does not fit level ${level} (${level === 'city' ? '6 digits ending in 00' : `${CODE_LENGTH[level]} digits`})`)
    }
    failed.set(code, index)
    const name = asText(prop(props, opts.mapping.name))
    if (!name || name.length > 100) return err('missing_name', name ? 'Name longer than 100 characters' : `No name in property "${opts.mapping.name}"`)
    const parentCode = expectedParent(code, level)
    const givenParent = asText(prop(props, opts.mapping.parent))
    if (givenParent && parentCode && givenParent !== parentCode) {
      return err('parent_mismatch', `Parent ${givenParent} does not match the code: a ${level} ${code} belongs to ${parentCode}`)
    }
    let geometry: AreaGeometry | null = null
    let polys: PolygonCoords[] | null = null
    if (f.geometry == null) {
      if (level === 'grid') return err('invalid_geometry', 'A grid needs a Polygon or MultiPolygon geometry')
    } else {
      let input = f.geometry as { type?: unknown; coordinates?: unknown }
      if (opts.crs !== 'WGS84') {
        try {
          input = { type: input.type, coordinates: convertCoordinates(input.coordinates, (x, y) => toWgs84(opts.crs, x, y)) }
        } catch {
          return err('invalid_geometry', 'Coordinates are not arrays of [lng, lat] numbers')
        }
      }
      const checked = checkAreaGeometry(input)
      for (const i of checked.issues) report(index, code, i.severity, i.kind, i.message, i.at ? { at: i.at } : {})
      if (!checked.geometry) return
      geometry = checked.geometry
      polys = polygonsOf(geometry)
    }
    const first = byCode.get(code)
    if (first) return err('duplicate_code', `Code ${code} already used by feature ${first.index}`, { related: [first.index] })
    if (ctx.existing.has(code)) return err('code_exists', `Region ${code} exists already`)
    const p: Parsed = { index, code, sourceCode, name, level, parentCode, polys, geometry, area: polys && multiPolygonArea(polys), bbox: polys && bboxOf(polys) }
    parsed.push(p)
    byCode.set(code, p)
    failed.delete(code)
  })

  const rejected = new Set(problems.filter((p) => p.severity === 'error' && p.index !== null).map((p) => p.index!))
  const order = (p: Parsed) => REGION_LEVELS.indexOf(p.level)
  parsed.sort((a, b) => order(a) - order(b) || (a.code < b.code ? -1 : 1))
  const parentLevel = (level: RegionLevel): RegionLevel => REGION_LEVELS[REGION_LEVELS.indexOf(level) - 1]!
  const reject = (p: Parsed, kind: string, message: string, extra: Partial<ImportProblem> = {}) => {
    report(p.index, p.code, 'error', kind, message, extra)
    rejected.add(p.index)
  }

  // 2. parents exist (in the file or the database) and are of the level above
  for (const p of parsed) {
    if (!p.parentCode) continue
    const inFile = byCode.get(p.parentCode)
    const parentLvl = inFile?.level ?? ctx.known.get(p.parentCode)?.level
    if (!parentLvl && failed.has(p.parentCode)) {
      reject(p, 'parent_rejected', `Parent ${p.parentCode} (feature ${failed.get(p.parentCode)}) has errors`, { related: [failed.get(p.parentCode)!] })
    } else if (!parentLvl) {
      if (p.level === 'district') p.parentCode = null // a district may stand without its city
      else reject(p, 'parent_missing', `Parent ${p.parentCode} is neither in the file nor in the database`)
    } else if (parentLvl !== parentLevel(p.level)) {
      reject(p, 'parent_mismatch', `Parent ${p.parentCode} is a ${parentLvl}, not a ${parentLevel(p.level)}`)
    } else if (inFile && rejected.has(inFile.index) && opts.mode === 'keep-valid') {
      reject(p, 'parent_rejected', `Parent ${p.parentCode} (feature ${inFile.index}) is not imported`, { related: [inFile.index] })
    }
  }
  const live = () => parsed.filter((p) => !rejected.has(p.index))

  // 3. inside the nearest ancestor with a geometry
  const testers = new Map<string, PolygonTester>()
  const shapeOf = (code: string): PolygonCoords[] | null => {
    const f = byCode.get(code)
    if (f && !rejected.has(f.index)) return f.polys
    const g = ctx.known.get(code)?.geometry
    return g ? polygonsOf(g) : null
  }
  const outside = new Map<number, number>()
  for (const p of live()) {
    if (!p.polys) continue
    let anc = p.parentCode
    let shape: PolygonCoords[] | null = null
    while (anc && !(shape = shapeOf(anc))) anc = expectedParent(anc, inferLevel(anc)!)
    if (!anc || !shape) continue
    if (!testers.has(anc)) testers.set(anc, new PolygonTester(shape))
    const out = outsideArea(p.polys, shape, testers.get(anc))
    outside.set(p.index, out)
    if (out <= 1) continue
    const share = out / p.area!
    const msg = `${out.toFixed(1)} m² (${(share * 100).toFixed(2)} %) lies outside ${anc}`
    if (share > opts.containmentTolerance) reject(p, 'not_inside_parent', msg, { area: out })
    else report(p.index, p.code, 'warning', 'not_inside_parent', `${msg}, within the tolerance`, { area: out })
  }

  // 4. grids of one community must not overlap (file against file, file against database)
  const groups = new Map<string, Parsed[]>()
  for (const p of live()) {
    if (p.level !== 'grid') continue
    if (!groups.has(p.parentCode!)) groups.set(p.parentCode!, [])
    groups.get(p.parentCode!)!.push(p)
  }
  const overlapSum = new Map<string, number>()
  for (const [community, grids] of groups) {
    const db = (ctx.dbGrids.get(community) ?? []).map((g) => ({ code: g.code, polys: polygonsOf(g.geometry), bbox: bboxOf(g.geometry.coordinates) }))
    let sum = 0
    grids.forEach((g, k) => {
      const others = [...db.map((d) => ({ ...d, index: null as number | null })), ...grids.slice(0, k).map((o) => ({ code: o.code, polys: o.polys!, bbox: o.bbox!, index: o.index }))]
      for (const o of others) {
        if (!bboxesOverlap(g.bbox!, o.bbox)) continue
        const area = overlapArea(g.polys!, o.polys)
        if (area <= opts.areaTolerance) continue
        sum += area
        reject(g, 'grid_overlap', `Overlaps grid ${o.code} by ${area.toFixed(1)} m²`, { area, ...(o.index !== null ? { related: [o.index] } : {}) })
      }
    })
    overlapSum.set(community, sum)
  }

  // in keep-valid mode whatever stands under a rejected feature goes with it
  if (opts.mode === 'keep-valid') {
    for (const p of parsed) {
      const parent = p.parentCode ? byCode.get(p.parentCode) : undefined
      if (parent && rejected.has(parent.index) && !rejected.has(p.index)) reject(p, 'parent_rejected', `Parent ${parent.code} (feature ${parent.index}) is not imported`, { related: [parent.index] })
    }
  }

  // 5. a community's grids must cover it (checked once any of its grids is in the file)
  // (all the file's well-formed grids count, rejected for overlap or not: the report describes the file)
  for (const [community, fileGrids] of groups) {
    const shape = shapeOf(community)
    if (!shape) continue
    const all = [...(ctx.dbGrids.get(community) ?? []).map((g) => polygonsOf(g.geometry)), ...fileGrids.map((g) => g.polys!)]
    // area arithmetic first; the exact (costly) union only when it suggests a gap
    const covered = [...(ctx.dbGrids.get(community) ?? []).map((g) => multiPolygonArea(polygonsOf(g.geometry))), ...fileGrids.map((g) => g.area! - (outside.get(g.index) ?? 0))]
    const estimate = multiPolygonArea(shape) - covered.reduce((s, a) => s + a, 0) + (overlapSum.get(community) ?? 0)
    if (estimate <= opts.areaTolerance) continue
    const gaps = difference(shape, union(all[0]!, ...all.slice(1)))
    const area = multiPolygonArea(gaps)
    if (area <= opts.areaTolerance) continue
    const biggest = gaps.map((g) => ({ g, a: multiPolygonArea([g]) })).sort((x, y) => y.a - x.a)[0]!
    report(null, community, 'error', 'grid_gap', `The grids of community ${community} leave ${area.toFixed(1)} m² uncovered in ${gaps.length} place(s)`, {
      area,
      at: centroidOf([biggest.g]),
      related: fileGrids.map((g) => g.index),
    })
  }

  const rows: NewRegion[] = live().map((p) => ({
    code: p.code,
    name: p.name,
    level: p.level,
    parentCode: p.parentCode,
    sourceCode: p.sourceCode,
    geometry: p.geometry,
    areaM2: p.area,
    bbox: p.bbox,
    approximate: opts.approximate,
    ...(opts.validFrom ? { validFrom: opts.validFrom } : {}),
  }))
  problems.sort((a, b) => (a.index ?? Infinity) - (b.index ?? Infinity))
  return { problems, rows, rejected }
}

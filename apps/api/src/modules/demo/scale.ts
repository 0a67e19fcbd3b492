/**
 * The scale generator (`civicgrid seed scale`, docs/DEMO.md): a synthetic territory at any size
 * for benchmarks — districts, streets, communities and unit grids as a regular lattice east of
 * Nanjing (codes 320151…320199 under the city 320100, names 合成…, outlines flagged
 * `approximate`), components in the grids with gap-free 16-digit codes, and a year of cases in
 * consistent states with their events. Rows are computed by the database
 * (`insert … select … generate_series`, see scale.repository.ts): the same statements on PGlite
 * and PostgreSQL, the same data for the same seed and `at`.
 *
 * All-or-nothing: everything is written in one transaction (a killed load leaves nothing), except
 * the synthetic departments it creates first when the database has none.
 */
import type { Actor } from '../../platform/audit.js'
import { DomainError } from '../../platform/errors.js'
import type { Platform } from '../../platform/platform.js'
import { createDepartment } from '../identity/index.js'
import { rebuildStats } from '../stats/index.js'
import * as repo from './scale.repository.js'
import type { DistrictLattice, RegionRow } from './scale.repository.js'

export const SCALE = {
  city: '320100',
  cityName: '南京市',
  /** district codes of the lattice (the real districts of Nanjing are 320102…320118) */
  firstDistrict: 320151,
  lastDistrict: 320199,
  gridsPerDistrict: 10_000,
  districtsPerRow: 7,
  originLng: 119.4,
  originLat: 31.25,
  cellLng: 0.0025,
  cellLat: 0.002,
  /** cases are spread over this many days up to `at` */
  days: 365,
  /** above this many cases the secondary indexes of cases and case_events are dropped and rebuilt */
  rebuildIndexesFrom: 100_000,
} as const

const SCALE_ACTOR: Actor = { userId: null, name: 'scale-seed' }
const SYNTHETIC_DEPARTMENTS = ['环卫', '市政', '园林', '水务', '城管', '交通'] as const

export interface SeedScaleOptions {
  grids: number
  components: number
  cases: number
  /** default 1 */
  seed?: number
  /** the end of the year of cases (default: now, to the minute) */
  at?: Date
  /** allow a database that has data already (adds new districts after any earlier lattice) */
  append?: boolean
  /** rows per statement (default 100,000 components, 50,000 cases) */
  batch?: number
  log?: (line: string) => void
  /** drop and rebuild the secondary indexes and foreign keys of cases/case_events from this many cases (default SCALE.rebuildIndexesFrom) */
  rebuildIndexesFrom?: number
  /**
   * Runs after the commit: rebuild what triggers on cases/case_events maintain (the triggers are
   * off during the load). Default: the stats rollups (`rebuildStats`).
   */
  afterLoad?: () => Promise<string | void>
}

export interface SeedScaleResult {
  seed: number
  at: string
  districts: string[]
  counts: { districts: number; streets: number; communities: number; grids: number; components: number; cases: number; caseEvents: number }
  seconds: Record<string, number>
  /** rows per second of each phase */
  rate: Record<string, number>
}

/** Where district number `idx` lies and how its grids are laid out (pure; see SCALE). */
export function scaleLayout(grids: number, firstIdx: number): { districts: DistrictLattice[]; regions: RegionRow[] } {
  const districts: DistrictLattice[] = []
  const regions: RegionRow[] = []
  const per = SCALE.gridsPerDistrict
  const lng = (l: DistrictLattice, x: number) => Math.round((l.originLng + x * l.cellLng) * 1e7) / 1e7
  const lat = (l: DistrictLattice, y: number) => Math.round((l.originLat + y * l.cellLat) * 1e7) / 1e7
  for (let i = 0; i * per < grids; i++) {
    const idx = firstIdx + i
    const n = Math.min(per, grids - i * per)
    const label = String(idx + 1).padStart(2, '0')
    const l: DistrictLattice = {
      code: String(SCALE.firstDistrict + idx),
      label,
      grids: n,
      originLng: Math.round((SCALE.originLng + (idx % SCALE.districtsPerRow) * 104 * SCALE.cellLng) * 1e7) / 1e7,
      originLat: Math.round((SCALE.originLat + Math.floor(idx / SCALE.districtsPerRow) * 104 * SCALE.cellLat) * 1e7) / 1e7,
      cellLng: SCALE.cellLng,
      cellLat: SCALE.cellLat,
    }
    districts.push(l)
    let dx1 = 0
    let dy1 = 0
    const streets: RegionRow[] = []
    const communities: RegionRow[] = []
    for (let s = 0; s * 1000 < n; s++) {
      const sCode = l.code + String(s + 1).padStart(3, '0')
      let sx1 = 0
      let sy1 = 0
      for (let c = 0; c < 10 && s * 1000 + c * 100 < n; c++) {
        const m = Math.min(100, n - s * 1000 - c * 100)
        const x1 = c * 10 + Math.min(m, 10)
        const y1 = s * 10 + Math.ceil(m / 10)
        const cCode = sCode + String(c + 1).padStart(3, '0')
        communities.push({ code: cCode, name: `合成${label}-${String(s + 1).padStart(2, '0')}-社区${String(c + 1).padStart(2, '0')}`, level: 'community', parent: sCode, x0: lng(l, c * 10), y0: lat(l, s * 10), x1: lng(l, x1), y1: lat(l, y1) })
        sx1 = Math.max(sx1, x1)
        sy1 = Math.max(sy1, y1)
      }
      streets.push({ code: sCode, name: `合成${label}-街道${String(s + 1).padStart(2, '0')}`, level: 'street', parent: l.code, x0: lng(l, 0), y0: lat(l, s * 10), x1: lng(l, sx1), y1: lat(l, sy1) })
      dx1 = Math.max(dx1, sx1)
      dy1 = Math.max(dy1, sy1)
    }
    regions.push({ code: l.code, name: `合成区${label}`, level: 'district', parent: SCALE.city, x0: lng(l, 0), y0: lat(l, 0), x1: lng(l, dx1), y1: lat(l, dy1) }, ...streets, ...communities)
  }
  return { districts, regions }
}

/** `total` split over the districts in proportion to their grids (the first ones take the remainder). */
export function splitByGrids(total: number, districts: { grids: number }[]): number[] {
  const all = districts.reduce((s, d) => s + d.grids, 0)
  const parts = districts.map((d) => Math.floor((total * d.grids) / all))
  let rest = total - parts.reduce((s, x) => s + x, 0)
  for (let i = 0; rest > 0; i = (i + 1) % parts.length, rest--) parts[i]!++
  return parts
}

/** The tenant date of `at`, the tenant's UTC offset then (minutes) and the minutes since tenant midnight. */
export function tenantDay(at: Date, timeZone: string): { today: string; offsetMinutes: number; elapsedToday: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  )
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second))
  const offsetMinutes = Math.round((wall - Math.floor(at.getTime() / 1000) * 1000) / 60_000)
  return { today: `${parts.year}-${parts.month}-${parts.day}`, offsetMinutes, elapsedToday: Number(parts.hour) * 60 + Number(parts.minute) }
}

const fmt = (n: number) => n.toLocaleString('en')

export async function seedScale(p: Platform, opts: SeedScaleOptions): Promise<SeedScaleResult> {
  const seed = opts.seed ?? 1
  const log = opts.log ?? (() => {})
  const at = new Date(Math.floor((opts.at ?? p.clock.now()).getTime() / 60_000) * 60_000)
  const maxDistricts = SCALE.lastDistrict - SCALE.firstDistrict + 1
  const bad = (field: string, reason: string) => new DomainError('VALIDATION_FAILED', `${field}: ${reason}`, { errors: [{ field, reason }] })
  if (!Number.isInteger(seed) || seed < 0 || seed > 999_999_999) throw bad('seed', 'a whole number up to 999,999,999')
  for (const f of ['grids', 'components', 'cases'] as const) if (!Number.isInteger(opts[f]) || opts[f] < 0) throw bad(f, 'a whole number ≥ 0')
  if (opts.grids < 1) throw bad('grids', 'at least 1')

  const state = await repo.readScaleState(p.db, SCALE.city, SCALE.firstDistrict, SCALE.lastDistrict)
  if (!opts.append && (state.regions > 0 || state.components > 0 || state.cases > 0)) {
    throw new DomainError('CONFLICT', `The database is not empty (${state.regions} regions, ${state.components} components, ${state.cases} cases); use --append to add a synthetic lattice to it`)
  }
  const firstIdx = state.syntheticDistricts.length ? Number(state.syntheticDistricts.at(-1)) - SCALE.firstDistrict + 1 : 0
  const needed = Math.ceil(opts.grids / SCALE.gridsPerDistrict)
  if (firstIdx + needed > maxDistricts) throw bad('grids', `at most ${fmt((maxDistricts - firstIdx) * SCALE.gridsPerDistrict)} more grids (${maxDistricts} synthetic districts of ${fmt(SCALE.gridsPerDistrict)} grids)`)
  const layout = scaleLayout(opts.grids, firstIdx)
  const componentsPer = splitByGrids(opts.components, layout.districts)
  const casesPer = splitByGrids(opts.cases, layout.districts)
  if (casesPer.some((n) => Math.ceil(n / SCALE.days) > 99_999)) throw bad('cases', 'more than 99,999 cases a day in a district: add grids')

  const classes = await repo.listClasses(p.db)
  const componentClasses = classes.filter((c) => c.kind === 'component').map(({ code, name }) => ({ code, name }))
  if (opts.components > 0 && componentClasses.length === 0) throw bad('components', 'no component classes in the database')
  if (opts.cases > 0 && classes.length === 0) throw bad('cases', 'no classes in the database')
  let departments = await repo.listActiveDepartments(p.db)
  if (departments.length === 0 && opts.cases > 0) {
    for (const [i, name] of SYNTHETIC_DEPARTMENTS.entries()) {
      await createDepartment(p, { actor: SCALE_ACTOR, input: { code: `SYN-${String(i + 1).padStart(2, '0')}`, name: `合成部门：${name}` } })
    }
    departments = await repo.listActiveDepartments(p.db)
  }

  const day = tenantDay(at, p.config.timeZone)
  const validFrom = new Date(at.getTime() - (SCALE.days + 1) * 86_400_000).toISOString().slice(0, 10)
  const seconds: Record<string, number> = {}
  const rate: Record<string, number> = {}
  let caseEvents = 0
  const grids = layout.districts.reduce((s, d) => s + d.grids, 0)
  const districts = layout.districts.map((d) => d.code)
  log(`scale: seed ${seed}, at ${at.toISOString()}: ${layout.districts.length} district(s) ${districts[0]}…${districts.at(-1)}, ${fmt(grids)} grids, ${fmt(opts.components)} components, ${fmt(opts.cases)} cases (one transaction: all or nothing)`)

  await p.db.transaction().execute(async (tx) => {
    await repo.loadSettings(tx)
    let t = performance.now()
    const lap = (phase: string, rows: number) => {
      const s = (performance.now() - t) / 1000
      seconds[phase] = Math.round(s * 10) / 10
      rate[phase] = Math.round(rows / Math.max(s, 0.001))
      t = performance.now()
      log(`scale: ${phase} done: ${fmt(rows)} rows in ${s.toFixed(1)} s (${fmt(rate[phase]!)} rows/s)`)
    }
    if (!state.cityExists) await repo.insertRegionRows(tx, [{ code: SCALE.city, name: SCALE.cityName, level: 'city', parent: null, x0: null, y0: null, x1: null, y1: null }], validFrom)
    for (const level of ['district', 'street', 'community'] as const) await repo.insertRegionRows(tx, layout.regions.filter((r) => r.level === level), validFrom)
    for (const d of layout.districts) await repo.insertGrids(tx, d, validFrom)
    lap('regions', layout.regions.length + grids)

    const componentBatch = opts.batch ?? 100_000
    const rebuildComponents = opts.components > 0 && opts.components >= (opts.rebuildIndexesFrom ?? SCALE.rebuildIndexesFrom)
    const componentIndexes = rebuildComponents ? await repo.secondaryIndexes(tx, ['components']) : []
    const componentFks = rebuildComponents ? await repo.foreignKeys(tx, ['components']) : []
    if (rebuildComponents) {
      await repo.dropForeignKeys(tx, componentFks)
      await repo.dropIndexes(tx, componentIndexes.map((x) => x.name))
    }
    let done = 0
    for (const [i, d] of layout.districts.entries()) {
      const n = componentsPer[i]!
      for (let from = 0; from < n; from += componentBatch) {
        const to = Math.min(n, from + componentBatch)
        await repo.insertComponents(tx, { l: d, classes: componentClasses, from, to, salt: salt(seed, firstIdx + i, 0), at })
        done += to - from
        log(`scale: components ${fmt(done)} / ${fmt(opts.components)}`)
      }
    }
    if (rebuildComponents) {
      await repo.createIndexes(tx, componentIndexes.map((x) => x.def))
      await repo.addForeignKeys(tx, componentFks)
    }
    if (opts.components > 0) await repo.updateComponentCounters(tx, districts)
    lap('components', opts.components)

    await repo.setUserTriggers(tx, ['cases', 'case_events'], false)
    const rebuild = opts.cases > 0 && opts.cases >= (opts.rebuildIndexesFrom ?? SCALE.rebuildIndexesFrom)
    const indexes = rebuild ? await repo.secondaryIndexes(tx, ['cases', 'case_events']) : []
    const fks = rebuild ? await repo.foreignKeys(tx, ['cases', 'case_events']) : []
    if (rebuild) {
      await repo.dropForeignKeys(tx, fks)
      await repo.dropIndexes(tx, indexes.map((x) => x.name))
      log(`scale: dropped ${indexes.length} secondary indexes and ${fks.length} foreign keys of cases and case_events for the load (rebuilt before the commit)`)
    }
    const caseBatch = opts.batch ?? 50_000
    const started = performance.now()
    done = 0
    for (const [i, d] of layout.districts.entries()) {
      const n = casesPer[i]!
      for (let from = 0; from < n; from += caseBatch) {
        const to = Math.min(n, from + caseBatch)
        caseEvents += await repo.insertCases(tx, {
          l: d,
          idTag: firstIdx + i,
          seed,
          classes,
          departments: departments.map((x) => x.id),
          from,
          to,
          salt: salt(seed, firstIdx + i, 20),
          at,
          ...day,
          days: SCALE.days,
        })
        done += to - from
        const s = (performance.now() - started) / 1000
        log(`scale: cases ${fmt(done)} / ${fmt(opts.cases)} (${fmt(caseEvents)} events, ${fmt(Math.round(done / Math.max(s, 0.001)))} cases/s)`)
      }
    }
    lap('cases', opts.cases + caseEvents)
    if (rebuild) {
      await repo.createIndexes(tx, indexes.map((x) => x.def))
      await repo.addForeignKeys(tx, fks)
      lap('case indexes and foreign keys', opts.cases + caseEvents)
    }
    await repo.setUserTriggers(tx, ['cases', 'case_events'], true)
    if (opts.cases > 0) await repo.updateCaseCounters(tx, districts)
    await repo.analyze(tx, ['regions', 'components', 'cases', 'case_events'])
    lap('counters and analyze', 0)
  })

  const afterLoad =
    opts.afterLoad ??
    (async () => {
      const r = await rebuildStats(p)
      return `stats rollups rebuilt (${Object.entries(r.rows).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')})`
    })
  {
    const t = performance.now()
    const line = await afterLoad()
    seconds.afterLoad = Math.round((performance.now() - t) / 100) / 10
    log(`scale: after the load: ${line ?? 'done'} (${seconds.afterLoad} s)`)
  }
  const counts = layout.regions.reduce(
    (c, r) => ({ ...c, [r.level === 'district' ? 'districts' : r.level === 'street' ? 'streets' : 'communities']: c[r.level === 'district' ? 'districts' : r.level === 'street' ? 'streets' : 'communities'] + 1 }),
    { districts: 0, streets: 0, communities: 0, grids, components: opts.components, cases: opts.cases, caseEvents },
  )
  return { seed, at: at.toISOString(), districts, counts, seconds, rate }
}

/** Salts of the row hashes: one range per seed, district and stream. */
const salt = (seed: number, districtIdx: number, stream: number) => seed * 100_000 + districtIdx * 100 + stream

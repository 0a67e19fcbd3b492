import { regionLevelOf, type AuthUser } from '../../platform/access.js'
import { DomainError, invalid, notFound } from '../../platform/errors.js'
import type { BusEvent } from '../../platform/events.js'
import type { Platform } from '../../platform/platform.js'
import { regionOccupancy } from '../parking/index.js'
import { statsRegionFor } from './stats.policy.js'
import { GRID_DAYS_KEPT, statsRepository as repo, type RollupDifference } from './stats.repository.js'
import type { MapMetric, StatsFeedQuery, StatsRangeQuery } from './stats.schemas.js'

export const STATS_CHANGED = 'stats.changed'
export const SOURCES = ['supervisor', 'public', 'hotline', 'device', 'superior'] as const
const DAY = 86_400_000
const MAX_RANGE_DAYS = 366
const CHILD_LEVEL = { city: 'district', district: 'street', street: 'community', community: 'grid', grid: null } as const
const CODE_LENGTH = { city: 6, district: 6, street: 9, community: 12, grid: 15 } as const

type Level = keyof typeof CHILD_LEVEL

// Folding

/** Fold every pending delta into the rollups, in batches (each batch one transaction). */
export async function foldStats(p: Platform, opts: { batch?: number } = {}): Promise<{ folded: number; districts: string[] }> {
  const batch = opts.batch ?? 20_000
  let folded = 0
  const districts = new Set<string>()
  for (;;) {
    const r = await p.db.transaction().execute((tx) => repo.fold(tx, { tz: p.config.timeZone, now: p.clock.now(), batch }))
    folded += r.folded
    for (const d of r.districts) districts.add(d)
    if (r.folded < batch) break
  }
  return { folded, districts: [...districts] }
}

/** This hour's stock snapshot (once per hour), and pruning of old per-minute rows and snapshots. */
export async function takeStatsSnapshot(p: Platform, now = p.clock.now()): Promise<boolean> {
  return p.db.transaction().execute((tx) => repo.snapshot(tx, { now, tz: p.config.timeZone }))
}

/** Recompute all rollups from the case history (cases + case_events). Case writes wait meanwhile. */
export async function rebuildStats(p: Platform, opts: { log?: (line: string) => void } = {}): Promise<{ rows: Record<string, number>; ms: number }> {
  const t0 = performance.now()
  const rows = await p.db.transaction().execute((tx) => repo.rebuild(tx, { tz: p.config.timeZone, now: p.clock.now(), ...(opts.log ? { log: opts.log } : {}) }))
  // Fresh statistics for the planner: the tables were just emptied and refilled.
  await repo.analyze(p.db)
  return { rows, ms: Math.round(performance.now() - t0) }
}

/** Compare the incremental rollups (with pending deltas) to a recomputation from the case history, in one snapshot. */
export async function checkStats(p: Platform, opts: { limit?: number } = {}): Promise<{ total: number; items: RollupDifference[] }> {
  return p.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute((tx) => repo.differences(tx, { tz: p.config.timeZone, now: p.clock.now(), limit: opts.limit ?? 50 }))
}

/**
 * `stats.changed` after case events, at most once per second per instance: the first change is
 * announced at once, later ones in the same second together when it ends. One event per grid
 * touched (so grid-scoped screens hear theirs); more than 100 grids collapse to their districts.
 */
export function announceStatsChanges(p: Platform): () => void {
  const pending = new Set<string>()
  let timer: NodeJS.Timeout | null = null
  const flush = () => {
    timer = null
    if (pending.size === 0) return
    const codes = pending.size > 100 ? new Set([...pending].map((g) => g.slice(0, 6))) : new Set(pending)
    pending.clear()
    for (const regionCode of codes) void p.bus.publish({ type: STATS_CHANGED, regionCode, data: { regionCode } }).catch((err) => p.log.error({ err }, 'stats.changed failed'))
    timer = setTimeout(flush, 1000)
    timer.unref()
  }
  const unsubscribe = p.bus.subscribe((e: BusEvent) => {
    if (!e.type.startsWith('case.') || typeof e.regionCode !== 'string') return
    pending.add(e.regionCode)
    if (!timer) flush()
  })
  return () => {
    unsubscribe()
    if (timer) clearTimeout(timer)
  }
}

// Reads

interface Scope {
  code: string
  name: string
  level: Level
  approximate: boolean
  /** The region row is missing (a city code over its districts). */
  virtual: boolean
}

async function regionOf(p: Platform, caller: AuthUser, asked: string | undefined): Promise<Scope> {
  const code = await statsRegionFor(caller, asked, async () => {
    const r = await repo.anyCity(p.db)
    return r ? (r.level === 'city' ? r.code : `${r.code.slice(0, 4)}00`) : null
  })
  const row = await repo.region(p.db, code)
  if (row) return { code: row.code, name: row.name, level: row.level, approximate: row.approximate, virtual: false }
  const level = regionLevelOf(code)
  if (level === 'city') {
    const districts = await repo.children(p.db, code, true)
    if (districts.length > 0) return { code, name: code, level: 'city', approximate: false, virtual: true }
  }
  throw notFound('Region')
}

/** YYYY-MM-DD of an instant in the tenant zone. */
export function localDay(at: Date, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at)
}
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10)

function rangeOf(p: Platform, q: { from?: string | undefined; to?: string | undefined }): { from: string; to: string } {
  const to = q.to ?? localDay(p.clock.now(), p.config.timeZone)
  const from = q.from ?? addDays(to, -29)
  if (from > to) throw invalid([{ field: 'from', reason: 'must not be after to' }])
  if ((Date.parse(to) - Date.parse(from)) / DAY >= MAX_RANGE_DAYS) throw invalid([{ field: 'from', reason: `a range covers at most ${MAX_RANGE_DAYS} days` }])
  return { from, to }
}

const regionView = (r: Scope) => ({ code: r.code, name: r.name, level: r.level })
const rate = (num: number, den: number) => (den > 0 ? Math.round((num / den) * 10_000) / 10_000 : 0)
const isCity = (r: Scope) => r.level === 'city'

async function kpisOf(p: Platform, r: Scope) {
  const now = p.clock.now()
  const tz = p.config.timeZone
  const flows = await repo.flows(p.db, { region: r.code, regionCodeLength: CODE_LENGTH[r.level], city: isCity(r), today: localDay(now, tz), now, tz })
  const f = (m: string) => flows.find((x) => x.metric === m) ?? { today: 0, previous: 0 }
  const stock = await repo.stock(p.db, { region: r.code, codes: [r.code], codeLength: CODE_LENGTH[r.level], city: isCity(r) })
  const s = (m: string) => stock.find((x) => x.metric === m)?.n ?? 0
  const snap = await repo.snapshotAt(p.db, { region: r.code, hour: new Date(Math.floor((now.getTime() - DAY) / 3_600_000) * 3_600_000) })
  const card = (m: string) => ({ value: f(m).today, previous: f(m).previous })
  return {
    region: regionView(r),
    asOf: now.toISOString(),
    cards: {
      reported: card('report'),
      registered: card('register'),
      dispatched: card('dispatch'),
      closed: card('close'),
      onTimeRate: { value: rate(f('closedCaseOnTime').today, f('closedCase').today), previous: rate(f('closedCaseOnTime').previous, f('closedCase').previous) },
      overdue: { value: s('overdue'), previous: snap ? (snap.get('overdue') ?? 0) : null },
      suspended: { value: s('suspended'), previous: snap ? (snap.get('suspended') ?? 0) : null },
    },
  }
}

async function mapOf(p: Platform, r: Scope, metric: MapMetric) {
  const childLevel = CHILD_LEVEL[r.level]
  if (!childLevel) return { region: regionView(r), childLevel: null, items: [] }
  const children = await repo.children(p.db, r.code, isCity(r))
  const codes = children.map((c) => c.code)
  const len = CODE_LENGTH[childLevel]
  const stock = await repo.stock(p.db, { region: r.code, codes, codeLength: len, city: false })
  const components = await componentsPerChild(p, r.code, len)
  const n = (code: string, m: string) => stock.find((x) => x.regionCode === code && x.metric === m)?.n ?? 0
  return {
    region: regionView(r),
    childLevel,
    items: children.map((c) => {
      const open = n(c.code, 'open')
      const overdue = n(c.code, 'overdue')
      const comps = components.get(c.code) ?? 0
      const value = metric === 'open' ? open : metric === 'overdue' ? overdue : comps > 0 ? Math.round((open / comps) * 1_000_000) / 1000 : 0
      return { code: c.code, name: c.name, approximate: c.approximate, open, overdue, components: comps, value }
    }),
  }
}

/**
 * Aggregates that are costly at city scale and change slowly enough for a minute-old value: a
 * value older than `freshMs` is served while one refresh runs in the background, concurrent
 * misses share one query, and only a key's very first read waits. A failed refresh keeps the old
 * value (the next read retries).
 */
interface Shared<T> {
  at: number
  value: T | undefined
  pending: Promise<T> | null
}
const sharedValues = new WeakMap<Platform, Map<string, Shared<unknown>>>()
function sharedValue<T>(p: Platform, key: string, freshMs: number, compute: () => Promise<T>): Promise<T> {
  let cache = sharedValues.get(p)
  if (!cache) sharedValues.set(p, (cache = new Map()))
  const entry = (cache.get(key) ?? { at: 0, value: undefined, pending: null }) as Shared<T>
  cache.set(key, entry)
  if (Date.now() - entry.at >= freshMs && !entry.pending) {
    entry.pending = compute()
      .then((value) => {
        entry.value = value
        entry.at = Date.now()
        return value
      })
      .finally(() => {
        entry.pending = null
      })
    if (entry.value !== undefined) entry.pending.catch((err: unknown) => p.log.warn({ err, key }, 'stats refresh failed'))
  }
  return entry.value !== undefined ? Promise.resolve(entry.value) : entry.pending!
}

/** Component counts change with imports; counting 1M components takes ~0.5–1 s of index-only scan. */
const componentsPerChild = (p: Platform, region: string, len: number) =>
  sharedValue(p, `components:${region}:${len}`, 60_000, () => repo.componentsPerChild(p.db, { region, codeLength: len, city: false }))

async function casePointsOf(p: Platform, r: Scope, limit: number) {
  const [stock, rows] = await Promise.all([
    repo.stock(p.db, { region: r.code, codes: [r.code], codeLength: CODE_LENGTH[r.level], city: isCity(r) }),
    repo.openCases(p.db, { region: r.code, limit }),
  ])
  return { total: stock.find((x) => x.metric === 'open')?.n ?? 0, items: rows }
}

async function classesOf(p: Platform, r: Scope, range: { from: string; to: string }) {
  const rows = await repo.classes(p.db, { region: r.code, ...range, tz: p.config.timeZone, now: p.clock.now() })
  return {
    items: rows.map((x) => ({
      classKind: x.classKind,
      majorClass: x.minorClass.slice(0, 2),
      majorName: x.majorName ?? x.minorClass.slice(0, 2),
      minorClass: x.minorClass,
      minorName: x.minorName ?? x.minorClass,
      reported: x.reported,
      closed: x.closed,
    })),
  }
}

async function trendOf(p: Platform, r: Scope, range: { from: string; to: string }) {
  const rows = await repo.trend(p.db, { region: r.code, ...range, tz: p.config.timeZone, now: p.clock.now() })
  const items = []
  for (let day = range.from; day <= range.to; day = addDays(day, 1)) {
    const n = (m: string) => rows.find((x) => x.day === day && x.metric === m)?.n ?? 0
    items.push({ day, reported: n('report'), closed: n('close') })
  }
  return { items }
}

async function sourcesOf(p: Platform, r: Scope, range: { from: string; to: string }) {
  const rows = await repo.daily(p.db, { region: r.code, codes: [r.code], codeLength: CODE_LENGTH[r.level], city: isCity(r), metrics: SOURCES.map((s) => `report.${s}`), ...range, tz: p.config.timeZone, now: p.clock.now() })
  return { items: SOURCES.map((source) => ({ source, count: rows.find((x) => x.metric === `report.${source}`)?.n ?? 0 })) }
}

async function departmentsOf(p: Platform, r: Scope, range: { from: string; to: string }) {
  const rows = await repo.departments(p.db, { region: r.code, ...range, tz: p.config.timeZone, now: p.clock.now() })
  const items = rows.map((x) => ({ departmentId: x.departmentId, name: x.name ?? x.departmentId, handled: x.handled, onTime: x.onTime, onTimeRate: rate(x.onTime, x.handled) }))
  items.sort((a, b) => b.onTimeRate - a.onTimeRate || b.handled - a.handled || a.name.localeCompare(b.name))
  return { items }
}

async function regionsOf(p: Platform, r: Scope, range: { from: string; to: string }) {
  const childLevel = CHILD_LEVEL[r.level]
  if (!childLevel) return { items: [] }
  const children = await repo.children(p.db, r.code, isCity(r))
  const rows = await repo.daily(p.db, {
    region: r.code,
    codes: children.map((c) => c.code),
    codeLength: CODE_LENGTH[childLevel],
    city: false,
    metrics: ['report', 'close', 'closedCase', 'closedCaseOnTime'],
    ...range,
    tz: p.config.timeZone,
    now: p.clock.now(),
  })
  const n = (code: string, m: string) => rows.find((x) => x.regionCode === code && x.metric === m)?.n ?? 0
  const items = children.map((c) => ({ code: c.code, name: c.name, reported: n(c.code, 'report'), closed: n(c.code, 'close'), onTimeRate: rate(n(c.code, 'closedCaseOnTime'), n(c.code, 'closedCase')) }))
  items.sort((a, b) => b.reported - a.reported || a.code.localeCompare(b.code))
  return { items }
}

async function hotspotsOf(p: Platform, r: Scope, days: number, limit: number) {
  if (days > GRID_DAYS_KEPT) throw invalid([{ field: 'days', reason: `at most ${GRID_DAYS_KEPT} (reports per grid are kept that long)` }])
  const to = localDay(p.clock.now(), p.config.timeZone)
  const query = () => repo.hotspots(p.db, { region: r.code, from: addDays(to, -(days - 1)), to, tz: p.config.timeZone, limit })
  // Above a street, ranking the grids sums ~100,000 grids × days of stat_grid_reports (0.4–0.6 s
  // of database time at 10M cases): the ranking of a week moves slowly, so it is shared for a minute.
  const rows = r.level === 'city' || r.level === 'district' ? await sharedValue(p, `hotspots:${r.code}:${to}:${days}:${limit}`, 60_000, query) : await query()
  return { items: rows.map((x) => ({ gridCode: x.gridCode, name: x.name ?? x.gridCode, count: x.count })) }
}

async function parkingOf(p: Platform, caller: AuthUser, r: Scope) {
  try {
    const o = await regionOccupancy(p, { caller, regionCode: r.code })
    return { items: o.items.map((l) => ({ lotId: l.lotId, name: l.name, capacity: l.capacity, occupied: l.occupied, reserved: l.reserved, free: l.free })) }
  } catch (err) {
    // A role without access to parking sees an empty panel, not a failed screen.
    if (err instanceof DomainError && (err.code === 'FORBIDDEN' || err.code === 'NOT_FOUND')) return { items: [] }
    throw err
  }
}

// Use cases (one per endpoint)

type Q = StatsRangeQuery

export async function getKpis(p: Platform, opts: { caller: AuthUser; query: Pick<Q, 'region'> }) {
  return kpisOf(p, await regionOf(p, opts.caller, opts.query.region))
}
export async function getMap(p: Platform, opts: { caller: AuthUser; query: Pick<Q, 'region' | 'metric'> }) {
  return mapOf(p, await regionOf(p, opts.caller, opts.query.region), opts.query.metric ?? 'open')
}
export async function getCasePoints(p: Platform, opts: { caller: AuthUser; query: Pick<Q, 'region' | 'limit'> }) {
  return casePointsOf(p, await regionOf(p, opts.caller, opts.query.region), opts.query.limit ?? 2000)
}
export async function getClasses(p: Platform, opts: { caller: AuthUser; query: Q }) {
  const r = await regionOf(p, opts.caller, opts.query.region)
  return classesOf(p, r, rangeOf(p, opts.query))
}
export async function getTrend(p: Platform, opts: { caller: AuthUser; query: Q }) {
  const r = await regionOf(p, opts.caller, opts.query.region)
  return trendOf(p, r, rangeOf(p, opts.query))
}
export async function getSources(p: Platform, opts: { caller: AuthUser; query: Q }) {
  const r = await regionOf(p, opts.caller, opts.query.region)
  return sourcesOf(p, r, rangeOf(p, opts.query))
}
export async function getDepartments(p: Platform, opts: { caller: AuthUser; query: Q }) {
  const r = await regionOf(p, opts.caller, opts.query.region)
  return departmentsOf(p, r, rangeOf(p, opts.query))
}
export async function getRegionRanking(p: Platform, opts: { caller: AuthUser; query: Q }) {
  const r = await regionOf(p, opts.caller, opts.query.region)
  return regionsOf(p, r, rangeOf(p, opts.query))
}
export async function getHotspots(p: Platform, opts: { caller: AuthUser; query: Pick<Q, 'region' | 'days' | 'limit'> }) {
  const r = await regionOf(p, opts.caller, opts.query.region)
  return hotspotsOf(p, r, opts.query.days ?? 7, opts.query.limit ?? 10)
}
export async function getParking(p: Platform, opts: { caller: AuthUser; query: Pick<Q, 'region'> }) {
  const r = await regionOf(p, opts.caller, opts.query.region)
  return parkingOf(p, opts.caller, r)
}

export async function getFeed(p: Platform, opts: { caller: AuthUser; query: StatsFeedQuery }) {
  const r = await regionOf(p, opts.caller, opts.query.region)
  const rows = await repo.feed(p.db, { region: r.code, narrow: r.level === 'community' || r.level === 'grid', limit: opts.query.limit ?? 40 })
  return { items: rows.map((x) => ({ ...x, at: x.at.toISOString() })) }
}

/** Every panel in one round trip (the screen's first load and its refresh on live events). */
export async function getScreen(p: Platform, opts: { caller: AuthUser; query: Q }) {
  const r = await regionOf(p, opts.caller, opts.query.region)
  const range = rangeOf(p, opts.query)
  const [kpis, map, classes, trend, sources, departments, regions, hotspots, parking] = await Promise.all([
    kpisOf(p, r),
    mapOf(p, r, opts.query.metric ?? 'open'),
    classesOf(p, r, range),
    trendOf(p, r, range),
    sourcesOf(p, r, range),
    departmentsOf(p, r, range),
    regionsOf(p, r, range),
    hotspotsOf(p, r, 7, 10),
    parkingOf(p, opts.caller, r),
  ])
  return { kpis, map, classes, trend, sources, departments, regions, hotspots, parking }
}

import { isAdmin, regionPrefix, type AuthUser } from '../../platform/access.js'
import { notFound } from '../../platform/errors.js'
import type { Platform } from '../../platform/platform.js'
import type { QualityCheck, QualityRow, QualityScope } from '../../platform/quality.js'
import { caseChecks, countCases } from '../cases/index.js'
import { countClasses } from '../classes/index.js'
import { componentChecks, countComponents, lastComponentImport, STALE_STATUS_DAYS } from '../components/index.js'
import { countUsersAndDepartments, departmentChecks, userChecks } from '../identity/index.js'
import { countParking } from '../parking/index.js'
import { countRegions, gridChecks, regionChecks, topRegions } from '../regions/index.js'
import { datasetsPolicy } from './datasets.policy.js'
import { datasetsRepository as repo } from './datasets.repository.js'
import type { CheckPage, DatasetName, DatasetView } from './datasets.schemas.js'

/**
 * The data manager: every dataset with its row count (scoped where the data is regional), its
 * last import, and its quality checks. Checks live in the owning modules (their `index.ts`);
 * this module only assembles them, links offending rows to their console pages and points at
 * each module's own importer and exporter.
 */

const CHECKS: Partial<Record<DatasetName, QualityCheck[]>> = {
  regions: regionChecks,
  grids: gridChecks,
  components: componentChecks,
  users: userChecks,
  departments: departmentChecks,
  cases: caseChecks,
}

/** Where the console shows a row of each dataset. */
const LINKS: Partial<Record<DatasetName, (r: QualityRow) => string>> = {
  regions: (r) => `/regions?code=${r.id}`,
  grids: (r) => `/regions?code=${r.id}`,
  components: (r) => `/components/${r.id}`,
  cases: (r) => `/cases/${r.id}`,
  users: (r) => `/admin/users?id=${r.id}`,
}

/** What the caller sees: everything for admins, else the prefixes of their region scopes. */
export const scopeOf = (user: AuthUser): QualityScope => (isAdmin(user) ? { prefixes: null } : { prefixes: [...new Set(user.regionCodes.map(regionPrefix))] })

type LastImport = DatasetView['lastImport']

async function auditImport(p: Platform, actions: string[], rows: (after: Record<string, unknown>) => number | null): Promise<LastImport> {
  const a = await repo.lastAudit(p.db, actions)
  if (!a) return null
  const after = (typeof a.after === 'string' ? JSON.parse(a.after) : a.after ?? {}) as Record<string, unknown>
  return { at: new Date(a.at).toISOString(), by: a.actorName, rows: rows(after), outcome: 'succeeded', id: String(a.id) }
}

async function componentsImport(p: Platform): Promise<LastImport> {
  const i = await lastComponentImport(p)
  if (!i) return null
  return { at: new Date(i.finishedAt ?? i.createdAt).toISOString(), by: i.displayName ?? i.username ?? null, rows: Number(i.rowsRead), outcome: i.status, id: i.id }
}

const num = (v: unknown) => (typeof v === 'number' ? v : null)

async function summarise(p: Platform, scope: QualityScope, name: DatasetName) {
  return Promise.all((CHECKS[name] ?? []).map(async (c) => ({ key: c.key, severity: c.severity, count: await c.count(p, scope) })))
}

type DatasetList = { items: DatasetView[]; staleStatusDays: number; computedAt: string }

/**
 * How long a computed overview is served before it is recomputed. Counting and checking every
 * dataset scans the registry and the case history (seconds at a million components), so callers
 * of one scope share one computation and its result for this long, unless a caller asks for a
 * refresh (the console's reload button, or the end of an import). The response says when it was computed.
 */
export const OVERVIEW_MAX_AGE_MS = 60_000
const MAX_CACHED_SCOPES = 200

interface Cached {
  startedAt: number
  done: boolean
  value: Promise<DatasetList>
}
const overviews = new WeakMap<Platform, Map<string, Cached>>()

/** Every dataset with count, last import, checks, importer and exporters (shared per scope; see OVERVIEW_MAX_AGE_MS). */
export async function listDatasets(p: Platform, opts: { caller: AuthUser; refresh?: boolean }): Promise<DatasetList> {
  datasetsPolicy.assert(opts.caller, 'datasets.read')
  const key = isAdmin(opts.caller) ? '*' : [...opts.caller.regionCodes].sort().join(',')
  let cache = overviews.get(p)
  if (!cache) overviews.set(p, (cache = new Map()))
  const now = p.clock.now().getTime()
  const hit = cache.get(key)
  // a plain read takes the running computation or a result younger than the maximum age; a
  // refresh always starts its own (one already running may have begun before the change it wants to see)
  if (hit && !opts.refresh && (!hit.done || now - hit.startedAt < OVERVIEW_MAX_AGE_MS)) return hit.value
  const entry: Cached = { startedAt: now, done: false, value: computeOverview(p, opts.caller) }
  entry.value.then(
    () => (entry.done = true),
    () => cache.get(key) === entry && cache.delete(key),
  )
  cache.delete(key)
  cache.set(key, entry)
  if (cache.size > MAX_CACHED_SCOPES) cache.delete(cache.keys().next().value!)
  return entry.value
}

async function computeOverview(p: Platform, caller: AuthUser): Promise<DatasetList> {
  const computedAt = p.clock.now().toISOString()
  const scope = scopeOf(caller)
  const scoped = scope.prefixes !== null
  // all at once: a server pool runs them side by side (the embedded database queues them)
  const [regions, components, classes, people, cases, parking, regionImport, gridImport, classImport, componentImport, checks] = await Promise.all([
    countRegions(p, scope),
    countComponents(p, scope),
    countClasses(p),
    countUsersAndDepartments(p, scope),
    countCases(p, scope),
    countParking(p, scope),
    auditImport(p, ['regions.import'], (a) => num(a.imported)),
    auditImport(p, ['regions.import', 'regions.divide'], (a) => num((a.byLevel as Record<string, unknown> | undefined)?.grid) ?? num(a.grids) ?? num(a.imported)),
    auditImport(p, ['classes.seed'], (a) => num(a.minors)),
    componentsImport(p),
    Promise.all((['regions', 'grids', 'components', 'departments', 'users', 'cases'] as const).map(async (n) => [n, await summarise(p, scope, n)] as const)).then((l) => Object.fromEntries(l)),
  ])
  const roots = scoped ? scope.prefixes!.length ? caller.regionCodes.map((code) => ({ code, name: code })) : [] : await topRegions(p)
  const geojson = (depth: number) => roots.map((r) => ({ format: 'geojson', label: `${r.name} (${r.code})`, href: `/api/v1/regions/${r.code}/geojson?depth=${depth}` }))

  const items: DatasetView[] = [
    { name: 'regions', count: regions.regions, scoped, breakdown: null, lastImport: regionImport, checks: checks['regions']!, import: 'regions', exports: geojson(4) },
    { name: 'grids', count: regions.grids, scoped, breakdown: null, lastImport: gridImport, checks: checks['grids']!, import: 'regions', exports: geojson(4) },
    {
      name: 'components',
      count: components,
      scoped,
      breakdown: null,
      lastImport: componentImport,
      checks: checks['components']!,
      import: 'components',
      exports: ['csv', 'xlsx', 'geojson'].map((f) => ({ format: f, label: f.toUpperCase(), href: `/api/v1/components/export?format=${f}` })),
    },
    { name: 'classes', count: classes.minors, scoped: false, breakdown: { majors: classes.majors, minors: classes.minors }, lastImport: classImport, checks: [], import: null, exports: [] },
    { name: 'departments', count: people.departments, scoped, breakdown: null, lastImport: null, checks: checks['departments']!, import: null, exports: [] },
    { name: 'users', count: people.users, scoped, breakdown: null, lastImport: null, checks: checks['users']!, import: null, exports: [] },
    {
      name: 'cases',
      count: cases,
      scoped,
      breakdown: null,
      lastImport: null,
      checks: checks['cases']!,
      import: null,
      exports: ['csv', 'xlsx'].map((f) => ({ format: f, label: f.toUpperCase(), href: `/api/v1/cases/export?format=${f}` })),
    },
    { name: 'parkingLots', count: parking.lots, scoped, breakdown: null, lastImport: null, checks: [], import: null, exports: [] },
    { name: 'parkingSpaces', count: parking.spaces, scoped, breakdown: null, lastImport: null, checks: [], import: null, exports: [] },
  ]
  return { items, staleStatusDays: STALE_STATUS_DAYS, computedAt }
}

const encodeCursor = (id: string) => Buffer.from(id).toString('base64url')
const decodeCursor = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8')

/** The offending rows of one check, in id order, a page at a time, each with its console link. */
export async function listCheckRows(p: Platform, opts: { caller: AuthUser; name: string; key: string; cursor?: string; limit: number }): Promise<CheckPage> {
  datasetsPolicy.assert(opts.caller, 'datasets.read')
  const check = (CHECKS[opts.name as DatasetName] ?? []).find((c) => c.key === opts.key)
  if (!check) throw notFound(`Check ${opts.name}/${opts.key}`)
  const scope = scopeOf(opts.caller)
  const count = await check.count(p, scope)
  const rows = await check.page(p, scope, { after: opts.cursor ? decodeCursor(opts.cursor) : null, limit: opts.limit + 1 })
  const page = rows.slice(0, opts.limit)
  const link = LINKS[opts.name as DatasetName]
  return {
    dataset: opts.name,
    key: check.key,
    severity: check.severity,
    count,
    items: page.map((r) => ({ ...r, link: link ? link(r) : null })),
    nextCursor: rows.length > opts.limit ? encodeCursor(page.at(-1)!.id) : null,
  }
}

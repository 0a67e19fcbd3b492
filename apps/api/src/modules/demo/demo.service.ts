/**
 * The Nanjing demo seed (`civicgrid seed demo`, and `serve` on an empty embedded database):
 * real districts and streets with approximate street/community outlines, a pilot area around
 * 新街口 divided into unit grids along the real OSM roads, departments, settings, accounts for
 * every role, components from OSM and along real roads, and 30 days of case history driven
 * through the case services on a ManualClock. Everything goes through the other modules'
 * services (or their HTTP API in process, where a service is not exported). See docs/DEMO.md.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { parse } from 'csv-parse/sync'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import sharp from 'sharp'
import type { AuthUser } from '../../platform/access.js'
import type { Actor } from '../../platform/audit.js'
import { ManualClock } from '../../platform/clock.js'
import { DomainError } from '../../platform/errors.js'
import { bboxOf, bboxesOverlap, intersection, multiPolygonArea, polygonsOf, type BBox, type PolygonCoords } from '../../platform/geo/index.js'
import type { Platform } from '../../platform/platform.js'
import { createDepartment, createUser, SESSION_COOKIE } from '../identity/index.js'
import { divideCommunity, importRegions, IMPORT_TOLERANCES, locateIndexOf } from '../regions/index.js'
import { COMPONENTS_CHANGED, createImport, exportComponents, runImport } from '../components/index.js'
import { uploadFile } from '../files/index.js'
import { demoAccounts, type DemoAccount } from './accounts.js'
import { CLASSES, COMMON_LIMITS, DEPARTMENTS } from './catalog.js'
import { generateComponents, isStreet, type ComponentSeed } from './components-gen.js'
import { loadNanjing } from './datasets.js'
import { Random } from './random.js'
import { buildTerritory, type RegionFeature } from './territory.js'
import { runCaseHistory, type CaseHistoryStats, type DemoComponent, type DemoPhotos } from './history.js'

export type DemoSize = 'small' | 'default'

export interface SeedDemoOptions {
  /** PRNG seed: the same seed (and `at`) gives the same data. Default 1. */
  seed?: number
  /** `small`: one pilot community and ~150 cases (tests); `default`: ~270 grids and ~1,000 cases. */
  size?: DemoSize
  /** End of the 30-day history (default: now, to the minute). */
  at?: Date
  /** Password of every demo account (default DEMO_PASSWORD, else random). */
  password?: string | null
  /** Progress lines (the CLI writes them to stderr). */
  log?: (line: string) => void
  /** How the case history is written: `batch` (default, rows in memory, bulk inserts) or `services` (step by step through the case services; the reference the batch is tested against). */
  replay?: 'batch' | 'services'
}

export interface SeedDemoResult {
  seed: number
  size: DemoSize
  from: string
  to: string
  password: string
  passwordGenerated: boolean
  accounts: { username: string; displayName: string; roles: string[]; note: string }[]
  pilot: { code: string; name: string; grids: number }[]
  counts: Record<string, number>
  /** Wall-clock seconds per phase. */
  seconds: Record<string, number>
  /** CPU seconds of this process per phase (the embedded database runs in it too). */
  cpuSeconds: Record<string, number>
}

/** The 新街口 box the pilot communities are taken from (WGS84). */
export const PILOT_BOX: BBox = [118.77, 32.035, 118.79, 32.05]
const SIZES = {
  small: { pilotCommunities: 1, casesPerDay: 5, gridsPerSupervisor: 20 },
  default: { pilotCommunities: 3, casesPerDay: 10, gridsPerSupervisor: 30 },
} as const
const HISTORY_DAYS = 30
const DEMO_ACTOR: Actor = { userId: null, name: 'demo-seed' }
const SEEDER = 'demo-seed'

/** True when the database has regions already (the demo seeds only an empty territory). */
export async function hasRegions(p: Platform): Promise<boolean> {
  const r = await sql<{ found: boolean }>`select exists (select 1 from regions) as found`.execute(p.db)
  return Boolean(r.rows[0]?.found)
}

const systemCaller = (id: string): AuthUser => ({ id, username: SEEDER, displayName: '演示数据生成', roles: ['admin'], departmentId: null, regionCodes: [], via: 'session', sessionId: null })

/** Seed the demo into an empty territory. Business time comes from a ManualClock that this swaps into the platform while it runs. */
export async function seedDemo(app: FastifyInstance, opts: SeedDemoOptions = {}): Promise<SeedDemoResult> {
  const p = app.platform
  const seed = opts.seed ?? 1
  const size = opts.size ?? 'default'
  const sz = SIZES[size]
  const log = opts.log ?? (() => {})
  if (await hasRegions(p)) throw new DomainError('CONFLICT', 'The database has regions already; the demo seeds an empty territory only')
  const to = new Date(Math.floor((opts.at ?? new Date()).getTime() / 60_000) * 60_000)
  const from = new Date(to.getTime() - HISTORY_DAYS * 86_400_000)
  const clock = new ManualClock(new Date(from.getTime() - 86_400_000))
  const password = opts.password ?? p.config.demoPassword ?? randomBytes(9).toString('base64url')
  const rnd = new Random(seed)
  const seconds: Record<string, number> = {}
  const cpuSeconds: Record<string, number> = {}
  const cpu = () => {
    const u = process.cpuUsage()
    return (u.user + u.system) / 1e6
  }
  let mark = performance.now()
  let cpuMark = cpu()
  const lap = (phase: string, line: string) => {
    const now = performance.now()
    seconds[phase] = Math.round(now - mark) / 1000
    cpuSeconds[phase] = Math.round((cpu() - cpuMark) * 1000) / 1000
    mark = now
    cpuMark = cpu()
    log(`demo: ${line} (${seconds[phase]!.toFixed(1)} s, cpu ${cpuSeconds[phase]!.toFixed(1)} s)`)
  }

  const savedClock = p.clock
  p.clock = clock
  // the settings and grid people go through app.inject: keep their request logs out of the start-up output
  const savedLevel = app.log.level
  if (['trace', 'debug', 'info'].includes(savedLevel)) app.log.level = 'warn'
  try {
    // 1. territory
    const data = loadNanjing()
    const territory = buildTerritory(data, { maxCommunitiesPerStreet: 4, fullBox: PILOT_BOX })
    lap('territory', `${territory.districts.length} districts, ${territory.streets.length} streets, ${territory.communities.length} communities (approximate outlines)`)
    // the city without an outline: its districts draw it, and checking 25,000 district vertices against a 15,000-vertex outline costs a second
    await importRegions(p, { actor: DEMO_ACTOR, input: importInput([{ ...territory.city, geometry: null }, ...territory.districts], false) })
    await importRegions(p, { actor: DEMO_ACTOR, input: importInput([...territory.streets, ...territory.communities], true) })
    lap('import', 'regions imported')

    // 2. the pilot: communities around 新街口 divided along the OSM roads
    const pilotCommunities = pickPilot(territory.communities, sz.pilotCommunities)
    // The settings and grid people are set through the HTTP API (their services are not exported), signed in as a
    // system account whose random password is never shown.
    const seederPassword = randomBytes(24).toString('base64url')
    const seederId = (await createUser(p, { actor: DEMO_ACTOR, input: { username: SEEDER, displayName: '演示数据生成（系统账号）', password: seederPassword, roles: ['admin'] } })).id
    const caller = systemCaller(seederId)
    const roads = data.roads.filter((r) => isStreet(r.highway))
    const pilot: SeedDemoResult['pilot'] = []
    const grids: { code: string; name: string; community: string; polygons: PolygonCoords[] }[] = []
    for (const c of pilotCommunities) {
      const box = bboxOf(polygonsOf(c.geometry))
      const near = roads.flatMap((r) => r.lines).filter((l) => bboxesOverlap(bboxOf(l), box)).map((coordinates) => ({ type: 'LineString' as const, coordinates }))
      const r = await divideCommunity(p, { actor: DEMO_ACTOR, caller, code: c.code, input: { targetArea: 10_000, minArea: 5_000, maxArea: 20_000, roads: near, roadsCrs: 'WGS84', commit: true, replace: false } })
      pilot.push({ code: c.code, name: c.name, grids: r.stats.cells })
      for (const f of r.cells.features) grids.push({ code: f.properties.code, name: f.properties.name, community: c.code, polygons: polygonsOf(f.geometry) })
    }
    lap('divide', `pilot ${pilot.map((x) => `${x.name} ${x.grids}`).join(', ')} grids`)

    // 3. departments, accounts, grid people, settings
    const depts = new Map<string, string>()
    for (const d of DEPARTMENTS) depts.set(d.code, (await createDepartment(p, { actor: DEMO_ACTOR, input: { code: d.code, name: d.name, regionCode: d.regionCode } })).id)
    const supervisors = Math.max(1, Math.ceil(grids.length / sz.gridsPerSupervisor))
    const pilotStreets = [...new Set(pilotCommunities.map((c) => c.parentCode!))]
    const accounts = demoAccounts({ cityCode: territory.city.code, pilotStreets, supervisors })
    const users = new Map<string, AuthUser>()
    await Promise.all(
      accounts.map(async (a) => {
        const deptId = a.department ? depts.get(a.department)! : null
        const u = await createUser(p, { actor: DEMO_ACTOR, input: { username: a.username, displayName: a.displayName, password, roles: a.roles, scopes: a.scopes.map((regionCode) => ({ regionCode })), departmentId: deptId } })
        users.set(a.username, { id: u.id, username: u.username, displayName: u.displayName, roles: a.roles, departmentId: deptId, regionCodes: [...a.scopes], via: 'session', sessionId: null })
      }),
    )
    const cookie = await login(app, SEEDER, seederPassword)
    const supervisorOf = new Map<string, AuthUser>()
    const helper = users.get('gridworker1')!
    for (const [i, g] of grids.entries()) {
      const sup = users.get(`supervisor${Math.min(supervisors, 1 + Math.floor((i * supervisors) / grids.length))}`)!
      const helpers = g.community === pilotCommunities[0]!.code ? [helper.id] : []
      await inject(app, cookie, 'PUT', `/api/v1/grids/${g.code}/people`, { primary: sup.id, helpers })
      sup.regionCodes.push(g.code)
      if (helpers.length) helper.regionCodes.push(g.code)
      supervisorOf.set(g.code, sup)
    }
    for (const c of CLASSES) {
      const dept = c.byDistrict ? 'SANIT' : c.dept
      await inject(app, cookie, 'PUT', `/api/v1/case-settings/${c.kind}/${c.code}`, {
        limits: { ...COMMON_LIMITS, handle: c.handle },
        urgency: c.urgency,
        closingStandard: c.closingStandard,
        defaultDepartmentId: depts.get(dept)!,
      })
      if (c.byDistrict) {
        for (const d of DEPARTMENTS.filter((x) => x.code.startsWith('SANIT-'))) {
          await inject(app, cookie, 'POST', '/api/v1/dispatch-rules', { classKind: c.kind, minorClass: c.code, regionCode: d.regionCode, departmentId: depts.get(d.code)!, priority: 10 })
        }
      }
    }
    await inject(app, cookie, 'POST', '/api/v1/auth/logout', undefined)
    lap('people', `${DEPARTMENTS.length} departments, ${accounts.length} accounts, ${grids.length} grid assignments, ${CLASSES.length} class settings`)

    // 4. components
    const gridSet = new Set(grids.map((g) => g.code))
    const index = await locateIndexOf(p)
    const gridAt = (lng: number, lat: number) => {
      const code = index.gridAt(lng, lat)
      return code && gridSet.has(code) ? code : null
    }
    const sanitOf = (gridCode: string) => DEPARTMENTS.find((d) => d.code.startsWith('SANIT-') && d.regionCode === gridCode.slice(0, 6))?.code ?? 'SANIT'
    const seeds = generateComponents({
      roads: data.roads,
      pois: data.pois,
      gridAt,
      maintainerOf: (code, gridCode) => {
        const c = CLASSES.find((x) => x.kind === 'component' && x.code === code)
        return c?.byDistrict ? sanitOf(gridCode) : (c?.dept ?? null)
      },
      rnd: rnd.fork('components'),
    })
    const components = await importComponents(p, caller, seeds)
    lap('components', `${components.length} components (${seeds.filter((s) => s.note.startsWith('来源')).length} from OSM)`)

    // 5. photos and 30 days of cases
    const photos = await demoPhotos(p, caller)
    const pilotBox = bboxOf(pilotCommunities.flatMap((c) => polygonsOf(c.geometry)))
    const named = data.roads
      .filter((r) => r.name && isStreet(r.highway))
      .flatMap((r) => r.lines.filter((l) => bboxesOverlap(bboxOf(l), pilotBox)).map((line) => ({ name: r.name!, line })))
    const history: CaseHistoryStats = await runCaseHistory(p, {
      clock,
      from,
      to,
      rnd: rnd.fork('cases'),
      casesPerDay: sz.casesPerDay,
      grids: grids.map((g) => g.code),
      gridGeometry: new Map(grids.map((g) => [g.code, g.polygons])),
      gridNames: new Map(grids.map((g) => [g.code, g.name])),
      supervisorOf,
      users,
      departments: depts,
      components,
      photos,
      roads: named,
      log,
      ...(opts.replay ? { replay: opts.replay } : {}),
    })
    lap('cases', `${history.cases} cases, ${history.actions} actions, ${history.open} open, ${history.overdue} overdue`)
    await p.bus.publish({ type: COMPONENTS_CHANGED, data: { action: 'demo' } })
    await p.bus.publish({ type: 'demo.seeded', broadcast: true, data: { seed, size } })

    return {
      seed,
      size,
      from: from.toISOString(),
      to: to.toISOString(),
      password,
      passwordGenerated: !opts.password && !p.config.demoPassword,
      accounts: accounts.map((a: DemoAccount) => ({ username: a.username, displayName: a.displayName, roles: a.roles, note: a.note })),
      pilot,
      counts: {
        districts: territory.districts.length,
        streets: territory.streets.length,
        communities: territory.communities.length,
        grids: grids.length,
        departments: DEPARTMENTS.length,
        accounts: accounts.length,
        components: components.length,
        ...history,
      },
      seconds,
      cpuSeconds,
    }
  } finally {
    p.clock = savedClock
    app.log.level = savedLevel
  }
}

function importInput(features: (Omit<RegionFeature, 'geometry'> & { geometry: RegionFeature['geometry'] | null })[], approximate: boolean) {
  return {
    featureCollection: {
      type: 'FeatureCollection' as const,
      features: features.map((f) => ({ type: 'Feature' as const, properties: { code: f.code, name: f.name, level: f.level, parent: f.parentCode }, geometry: f.geometry })),
    },
    mapping: { code: 'code', name: 'name', parent: 'parent', level: 'level' },
    crs: 'WGS84' as const,
    dryRun: false,
    mode: 'all-or-nothing' as const,
    legacyGridCodes: false,
    approximate,
    ...IMPORT_TOLERANCES,
  }
}

/** The `n` communities with the largest share of their area inside the pilot box. */
function pickPilot(communities: RegionFeature[], n: number): RegionFeature[] {
  const box: PolygonCoords[] = [[[[PILOT_BOX[0], PILOT_BOX[1]], [PILOT_BOX[2], PILOT_BOX[1]], [PILOT_BOX[2], PILOT_BOX[3]], [PILOT_BOX[0], PILOT_BOX[3]], [PILOT_BOX[0], PILOT_BOX[1]]]]]
  return communities
    .filter((c) => bboxesOverlap(bboxOf(polygonsOf(c.geometry)), PILOT_BOX))
    .map((c) => {
      const polys = polygonsOf(c.geometry)
      return { c, share: multiPolygonArea(intersection(polys, box)) / multiPolygonArea(polys) }
    })
    .filter((x) => x.share > 0.3)
    .sort((a, b) => b.share - a.share || a.c.code.localeCompare(b.c.code))
    .slice(0, n)
    .map((x) => x.c)
    .sort((a, b) => a.code.localeCompare(b.code))
}

async function login(app: FastifyInstance, username: string, password: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } })
  if (res.statusCode !== 200) throw new Error(`demo: signing in as ${username} failed: ${res.statusCode} ${res.body}`)
  const session = res.cookies.find((c) => c.name === SESSION_COOKIE)
  return `${SESSION_COOKIE}=${session!.value}`
}

async function inject(app: FastifyInstance, cookie: string, method: 'PUT' | 'POST', url: string, payload: unknown) {
  const res = await app.inject({ method, url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as object }) })
  if (res.statusCode >= 300) throw new Error(`demo: ${method} ${url} answered ${res.statusCode}: ${res.body}`)
  return res.body ? (JSON.parse(res.body) as unknown) : null
}

/** Write the generated components as a CSV and load it through the components import (one transaction), then read the registry back. */
async function importComponents(p: Platform, caller: AuthUser, seeds: ComponentSeed[]): Promise<DemoComponent[]> {
  const dir = join(p.config.dataDir, 'imports')
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `demo-components-${randomBytes(6).toString('hex')}.csv`)
  const header = ['minorClass', 'name', 'lng', 'lat', 'location', 'maintainerDept', 'dataSource', 'installDate', 'note', 'attributes.材质', 'attributes.站名']
  const cell = (v: string | number | null | undefined) => {
    if (v === null || v === undefined) return ''
    const s = String(v)
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
  }
  const lines = seeds.map((s) => [s.minorClass, s.name, s.lng, s.lat, s.location, s.maintainer, s.dataSource, s.installDate, s.note, s.attributes['材质'], s.attributes['站名']].map(cell).join(','))
  writeFileSync(path, [header.join(','), ...lines].join('\n') + '\n')
  const actor: Actor = { userId: caller.id, name: caller.username }
  try {
    const importId = await createImport(p, { actor, caller, input: { format: 'csv', fileName: 'demo-components.csv', fileSize: statSync(path).size, mode: 'all-or-nothing', crs: 'WGS84', encoding: 'utf-8', mapping: {} } })
    const view = await runImport(p, { actor, importId, path })
    if (view.status !== 'succeeded') throw new Error(`demo: the component import ${view.status}: ${view.message ?? ''}`)
  } finally {
    rmSync(path, { force: true })
  }
  const out = await exportComponents(p, { caller, query: { format: 'csv', crs: 'WGS84' } })
  const chunks: Buffer[] = []
  for await (const chunk of out.stream) chunks.push(Buffer.from(chunk as string))
  const rows = parse(Buffer.concat(chunks), { columns: true, bom: true }) as Record<string, string>[]
  return rows.map((r) => ({ code: r.code!, minorClass: r.minorClass!, lng: Number(r.lng), lat: Number(r.lat), gridCode: r.gridCode!, location: r.location || null }))
}

/** A few plain generated pictures standing in for field photos (before, after handling, at the check). */
async function demoPhotos(p: Platform, caller: AuthUser): Promise<DemoPhotos> {
  const actor: Actor = { userId: caller.id, name: caller.username }
  const make = async (kind: string, rgb: [number, number, number], variant: number) => {
    const w = 160
    const h = 120
    const px = Buffer.alloc(w * h * 3)
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const stripe = Math.floor((x + y * (variant + 1)) / 16) % 2 === 0 ? 1 : 0.8
        const i = (y * w + x) * 3
        px[i] = Math.round(rgb[0] * stripe)
        px[i + 1] = Math.round(rgb[1] * stripe)
        px[i + 2] = Math.round(rgb[2] * stripe)
      }
    }
    const png = await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png({ compressionLevel: 9 }).toBuffer()
    const file = await uploadFile(p, { actor, caller, stream: Readable.from([png]), filename: `demo-${kind}-${variant}.png` })
    return file.sha256
  }
  return {
    before: [await make('before', [150, 110, 80], 0), await make('before', [140, 120, 90], 1)],
    after: [await make('after', [90, 150, 100], 0), await make('after', [80, 140, 110], 1)],
    check: [await make('check', [90, 120, 170], 0), await make('check', [100, 110, 160], 1)],
  }
}

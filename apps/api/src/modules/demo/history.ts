/**
 * 30 days of cases: a discrete-event run in time order — reports and each case's next step
 * (case-plans.ts) in one queue — on a ManualClock, with the timer scan at every hour.
 *
 * Two ways to write it, with the same rows: `services` drives the case services (`prepareReport`,
 * `reportCase`, `actOnCase`, `scanCaseTimers`), one simulated hour per transaction; `batch` (the
 * default) applies the same rules to rows in memory (history-batch.ts) and writes them at the end
 * in a few multi-row statements — about 2,000 workflow actions of ~3 statements each on the
 * embedded database were most of the seed's time.
 */
import type { AuthUser } from '../../platform/access.js'
import type { Actor as AuditActor } from '../../platform/audit.js'
import type { ManualClock } from '../../platform/clock.js'
import { bboxOf, metresPerDegree, PolygonTester, type PolygonCoords, type Position } from '../../platform/geo/index.js'
import type { Platform } from '../../platform/platform.js'
import { actOnCase, prepareReport, reportCase, scanCaseTimers, workCalendar, isOpen, type CaseAction, type CaseState, type WorkCalendar } from '../cases/index.js'
import { locateIndexOf } from '../regions/index.js'
import { nextStep, newMemo, planIntakes, remember, superviseStep, type CaseMemo, type CaseSnapshot, type Intake, type Step } from './case-plans.js'
import { DEPARTMENTS } from './catalog.js'
import type { Random } from './random.js'
import { BatchHistory, type ActInput, type ReportInput } from './history-batch.js'

export interface DemoComponent {
  code: string
  minorClass: string
  lng: number
  lat: number
  gridCode: string
  location: string | null
}

export interface DemoPhotos {
  before: string[]
  after: string[]
  check: string[]
}

export interface NamedRoad {
  name: string
  line: Position[]
}

export interface HistoryInput {
  clock: ManualClock
  from: Date
  to: Date
  rnd: Random
  casesPerDay: number
  grids: string[]
  gridGeometry: Map<string, PolygonCoords[]>
  gridNames: Map<string, string>
  supervisorOf: Map<string, AuthUser>
  users: Map<string, AuthUser>
  /** Department code → id. */
  departments: Map<string, string>
  components: DemoComponent[]
  photos: DemoPhotos
  roads: NamedRoad[]
  log: (line: string) => void
  /** `batch` (default): rows in memory, written at the end; `services`: through the case services step by step. */
  replay?: 'batch' | 'services'
}

export interface CaseHistoryStats {
  cases: number
  actions: number
  open: number
  closed: number
  overdue: number
  notices: number
}

interface Tracked {
  id: string
  number: string
  version: number
  intake: Intake
  memo: CaseMemo
  snap: CaseSnapshot & { departmentId: string | null; proposedDepartmentId: string | null }
  gridCode: string
  lng: number
  lat: number
  minorClass: string
  componentCode: string | null
  reportedAt: Date
  primaryId: string | null
  supervisePending: boolean
  anyLate: boolean
}

type QueueInput = { at: number } & ({ kind: 'intake'; intake: Intake } | { kind: 'step'; c: Tracked; step: Step; side: boolean })
type QueueItem = QueueInput & { seq: number }

/** A binary min-heap on (at, seq). */
class Queue {
  private items: QueueItem[] = []
  private seq = 0
  get size() {
    return this.items.length
  }
  peek(): QueueItem | undefined {
    return this.items[0]
  }
  push(item: QueueInput) {
    const a = this.items
    a.push({ ...item, seq: this.seq++ })
    let i = a.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!less(a[i]!, a[parent]!)) break
      ;[a[i], a[parent]] = [a[parent]!, a[i]!]
      i = parent
    }
  }
  pop(): QueueItem | undefined {
    const a = this.items
    const top = a[0]
    const last = a.pop()
    if (a.length > 0 && last) {
      a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && less(a[l]!, a[m]!)) m = l
        if (r < a.length && less(a[r]!, a[m]!)) m = r
        if (m === i) break
        ;[a[i], a[m]] = [a[m]!, a[i]!]
        i = m
      }
    }
    return top
  }
}
const less = (x: QueueItem, y: QueueItem) => x.at < y.at || (x.at === y.at && x.seq < y.seq)

const HOUR = 3_600_000
const actorOf = (u: AuthUser): AuditActor => ({ userId: u.id, name: u.username, requestId: null, ip: null })

/** Run the history; returns what it made. */
export async function runCaseHistory(p: Platform, input: HistoryInput): Promise<CaseHistoryStats> {
  const { clock, from, to, rnd } = input
  const calendar: WorkCalendar = await workCalendar(p)
  const batch = input.replay === 'services' ? null : await BatchHistory.load(p, calendar)
  await locateIndexOf(p) // warm: intake must not query outside its transaction (PGlite has one connection)
  const intakes = planIntakes(rnd.fork('intake'), { from, to, calendar, casesPerDay: input.casesPerDay })
  const stepRnd = rnd.fork('steps')
  const placeRnd = rnd.fork('places')
  const ctx = { calendar, rnd: stepRnd }
  const queue = new Queue()
  for (const intake of intakes) queue.push({ at: intake.at.getTime(), kind: 'intake', intake })

  const handlerOf = new Map<string, AuthUser>()
  for (const d of DEPARTMENTS) handlerOf.set(input.departments.get(d.code)!, input.users.get(d.handler)!)
  const deptIds = [...input.departments.values()]
  const byClass = new Map<string, DemoComponent[]>()
  for (const c of input.components) {
    if (!byClass.has(c.minorClass)) byClass.set(c.minorClass, [])
    byClass.get(c.minorClass)!.push(c)
  }
  const busy = new Set<string>()
  const componentsPerGrid = new Map<string, number>()
  for (const c of input.components) componentsPerGrid.set(c.gridCode, (componentsPerGrid.get(c.gridCode) ?? 0) + 1)
  const gridWeights = input.grids.map((g) => [g, 1 + (componentsPerGrid.get(g) ?? 0)] as const)
  const testers = new Map<string, PolygonTester>()
  const tracked: Tracked[] = []
  let actions = 0
  let notices = 0
  let hotlineCallers = 0

  const pointIn = (grid: string): Position => {
    const polys = input.gridGeometry.get(grid)!
    if (!testers.has(grid)) testers.set(grid, new PolygonTester(polys))
    const t = testers.get(grid)!
    const [x0, y0, x1, y1] = bboxOf(polys)
    for (let i = 0; i < 1000; i++) {
      const x = Math.round(placeRnd.between(x0, x1) * 1e6) / 1e6
      const y = Math.round(placeRnd.between(y0, y1) * 1e6) / 1e6
      if (t.test(x, y) > 0) return [x, y]
    }
    throw new Error(`no point found in grid ${grid}`)
  }
  const addressOf = (pt: Position, grid: string): string => {
    let best: { name: string; d: number } | null = null
    const m = metresPerDegree(pt[1])
    for (const r of input.roads) {
      for (let i = 0; i + 1 < r.line.length; i++) {
        const d = segmentDistance(pt, r.line[i]!, r.line[i + 1]!, m)
        if (d < 150 && (!best || d < best.d)) best = { name: r.name, d }
      }
    }
    return best ? `${best.name}附近` : `${input.gridNames.get(grid) ?? grid}内`
  }

  const schedule = (c: Tracked, now: Date) => {
    if (!isOpen(c.snap.state)) return
    const step = nextStep(ctx, c.intake, c.memo, c.snap, now)
    if (step) queue.push({ at: Math.max(step.at.getTime(), now.getTime() + 60_000), kind: 'step', c, step, side: false })
    if (!c.supervisePending) {
      const side = superviseStep(ctx, c.intake, c.memo, c.snap)
      if (side && side.at.getTime() > now.getTime()) {
        c.supervisePending = true
        queue.push({ at: side.at.getTime(), kind: 'step', c, step: side, side: true })
      }
    }
  }

  const applyView = (c: Tracked, view: { version: number; state: string; stageDeadline: string | null; extensionPending: boolean; departmentId: string | null; proposedDepartmentId: string | null; timings: { onTime: boolean }[] }, lastCheck: 'passed' | 'failed' | null) => {
    c.version = view.version
    c.snap = {
      state: view.state as CaseState,
      stageDeadline: view.stageDeadline ? new Date(view.stageDeadline) : null,
      extensionPending: view.extensionPending,
      lastCheckOutcome: lastCheck,
      departmentId: view.departmentId,
      proposedDepartmentId: view.proposedDepartmentId,
    }
    if (view.timings.some((t) => !t.onTime)) c.anyLate = true
  }

  async function report(tx: Parameters<typeof reportCase>[1] | null, intake: Intake, now: Date) {
    let cls = intake.cls
    let grid: string
    let pt: Position
    let component: DemoComponent | null = null
    let primary: Tracked | null = null
    if (intake.fate.duplicate) {
      const since = now.getTime() - 48 * HOUR
      const open = tracked.filter((t) => t.reportedAt.getTime() >= since && isOpen(t.snap.state) && t.snap.state !== 'suspended' && t.intake.cls.kind === 'event' && !t.intake.fate.duplicate)
      primary = open.length ? placeRnd.pick(open) : null
      if (!primary) intake.fate.duplicate = false
    }
    if (primary) {
      cls = primary.intake.cls
      grid = primary.gridCode
      const m = metresPerDegree(primary.lat)
      pt = [Math.round((primary.lng + placeRnd.between(-12, 12) / m.lng) * 1e6) / 1e6, Math.round((primary.lat + placeRnd.between(-12, 12) / m.lat) * 1e6) / 1e6]
      if (input.gridGeometry.has(grid) && pointInGrid(grid, pt) <= 0) pt = [primary.lng, primary.lat]
    } else if (cls.kind === 'component') {
      const free = (byClass.get(cls.code) ?? []).filter((c) => !busy.has(c.code))
      if (free.length === 0) return null
      component = placeRnd.pick(free)
      busy.add(component.code)
      grid = component.gridCode
      pt = [component.lng, component.lat]
    } else {
      grid = placeRnd.weighted(gridWeights)
      pt = pointIn(grid)
    }
    const source = intake.source
    const caller =
      source === 'supervisor' ? input.supervisorOf.get(grid)! : source === 'public' ? input.users.get('resident1')! : source === 'superior' ? input.users.get('leader')! : input.users.get('operator')!
    const text = placeRnd.pick(cls.texts)
    const description = source === 'device' ? `【视频智能识别】${text}` : source === 'superior' ? `【上级交办】${text}` : source === 'hotline' ? `市民来电反映：${text}` : text
    const body = {
      source,
      classKind: cls.kind,
      minorClass: cls.code,
      lng: pt[0],
      lat: pt[1],
      description,
      address: component?.location ? `${component.location}（${component.code}）` : addressOf(pt, grid),
      ...(component ? { componentCode: component.code } : {}),
      ...(source === 'supervisor' || source === 'public' ? { photos: [placeRnd.pick(input.photos.before)] } : {}),
      ...(source === 'hotline' ? { reporter: hotlineCaller(++hotlineCallers) } : {}),
      ...(source === 'public' ? { anonymous: placeRnd.chance(0.3) } : {}),
      ...(source === 'device' ? { confidence: Math.round(placeRnd.between(0.72, 0.98) * 100) / 100 } : {}),
    }
    let v
    if (batch) v = await batch.report({ actor: actorOf(caller), caller, input: body as ReportInput, now })
    else {
      const context = await prepareReport(p, { caller, input: body })
      v = (await reportCase(p, tx!, { actor: actorOf(caller), caller, input: body, context })).body.case
    }
    const c: Tracked = {
      id: v.id,
      number: v.number,
      version: v.version,
      intake: { ...intake, cls },
      memo: newMemo(),
      snap: { state: v.state as CaseState, stageDeadline: null, extensionPending: false, lastCheckOutcome: null, departmentId: null, proposedDepartmentId: null },
      gridCode: v.gridCode,
      lng: v.lng,
      lat: v.lat,
      minorClass: v.minorClass,
      componentCode: v.componentCode,
      reportedAt: now,
      primaryId: primary?.id ?? null,
      supervisePending: false,
      anyLate: false,
    }
    applyView(c, v, null)
    tracked.push(c)
    return c
  }

  function pointInGrid(grid: string, pt: Position) {
    if (!testers.has(grid)) testers.set(grid, new PolygonTester(input.gridGeometry.get(grid)!))
    return testers.get(grid)!.test(pt[0], pt[1])
  }

  async function act(tx: Parameters<typeof actOnCase>[1] | null, c: Tracked, step: Step, now: Date): Promise<void> {
    let action: CaseAction = step.action
    const body: Record<string, unknown> = { version: c.version }
    const i = step.input
    if (i.reason) body.reason = i.reason
    if (i.comment) body.comment = i.comment
    if (i.verifyOutcome) body.verifyOutcome = i.verifyOutcome
    if (i.checkOutcome) body.checkOutcome = i.checkOutcome
    if (i.reviewDate) body.reviewDate = i.reviewDate
    if (i.extension) body.extension = i.extension
    if (i.photos) body.photos = [stepRnd.pick(i.photos === 'after' ? input.photos.after : input.photos.check)]
    if (action === 'dispatch') {
      const proposed = c.snap.proposedDepartmentId ?? input.departments.get(c.intake.cls.dept)!
      body.departmentId = i.department === 'wrong' ? stepRnd.pick(deptIds.filter((d) => d !== proposed)) : proposed
    }
    let caller = callerFor(step, c)
    if (action === 'merge') {
      const primary = tracked.find((t) => t.id === c.primaryId)
      if (primary && isOpen(primary.snap.state)) body.primaryCaseId = primary.id
      else {
        // the problem was dealt with meanwhile: the shift leader rejects the repeat
        action = 'reject'
        body.reason = '同一问题已处置完毕'
        caller = input.users.get('shift')!
      }
    }
    const view = batch
      ? batch.act({ actor: actorOf(caller), caller, caseId: c.id, action, input: body as unknown as ActInput, now })
      : (await actOnCase(p, tx!, { actor: actorOf(caller), caller, caseId: c.id, action, input: body as never, calendar })).body
    applyView(c, view, action === 'check' ? (i.checkOutcome ?? null) : action === 'rework' ? null : c.snap.lastCheckOutcome)
    remember(c.memo, step)
    actions++
  }

  function callerFor(step: Step, c: Tracked): AuthUser {
    switch (step.actor) {
      case 'operator':
        return input.users.get('operator')!
      case 'shift':
        return input.users.get('shift')!
      case 'dispatcher':
        return input.users.get('dispatcher')!
      case 'leader':
        return input.users.get('leader')!
      case 'supervisor':
        return input.supervisorOf.get(c.gridCode)!
      case 'handler':
      case 'wrongHandler':
        return handlerOf.get(c.snap.departmentId!)!
    }
  }

  const free = (c: Tracked) => {
    if (c.componentCode && !isOpen(c.snap.state)) busy.delete(c.componentCode)
  }

  let hourEnd = Math.floor(from.getTime() / HOUR) * HOUR + HOUR
  let lastLog = performance.now()
  while (hourEnd <= to.getTime() + HOUR) {
    const end = Math.min(hourEnd, to.getTime())
    const next = queue.peek()
    const run = async (tx: Parameters<typeof actOnCase>[1] | null) => {
      for (let item = queue.peek(); item && item.at < end; item = queue.peek()) {
        queue.pop()
        const now = new Date(item.at)
        clock.set(now)
        if (item.kind === 'intake') {
          const c = await report(tx, item.intake, now)
          if (c) schedule(c, now)
          continue
        }
        const { c, step, side } = item
        if (side) {
          c.supervisePending = false
          const red = c.snap.stageDeadline && c.snap.stageDeadline <= now
          if (!isOpen(c.snap.state) || c.snap.state === 'suspended' || !red || c.memo.supervised) continue
          await act(tx, c, step, now)
          continue
        }
        await act(tx, c, step, now)
        free(c)
        schedule(c, now)
      }
    }
    if (next && next.at < end) {
      if (batch) await run(null)
      else await p.db.transaction().execute(run)
    }
    clock.set(new Date(end))
    const scanned = batch ? batch.scan(new Date(end)) : await scanCaseTimers(p, new Date(end))
    notices += scanned.warned + scanned.overdue
    if (performance.now() - lastLog > 2000) {
      lastLog = performance.now()
      input.log(`demo: cases … ${new Date(end).toISOString().slice(0, 13)}h, ${tracked.length} cases, ${actions} actions`)
    }
    if (end === to.getTime()) break
    hourEnd += HOUR
  }

  if (batch) {
    const w = await batch.write()
    input.log(`demo: cases written: ${w.cases} cases, ${w.events} case events, ${w.notifications} notices, ${w.audit} audit rows`)
  }
  const open = tracked.filter((c) => isOpen(c.snap.state)).length
  return {
    cases: tracked.length,
    actions,
    open,
    closed: tracked.filter((c) => c.snap.state === 'closed').length,
    overdue: tracked.filter((c) => c.anyLate || (isOpen(c.snap.state) && c.snap.state !== 'suspended' && c.snap.stageDeadline !== null && c.snap.stageDeadline <= to)).length,
    notices,
  }
}

/** Obviously fake callers: 演示市民NNN with a 123… number (no such mobile prefix). */
function hotlineCaller(n: number) {
  return { name: `演示市民${String(n).padStart(3, '0')}`, phone: `1230000${String(n % 10_000).padStart(4, '0')}` }
}

function segmentDistance(p: Position, a: Position, b: Position, m: { lng: number; lat: number }): number {
  const ax = (a[0] - p[0]) * m.lng
  const ay = (a[1] - p[1]) * m.lat
  const bx = (b[0] - p[0]) * m.lng
  const by = (b[1] - p[1]) * m.lat
  const dx = bx - ax
  const dy = by - ay
  const len2 = dx * dx + dy * dy
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2))
  return Math.hypot(ax + t * dx, ay + t * dy)
}

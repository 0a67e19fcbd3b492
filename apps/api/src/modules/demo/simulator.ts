/**
 * The live simulator (`civicgrid simulate`, and the admin switch POST /api/v1/simulator): the
 * demo's people at work, through the public HTTP API with the demo accounts — supervisors report
 * with a photo, the operator sends hotline reports to verification and handled cases to check,
 * the shift leader registers, closes or sends back for rework, the dispatcher dispatches to the
 * proposed department, the departments accept and handle, supervisors verify and check. Every
 * write carries an Idempotency-Key; each worker polls its task queue (view=tasks) and acts on a
 * case once its delay has passed (realistic minutes compressed into seconds; `pace` scales them).
 */
import { randomUUID } from 'node:crypto'
import sharp from 'sharp'
import { bboxOf, PolygonTester, polygonsOf, type AreaGeometry } from '../../platform/geo/index.js'
import { CLASSES, DEPARTMENTS } from './catalog.js'
import { Random } from './random.js'

export interface SimulatorOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:3000 */
  url: string
  /** New reports per second (Poisson arrivals). */
  rate: number
  /** Password of the demo accounts. */
  password: string
  /** Stop by itself after this many ms (default: run until stop()). */
  durationMs?: number | null
  seed?: number
  /** Multiplies every delay and poll interval (default 1: a case goes from report to close in ~30–90 s). */
  pace?: number
  log?: (line: string) => void
}

export interface SimulatorStats {
  running: boolean
  startedAt: string | null
  rate: number
  reported: number
  actions: Record<string, number>
  /** 409s: someone else acted first, or the case moved on */
  conflicts: number
  errors: number
  lastError: string | null
}

interface Session {
  username: string
  cookie: string
  roles: string[]
  grids: string[]
}
interface Task {
  id: string
  state: string
  version: number
  proposedDepartmentId: string | null
  lastCheckOutcome: string | null
}
type Plan = { action: string; body?: Record<string, unknown> } | null

/** Seconds (before `pace`) a person takes before acting on a case in this state. */
const DELAY: Record<string, [number, number]> = {
  reported: [2, 6],
  verifying: [3, 8],
  pendingRegister: [2, 6],
  registered: [2, 5],
  returned: [2, 5],
  dispatched: [3, 8],
  handling: [8, 30],
  handled: [2, 5],
  checking: [4, 12],
  checked: [2, 6],
}

/** Parse "2/s", "30/min", "0.5" (per second). */
export function parseRate(v: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+)\s*(?:\/\s*(s|sec|second|m|min|minute|h|hour))?\s*$/.exec(v)
  if (!m) throw new Error(`not a rate: ${v} (e.g. 2/s, 30/min)`)
  const n = Number(m[1])
  const per = m[2]?.startsWith('h') ? 3600 : m[2]?.startsWith('m') ? 60 : 1
  return n / per
}

/** Parse "60s", "5m", "1h", "250ms" or plain seconds into ms. */
export function parseDuration(v: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+)\s*(ms|s|m|min|h)?\s*$/.exec(v)
  if (!m) throw new Error(`not a duration: ${v} (e.g. 60s, 5m)`)
  const n = Number(m[1])
  const unit = m[2] ?? 's'
  return Math.round(n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'h' ? 3_600_000 : 60_000))
}

async function inBatches<T>(items: T[], width: number, fn: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn))
}

export class Simulator {
  private readonly rnd: Random
  private readonly pace: number
  private readonly log: (line: string) => void
  private sessions: Session[] = []
  private gridPoints = new Map<string, { bbox: [number, number, number, number]; tester: PolygonTester }>()
  private departments: string[] = []
  private photo: Buffer | null = null
  private readonly due = new Map<string, number>()
  private readonly inFlight = new Set<string>()
  private loops: Promise<void>[] = []
  private stopping = false
  private timer: NodeJS.Timeout | null = null
  private readonly s: SimulatorStats

  constructor(private readonly opts: SimulatorOptions) {
    this.rnd = new Random(opts.seed ?? Date.now() % 1_000_000_007)
    this.pace = opts.pace ?? 1
    this.log = opts.log ?? (() => {})
    this.s = { running: false, startedAt: null, rate: opts.rate, reported: 0, actions: {}, conflicts: 0, errors: 0, lastError: null }
  }

  get stats(): SimulatorStats {
    return structuredClone(this.s)
  }

  /** Sign in every demo account that exists, learn the supervisors' grids, then start the reporters and the workers. */
  async start(): Promise<void> {
    if (this.s.running) return
    // Sign in only accounts known to exist (failed logins lock the address): the operator first, whose
    // wrong password fails once; then the centre and departments; the supervisors are the grids' people.
    const operator = await this.login('operator')
    if (!operator) throw new Error('the demo account "operator" could not sign in (is this a demo database, and the password right?)')
    const centre = await Promise.all(['shift', 'dispatcher', 'leader', ...DEPARTMENTS.map((d) => d.handler)].map((n) => this.login(n)))
    const grids: string[] = []
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const page = await this.request(operator, 'GET', `/api/v1/regions?level=grid&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      if (!page.ok) break
      const body = page.body as { items: { code: string }[]; nextCursor: string | null }
      grids.push(...body.items.map((g) => g.code))
      cursor = body.nextCursor
    }
    const people = new Set<string>()
    await inBatches(grids, 8, async (code) => {
      const r = await this.request(operator, 'GET', `/api/v1/grids/${code}/people`)
      const b = r.body as { primary: { username: string } | null; helpers: { username: string }[] }
      if (r.ok && b.primary) people.add(b.primary.username)
    })
    const supervisorSessions = await Promise.all([...people].sort().map((n) => this.login(n)))
    this.sessions = [operator, ...centre, ...supervisorSessions].filter((x): x is Session => x !== null)
    const supervisors = this.sessions.filter((x) => x.roles.includes('supervisor') && x.grids.length > 0)
    if (supervisors.length === 0) throw new Error('no grid supervisor could sign in (is this a demo database?)')
    await inBatches([...new Set(supervisors.flatMap((x) => x.grids))], 8, (code) => this.loadGrid(supervisors[0]!, code))
    const dispatcher = this.sessions.find((x) => x.roles.includes('dispatcher'))
    if (dispatcher) {
      const deps = await this.request(dispatcher, 'GET', '/api/v1/departments')
      if (deps.ok) this.departments = ((deps.body as { items: { id: string; disabled?: boolean }[] }).items ?? []).filter((d) => !d.disabled).map((d) => d.id)
    }
    this.photo = await sharp({ create: { width: 48, height: 32, channels: 3, background: { r: 90, g: 120, b: 90 } } }).jpeg().toBuffer()
    this.stopping = false
    this.s.running = true
    this.s.startedAt = new Date().toISOString()
    this.log(`simulate: ${this.sessions.length} accounts signed in, ${this.gridPoints.size} grids, ${this.opts.rate} reports/s`)
    this.loops = [this.reporterLoop(), ...this.sessions.filter((x) => !x.roles.includes('leader')).map((x) => this.workerLoop(x))]
    if (this.opts.durationMs) {
      this.timer = setTimeout(() => void this.stop(), this.opts.durationMs)
      this.timer.unref?.()
    }
  }

  /** Stop reporting and acting; resolves when the requests under way have finished. */
  async stop(): Promise<void> {
    this.stopping = true
    if (this.timer) clearTimeout(this.timer)
    await Promise.all(this.loops)
    this.loops = []
    this.s.running = false
  }

  /** Resolves when the simulator has stopped (by stop() or its duration). */
  async finished(): Promise<void> {
    while (this.s.running) await new Promise((r) => setTimeout(r, 200))
  }

  setRate(rate: number) {
    this.s.rate = rate
  }

  private async sleep(ms: number) {
    const until = Date.now() + ms
    while (!this.stopping && Date.now() < until) await new Promise((r) => setTimeout(r, Math.min(100, until - Date.now())))
  }

  private async login(username: string): Promise<Session | null> {
    const res = await fetch(`${this.opts.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: this.opts.password }) }).catch(() => null)
    if (!res || res.status !== 200) {
      await res?.arrayBuffer()
      return null
    }
    await res.arrayBuffer()
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!
    const me = await fetch(`${this.opts.url}/api/v1/me`, { headers: { cookie } })
    const body = (await me.json()) as { roles: string[]; scopes: { regionCode: string }[] }
    return { username, cookie, roles: body.roles, grids: body.scopes.map((x) => x.regionCode).filter((c) => c.length === 15) }
  }

  private async loadGrid(who: Session, code: string) {
    const r = await this.request(who, 'GET', `/api/v1/regions/${code}?geometry=true`)
    const g = (r.body as { geometry?: AreaGeometry | null }).geometry
    if (!r.ok || !g) return
    const polys = polygonsOf(g)
    this.gridPoints.set(code, { bbox: bboxOf(polys), tester: new PolygonTester(polys) })
  }

  private pointIn(code: string): [number, number] {
    const g = this.gridPoints.get(code)!
    const [x0, y0, x1, y1] = g.bbox
    for (let i = 0; i < 50; i++) {
      const x = this.rnd.between(x0, x1)
      const y = this.rnd.between(y0, y1)
      if (g.tester.test(x, y) > 0) return [Math.round(x * 1e6) / 1e6, Math.round(y * 1e6) / 1e6]
    }
    return [(x0 + x1) / 2, (y0 + y1) / 2]
  }

  private async request(who: Session, method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<{ ok: boolean; status: number; body: unknown }> {
    const headers: Record<string, string> = { cookie: who.cookie }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey
    try {
      const res = await fetch(`${this.opts.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) })
      const text = await res.text()
      let parsed: unknown = null
      try {
        parsed = text ? JSON.parse(text) : null
      } catch {
        parsed = text
      }
      return { ok: res.ok, status: res.status, body: parsed }
    } catch (err) {
      return { ok: false, status: 0, body: String(err) }
    }
  }

  /** A write with an Idempotency-Key, retried once with the same key when the connection failed. */
  private async write(who: Session, path: string, body: unknown): Promise<{ ok: boolean; status: number; body: unknown }> {
    const key = randomUUID()
    let r = await this.request(who, 'POST', path, body, key)
    if (r.status === 0 && !this.stopping) r = await this.request(who, 'POST', path, body, key)
    if (!r.ok) {
      if (r.status === 409) this.s.conflicts++
      else {
        this.s.errors++
        this.s.lastError = `${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`
      }
    }
    return r
  }

  private async uploadPhoto(who: Session): Promise<string | null> {
    // a slightly different image each time, so every report has its own file
    const img = await sharp(this.photo!).modulate({ brightness: this.rnd.between(0.8, 1.2) }).jpeg({ quality: this.rnd.int(60, 90) }).toBuffer()
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(img)], { type: 'image/jpeg' }), 'photo.jpg')
    const res = await fetch(`${this.opts.url}/api/v1/files`, { method: 'POST', headers: { cookie: who.cookie }, body: form }).catch(() => null)
    if (!res || res.status !== 201) {
      await res?.arrayBuffer()
      return null
    }
    return ((await res.json()) as { sha256: string }).sha256
  }

  private async reporterLoop() {
    const supervisors = this.sessions.filter((x) => x.roles.includes('supervisor') && x.grids.some((g) => this.gridPoints.has(g)))
    const operator = this.sessions.find((x) => x.roles.includes('operator'))
    const pending: Promise<void>[] = []
    let last = Date.now()
    let credit = 0
    while (!this.stopping) {
      await this.sleep(200)
      const now = Date.now()
      credit += ((now - last) / 1000) * this.s.rate
      last = now
      while (credit >= 1 && !this.stopping) {
        credit -= 1
        const byHotline = operator && this.rnd.chance(0.2)
        const who = byHotline ? operator : this.rnd.pick(supervisors)
        pending.push(this.report(who, byHotline ? 'hotline' : 'supervisor', this.rnd.pick(supervisors)))
        if (pending.length > 50) await Promise.all(pending.splice(0))
      }
    }
    await Promise.all(pending)
  }

  private async report(who: Session, source: 'supervisor' | 'hotline', gridOwner: Session) {
    const grid = this.rnd.pick(gridOwner.grids.filter((g) => this.gridPoints.has(g)))
    const cls = this.rnd.weighted(CLASSES.filter((c) => (c.weight[source] ?? 0) > 0).map((c) => [c, c.weight[source]!] as const))
    const [lng, lat] = this.pointIn(grid)
    const photo = source === 'supervisor' ? await this.uploadPhoto(who) : null
    const r = await this.write(who, '/api/v1/cases', {
      source,
      classKind: cls.kind,
      minorClass: cls.code,
      lng,
      lat,
      description: `${this.rnd.pick(cls.texts)}（模拟）`,
      ...(photo ? { photos: [photo] } : {}),
      ...(source === 'hotline' ? { reporter: { name: '模拟来电人', phone: `1380000${String(this.rnd.int(0, 9999)).padStart(4, '0')}` } } : {}),
    })
    if (r.ok) this.s.reported++
  }

  private plan(who: Session, t: Task): Plan {
    const roles = who.roles
    switch (t.state) {
      case 'reported':
        return roles.includes('operator') ? { action: 'requestVerify' } : null
      case 'verifying':
        return roles.includes('supervisor') ? { action: 'verify', body: { verifyOutcome: 'confirmed' } } : null
      case 'pendingRegister':
        if (!roles.includes('shiftLeader')) return null
        return this.rnd.chance(0.05) ? { action: 'reject', body: { reason: '不属于受理范围（模拟）' } } : { action: 'register' }
      case 'registered':
      case 'returned': {
        if (!roles.includes('dispatcher')) return null
        const dept = t.proposedDepartmentId ?? (this.departments.length ? this.rnd.pick(this.departments) : null)
        return dept ? { action: 'dispatch', body: { departmentId: dept, ...(t.proposedDepartmentId ? {} : { reason: '无自动派遣建议（模拟）' }) } } : null
      }
      case 'dispatched':
        if (!roles.includes('departmentHandler')) return null
        return this.rnd.chance(0.03) ? { action: 'return', body: { reason: '不属于本部门职责（模拟）' } } : { action: 'accept' }
      case 'handling':
        return roles.includes('departmentHandler') ? { action: 'handled', body: { photos: ['PHOTO'], comment: '已处置（模拟）' } } : null
      case 'handled':
        return roles.includes('operator') ? { action: 'requestCheck' } : null
      case 'checking':
        return roles.includes('supervisor') ? { action: 'check', body: { checkOutcome: this.rnd.chance(0.9) ? 'passed' : 'failed', photos: ['PHOTO'] } } : null
      case 'checked':
        if (!roles.includes('shiftLeader')) return null
        return t.lastCheckOutcome === 'failed' ? { action: 'rework', body: { reason: '核查未通过，返工（模拟）' } } : { action: 'close' }
      default:
        return null
    }
  }

  private async workerLoop(who: Session) {
    // stagger the polls
    await this.sleep(this.rnd.between(0, 1000))
    while (!this.stopping) {
      const r = await this.request(who, 'GET', '/api/v1/cases?view=tasks&limit=50')
      if (r.ok) {
        const now = Date.now()
        for (const t of (r.body as { items: Task[] }).items) {
          if (this.stopping) break
          const key = `${t.id}:${t.version}`
          const plan = this.plan(who, t)
          if (!plan || this.inFlight.has(key)) continue
          const due = this.due.get(key)
          if (due === undefined) {
            const [a, b] = DELAY[t.state] ?? [2, 6]
            this.due.set(key, now + this.rnd.between(a, b) * 1000 * this.pace)
            continue
          }
          if (due > now) continue
          this.inFlight.add(key)
          try {
            let body = { ...(plan.body ?? {}) }
            if (Array.isArray(body.photos)) {
              const sha = await this.uploadPhoto(who)
              if (!sha) continue
              body = { ...body, photos: [sha] }
            }
            const res = await this.write(who, `/api/v1/cases/${t.id}/${plan.action}`, { version: t.version, ...body })
            if (res.ok) this.s.actions[plan.action] = (this.s.actions[plan.action] ?? 0) + 1
            this.due.delete(key)
          } finally {
            this.inFlight.delete(key)
          }
        }
        if (this.due.size > 50_000) this.due.clear()
      } else if (r.status === 401) {
        const again = await this.login(who.username)
        if (again) who.cookie = again.cookie
      }
      await this.sleep(1000 * this.pace)
    }
  }
}

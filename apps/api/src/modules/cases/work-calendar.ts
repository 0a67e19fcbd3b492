/**
 * Working-time arithmetic (DESIGN D9): case limits are counted in 工作时 / 工作日 on a work
 * calendar — daily working windows, weekends, public holidays and make-up working days (调休).
 * Pure: no I/O, no process time zone, no `Date.now()`.
 *
 * How it works: an instant is turned once into *wall time* of the calendar's zone (milliseconds
 * since 1970-01-01T00:00 read on the local wall clock), the arithmetic walks whole days and
 * windows in wall time (never minute by minute), and the result is turned back into an instant.
 * Durations are therefore wall-clock durations; they equal real durations unless a DST jump
 * falls inside a working window, which never happens in Asia/Shanghai (no DST since 1991).
 */

export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7 // Monday = 1 … Sunday = 7

/** A daily working window in local time, `HH:MM`, end exclusive (`24:00` allowed). */
export interface WorkWindow {
  readonly start: string
  readonly end: string
}

/**
 * A work calendar as plain, JSON-storable data (a tenant may keep it in the database).
 * Build it with `createWorkCalendar()`, which validates and fills defaults; treat it as immutable.
 */
export interface WorkCalendar {
  /** IANA zone the windows and dates are read in. */
  readonly timeZone: string
  /** Working windows of each ISO weekday; an empty list is a rest day (weekend). */
  readonly week: Readonly<Record<IsoWeekday, readonly WorkWindow[]>>
  /** Windows of a make-up working day (调休上班 on a Saturday/Sunday). */
  readonly makeUpWindows: readonly WorkWindow[]
  /** Local dates `YYYY-MM-DD` off work (法定节假日 and their 调休 days). */
  readonly holidays: readonly string[]
  /** Local dates `YYYY-MM-DD` worked although they fall on a rest day. */
  readonly makeUpWorkdays: readonly string[]
  /** Working minutes that make one 工作日 (see `addWorkingDays`). */
  readonly minutesPerWorkingDay: number
}

export interface WorkCalendarOptions {
  /** Default `Asia/Shanghai`. */
  timeZone?: string
  /** Windows of every working weekday. Default 08:30–12:00 and 13:30–17:30. */
  windows?: readonly WorkWindow[]
  /** Per-weekday override (wins over `weekend`), e.g. `{ 5: [{ start: '08:30', end: '12:00' }] }`. */
  weekdayWindows?: Partial<Record<IsoWeekday, readonly WorkWindow[]>>
  /** Rest days of the week. Default Saturday and Sunday. */
  weekend?: readonly IsoWeekday[]
  holidays?: Iterable<string>
  makeUpWorkdays?: Iterable<string>
  /** Default: `windows`. */
  makeUpWindows?: readonly WorkWindow[]
  /** Default: the length of `windows` (450 for 08:30–12:00 + 13:30–17:30). */
  minutesPerWorkingDay?: number
}

export type LimitUnit = 'workingHours' | 'workingDays' | 'naturalHours'
export const LIMIT_UNITS: readonly LimitUnit[] = ['workingHours', 'workingDays', 'naturalHours']

/** A stage time limit, e.g. `{ amount: 4, unit: 'workingHours' }`. */
export interface Limit {
  amount: number
  unit: LimitUnit
}

/** A span during which a case clock does not run (挂账, pending 延期). */
export interface Pause {
  from: Date
  to: Date
}

export type Light = 'green' | 'yellow' | 'red'
/** Yellow from 80 % of the limit used, red from 100 % (issue 5, item 5). */
export const LIGHT_THRESHOLDS = { yellow: 0.8, red: 1 } as const

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai'
export const DEFAULT_WINDOWS: readonly WorkWindow[] = [
  { start: '08:30', end: '12:00' },
  { start: '13:30', end: '17:30' },
]

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
/** A calendar with no working day for this long is broken; stop instead of looping forever. */
const MAX_IDLE_DAYS = 3660

// ---------------------------------------------------------------------------------------------
// Building and compiling a calendar

/** Validates the options and returns a frozen calendar. Throws `RangeError` on bad input. */
export function createWorkCalendar(options: WorkCalendarOptions = {}): WorkCalendar {
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE
  zoneFormatter(timeZone) // throws RangeError on an unknown zone
  const windows = normaliseWindows(options.windows ?? DEFAULT_WINDOWS, 'windows')
  const weekend = new Set<IsoWeekday>(options.weekend ?? [6, 7])
  const week = {} as Record<IsoWeekday, readonly WorkWindow[]>
  for (const d of [1, 2, 3, 4, 5, 6, 7] as const) {
    const own = options.weekdayWindows?.[d]
    week[d] = own ? normaliseWindows(own, `weekdayWindows.${d}`) : weekend.has(d) ? [] : windows
  }
  if (Object.values(week).every((w) => w.length === 0)) throw new RangeError('work calendar: no weekday has working windows')
  const holidays = normaliseDates(options.holidays ?? [], 'holidays')
  const makeUpWorkdays = normaliseDates(options.makeUpWorkdays ?? [], 'makeUpWorkdays')
  const both = holidays.filter((d) => makeUpWorkdays.includes(d))
  if (both.length > 0) throw new RangeError(`work calendar: ${both.join(', ')} both a holiday and a make-up working day`)
  const makeUpWindows = normaliseWindows(options.makeUpWindows ?? windows, 'makeUpWindows')
  const minutesPerWorkingDay = options.minutesPerWorkingDay ?? windowMinutes(windows)
  if (!(minutesPerWorkingDay > 0 && minutesPerWorkingDay <= 1440)) {
    throw new RangeError('work calendar: minutesPerWorkingDay must be in (0, 1440]')
  }
  return Object.freeze({ timeZone, week: Object.freeze(week), makeUpWindows, holidays, makeUpWorkdays, minutesPerWorkingDay })
}

function parseClock(text: string, field: string): number {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text)
  const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : NaN
  if (!(minutes <= 1440)) throw new RangeError(`work calendar: ${field}: "${text}" is not HH:MM`)
  return minutes
}

function normaliseWindows(input: readonly WorkWindow[], field: string): readonly WorkWindow[] {
  const spans = input
    .map((w) => ({ w, s: parseClock(w.start, field), e: parseClock(w.end, field) }))
    .sort((a, b) => a.s - b.s)
  spans.forEach(({ s, e }, i) => {
    if (s >= e) throw new RangeError(`work calendar: ${field}: a window must end after it starts`)
    if (i > 0 && s < spans[i - 1]!.e) throw new RangeError(`work calendar: ${field}: windows overlap`)
  })
  return Object.freeze(spans.map(({ w }) => Object.freeze({ start: w.start, end: w.end })))
}

function windowMinutes(windows: readonly WorkWindow[]): number {
  return windows.reduce((sum, w) => sum + parseClock(w.end, '') - parseClock(w.start, ''), 0)
}

function normaliseDates(input: Iterable<string>, field: string): readonly string[] {
  const out = [...new Set(input)].sort()
  for (const d of out) dayNumberOf(d, field)
  return Object.freeze(out)
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date; throws on anything that is not a real date. */
function dayNumberOf(date: string, field = 'date'): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) {
    throw new RangeError(`work calendar: ${field}: "${date}" is not a YYYY-MM-DD date`)
  }
  return ms / DAY
}

type Span = readonly [number, number] // ms of the local day, [start, end)

/** The calendar turned into numbers once (sets of day numbers, windows in ms); cached per value. */
interface Compiled {
  timeZone: string
  week: readonly (readonly Span[])[] // index 1..7
  makeUp: readonly Span[]
  holidays: ReadonlySet<number>
  makeUpDays: ReadonlySet<number>
  msPerWorkingDay: number
}

const compiledCache = new WeakMap<WorkCalendar, Compiled>()

function compile(calendar: WorkCalendar): Compiled {
  let c = compiledCache.get(calendar)
  if (!c) {
    const spans = (ws: readonly WorkWindow[]): Span[] =>
      ws.map((w) => [parseClock(w.start, 'window') * MINUTE, parseClock(w.end, 'window') * MINUTE] as const)
    const week: Span[][] = [[]]
    for (const d of [1, 2, 3, 4, 5, 6, 7] as const) week.push(spans(calendar.week[d]))
    c = {
      timeZone: calendar.timeZone,
      week,
      makeUp: spans(calendar.makeUpWindows),
      holidays: new Set(calendar.holidays.map((d) => dayNumberOf(d))),
      makeUpDays: new Set(calendar.makeUpWorkdays.map((d) => dayNumberOf(d))),
      msPerWorkingDay: calendar.minutesPerWorkingDay * MINUTE,
    }
    compiledCache.set(calendar, c)
  }
  return c
}

const NO_WINDOWS: readonly Span[] = []

/** ISO weekday of a day number (day 0, 1970-01-01, was a Thursday). */
const isoWeekday = (day: number) => (((day + 3) % 7) + 7) % 7 + 1

function windowsOf(c: Compiled, day: number): readonly Span[] {
  if (c.holidays.has(day)) return NO_WINDOWS
  if (c.makeUpDays.has(day)) return c.makeUp
  return c.week[isoWeekday(day)]!
}

// ---------------------------------------------------------------------------------------------
// Time zone: instant ↔ wall time, through Intl (never the process TZ)

const formatters = new Map<string, Intl.DateTimeFormat>()
const offsetCache = new Map<string, Map<number, number>>()
/** Offsets are cached per quarter hour: zone transitions happen on quarter-hour instants. */
const OFFSET_BUCKET = 15 * MINUTE

function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formatters.set(timeZone, f)
  }
  return f
}

/** Offset of the zone from UTC at an instant, in ms (Asia/Shanghai: +8 h). */
function zoneOffset(timeZone: string, utcMs: number): number {
  const bucket = Math.floor(utcMs / OFFSET_BUCKET)
  let cache = offsetCache.get(timeZone)
  if (!cache) offsetCache.set(timeZone, (cache = new Map()))
  let offset = cache.get(bucket)
  if (offset === undefined) {
    const at = bucket * OFFSET_BUCKET
    const p: Record<string, number> = {}
    for (const part of zoneFormatter(timeZone).formatToParts(at)) p[part.type] = Number(part.value)
    offset = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - at
    if (cache.size > 100_000) cache.clear()
    cache.set(bucket, offset)
  }
  return offset
}

const toWall = (c: Compiled, utcMs: number) => utcMs + zoneOffset(c.timeZone, utcMs)

/** Wall time → instant. Two passes settle the offset (a wall time inside a DST gap moves forward). */
function fromWall(c: Compiled, wallMs: number): number {
  const guess = wallMs - zoneOffset(c.timeZone, wallMs)
  return wallMs - zoneOffset(c.timeZone, guess)
}

// ---------------------------------------------------------------------------------------------
// Core walks, in wall time

/** The earliest wall instant by which `ms` of working time have elapsed after `wall`. */
function addWall(c: Compiled, wall: number, ms: number): number {
  let day = Math.floor(wall / DAY)
  let pos = wall - day * DAY
  for (let idle = 0; ; day++, pos = 0) {
    const windows = windowsOf(c, day)
    idle = windows.length === 0 ? idle + 1 : 0
    if (idle > MAX_IDLE_DAYS) throw new RangeError('work calendar: no working time within ten years')
    for (const [s, e] of windows) {
      if (e <= pos) continue
      const begin = Math.max(s, pos)
      if (ms <= e - begin) return day * DAY + begin + ms
      ms -= e - begin
    }
  }
}

/** Working ms in the wall interval [a, b). */
function betweenWall(c: Compiled, a: number, b: number): number {
  if (!(b > a)) return 0
  const first = Math.floor(a / DAY)
  const last = Math.floor((b - 1) / DAY)
  let total = 0
  for (let day = first; day <= last; day++) {
    const lo = day === first ? a - day * DAY : 0
    const hi = day === last ? b - day * DAY : DAY
    for (const [s, e] of windowsOf(c, day)) total += Math.max(0, Math.min(e, hi) - Math.max(s, lo))
  }
  return total
}

/** A way of measuring time: on the work calendar, or natural (7×24) time. */
interface Meter {
  add(utcMs: number, ms: number): number
  between(aMs: number, bMs: number): number
}

function workingMeter(calendar: WorkCalendar): Meter {
  const c = compile(calendar)
  return {
    add: (utcMs, ms) => fromWall(c, addWall(c, toWall(c, utcMs), ms)),
    between: (aMs, bMs) => (bMs > aMs ? betweenWall(c, toWall(c, aMs), toWall(c, bMs)) : 0),
  }
}

const naturalMeter: Meter = { add: (utcMs, ms) => utcMs + ms, between: (a, b) => Math.max(0, b - a) }

/** Pauses clipped to [from, ∞), sorted and merged, as ms pairs. */
function mergePauses(pauses: readonly Pause[], from: number): [number, number][] {
  const spans = pauses
    .map((p) => [Math.max(p.from.getTime(), from), p.to.getTime()] as [number, number])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0])
  const out: [number, number][] = []
  for (const s of spans) {
    const last = out[out.length - 1]
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1])
    else out.push(s)
  }
  return out
}

function elapsedMs(meter: Meter, from: number, to: number, pauses: readonly Pause[]): number {
  if (!(to > from)) return 0
  let ms = meter.between(from, to)
  for (const [a, b] of mergePauses(pauses, from)) if (a < to) ms -= meter.between(a, Math.min(b, to))
  return ms
}

/** The earliest instant at which `ms` of (un-paused) time have elapsed after `from`. */
function deadlineMs(meter: Meter, from: number, ms: number, pauses: readonly Pause[]): number {
  let cursor = from
  let remaining = ms
  for (const [a, b] of mergePauses(pauses, from)) {
    if (a > cursor) {
      const candidate = meter.add(cursor, remaining)
      if (candidate <= a) return candidate
      remaining -= meter.between(cursor, a)
    }
    cursor = Math.max(cursor, b)
  }
  return meter.add(cursor, remaining)
}

function toMs(minutes: number): number {
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`working time: ${minutes} is not a duration`)
  return Math.round(minutes * MINUTE)
}

// ---------------------------------------------------------------------------------------------
// Public functions

/**
 * The instant when `minutes` of working time have elapsed after `from`: the earliest such
 * instant, so a limit used up exactly at 12:00 is due at 12:00, not at 13:30. If `from` is
 * outside working time the clock starts at the next window; `minutes = 0` gives that start.
 */
export function addWorkingTime(calendar: WorkCalendar, from: Date, minutes: number): Date {
  return new Date(workingMeter(calendar).add(from.getTime(), toMs(minutes)))
}

/** The first working instant at or after `at` — where a case clock started at `at` begins to run. */
export function nextWorkingInstant(calendar: WorkCalendar, at: Date): Date {
  return addWorkingTime(calendar, at, 0)
}

/** Working minutes in [from, to), minus the working minutes inside `pauses` (may overlap). 0 if to ≤ from. */
export function workingMinutesBetween(calendar: WorkCalendar, from: Date, to: Date, pauses: readonly Pause[] = []): number {
  return elapsedMs(workingMeter(calendar), from.getTime(), to.getTime(), pauses) / MINUTE
}

/**
 * N 工作日 after `from`. Rule (grid-standards §4.3, as 数字城管 systems count it: "1 working day =
 * N working hours"): one working day is `calendar.minutesPerWorkingDay` minutes of working time,
 * so the result is the same working-time position N working days later — Tuesday 10:00 + 1 →
 * Wednesday 10:00 — and a case received at night gets full working days from the next morning
 * (Friday 20:00 + 1 → Monday 17:30). Fractions work (0.5 = half a working day).
 */
export function addWorkingDays(calendar: WorkCalendar, from: Date, days: number): Date {
  return addWorkingTime(calendar, from, days * calendar.minutesPerWorkingDay)
}

/** Natural (7×24) hours: for emergencies counted on the clock, not the calendar. */
export function addNaturalHours(from: Date, hours: number): Date {
  return new Date(from.getTime() + toMs(hours * 60))
}

/** A limit in minutes of its own kind of time (working or natural). Throws on a non-positive limit. */
export function limitMinutes(calendar: WorkCalendar, limit: Limit): number {
  if (!(Number.isFinite(limit.amount) && limit.amount > 0)) throw new RangeError(`limit: amount ${limit.amount} must be > 0`)
  switch (limit.unit) {
    case 'workingHours':
    case 'naturalHours':
      return limit.amount * 60
    case 'workingDays':
      return limit.amount * calendar.minutesPerWorkingDay
  }
  throw new RangeError(`limit: unknown unit ${String(limit.unit)}`)
}

const meterFor = (calendar: WorkCalendar, limit: Limit) =>
  limit.unit === 'naturalHours' ? naturalMeter : workingMeter(calendar)

/**
 * When a stage clock started at `start` runs out. Pauses (挂账, pending 延期) push it back by
 * the time they took out of the clock. Give a still-running pause as `{ from, to: now }`.
 */
export function deadlineFor(calendar: WorkCalendar, start: Date, limit: Limit, pauses: readonly Pause[] = []): Date {
  return new Date(deadlineMs(meterFor(calendar, limit), start.getTime(), toMs(limitMinutes(calendar, limit)), pauses))
}

/** Share of the limit used at `now` (0 before the clock runs, 1 at the deadline, > 1 overdue). */
export function elapsedFraction(calendar: WorkCalendar, start: Date, now: Date, limit: Limit, pauses: readonly Pause[] = []): number {
  const used = elapsedMs(meterFor(calendar, limit), start.getTime(), now.getTime(), pauses)
  return used / toMs(limitMinutes(calendar, limit))
}

/** green < 0.8 ≤ yellow < 1 ≤ red. */
export function lightFor(fraction: number): Light {
  if (fraction >= LIGHT_THRESHOLDS.red) return 'red'
  if (fraction >= LIGHT_THRESHOLDS.yellow) return 'yellow'
  return 'green'
}

/** Is the local date `YYYY-MM-DD` a working day (has working windows) on this calendar? */
export function isWorkingDay(calendar: WorkCalendar, date: string): boolean {
  return windowsOf(compile(calendar), dayNumberOf(date)).length > 0
}

/** Is `at` inside a working window? */
export function isWorkingTime(calendar: WorkCalendar, at: Date): boolean {
  const c = compile(calendar)
  const wall = toWall(c, at.getTime())
  const day = Math.floor(wall / DAY)
  const pos = wall - day * DAY
  return windowsOf(c, day).some(([s, e]) => pos >= s && pos < e)
}

/** The local date `YYYY-MM-DD` of an instant in the calendar's zone. */
export function localDateOf(calendar: WorkCalendar, at: Date): string {
  return new Date(toWall(compile(calendar), at.getTime())).toISOString().slice(0, 10)
}

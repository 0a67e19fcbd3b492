/**
 * Wall-clock helpers for the tenant time zone (DESIGN D9). Pure: the zone is always a
 * parameter, never the process zone. Offsets are read once per 15-minute bucket through
 * `Intl` and cached, so pricing loops stay cheap.
 */

const MINUTE = 60_000
const DAY = 86_400_000
const BUCKET = 15 * MINUTE

const formatters = new Map<string, Intl.DateTimeFormat>()
const offsets = new Map<string, Map<number, number>>()

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(tz, f)
  }
  return f
}

/** Milliseconds to add to an instant to read it on the wall clock of `tz`. */
export function offsetMs(at: number, tz: string): number {
  let cache = offsets.get(tz)
  if (!cache) offsets.set(tz, (cache = new Map()))
  const key = Math.floor(at / BUCKET)
  const hit = cache.get(key)
  if (hit !== undefined) return hit
  const parts: Record<string, number> = {}
  for (const p of formatter(tz).formatToParts(new Date(key * BUCKET))) if (p.type !== 'literal') parts[p.type] = Number(p.value)
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!)
  const off = wall - key * BUCKET
  if (cache.size > 50_000) cache.clear()
  cache.set(key, off)
  return off
}

/** Wall time of an instant: milliseconds since 1970-01-01T00:00 on the local clock. */
export const toWall = (at: number, tz: string) => at + offsetMs(at, tz)

/** The instant of a wall time (for a wall time that does not exist or is doubled by DST, the later reading). */
export function fromWall(wall: number, tz: string): number {
  let at = wall - offsetMs(wall, tz)
  at = wall - offsetMs(at, tz)
  return at
}

export interface LocalParts {
  /** `YYYY-MM-DD` */
  date: string
  /** ISO weekday, Monday = 1 … Sunday = 7 */
  weekday: number
  /** Minutes since local midnight, 0…1439 */
  minute: number
}

export function localParts(at: number, tz: string): LocalParts {
  const wall = toWall(at, tz)
  const dayStart = Math.floor(wall / DAY) * DAY
  const d = new Date(dayStart)
  return { date: d.toISOString().slice(0, 10), weekday: ((d.getUTCDay() + 6) % 7) + 1, minute: Math.floor((wall - dayStart) / MINUTE) }
}

export const localDate = (at: number, tz: string) => localParts(at, tz).date

/** The instant of `date` at `minute` past local midnight (`minute` may be 1440: the next midnight). */
export function atLocal(date: string, minute: number, tz: string): number {
  return fromWall(Date.parse(`${date}T00:00:00Z`) + minute * MINUTE, tz)
}

export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10)
}

/** ISO weekday of a `YYYY-MM-DD` date. */
export function weekdayOf(date: string): number {
  return ((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7) + 1
}

/** `HH:MM` (00:00–24:00) → minutes. */
export function parseHm(hm: string): number {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(hm)
  if (!m) throw new RangeError(`not a time of day: ${hm}`)
  const v = Number(m[1]) * 60 + Number(m[2])
  if (v > 1440) throw new RangeError(`not a time of day: ${hm}`)
  return v
}

export const formatHm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`

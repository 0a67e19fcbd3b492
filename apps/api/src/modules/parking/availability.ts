/**
 * Weekly windows with date exceptions → concrete intervals (pure). Used for a lot's opening
 * hours and for the availability an owner publishes for a shared private space.
 *
 * Semantics:
 * - weekly windows `{ weekday, start, end }` are local wall-clock times (`HH:MM`, end exclusive,
 *   `24:00` allowed); windows touching at midnight join, so a booking may cross midnight;
 * - an exception on a date either removes time (`available: false`; the whole day without
 *   `start`/`end`) or adds a window (`available: true`); removals win over additions;
 * - `until` cuts everything at an instant (an owner withdrawing future availability).
 */
import { addDays, atLocal, localDate, parseHm, weekdayOf } from './local-time.js'

export interface WeeklyWindow {
  /** ISO weekday, Monday = 1 … Sunday = 7 */
  weekday: number
  start: string
  end: string
}

export interface DateException {
  /** `YYYY-MM-DD`, local */
  date: string
  available: boolean
  start?: string
  end?: string
}

/** Half-open interval of instants in milliseconds. */
export interface Interval {
  start: number
  end: number
}

export interface Schedule {
  weekly: readonly WeeklyWindow[]
  exceptions?: readonly DateException[]
  /** Nothing is available from this instant on. */
  until?: number | null
}

/** Problems in a schedule, as field/reason pairs (empty when valid). */
export function validateSchedule(s: Schedule, field = 'windows'): { field: string; reason: string }[] {
  const errors: { field: string; reason: string }[] = []
  const check = (f: string, start: string | undefined, end: string | undefined) => {
    if (start === undefined && end === undefined) return
    if (start === undefined || end === undefined) return errors.push({ field: f, reason: 'give both start and end, or neither' })
    try {
      if (parseHm(start) >= parseHm(end)) errors.push({ field: f, reason: 'start must be before end (split windows that cross midnight)' })
    } catch (err) {
      errors.push({ field: f, reason: (err as Error).message })
    }
  }
  s.weekly.forEach((w, i) => {
    if (!Number.isInteger(w.weekday) || w.weekday < 1 || w.weekday > 7) errors.push({ field: `${field}.${i}.weekday`, reason: 'must be 1 (Monday) … 7 (Sunday)' })
    check(`${field}.${i}`, w.start, w.end)
  })
  s.exceptions?.forEach((e, i) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(e.date) || Number.isNaN(Date.parse(e.date))) errors.push({ field: `exceptions.${i}.date`, reason: 'must be YYYY-MM-DD' })
    check(`exceptions.${i}`, e.start, e.end)
    if (e.available && e.start === undefined) errors.push({ field: `exceptions.${i}`, reason: 'an added window needs start and end' })
  })
  return errors
}

/** Sort and merge touching or overlapping intervals. */
export function merge(list: Interval[]): Interval[] {
  const sorted = list.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start)
  const out: Interval[] = []
  for (const i of sorted) {
    const last = out.at(-1)
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end)
    else out.push({ ...i })
  }
  return out
}

/** `a` minus `b` (both merged lists). */
export function subtract(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = []
  for (const i of a) {
    let pieces = [{ ...i }]
    for (const cut of b) {
      if (cut.end <= i.start || cut.start >= i.end) continue
      pieces = pieces.flatMap((p) => {
        if (cut.end <= p.start || cut.start >= p.end) return [p]
        const left = { start: p.start, end: cut.start }
        const right = { start: cut.end, end: p.end }
        return [left, right].filter((x) => x.end > x.start)
      })
    }
    out.push(...pieces)
  }
  return merge(out)
}

/** The available intervals of a schedule that meet [from, to), clipped to it. */
export function expand(s: Schedule, from: number, to: number, tz: string): Interval[] {
  if (to <= from) return []
  const add: Interval[] = []
  const remove: Interval[] = []
  const byDate = new Map<string, DateException[]>()
  for (const e of s.exceptions ?? []) byDate.set(e.date, [...(byDate.get(e.date) ?? []), e])
  // One day of margin on each side: a local day can start before `from` in UTC terms.
  for (let date = addDays(localDate(from, tz), -1), last = addDays(localDate(to, tz), 1); date <= last; date = addDays(date, 1)) {
    const weekday = weekdayOf(date)
    for (const w of s.weekly) {
      if (w.weekday === weekday) add.push({ start: atLocal(date, parseHm(w.start), tz), end: atLocal(date, parseHm(w.end), tz) })
    }
    for (const e of byDate.get(date) ?? []) {
      const span = {
        start: atLocal(date, e.start === undefined ? 0 : parseHm(e.start), tz),
        end: atLocal(date, e.end === undefined ? 1440 : parseHm(e.end), tz),
      }
      ;(e.available ? add : remove).push(span)
    }
  }
  if (s.until !== undefined && s.until !== null) remove.push({ start: s.until, end: Number.MAX_SAFE_INTEGER })
  return subtract(merge(add), merge(remove))
    .map((i) => ({ start: Math.max(i.start, from), end: Math.min(i.end, to) }))
    .filter((i) => i.end > i.start)
}

/** True when one interval of the (merged) list contains all of [start, end). */
export function covers(list: Interval[], start: number, end: number): boolean {
  return list.some((i) => i.start <= start && i.end >= end)
}

/** Is [start, end) inside the schedule's availability? */
export function scheduleCovers(s: Schedule, start: number, end: number, tz: string): boolean {
  return covers(expand(s, start, end, tz), start, end)
}

/** Every day, all day: the schedule of a lot without opening hours. */
export const ALWAYS: Schedule = { weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' })) }

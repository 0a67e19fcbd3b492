import type { Platform } from '../../platform/platform.js'
import { readChinaHolidayYear } from './china-calendar.js'
import { casesRepository as repo } from './cases.repository.js'
import { createWorkCalendar, type WorkCalendar } from './work-calendar.js'

/** Years shipped in datasets/calendars, loaded into an empty deployment. */
export const SHIPPED_CALENDAR_YEARS = [2025, 2026, 2027] as const

const cache = new WeakMap<Platform, Promise<WorkCalendar>>()

/**
 * The tenant's work calendar: holidays and make-up days from `work_calendar_days` (seeded from
 * the shipped State Council calendars on first use), the default working windows and the
 * tenant time zone. Cached per app; `forgetWorkCalendar` after an edit (all instances, via the bus).
 */
export function workCalendar(p: Platform): Promise<WorkCalendar> {
  let c = cache.get(p)
  if (!c) {
    c = loadWorkCalendar(p)
    c.catch(() => cache.delete(p))
    cache.set(p, c)
  }
  return c
}

export function forgetWorkCalendar(p: Platform) {
  cache.delete(p)
}

async function loadWorkCalendar(p: Platform): Promise<WorkCalendar> {
  let days = await repo.calendarDays(p.db)
  if (days.length === 0) {
    const rows = SHIPPED_CALENDAR_YEARS.flatMap((year) => {
      const y = readChinaHolidayYear(year)
      return [
        ...y.holidays.map((d) => ({ day: d.date, kind: 'holiday' as const, name: d.name })),
        ...y.makeUpWorkdays.map((d) => ({ day: d.date, kind: 'workday' as const, name: d.name })),
      ]
    })
    await p.db.transaction().execute((tx) => repo.insertCalendarDays(tx, rows))
    days = await repo.calendarDays(p.db)
  }
  return createWorkCalendar({
    timeZone: p.config.timeZone,
    holidays: days.filter((d) => d.kind === 'holiday').map((d) => d.day),
    makeUpWorkdays: days.filter((d) => d.kind === 'workday').map((d) => d.day),
  })
}

/**
 * The mainland China public-holiday calendars shipped in `datasets/calendars/` (one JSON file per
 * year, from the State Council's annual notice) and a loader that turns them into a WorkCalendar.
 * Kept apart from work-calendar.ts because it reads files.
 */
import { readFileSync } from 'node:fs'
import { createWorkCalendar, type WorkCalendar, type WorkCalendarOptions } from './work-calendar.js'

export interface HolidayDay {
  date: string
  name: string
}

export interface ChinaHolidayYear {
  year: number
  /** The notice the dates come from. */
  source: string
  sourceUrl?: string
  /** `provisional` = derived from the statutory rules before the notice was published. */
  status: 'official' | 'provisional'
  note?: string
  holidays: HolidayDay[]
  makeUpWorkdays: HolidayDay[]
}

/** `datasets/calendars/` of the repository, from this file (apps/api/src/modules/cases/). */
export const CHINA_CALENDAR_DIR = new URL('../../../../../datasets/calendars/', import.meta.url)

/** One year's file, checked: every date inside the year, none both a holiday and a make-up day. */
export function readChinaHolidayYear(year: number, dir: URL = CHINA_CALENDAR_DIR): ChinaHolidayYear {
  const file = new URL(`cn-mainland-${year}.json`, dir)
  let data: ChinaHolidayYear
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as ChinaHolidayYear
  } catch (error) {
    throw new Error(`no China holiday calendar for ${year} (${file.pathname})`, { cause: error })
  }
  const dates = [...data.holidays, ...data.makeUpWorkdays].map((d) => d.date)
  if (data.year !== year || (data.status !== 'official' && data.status !== 'provisional') || dates.some((d) => !d.startsWith(`${year}-`))) {
    throw new Error(`China holiday calendar ${file.pathname} is malformed`)
  }
  return data
}

/**
 * A work calendar with the official holidays and make-up working days of `years`, and the given
 * windows/zone (default 08:30–12:00, 13:30–17:30, Asia/Shanghai). Check `readChinaHolidayYear(y).status`
 * if a provisional year matters to you.
 */
export function loadChinaCalendar(
  years: readonly number[],
  options: Omit<WorkCalendarOptions, 'holidays' | 'makeUpWorkdays'> = {},
): WorkCalendar {
  const data = years.map((y) => readChinaHolidayYear(y))
  return createWorkCalendar({
    ...options,
    holidays: data.flatMap((y) => y.holidays.map((d) => d.date)),
    makeUpWorkdays: data.flatMap((y) => y.makeUpWorkdays.map((d) => d.date)),
  })
}

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { loadChinaCalendar, readChinaHolidayYear } from './china-calendar.js'
import {
  addNaturalHours,
  addWorkingDays,
  addWorkingTime,
  createWorkCalendar,
  deadlineFor,
  elapsedFraction,
  isWorkingDay,
  isWorkingTime,
  lightFor,
  localDateOf,
  nextWorkingInstant,
  workingMinutesBetween,
  type WorkCalendar,
} from './work-calendar.js'

// The arithmetic must not depend on the process time zone: run this file in a far-away one.
process.env.TZ = 'America/Los_Angeles'

/** A Beijing wall time, 'YYYY-MM-DD HH:MM', as an instant. */
const bj = (text: string) => new Date(`${text.replace(' ', 'T')}:00+08:00`)
/** An instant shown as Beijing wall time 'YYYY-MM-DD HH:MM'. */
const show = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')

const standard = createWorkCalendar() // 08:30–12:00, 13:30–17:30, Mon–Fri, no holidays
const eightToFive = createWorkCalendar({ windows: [{ start: '08:00', end: '12:00' }, { start: '13:00', end: '17:00' }] })
const nineToFive = createWorkCalendar({ windows: [{ start: '09:00', end: '17:00' }] })
const china = loadChinaCalendar([2025, 2026, 2027])

// 2026-11-27 is a Friday, 2026-11-30 a Monday.
describe('addWorkingTime', () => {
  test('the issue example: Friday 17:00 + 2 working hours → Monday 10:00 (windows 08:00–12:00, 13:00–17:00)', () => {
    assert.equal(show(addWorkingTime(eightToFive, bj('2026-11-27 17:00'), 120)), '2026-11-30 10:00')
  })

  test('with 08:30–12:00, 13:30–17:30 Friday 17:00 + 2 h is also Monday 10:00 (30 min on Friday, 90 on Monday)', () => {
    assert.equal(show(addWorkingTime(standard, bj('2026-11-27 17:00'), 120)), '2026-11-30 10:00')
    assert.equal(show(addWorkingTime(standard, bj('2026-11-27 17:30'), 120)), '2026-11-30 10:30')
  })

  test('with one window 09:00–17:00 Friday 17:00 + 2 h → Monday 11:00', () => {
    assert.equal(show(addWorkingTime(nineToFive, bj('2026-11-27 17:00'), 120)), '2026-11-30 11:00')
    assert.equal(show(addWorkingTime(nineToFive, bj('2026-11-28 10:00'), 120)), '2026-11-30 11:00') // from Saturday
  })

  test('inside one window, and fractions of a minute', () => {
    assert.equal(show(addWorkingTime(standard, bj('2026-11-24 09:00'), 30)), '2026-11-24 09:30')
    assert.equal(addWorkingTime(standard, bj('2026-11-24 09:00'), 0.5).toISOString(), '2026-11-24T01:00:30.000Z')
  })

  test('lunch break is skipped; a limit used up at 12:00 is due at 12:00, not 13:30', () => {
    assert.equal(show(addWorkingTime(standard, bj('2026-11-24 11:30'), 60)), '2026-11-24 14:00')
    assert.equal(show(addWorkingTime(standard, bj('2026-11-24 11:00'), 60)), '2026-11-24 12:00')
    assert.equal(show(addWorkingTime(standard, bj('2026-11-24 12:10'), 30)), '2026-11-24 14:00')
    assert.equal(show(addWorkingTime(eightToFive, bj('2026-11-24 11:00'), 90)), '2026-11-24 13:30')
  })

  test('the clock starts at the next working window; 0 minutes gives that start', () => {
    assert.equal(show(nextWorkingInstant(standard, bj('2026-11-24 12:00'))), '2026-11-24 13:30')
    assert.equal(show(nextWorkingInstant(standard, bj('2026-11-24 06:00'))), '2026-11-24 08:30')
    assert.equal(show(nextWorkingInstant(standard, bj('2026-11-24 17:30'))), '2026-11-25 08:30')
    assert.equal(show(nextWorkingInstant(standard, bj('2026-11-24 10:00'))), '2026-11-24 10:00')
    assert.equal(show(addWorkingTime(standard, bj('2026-11-28 23:59'), 0)), '2026-11-30 08:30')
  })

  test('long limits jump whole weeks correctly (100 working hours from Monday 08:30)', () => {
    // 7.5 h a day: 13 full days = 97.5 h → 2.5 h into the 14th working day (Thursday of week 3).
    assert.equal(show(addWorkingTime(standard, bj('2026-11-02 08:30'), 100 * 60)), '2026-11-19 11:00')
  })

  test('negative or non-finite durations are refused', () => {
    assert.throws(() => addWorkingTime(standard, bj('2026-11-24 09:00'), -1), RangeError)
    assert.throws(() => addWorkingTime(standard, bj('2026-11-24 09:00'), Number.NaN), RangeError)
  })
})

describe('China calendar: holidays and 调休', () => {
  test('a case filed during the 2026 国庆 holiday starts its clock on the first working day after (Oct 8)', () => {
    assert.equal(show(nextWorkingInstant(china, bj('2026-10-01 09:00'))), '2026-10-08 08:30')
    assert.equal(show(addWorkingTime(china, bj('2026-10-03 10:00'), 120)), '2026-10-08 10:30')
    // 30 minutes on Sep 30, the rest after the holiday.
    assert.equal(show(addWorkingTime(china, bj('2026-09-30 17:00'), 120)), '2026-10-08 10:00')
    assert.equal(workingMinutesBetween(china, bj('2026-09-30 17:00'), bj('2026-10-08 10:00')), 120)
  })

  test('a 调休 Saturday and a 调休 Sunday count as working days', () => {
    assert.equal(isWorkingDay(china, '2026-10-10'), true) // Saturday, worked for 国庆
    assert.equal(isWorkingDay(china, '2026-09-20'), true) // Sunday, worked for 国庆
    assert.equal(isWorkingDay(china, '2026-09-19'), false) // an ordinary Saturday
    assert.equal(show(addWorkingTime(china, bj('2026-10-09 17:00'), 120)), '2026-10-10 10:00')
    assert.equal(show(addWorkingTime(china, bj('2026-09-19 10:00'), 60)), '2026-09-20 09:30')
    assert.equal(isWorkingTime(china, bj('2026-09-20 09:00')), true)
    assert.equal(isWorkingTime(china, bj('2026-09-20 12:30')), false)
  })

  test('across New Year: Dec 31 17:00 + 2 h skips 元旦 2026 (Jan 1–3) and lands on the 调休 Sunday Jan 4', () => {
    assert.equal(show(addWorkingTime(china, bj('2025-12-31 17:00'), 120)), '2026-01-04 10:00')
    assert.equal(workingMinutesBetween(china, bj('2025-12-31 00:00'), bj('2026-01-05 00:00')), 2 * 450)
  })

  test('Spring Festival 2026: Friday Feb 13 17:30 + 1 working day ends on the 调休 Saturday Feb 14', () => {
    assert.equal(show(addWorkingDays(china, bj('2026-02-13 17:30'), 1)), '2026-02-14 17:30')
    assert.equal(show(addWorkingDays(china, bj('2026-02-14 17:30'), 1)), '2026-02-24 17:30') // 15–23 off
  })

  test('2025 Spring Festival and 劳动节 make-up days', () => {
    assert.equal(isWorkingDay(china, '2025-01-26'), true)
    assert.equal(isWorkingDay(china, '2025-01-28'), false) // 除夕
    assert.equal(isWorkingDay(china, '2025-02-08'), true)
    assert.equal(isWorkingDay(china, '2025-04-27'), true)
    assert.equal(isWorkingDay(china, '2025-05-05'), false) // Monday, 劳动节
    assert.equal(isWorkingDay(china, '2025-10-08'), false) // 国庆节、中秋节 till Oct 8
  })

  test('the shipped files: 2025 and 2026 official, 2027 provisional; make-up days are weekends', () => {
    const weekday = (d: string) => new Date(`${d}T00:00:00Z`).getUTCDay()
    const expected = { 2025: [28, 5, 'official'], 2026: [33, 6, 'official'], 2027: [19, 0, 'provisional'] } as const
    for (const year of [2025, 2026, 2027] as const) {
      const data = readChinaHolidayYear(year)
      assert.deepEqual([data.holidays.length, data.makeUpWorkdays.length, data.status], expected[year])
      for (const d of data.makeUpWorkdays) assert.ok([0, 6].includes(weekday(d.date)), `${d.date} is a weekend day`)
      const holidays = new Set(data.holidays.map((d) => d.date))
      assert.equal(holidays.size, data.holidays.length, 'no duplicate holiday')
      for (const d of data.makeUpWorkdays) assert.ok(!holidays.has(d.date))
    }
    assert.throws(() => readChinaHolidayYear(1999), /no China holiday calendar for 1999/)
  })
})

describe('workingMinutesBetween and pauses', () => {
  test('one working day, lunch excluded, and an empty or reversed interval', () => {
    assert.equal(workingMinutesBetween(standard, bj('2026-11-23 00:00'), bj('2026-11-24 00:00')), 450)
    assert.equal(workingMinutesBetween(standard, bj('2026-11-23 09:00'), bj('2026-11-23 17:30')), 420)
    assert.equal(workingMinutesBetween(standard, bj('2026-11-23 12:00'), bj('2026-11-23 13:30')), 0)
    assert.equal(workingMinutesBetween(standard, bj('2026-11-23 10:00'), bj('2026-11-23 09:00')), 0)
    assert.equal(workingMinutesBetween(standard, bj('2026-11-23 00:00'), bj('2026-11-30 00:00')), 5 * 450)
  })

  test('pauses are excluded, merged when they overlap, clipped to the interval', () => {
    const from = bj('2026-11-23 09:00')
    const to = bj('2026-11-23 17:30')
    const p = (a: string, b: string) => ({ from: bj(a), to: bj(b) })
    assert.equal(workingMinutesBetween(standard, from, to, [p('2026-11-23 10:00', '2026-11-23 11:00')]), 360)
    // 10:00–14:00 once merged: 120 + 30 working minutes.
    const overlapping = [p('2026-11-23 10:00', '2026-11-23 11:00'), p('2026-11-23 10:30', '2026-11-23 14:00')]
    assert.equal(workingMinutesBetween(standard, from, to, overlapping), 270)
    assert.equal(workingMinutesBetween(standard, from, to, [p('2026-11-22 10:00', '2026-11-23 09:30')]), 390)
    assert.equal(workingMinutesBetween(standard, from, to, [p('2026-11-23 17:00', '2026-11-25 00:00')]), 390)
    assert.equal(workingMinutesBetween(standard, from, to, [p('2026-11-24 10:00', '2026-11-24 11:00')]), 420)
    assert.equal(workingMinutesBetween(standard, from, to, [p('2026-11-23 12:00', '2026-11-23 13:30')]), 420)
  })
})

describe('limits, deadlines and lights', () => {
  const fourHours = { amount: 4, unit: 'workingHours' } as const
  const start = bj('2026-11-23 09:00') // Monday

  test('deadlineFor each unit', () => {
    assert.equal(show(deadlineFor(standard, start, fourHours)), '2026-11-23 14:30')
    assert.equal(show(deadlineFor(standard, start, { amount: 0.5, unit: 'workingHours' })), '2026-11-23 09:30')
    assert.equal(show(deadlineFor(standard, start, { amount: 3, unit: 'workingDays' })), '2026-11-26 09:00')
    assert.equal(show(deadlineFor(standard, bj('2026-11-27 17:00'), { amount: 2, unit: 'naturalHours' })), '2026-11-27 19:00')
    assert.throws(() => deadlineFor(standard, start, { amount: 0, unit: 'workingHours' }), RangeError)
  })

  test('a pause (挂账 or pending 延期) pushes the deadline back by the working time it took', () => {
    const suspended = [{ from: bj('2026-11-23 10:00'), to: bj('2026-11-24 10:00') }]
    // 60 min before the pause, 180 after it: Tuesday 10:00–12:00 + 13:30–14:30.
    assert.equal(show(deadlineFor(standard, start, fourHours, suspended)), '2026-11-24 14:30')
    // A pause over the lunch break takes no working time.
    assert.equal(show(deadlineFor(standard, start, fourHours, [{ from: bj('2026-11-23 12:00'), to: bj('2026-11-23 13:30') }])), '2026-11-23 14:30')
    // A pause after the deadline changes nothing; natural hours pause by natural time.
    assert.equal(show(deadlineFor(standard, start, fourHours, [{ from: bj('2026-11-23 15:00'), to: bj('2026-11-23 16:00') }])), '2026-11-23 14:30')
    const natural = { amount: 2, unit: 'naturalHours' } as const
    assert.equal(show(deadlineFor(standard, start, natural, [{ from: bj('2026-11-23 09:30'), to: bj('2026-11-23 10:00') }])), '2026-11-23 11:30')
  })

  test('elapsedFraction reaches exactly 1 at the deadline, with or without pauses', () => {
    const pauses = [{ from: bj('2026-11-23 10:00'), to: bj('2026-11-24 10:00') }]
    for (const limit of [fourHours, { amount: 2, unit: 'workingDays' } as const, { amount: 5, unit: 'naturalHours' } as const]) {
      assert.equal(elapsedFraction(standard, start, deadlineFor(standard, start, limit), limit), 1)
      assert.equal(elapsedFraction(standard, start, deadlineFor(standard, start, limit, pauses), limit, pauses), 1)
    }
  })

  test('lights: green < 80 % ≤ yellow < 100 % ≤ red', () => {
    const light = (now: string) => lightFor(elapsedFraction(standard, start, bj(now), fourHours))
    assert.equal(elapsedFraction(standard, start, bj('2026-11-23 08:00'), fourHours), 0)
    assert.equal(light('2026-11-23 12:00'), 'green') // 180/240
    assert.equal(light('2026-11-23 13:00'), 'green') // lunch: still 180/240
    assert.equal(light('2026-11-23 13:41'), 'green')
    assert.equal(light('2026-11-23 13:42'), 'yellow') // 192/240 = 0.8
    assert.equal(light('2026-11-23 14:29'), 'yellow')
    assert.equal(light('2026-11-23 14:30'), 'red')
    assert.equal(light('2026-11-30 09:00'), 'red')
    assert.deepEqual([lightFor(0), lightFor(0.79999), lightFor(0.8), lightFor(0.99), lightFor(1), lightFor(7)], [
      'green',
      'green',
      'yellow',
      'yellow',
      'red',
      'red',
    ])
  })
})

describe('working days and natural hours', () => {
  test('1 working day = minutesPerWorkingDay of working time: the same working instant N days later', () => {
    assert.equal(standard.minutesPerWorkingDay, 450)
    assert.equal(eightToFive.minutesPerWorkingDay, 480)
    assert.equal(show(addWorkingDays(standard, bj('2026-11-24 10:00'), 1)), '2026-11-25 10:00')
    assert.equal(show(addWorkingDays(standard, bj('2026-11-27 10:00'), 3)), '2026-12-02 10:00')
    assert.equal(show(addWorkingDays(standard, bj('2026-11-27 20:00'), 1)), '2026-11-30 17:30') // a full Monday
    assert.equal(show(addWorkingDays(standard, bj('2026-11-24 08:30'), 0.5)), '2026-11-24 13:45')
    assert.equal(show(addWorkingDays(standard, bj('2026-11-02 09:00'), 20)), '2026-11-30 09:00')
  })

  test('working days across a holiday: Sep 30 10:00 + 1 → Oct 8 10:00 (2026)', () => {
    assert.equal(show(addWorkingDays(china, bj('2026-09-30 10:00'), 1)), '2026-10-08 10:00')
    assert.equal(show(addWorkingDays(china, bj('2026-09-30 10:00'), 5)), '2026-10-13 10:00') // Oct 10 is worked
  })

  test('a deployment may define a working day by hours (1 工作日 = 8 工作时 on 7.5-hour days)', () => {
    const cal = createWorkCalendar({ minutesPerWorkingDay: 480 })
    assert.equal(show(addWorkingDays(cal, bj('2026-11-24 08:30'), 1)), '2026-11-25 09:00')
  })

  test('natural hours ignore the calendar', () => {
    assert.equal(show(addNaturalHours(bj('2026-10-01 23:00'), 2)), '2026-10-02 01:00')
    assert.equal(show(addNaturalHours(bj('2026-10-01 23:00'), 0.5)), '2026-10-01 23:30')
  })
})

describe('calendar construction and time zones', () => {
  test('per-weekday windows: a half-day Friday', () => {
    const cal = createWorkCalendar({ weekdayWindows: { 5: [{ start: '08:30', end: '12:00' }] } })
    assert.equal(show(addWorkingTime(cal, bj('2026-11-27 11:00'), 120)), '2026-11-30 09:30')
    const saturdays = createWorkCalendar({ weekdayWindows: { 6: [{ start: '09:00', end: '11:00' }] } })
    assert.equal(show(addWorkingTime(saturdays, bj('2026-11-27 17:30'), 60)), '2026-11-28 10:00')
  })

  test('invalid calendars are refused', () => {
    assert.throws(() => createWorkCalendar({ timeZone: 'Mars/Olympus' }), RangeError)
    assert.throws(() => createWorkCalendar({ windows: [{ start: '08:00', end: '12:00' }, { start: '11:00', end: '14:00' }] }), /overlap/)
    assert.throws(() => createWorkCalendar({ windows: [{ start: '8:00', end: '12:00' }] }), /HH:MM/)
    assert.throws(() => createWorkCalendar({ windows: [{ start: '12:00', end: '12:00' }] }), /end after/)
    assert.throws(() => createWorkCalendar({ holidays: ['2026-02-30'] }), /YYYY-MM-DD/)
    assert.throws(() => createWorkCalendar({ holidays: ['2026-10-10'], makeUpWorkdays: ['2026-10-10'] }), /both/)
    assert.throws(() => createWorkCalendar({ weekend: [1, 2, 3, 4, 5, 6, 7] }), /no weekday/)
  })

  test('another zone, across its DST change (Berlin, 2026-03-29): Friday 17:00 + 2 h → Monday 11:00 CEST', () => {
    const berlin = createWorkCalendar({ timeZone: 'Europe/Berlin', windows: [{ start: '09:00', end: '17:00' }] })
    const friday = new Date('2026-03-27T16:00:00Z') // 17:00 CET
    assert.equal(addWorkingTime(berlin, friday, 120).toISOString(), '2026-03-30T09:00:00.000Z')
    assert.equal(workingMinutesBetween(berlin, friday, new Date('2026-03-30T09:00:00Z')), 120)
    assert.equal(localDateOf(berlin, new Date('2026-03-29T22:30:00Z')), '2026-03-30')
  })

  test('local dates are read in the calendar zone, not UTC', () => {
    assert.equal(localDateOf(china, new Date('2026-09-30T16:30:00Z')), '2026-10-01') // 00:30 in Beijing
    assert.equal(isWorkingTime(china, new Date('2026-09-30T01:00:00Z')), true) // 09:00 Sep 30
    assert.equal(isWorkingTime(china, new Date('2026-10-01T01:00:00Z')), false) // 09:00 Oct 1
  })
})

describe('properties over random instants (seeded)', () => {
  /** mulberry32: a small deterministic PRNG, so a failure can be replayed. */
  function prng(seed: number) {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
  }
  const span2025to2027 = [Date.parse('2025-01-01T00:00:00+08:00'), Date.parse('2027-12-01T00:00:00+08:00')] as const
  const randomInstant = (rand: () => number) => new Date(span2025to2027[0] + Math.floor(rand() * (span2025to2027[1] - span2025to2027[0])))
  const calendars: [string, WorkCalendar][] = [
    ['china', china],
    ['standard', standard],
    ['nineToFive', nineToFive],
  ]

  for (const [name, cal] of calendars) {
    test(`${name}: workingMinutesBetween(from, addWorkingTime(from, m)) = m, 2000 cases`, () => {
      const rand = prng(20261128)
      for (let i = 0; i < 2000; i++) {
        const from = randomInstant(rand)
        const minutes = Math.floor(rand() * 20_000)
        const to = addWorkingTime(cal, from, minutes)
        assert.equal(workingMinutesBetween(cal, from, to), minutes, `${from.toISOString()} + ${minutes}`)
        assert.ok(to >= from)
      }
    })

    test(`${name}: addWorkingTime(from, workingMinutesBetween(from, to)) is the last working instant ≤ to, 2000 cases`, () => {
      const rand = prng(7)
      for (let i = 0; i < 2000; i++) {
        const a = randomInstant(rand)
        const b = new Date(a.getTime() + Math.floor(rand() * 30 * 86_400_000))
        const m = workingMinutesBetween(cal, a, b)
        if (m === 0) continue
        const t = addWorkingTime(cal, a, m)
        assert.ok(t <= b, `${a.toISOString()} → ${b.toISOString()}`)
        assert.equal(workingMinutesBetween(cal, t, b), 0)
        const c = new Date(b.getTime() + Math.floor(rand() * 5 * 86_400_000))
        const inMs = (minutes: number) => Math.round(minutes * 60_000)
        assert.equal(inMs(workingMinutesBetween(cal, a, c)), inMs(m) + inMs(workingMinutesBetween(cal, b, c))) // additive
      }
    })
  }

  test('china: agrees with a minute-by-minute reference built straight from the JSON files, 1000 cases', () => {
    const holidays = new Set<string>()
    const makeUp = new Set<string>()
    for (const y of [2025, 2026, 2027]) {
      const data = readChinaHolidayYear(y)
      data.holidays.forEach((d) => holidays.add(d.date))
      data.makeUpWorkdays.forEach((d) => makeUp.add(d.date))
    }
    const workday = new Map<number, boolean>()
    const working = (t: number) => {
      const local = t + 8 * 3_600_000 // Asia/Shanghai is UTC+8 all year
      const dayNumber = Math.floor(local / 86_400_000)
      let isWorkday = workday.get(dayNumber)
      if (isWorkday === undefined) {
        const d = new Date(dayNumber * 86_400_000)
        const date = d.toISOString().slice(0, 10)
        isWorkday = !holidays.has(date) && (makeUp.has(date) || (d.getUTCDay() !== 0 && d.getUTCDay() !== 6))
        workday.set(dayNumber, isWorkday)
      }
      const minute = (local - dayNumber * 86_400_000) / 60_000
      return isWorkday && ((minute >= 510 && minute < 720) || (minute >= 810 && minute < 1050))
    }
    const rand = prng(42)
    for (let i = 0; i < 1000; i++) {
      const from = Math.floor(randomInstant(rand).getTime() / 60_000) * 60_000
      const minutes = Math.floor(rand() * 3000)
      let t = from
      let done = 0
      while (!working(t) || done < minutes) {
        if (working(t)) done++
        t += 60_000
        if (done === minutes && minutes > 0) break
      }
      assert.equal(addWorkingTime(china, new Date(from), minutes).getTime(), t, `${new Date(from).toISOString()} + ${minutes}`)
    }
  })
})

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ALWAYS, covers, expand, merge, scheduleCovers, subtract, validateSchedule, type Schedule } from './availability.js'

process.env.TZ = 'Europe/London'
const TZ = 'Asia/Shanghai'
const bj = (s: string) => Date.parse(`${s.replace(' ', 'T')}:00+08:00`)
const show = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')

// 2026-12-21 is a Monday; 2026-12-24 a Thursday.
const weekdays: Schedule = {
  weekly: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '08:00', end: '18:00' })),
  exceptions: [{ date: '2026-12-24', available: false }],
}

describe('availability: weekly windows and exceptions', () => {
  test('weekdays 08:00–18:00 are available, evenings and weekends are not', () => {
    assert.ok(scheduleCovers(weekdays, bj('2026-12-21 08:00'), bj('2026-12-21 18:00'), TZ))
    assert.ok(!scheduleCovers(weekdays, bj('2026-12-21 17:00'), bj('2026-12-21 18:01'), TZ))
    assert.ok(!scheduleCovers(weekdays, bj('2026-12-26 09:00'), bj('2026-12-26 10:00'), TZ))
  })

  test('"not on 2026-12-24" removes the whole day', () => {
    assert.ok(!scheduleCovers(weekdays, bj('2026-12-24 09:00'), bj('2026-12-24 10:00'), TZ))
    assert.ok(scheduleCovers(weekdays, bj('2026-12-23 09:00'), bj('2026-12-23 10:00'), TZ))
  })

  test('a partial exception removes part of a day; an added window opens a weekend morning', () => {
    const s: Schedule = {
      weekly: weekdays.weekly,
      exceptions: [
        { date: '2026-12-22', available: false, start: '12:00', end: '14:00' },
        { date: '2026-12-26', available: true, start: '09:00', end: '12:00' },
      ],
    }
    assert.deepEqual(expand(s, bj('2026-12-22 00:00'), bj('2026-12-23 00:00'), TZ).map((i) => [show(i.start), show(i.end)]), [
      ['2026-12-22 08:00', '2026-12-22 12:00'],
      ['2026-12-22 14:00', '2026-12-22 18:00'],
    ])
    assert.ok(scheduleCovers(s, bj('2026-12-26 09:00'), bj('2026-12-26 12:00'), TZ))
  })

  test('windows touching at midnight join, so a night booking may cross it', () => {
    const nights: Schedule = {
      weekly: [1, 2, 3, 4, 5, 6, 7].flatMap((weekday) => [
        { weekday, start: '00:00', end: '07:00' },
        { weekday, start: '19:00', end: '24:00' },
      ]),
    }
    assert.ok(scheduleCovers(nights, bj('2026-12-21 20:00'), bj('2026-12-22 06:00'), TZ))
    assert.ok(!scheduleCovers(nights, bj('2026-12-21 20:00'), bj('2026-12-22 08:00'), TZ))
  })

  test('withdrawal cuts availability at an instant', () => {
    const s = { ...weekdays, until: bj('2026-12-22 12:00') }
    assert.ok(scheduleCovers(s, bj('2026-12-22 09:00'), bj('2026-12-22 12:00'), TZ))
    assert.ok(!scheduleCovers(s, bj('2026-12-22 11:00'), bj('2026-12-22 13:00'), TZ))
    assert.ok(!scheduleCovers(s, bj('2026-12-23 09:00'), bj('2026-12-23 10:00'), TZ))
  })

  test('always open covers a week', () => {
    assert.ok(scheduleCovers(ALWAYS, bj('2026-12-21 00:00'), bj('2026-12-28 00:00'), TZ))
  })

  test('validation', () => {
    assert.deepEqual(validateSchedule(weekdays), [])
    const errors = validateSchedule({ weekly: [{ weekday: 8, start: '18:00', end: '08:00' }], exceptions: [{ date: '2026-13-01', available: true }] })
    assert.deepEqual(errors.map((e) => e.field), ['windows.0.weekday', 'windows.0', 'exceptions.0.date', 'exceptions.0'])
  })
})

describe('interval arithmetic', () => {
  test('merge, subtract, covers', () => {
    assert.deepEqual(merge([{ start: 5, end: 8 }, { start: 0, end: 5 }, { start: 10, end: 12 }]), [{ start: 0, end: 8 }, { start: 10, end: 12 }])
    assert.deepEqual(subtract([{ start: 0, end: 10 }], [{ start: 2, end: 3 }, { start: 5, end: 12 }]), [{ start: 0, end: 2 }, { start: 3, end: 5 }])
    assert.ok(covers([{ start: 0, end: 10 }], 0, 10))
    assert.ok(!covers([{ start: 0, end: 5 }, { start: 6, end: 10 }], 0, 10))
  })
})

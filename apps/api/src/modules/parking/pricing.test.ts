import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  cancellationFee,
  DEFAULT_TARIFF,
  noShowFee,
  ownerTariff,
  permitPrice,
  priceReservedStay,
  priceStay,
  quoteBooking,
  splitRevenue,
  unreviewedCapFen,
  validateTariff,
  type Charge,
  type Tariff,
} from './pricing.js'

// Pricing must not depend on the process time zone.
process.env.TZ = 'America/New_York'
const TZ = 'Asia/Shanghai'
/** Beijing wall time 'YYYY-MM-DD HH:MM' → ms */
const bj = (s: string) => Date.parse(`${s.replace(' ', 'T')}:00+08:00`)
const span = (a: string, b: string) => ({ start: bj(a), end: bj(b) })

/** 5 元/h by day, 2 元/h by night (22:00–07:00), 15 free minutes, 30 元 a day. */
const T: Tariff = { ...DEFAULT_TARIFF }
const flat = (over: Partial<Tariff>): Tariff => ({ ...T, nightRateFen: T.dayRateFen, dailyCapFen: null, ...over })

interface Case {
  name: string
  tariff: Tariff
  stay: [string, string]
  prior?: Charge[]
  permits?: [string, string][]
  fen: number
}

const cases: Case[] = [
  { name: 'a stay within the free minutes costs nothing', tariff: T, stay: ['2026-12-01 09:00', '2026-12-01 09:15'], fen: 0 },
  { name: 'one minute over the free minutes pays the first interval from the start', tariff: T, stay: ['2026-12-01 09:00', '2026-12-01 09:16'], fen: 500 },
  { name: 'exactly one hour is one interval', tariff: T, stay: ['2026-12-01 09:00', '2026-12-01 10:00'], fen: 500 },
  { name: 'a started interval is charged in full (61 min = 2 h)', tariff: T, stay: ['2026-12-01 09:00', '2026-12-01 10:01'], fen: 1000 },
  { name: 'deducted free minutes: 75 min pays one hour', tariff: { ...T, freeMinutesDeducted: true }, stay: ['2026-12-01 09:00', '2026-12-01 10:15'], fen: 500 },
  { name: 'deducted free minutes: 76 min pays two hours', tariff: { ...T, freeMinutesDeducted: true }, stay: ['2026-12-01 09:00', '2026-12-01 10:16'], fen: 1000 },
  { name: 'half-hour intervals of 3 元', tariff: { ...T, intervalMinutes: 30, dayRateFen: 300 }, stay: ['2026-12-01 09:00', '2026-12-01 10:40'], fen: 1200 },
  { name: 'night rate for intervals starting at night', tariff: T, stay: ['2026-12-01 23:00', '2026-12-02 01:00'], fen: 400 },
  { name: 'an interval straddling 22:00 takes the rate of its start', tariff: T, stay: ['2026-12-01 21:30', '2026-12-01 23:30'], fen: 700 },
  { name: 'night free (22:00–07:00 at 0)', tariff: { ...T, nightRateFen: 0 }, stay: ['2026-12-01 22:00', '2026-12-02 07:00'], fen: 0 },
  { name: 'night free, morning charged', tariff: { ...T, nightRateFen: 0 }, stay: ['2026-12-01 22:00', '2026-12-02 09:00'], fen: 1000 },
  { name: 'daily cap', tariff: T, stay: ['2026-12-01 08:00', '2026-12-01 20:00'], fen: 3000 },
  // day 1: 20,21 h at 500 + 22,23 h at 200 = 1400; day 2: 00–06 h 7×200 + 07–09 h 3×500 = 2900
  { name: 'across midnight, each day under its cap', tariff: T, stay: ['2026-12-01 20:00', '2026-12-02 10:00'], fen: 4300 },
  { name: 'across midnight, the cap applies per day', tariff: { ...T, dailyCapFen: 1000 }, stay: ['2026-12-01 20:00', '2026-12-02 10:00'], fen: 2000 },
  { name: 'three days under a daily cap', tariff: flat({ dailyCapFen: 3000 }), stay: ['2026-12-01 00:00', '2026-12-04 00:00'], fen: 9000 },
  // reset at 05:00: 02:00–05:00 belongs to the tariff day of Dec 1 (3×500 capped at 1000), 05:00–08:00 to Dec 2
  { name: 'tariff day starting at 05:00', tariff: flat({ dailyCapFen: 1000, dayResetMinute: 300 }), stay: ['2026-12-02 02:00', '2026-12-02 08:00'], fen: 2000 },
  { name: 'rolling 24 h cap over a 48 h stay', tariff: flat({ rolling24hCapFen: 4000 }), stay: ['2026-12-01 08:00', '2026-12-03 08:00'], fen: 8000 },
  {
    name: '24 h cap across visits: an earlier visit counts',
    tariff: flat({ rolling24hCapFen: 2500 }),
    stay: ['2026-12-01 14:00', '2026-12-01 18:00'],
    prior: [0, 1, 2, 3].map((h) => ({ at: bj('2026-12-01 08:00') + h * 3_600_000, fen: 500 })),
    fen: 500,
  },
  {
    name: '24 h cap across visits: a visit more than 24 h earlier does not count',
    tariff: flat({ rolling24hCapFen: 2500 }),
    stay: ['2026-12-02 14:00', '2026-12-02 18:00'],
    prior: [0, 1, 2, 3].map((h) => ({ at: bj('2026-12-01 08:00') + h * 3_600_000, fen: 500 })),
    fen: 2000,
  },
  {
    name: 'daily cap across visits on the same day',
    tariff: flat({ dailyCapFen: 3000 }),
    stay: ['2026-12-01 15:00', '2026-12-01 18:00'],
    prior: [0, 1, 2, 3, 4].map((h) => ({ at: bj('2026-12-01 08:00') + h * 3_600_000, fen: 500 })),
    fen: 500,
  },
  { name: 'monthly permit covering the stay', tariff: T, stay: ['2026-12-01 08:00', '2026-12-01 12:00'], permits: [['2026-12-01 00:00', '2027-01-01 00:00']], fen: 0 },
  { name: 'monthly permit ending during the stay', tariff: T, stay: ['2026-12-31 20:00', '2027-01-01 02:00'], permits: [['2026-12-01 00:00', '2027-01-01 00:00']], fen: 400 },
  { name: 'owner price 8 元/h on half-hour intervals', tariff: ownerTariff({ ...T, intervalMinutes: 30, dailyCapFen: null }, 800), stay: ['2026-12-01 09:00', '2026-12-01 10:10'], fen: 1200 },
]

describe('priceStay: the tariff table', () => {
  for (const c of cases) {
    test(c.name, () => {
      const r = priceStay(c.tariff, span(...c.stay), {
        tz: TZ,
        ...(c.prior ? { prior: c.prior } : {}),
        ...(c.permits ? { permits: c.permits.map(([a, b]) => span(a, b)) } : {}),
      })
      assert.equal(r.totalFen, c.fen)
      assert.ok(Number.isSafeInteger(r.totalFen))
      assert.equal(r.charges.reduce((s, x) => s + x.fen, 0), r.totalFen)
    })
  }
})

describe('reserved stays: quote, early, overstay', () => {
  const booked = span('2026-12-01 09:00', '2026-12-01 12:00')
  const quote = quoteBooking(T, booked, TZ)

  test('the quote of a 3 h booking is 15 元; free minutes do not apply to a held space', () => {
    assert.equal(quote, 1500)
    assert.equal(quoteBooking(T, span('2026-12-01 09:00', '2026-12-01 09:10'), TZ), 500)
  })

  test('a stay matching the booking costs exactly the quote', () => {
    assert.equal(priceReservedStay(T, booked, booked, TZ).totalFen, quote)
  })

  test('arriving late and leaving early costs the quote (no refund)', () => {
    assert.equal(priceReservedStay(T, booked, span('2026-12-01 10:00', '2026-12-01 11:00'), TZ).totalFen, quote)
  })

  test('leaving within the grace after the end costs the quote', () => {
    assert.equal(priceReservedStay(T, booked, span('2026-12-01 08:55', '2026-12-01 12:10'), TZ).totalFen, quote)
  })

  test('overstay beyond the grace: each started interval at the overstay rate, plus the penalty', () => {
    const t = { ...T, overstayRateFen: 800, overstayPenaltyFen: 1000 }
    const r = priceReservedStay(t, booked, span('2026-12-01 09:00', '2026-12-01 13:01'), TZ)
    assert.deepEqual([r.bookedFen, r.overstayFen, r.penaltyFen, r.totalFen, r.overstayMinutes], [1500, 1600, 1000, 4100, 61])
  })

  test('overstay without an overstay rate uses the rate in force (night after 22:00)', () => {
    const r = priceReservedStay(T, span('2026-12-01 20:00', '2026-12-01 22:00'), span('2026-12-01 20:00', '2026-12-01 23:30'), TZ)
    assert.equal(r.overstayFen, 400)
  })

  test('arriving more than the grace early pays the early time', () => {
    const r = priceReservedStay(T, booked, span('2026-12-01 08:30', '2026-12-01 12:00'), TZ)
    assert.equal(r.earlyFen, 500)
    assert.equal(r.totalFen, 2000)
  })

  test('a two-day booking is capped per day in its quote', () => {
    assert.equal(quoteBooking(flat({ dailyCapFen: 3000 }), span('2026-12-01 08:00', '2026-12-03 08:00'), TZ), 3000 + 3000 + 3000)
  })
})

describe('caps, permits, shares, cancellation', () => {
  test('an unattended session is never billed beyond one day', () => {
    assert.equal(unreviewedCapFen(T, bj('2026-12-01 08:00'), TZ), 3000 + 1900) // Dec 1 capped at 3000; Dec 2 00:00–08:00 = 7×200 + 500
  })

  test('a monthly permit costs its monthly price times the months', () => {
    assert.equal(permitPrice({ ...T, monthlyPermitFen: 30000 }, 3), 90000)
    assert.throws(() => permitPrice(T, 1), /no monthly permits/)
  })

  test('shares of a shared private space always add up; the owner takes the remainder', () => {
    assert.deepEqual(splitRevenue(1000, T, true), { ownerFen: 900, communityFen: 50, platformFen: 50 })
    assert.deepEqual(splitRevenue(999, T, true), { ownerFen: 901, communityFen: 49, platformFen: 49 })
    for (let fen = 0; fen < 2000; fen += 7) {
      const s = splitRevenue(fen, { platformBps: 333, communityBps: 1234 }, true)
      assert.equal(s.ownerFen + s.communityFen + s.platformFen, fen)
    }
  })

  test("a lot's own space: the community takes all but the platform fee", () => {
    assert.deepEqual(splitRevenue(1000, T, false), { ownerFen: 0, communityFen: 950, platformFen: 50 })
  })

  const rules = { freeCancelMinutes: 60, accidentalGraceMinutes: 10, lateCancelPercent: 50, noShowFeePercent: 100 }
  const start = bj('2026-12-01 12:00')
  test('cancellation: free before the deadline, accidental grace, late, after the start', () => {
    assert.deepEqual(cancellationFee(rules, 1500, { now: bj('2026-12-01 10:59'), start, bookedAt: bj('2026-11-30 10:00') }), { kind: 'free', feeFen: 0, refundFen: 1500 })
    assert.deepEqual(cancellationFee(rules, 1500, { now: bj('2026-12-01 11:30'), start, bookedAt: bj('2026-12-01 11:25') }), { kind: 'accidental', feeFen: 0, refundFen: 1500 })
    assert.deepEqual(cancellationFee(rules, 1501, { now: bj('2026-12-01 11:30'), start, bookedAt: bj('2026-11-30 10:00') }), { kind: 'late', feeFen: 750, refundFen: 751 })
    assert.deepEqual(cancellationFee(rules, 1500, { now: bj('2026-12-01 12:05'), start, bookedAt: bj('2026-12-01 12:01') }), { kind: 'afterStart', feeFen: 1500, refundFen: 0 })
    assert.equal(noShowFee({ ...rules, noShowFeePercent: 40 }, 1500), 600)
  })

  test('tariff validation rejects floats, negative amounts and shares over 100%', () => {
    assert.deepEqual(validateTariff(T), [])
    const errors = validateTariff({ ...T, dayRateFen: 5.5, nightRateFen: -1, platformBps: 6000, communityBps: 5000 }).map((e) => e.field)
    assert.deepEqual(errors.sort(), ['tariff.dayRateFen', 'tariff.nightRateFen', 'tariff.platformBps'])
  })
})

describe('properties over random stays', () => {
  // A small deterministic generator (mulberry32) so failures reproduce.
  let seed = 20261128
  const rand = () => {
    seed |= 0
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const tariffs: Tariff[] = [T, flat({ rolling24hCapFen: 4000 }), { ...T, intervalMinutes: 30, freeMinutesDeducted: true, dayResetMinute: 300 }]

  test('a longer stay never costs less, amounts are whole 分, caps hold per day and per 24 h', () => {
    for (let i = 0; i < 300; i++) {
      const t = tariffs[i % tariffs.length]!
      const start = bj('2026-12-01 00:00') + Math.floor(rand() * 96) * 15 * 60_000
      const len = Math.floor(rand() * 3 * 24 * 60) * 60_000
      const a = priceStay(t, { start, end: start + len }, { tz: TZ })
      const b = priceStay(t, { start, end: start + len + 60_000 * (1 + Math.floor(rand() * 120)) }, { tz: TZ })
      assert.ok(b.totalFen >= a.totalFen, `monotone: ${a.totalFen} > ${b.totalFen}`)
      assert.ok(Number.isSafeInteger(a.totalFen))
      if (t.rolling24hCapFen !== null) {
        for (const c of b.charges) {
          const inWindow = b.charges.filter((x) => x.at > c.at - 86_400_000 && x.at <= c.at).reduce((s, x) => s + x.fen, 0)
          assert.ok(inWindow <= t.rolling24hCapFen)
        }
      }
    }
  })
})

/**
 * Parking tariffs, pure and in integer 分 (fen) only — never floats.
 *
 * A stay is cut into billing intervals from its start; every *started* interval is charged at
 * the rate in force when it starts (day or night). Free minutes: a stay no longer than them
 * costs nothing (optionally they are deducted from every stay). Caps are applied greedily in
 * time order, interval by interval:
 *   - daily cap: the charges of one tariff day (local day, starting at `dayResetMinute`) never
 *     exceed `dailyCapFen`;
 *   - 24-hour cap across visits: the charges of intervals starting within any 24 hours never
 *     exceed `rolling24hCapFen`; charges of the plate's earlier visits (`prior`) count, so a car
 *     that leaves and comes back pays no more than the cap.
 * Intervals inside a monthly permit are free. A reserved stay costs its booked window (the
 * quote), plus time before the start and after the end beyond the grace; after the end each
 * started interval costs the overstay rate, plus a one-off penalty.
 */
import { localParts, toWall } from './local-time.js'

const MINUTE = 60_000
const DAY = 86_400_000

export interface Tariff {
  /** Length of a billing interval in minutes (every started interval is charged). */
  intervalMinutes: number
  /** Price of one interval starting in the day, 分. */
  dayRateFen: number
  /** Price of one interval starting in the night, 分 (0 = night free). */
  nightRateFen: number
  /** Night from this local minute … */
  nightStartMinute: number
  /** … to this one (wrapping past midnight); equal values mean no night rate. */
  nightEndMinute: number
  /** A stay this short is free. */
  freeMinutes: number
  /** Deduct the free minutes from longer stays too (else a longer stay pays from its start). */
  freeMinutesDeducted: boolean
  /** Cap per tariff day, 分; null = none. */
  dailyCapFen: number | null
  /** Local minute at which a tariff day begins (0 = midnight; JustPark uses 05:00 = 300). */
  dayResetMinute: number
  /** Cap on the charges of any 24 hours, across visits, 分; null = none. */
  rolling24hCapFen: number | null
  /** Price of one interval after the booked end, 分; null = the normal rate. */
  overstayRateFen: number | null
  /** One-off charge for an overstay beyond the grace, 分. */
  overstayPenaltyFen: number
  /** Minutes before a booked start or after a booked end that are not charged. */
  graceMinutes: number
  /** Price of a monthly permit, 分; null = the lot sells none. */
  monthlyPermitFen: number | null
  /** Platform share in basis points (1/10,000). */
  platformBps: number
  /** Community (property management) share of a shared private space, basis points; the owner gets the rest. */
  communityBps: number
}

export const DEFAULT_TARIFF: Tariff = {
  intervalMinutes: 60,
  dayRateFen: 500,
  nightRateFen: 200,
  nightStartMinute: 22 * 60,
  nightEndMinute: 7 * 60,
  freeMinutes: 15,
  freeMinutesDeducted: false,
  dailyCapFen: 3000,
  dayResetMinute: 0,
  rolling24hCapFen: null,
  overstayRateFen: null,
  overstayPenaltyFen: 0,
  graceMinutes: 10,
  monthlyPermitFen: null,
  platformBps: 500,
  communityBps: 500,
}

/** One charged interval: its start (ms) and amount. */
export interface Charge {
  at: number
  fen: number
}

export interface Span {
  start: number
  end: number
}

export interface StayPrice {
  totalFen: number
  /** Charged intervals with a non-zero amount (kept so later visits can apply the caps). */
  charges: Charge[]
  /** Started intervals, charged or not. */
  intervals: number
  /** Amount the caps removed. */
  cappedFen: number
}

/** Problems in a tariff (empty when valid). */
export function validateTariff(t: Tariff): { field: string; reason: string }[] {
  const errors: { field: string; reason: string }[] = []
  const fen = (name: keyof Tariff, nullable = false) => {
    const v = t[name]
    if (v === null && nullable) return
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) errors.push({ field: `tariff.${name}`, reason: 'must be a whole number of 分 ≥ 0' })
  }
  for (const k of ['dayRateFen', 'nightRateFen', 'overstayPenaltyFen'] as const) fen(k)
  for (const k of ['dailyCapFen', 'rolling24hCapFen', 'overstayRateFen', 'monthlyPermitFen'] as const) fen(k, true)
  if (!Number.isInteger(t.intervalMinutes) || t.intervalMinutes < 1 || t.intervalMinutes > 1440) errors.push({ field: 'tariff.intervalMinutes', reason: '1 … 1440' })
  for (const k of ['nightStartMinute', 'nightEndMinute', 'dayResetMinute'] as const) {
    if (!Number.isInteger(t[k]) || t[k] < 0 || t[k] >= 1440) errors.push({ field: `tariff.${k}`, reason: '0 … 1439 (minutes after midnight)' })
  }
  if (t.platformBps + t.communityBps > 10_000) errors.push({ field: 'tariff.platformBps', reason: 'platform and community shares exceed 100%' })
  return errors
}

function isNight(t: Tariff, minute: number): boolean {
  const a = t.nightStartMinute
  const b = t.nightEndMinute
  if (a === b) return false
  return a < b ? minute >= a && minute < b : minute >= a || minute < b
}

/** Tariff day of an instant: the local date of (instant − reset minutes), as a day number. */
const tariffDay = (t: Tariff, at: number, tz: string) => Math.floor((toWall(at, tz) - t.dayResetMinute * MINUTE) / DAY)

/** The rate of an interval starting at `at`. */
export function rateAt(t: Tariff, at: number, tz: string): number {
  return isNight(t, localParts(at, tz).minute) ? t.nightRateFen : t.dayRateFen
}

/**
 * Charge intervals in time order under both caps. `prior` are earlier charges of the same plate
 * in the same lot (any visits); only those within 48 hours before the first interval matter.
 */
function chargeIntervals(t: Tariff, starts: { at: number; base: number }[], prior: Charge[], tz: string): StayPrice {
  const first = starts[0]?.at ?? 0
  const history = prior.filter((c) => c.at > first - 2 * DAY && c.at < first).sort((a, b) => a.at - b.at)
  const window: Charge[] = [...history] // charges inside the rolling 24 h, oldest first
  let windowSum = window.reduce((s, c) => s + c.fen, 0)
  const dayTotals = new Map<number, number>()
  for (const c of history) dayTotals.set(tariffDay(t, c.at, tz), (dayTotals.get(tariffDay(t, c.at, tz)) ?? 0) + c.fen)
  const charges: Charge[] = []
  let total = 0
  let capped = 0
  for (const { at, base } of starts) {
    while (window.length > 0 && window[0]!.at <= at - DAY) windowSum -= window.shift()!.fen
    let fen = base
    const day = tariffDay(t, at, tz)
    if (t.dailyCapFen !== null) fen = Math.min(fen, Math.max(0, t.dailyCapFen - (dayTotals.get(day) ?? 0)))
    if (t.rolling24hCapFen !== null) fen = Math.min(fen, Math.max(0, t.rolling24hCapFen - windowSum))
    capped += base - fen
    if (fen > 0) {
      const c = { at, fen }
      charges.push(c)
      window.push(c)
      windowSum += fen
      dayTotals.set(day, (dayTotals.get(day) ?? 0) + fen)
      total += fen
    }
  }
  return { totalFen: total, charges, intervals: starts.length, cappedFen: capped }
}

/** Starts of the intervals covering [from, to), each started interval counted. */
function intervalStarts(t: Tariff, from: number, to: number): number[] {
  const step = t.intervalMinutes * MINUTE
  const out: number[] = []
  for (let at = from; at < to; at += step) out.push(at)
  return out
}

/** Price one stay (a walk-in visit, or a booked window on its own). */
export function priceStay(
  t: Tariff,
  stay: Span,
  opts: { tz: string; prior?: Charge[]; permits?: Span[]; applyFreeMinutes?: boolean },
): StayPrice {
  const minutes = (stay.end - stay.start) / MINUTE
  if (stay.end <= stay.start) return { totalFen: 0, charges: [], intervals: 0, cappedFen: 0 }
  const applyFree = opts.applyFreeMinutes ?? true
  if (applyFree && minutes <= t.freeMinutes) return { totalFen: 0, charges: [], intervals: 0, cappedFen: 0 }
  const from = applyFree && t.freeMinutesDeducted ? stay.start + t.freeMinutes * MINUTE : stay.start
  const permits = opts.permits ?? []
  const starts = intervalStarts(t, from, stay.end)
    .filter((at) => !permits.some((p) => at >= p.start && at < p.end))
    .map((at) => ({ at, base: rateAt(t, at, opts.tz) }))
  return chargeIntervals(t, starts, opts.prior ?? [], opts.tz)
}

export interface ReservedStayPrice {
  /** The booked window: the quote. */
  bookedFen: number
  /** Time parked before the booked start beyond the grace. */
  earlyFen: number
  /** Time parked after the booked end beyond the grace, at the overstay rate. */
  overstayFen: number
  penaltyFen: number
  totalFen: number
  overstayMinutes: number
}

/** The quote of a booking: its window priced on its own, free minutes not applied (the space is held). */
export function quoteBooking(t: Tariff, booked: Span, tz: string): number {
  return priceStay(t, booked, { tz, applyFreeMinutes: false }).totalFen
}

/**
 * The final charge of a stay on a booking: the quote, plus early and overstay time beyond the
 * grace. Leaving early refunds nothing. A stay inside its booked window costs exactly the quote.
 */
export function priceReservedStay(t: Tariff, booked: Span, actual: Span, tz: string): ReservedStayPrice {
  const bookedFen = quoteBooking(t, booked, tz)
  const grace = t.graceMinutes * MINUTE
  let earlyFen = 0
  if (actual.start < booked.start - grace) {
    earlyFen = priceStay(t, { start: actual.start, end: booked.start }, { tz, applyFreeMinutes: false }).totalFen
  }
  let overstayFen = 0
  let penaltyFen = 0
  const overstayMinutes = Math.max(0, Math.ceil((actual.end - booked.end) / MINUTE))
  if (actual.end > booked.end + grace) {
    const step = t.intervalMinutes * MINUTE
    for (let at = booked.end; at < actual.end; at += step) overstayFen += t.overstayRateFen ?? rateAt(t, at, tz)
    penaltyFen = t.overstayPenaltyFen
  }
  return { bookedFen, earlyFen, overstayFen, penaltyFen, totalFen: bookedFen + earlyFen + overstayFen + penaltyFen, overstayMinutes }
}

/** The most one unattended day can cost: an orphaned session is never billed beyond it without review. */
export function unreviewedCapFen(t: Tariff, entry: number, tz: string): number {
  return priceStay(t, { start: entry, end: entry + DAY }, { tz }).totalFen
}

/** A monthly permit for `months` months. */
export function permitPrice(t: Tariff, months: number): number {
  if (t.monthlyPermitFen === null) throw new RangeError('this lot sells no monthly permits')
  return t.monthlyPermitFen * months
}

export interface CancellationRules {
  /** Free cancellation until this many minutes before the start. */
  freeCancelMinutes: number
  /** Free cancellation within this many minutes of booking (accidental bookings), if before the start. */
  accidentalGraceMinutes: number
  /** Share of the quote kept for a cancellation after the free deadline, percent. */
  lateCancelPercent: number
  /** Share of the quote kept for a cancellation after the start, or a no-show, percent. */
  noShowFeePercent: number
}

export type CancellationCase = 'free' | 'accidental' | 'late' | 'afterStart'

/** What cancelling now costs; the rest of the quote is refunded. */
export function cancellationFee(r: CancellationRules, quoteFen: number, at: { now: number; start: number; bookedAt: number }) {
  const [kind, percent]: [CancellationCase, number] =
    at.now >= at.start
      ? ['afterStart', r.noShowFeePercent]
      : at.now - at.bookedAt <= r.accidentalGraceMinutes * MINUTE
        ? ['accidental', 0]
        : at.now <= at.start - r.freeCancelMinutes * MINUTE
          ? ['free', 0]
          : ['late', r.lateCancelPercent]
  const feeFen = Math.floor((quoteFen * percent) / 100)
  return { kind, feeFen, refundFen: quoteFen - feeFen }
}

/** The fee kept for a no-show. */
export const noShowFee = (r: CancellationRules, quoteFen: number) => Math.floor((quoteFen * r.noShowFeePercent) / 100)

export interface Split {
  ownerFen: number
  communityFen: number
  platformFen: number
}

/**
 * Share an amount: the platform takes its basis points; on a shared private space the community
 * takes its points and the owner the rest; on a lot's own space the community takes the rest.
 * Shares are rounded down and the remainder goes to the owner (or community): they always add up.
 */
export function splitRevenue(totalFen: number, t: Pick<Tariff, 'platformBps' | 'communityBps'>, shared: boolean): Split {
  const platformFen = Math.floor((totalFen * t.platformBps) / 10_000)
  if (!shared) return { ownerFen: 0, communityFen: totalFen - platformFen, platformFen }
  const communityFen = Math.floor((totalFen * t.communityBps) / 10_000)
  return { ownerFen: totalFen - platformFen - communityFen, communityFen, platformFen }
}

/** The tariff of a shared private space: the owner's hourly price replaces the day and night rates. */
export function ownerTariff(t: Tariff, pricePerHourFen: number): Tariff {
  const perInterval = Math.ceil((pricePerHourFen * t.intervalMinutes) / 60)
  return { ...t, dayRateFen: perInterval, nightRateFen: perInterval }
}

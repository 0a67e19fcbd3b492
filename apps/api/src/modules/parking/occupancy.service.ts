/**
 * Occupancy (live, today's forecast, hourly history) and statements (owner earnings, a lot's
 * ledger). Live occupancy is computed from open sessions and bookings in force — never from an
 * entry-minus-exit counter, which drifts (research/parking.md §5.5).
 */
import { regionCovers, type AuthUser } from '../../platform/access.js'
import type { Executor } from '../../platform/db/database.js'
import { invalid } from '../../platform/errors.js'
import type { NewBusEvent } from '../../platform/events.js'
import type { Platform } from '../../platform/platform.js'
import { scheduleCovers } from './availability.js'
import { localDayBounds, lotFor, lotSchedule, readLot, visibleLots } from './lots.service.js'
import { parkingPolicy } from './parking.policy.js'
import { parkingRepository as repo, type LotRow } from './parking.repository.js'
import type { OccupancyView } from './parking.schemas.js'
import { maskPlate } from './parking.views.js'

const HOUR = 3_600_000
export const OCCUPANCY_EVENT = 'parking.occupancy'

/** `closed` is not `full` (a closed lot reported as full misleads drivers). */
function statusOf(lot: LotRow, free: number, at: Date, tz: string): string {
  if (lot.status === 'closed' || !scheduleCovers(lotSchedule(lot), at.getTime(), at.getTime() + 60_000, tz)) return 'closed'
  if (free <= 0) return 'full'
  if (free <= Math.max(1, Math.ceil(lot.capacity * 0.1))) return 'almostFull'
  return 'spacesAvailable'
}

function view(lot: LotRow, counts: { occupied: number; reserved: number } | undefined, at: Date, tz: string): OccupancyView {
  const occupied = counts?.occupied ?? 0
  const reserved = counts?.reserved ?? 0
  const free = Math.max(0, lot.capacity - occupied - reserved)
  return { lotId: lot.id, name: lot.name, gridCode: lot.gridCode, status: statusOf(lot, free, at, tz), capacity: lot.capacity, occupied, reserved, free, at: at.toISOString() }
}

export async function occupancyOf(p: Platform, db: Executor, lot: LotRow, at: Date): Promise<OccupancyView> {
  const counts = await repo.occupancy(db, [lot.id], at)
  return view(lot, counts.get(lot.id), at, p.config.timeZone)
}

/** The bus event the big screen listens to; scoped by the lot's grid. */
export async function occupancyEvent(p: Platform, db: Executor, lot: LotRow, at: Date): Promise<NewBusEvent> {
  const o = await occupancyOf(p, db, lot, at)
  return { type: OCCUPANCY_EVENT, regionCode: lot.gridCode, at: at.toISOString(), data: { lotId: o.lotId, status: o.status, capacity: o.capacity, occupied: o.occupied, reserved: o.reserved, free: o.free } }
}

/** Live occupancy of one lot with today's forecast per hour (bookings in force + cars inside now without a booking). */
export async function lotOccupancy(p: Platform, opts: { caller: AuthUser; lotId: string }) {
  parkingPolicy.assert(opts.caller, 'parking.lots.read')
  const lot = await readLot(p, opts.lotId)
  const now = p.clock.now()
  const tz = p.config.timeZone
  const live = await occupancyOf(p, p.db, lot, now)
  const { start, end } = localDayBounds(now, tz)
  const periods = await repo.reservedPeriods(p.db, lot.id, start, end)
  const walkIns = await repo.walkInsInside(p.db, lot.id)
  const forecast = []
  for (let h = start.getTime(); h < end.getTime(); h += HOUR) {
    const reserved = periods.filter((x) => x.startAt.getTime() < h + HOUR && x.endAt.getTime() > h).length
    // cars inside without a booking are assumed to stay for the hours still to come
    const expected = h + HOUR > now.getTime() ? reserved + walkIns : reserved
    forecast.push({ hour: new Date(h).toISOString(), reserved, expected: Math.min(expected, Math.max(lot.capacity, reserved)) })
  }
  return { ...live, forecast }
}

/** Live occupancy of every lot inside the caller's regions (or one region): the big-screen panel. */
export async function regionOccupancy(p: Platform, opts: { caller: AuthUser; regionCode?: string }) {
  parkingPolicy.assert(opts.caller, 'parking.occupancy.read')
  const now = p.clock.now()
  let lots = visibleLots(opts.caller, await repo.allLots(p.db))
  if (opts.regionCode) lots = lots.filter((l) => regionCovers(opts.regionCode!, l.gridCode))
  const counts = await repo.occupancy(p.db, lots.map((l) => l.id), now)
  const items = lots.map((l) => view(l, counts.get(l.id), now, p.config.timeZone))
  const sum = (k: 'capacity' | 'occupied' | 'reserved' | 'free') => items.reduce((s, x) => s + x[k], 0)
  return { at: now.toISOString(), totals: { lots: items.length, capacity: sum('capacity'), occupied: sum('occupied'), reserved: sum('reserved'), free: sum('free') }, items }
}

/** The hourly statistics of a lot (samples of the occupancy job, passages counted at the gates). */
export async function occupancyHistory(p: Platform, opts: { caller: AuthUser; lotId: string; from: string; to: string }) {
  const lot = await lotFor(p, opts.caller, opts.lotId, 'parking.sessions.manage')
  const from = new Date(opts.from)
  const to = new Date(opts.to)
  if (!(to > from) || to.getTime() - from.getTime() > 400 * 86_400_000) throw invalid([{ field: 'to', reason: 'after from, at most 400 days' }])
  const rows = await repo.history(p.db, lot.id, from, to)
  return {
    items: rows.map((r) => ({
      hour: r.hour.toISOString(),
      capacity: r.capacity,
      occupiedAvg: r.samples > 0 ? Math.round((Number(r.occupiedSum) / r.samples) * 10) / 10 : null,
      occupiedMax: r.occupiedMax,
      reservedMax: r.reservedMax,
      entries: r.entries,
      exits: r.exits,
    })),
  }
}

export const hourOf = (at: Date) => new Date(Math.floor(at.getTime() / HOUR) * HOUR)

/** The periodic sample: one row per lot and hour, and a fresh occupancy event for the big screens. */
export async function sampleOccupancy(p: Platform, now: Date) {
  const lots = await repo.allLots(p.db)
  const counts = await repo.occupancy(p.db, null, now)
  for (const lot of lots) {
    const c = counts.get(lot.id) ?? { occupied: 0, reserved: 0 }
    await repo.sampleHour(p.db, { lotId: lot.id, gridCode: lot.gridCode, hour: hourOf(now), capacity: lot.capacity, occupied: c.occupied, reserved: c.reserved })
  }
  for (const lot of lots) {
    const o = view(lot, counts.get(lot.id), now, p.config.timeZone)
    await p.bus.publish({ type: OCCUPANCY_EVENT, regionCode: lot.gridCode, at: now.toISOString(), data: { lotId: o.lotId, status: o.status, capacity: o.capacity, occupied: o.occupied, reserved: o.reserved, free: o.free } })
  }
  return lots.length
}

// Statements

function statement(rows: Awaited<ReturnType<typeof repo.charges>>, from: Date, to: Date, maskPlates: boolean) {
  const byKind: Record<string, number> = {}
  let totalFen = 0
  let ownerFen = 0
  let communityFen = 0
  let platformFen = 0
  for (const r of rows) {
    byKind[r.kind] = (byKind[r.kind] ?? 0) + r.amountFen
    totalFen += r.amountFen
    ownerFen += r.ownerFen
    communityFen += r.communityFen
    platformFen += r.platformFen
  }
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    totalFen,
    ownerFen,
    communityFen,
    platformFen,
    byKind,
    items: rows.map((r) => ({
      at: r.at.toISOString(),
      kind: r.kind,
      amountFen: r.amountFen,
      ownerFen: r.ownerFen,
      communityFen: r.communityFen,
      platformFen: r.platformFen,
      reservationId: r.reservationId,
      sessionId: r.sessionId,
      spaceId: r.spaceId,
      plate: r.plate && maskPlates ? maskPlate(r.plate) : r.plate,
    })),
  }
}

function period(from: string, to: string) {
  const a = new Date(from)
  const b = new Date(to)
  if (!(b > a) || b.getTime() - a.getTime() > 400 * 86_400_000) throw invalid([{ field: 'to', reason: 'after from, at most 400 days' }])
  return { a, b }
}

/** What a resident earned from sharing their spaces (owner shares of every charge; plates masked). */
export async function myEarnings(p: Platform, opts: { caller: AuthUser; from: string; to: string }) {
  const { a, b } = period(opts.from, opts.to)
  return statement(await repo.charges(p.db, { ownerId: opts.caller.id, from: a, to: b }), a, b, true)
}

/** A lot's ledger for a period, with the owner, community and platform shares. */
export async function lotStatement(p: Platform, opts: { caller: AuthUser; lotId: string; from: string; to: string }) {
  const lot = await lotFor(p, opts.caller, opts.lotId, 'parking.sessions.manage')
  const { a, b } = period(opts.from, opts.to)
  return statement(await repo.charges(p.db, { lotId: lot.id, from: a, to: b }), a, b, false)
}

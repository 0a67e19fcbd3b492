/**
 * Booking: quote, book a given space or any compatible space of a lot, cancel, list; the job
 * that releases no-shows (and bans repeat offenders) and expires unused held bookings.
 *
 * No double booking is decided by the database: the exclusion constraint
 * `parking_reservations_no_overlap` refuses any second active reservation of a space for an
 * overlapping period. The booking itself is one statement (`parking_book`, see the repository):
 * its insert uses `on conflict do nothing`, so a lost race aborts nothing and "any space"
 * simply tries the next free space inside the same statement.
 */
import { createHash } from 'node:crypto'
import { canSee, type AuthUser } from '../../platform/access.js'
import { appendAudit, auditRows, SYSTEM_ACTOR, type Actor } from '../../platform/audit.js'
import { canonicalJson } from '../../platform/canonical-json.js'
import type { Executor } from '../../platform/db/database.js'
import { sqlState } from '../../platform/db/pg-errors.js'
import { DomainError, invalid, notFound, type FieldError } from '../../platform/errors.js'
import type { NewBusEvent } from '../../platform/events.js'
import { GroupCommit, type Outcome } from '../../platform/group-commit.js'
import { assertIdempotencyKey, runIdempotent, type UnitOfWork } from '../../platform/idempotency.js'
import { runIdempotentBatch, type IdempotentResult } from '../../platform/idempotency-batch.js'
import type { Platform } from '../../platform/platform.js'
import { scheduleCovers } from './availability.js'
import { lotSchedule, readLot, spaceSchedule } from './lots.service.js'
import { toWall } from './local-time.js'
import { occupancyEvent } from './occupancy.service.js'
import { parkingPolicy } from './parking.policy.js'
import { parkingRepository as repo, type BookArgs, type BookOutcome, type LotRow, type NewReservation, type ReservationRow, type SpaceRow } from './parking.repository.js'
import type { ReservationInput, ReservationStatus, ReservationView, SpaceType } from './parking.schemas.js'
import { decodeCursor, encodeCursor, freeCancelUntil, splitDelta, toReservationView } from './parking.views.js'
import { parsePlate } from './plates.js'
import { cancellationFee, noShowFee, ownerTariff, quoteBooking, type Tariff } from './pricing.js'

const MINUTE = 60_000

/** How bookings meet under concurrency (measured in bench/parking). */
export type AssignStrategy = 'groupCommit' | 'retry' | 'lockLot'
const strategies = new WeakMap<Platform, AssignStrategy>()
/**
 * `groupCommit` (default): the bookings of a lot that arrive together are decided in one
 * statement (`parking_book_many`), one after the other, one batch of a lot at a time — they never
 * race each other, and a batch costs one transaction.
 * `retry`: one statement per booking; a race lost to a concurrent booking of the same space
 * inserts nothing and "any space" tries the next free space.
 * `lockLot`: lock the lot row first (in a transaction), so "any space" bookings of one lot run
 * one at a time and never race.
 */
export const setAssignStrategy = (p: Platform, s: AssignStrategy) => strategies.set(p, s)
const strategyOf = (p: Platform): AssignStrategy => strategies.get(p) ?? 'groupCommit'

interface Vehicle {
  plate: string
  colour: string
  newEnergy: boolean
  large: boolean
}

/** Why a vehicle may not use a space type (null when it may). */
export function ineligibility(type: SpaceType, v: Vehicle, accessiblePermit: boolean): string | null {
  if (type === 'ev' && !v.newEnergy) return 'EV charging spaces are for new-energy vehicles (green plates)'
  if (type === 'accessible' && !accessiblePermit) return 'accessible spaces need an accessible permit for this plate'
  if (type === 'standard' && v.large) return 'a large vehicle (yellow plate) needs a large space'
  return null
}

/** Space types "any space" may assign, in order of preference. */
function typesFor(requested: SpaceType | undefined, v: Vehicle): SpaceType[] {
  if (requested) return [requested]
  return v.large ? ['large'] : ['standard', 'large']
}

interface Prepared {
  /** Committed bookings already refuse the request (see repo.bookingSnapshot). */
  blocked: boolean
  lot: LotRow
  vehicle: Vehicle
  start: Date
  end: Date
  space: SpaceRow | null
  types: SpaceType[]
  tariff: Tariff
  quoteFen: number
  shared: boolean
}

const rule = (errors: FieldError[]) => new DomainError('BOOKING_RULE_VIOLATED', errors.map((e) => e.reason).join('; '), { errors })

/**
 * Lots and named spaces as last read, for booking without reading them again. Safe on any number
 * of instances: a booking passes their versions to `parking_book`, which books nothing and
 * answers 'stale' when either has changed since (every change bumps the version); the request
 * then reads them again and is judged by the current rules.
 */
const bookingRows = new WeakMap<Platform, { lots: Map<string, LotRow>; spaces: Map<string, SpaceRow> }>()
const MAX_CACHED = 10_000

function rowsOf(p: Platform) {
  let c = bookingRows.get(p)
  if (!c) bookingRows.set(p, (c = { lots: new Map(), spaces: new Map() }))
  return c
}

function remember(p: Platform, lot: LotRow | undefined, space: SpaceRow | null) {
  const c = rowsOf(p)
  if (c.lots.size >= MAX_CACHED) c.lots.clear()
  if (c.spaces.size >= MAX_CACHED) c.spaces.clear()
  if (lot) c.lots.set(lot.id, lot)
  if (space) c.spaces.set(space.id, space)
}

function forget(p: Platform, input: ReservationInput) {
  const c = rowsOf(p)
  c.lots.delete(input.lotId)
  if (input.spaceId) c.spaces.delete(input.spaceId)
}

/** The cached lot and space of a request, when both are cached (and the space is of the lot). */
function cachedRows(p: Platform, input: ReservationInput) {
  const c = rowsOf(p)
  const lot = c.lots.get(input.lotId)
  if (!lot) return null
  if (!input.spaceId) return { lot, space: null, blocked: false }
  const space = c.spaces.get(input.spaceId)
  return space && space.lotId === lot.id ? { lot, space, blocked: false } : null
}

/**
 * Everything about a booking that does not depend on other bookings: the lot's rules, the plate,
 * the space, the price. `cache`: judge by the cached lot and space when there are (a refusal is
 * confirmed against freshly read rows).
 */
async function prepareBooking(p: Platform, input: ReservationInput, now: Date, opts: { checkBlocked: boolean; cache?: boolean }): Promise<Prepared> {
  const plate = parsePlate(input.plate, input.plateColour ?? 'unknown')
  if (plate.status !== 'valid') {
    throw invalid([{ field: 'plate', reason: plate.status === 'manual' ? `${plate.detail}: book it at the lot office` : plate.reason }])
  }
  const vehicle: Vehicle = { plate: plate.plate, colour: plate.colour, newEnergy: plate.newEnergy, large: plate.large }
  const start = new Date(input.start)
  const end = new Date(input.end)
  if (!(end > start)) throw invalid([{ field: 'end', reason: 'must be after start' }])
  const types = typesFor(input.spaceType, vehicle)
  const hit = opts.cache ? cachedRows(p, input) : null
  if (hit) {
    try {
      return judgeBooking(p, input, now, { vehicle, start, end, types }, hit)
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      // refused by the cached rows: judge again by the current ones
    }
  }
  const snap = await repo.bookingSnapshot(p.db, { lotId: input.lotId, spaceId: input.spaceId ?? null, types, start, end, checkBlocked: opts.checkBlocked })
  remember(p, snap.lot, snap.space)
  return judgeBooking(p, input, now, { vehicle, start, end, types }, snap)
}

function judgeBooking(
  p: Platform,
  input: ReservationInput,
  now: Date,
  { vehicle, start, end, types }: { vehicle: Vehicle; start: Date; end: Date; types: SpaceType[] },
  snap: { lot: LotRow | undefined; space: SpaceRow | null; blocked: boolean },
): Prepared {
  const tz = p.config.timeZone
  const lot = snap.lot
  if (!lot) throw notFound('Parking lot')
  const r = lot.rules
  const errors: FieldError[] = []
  const minutes = (end.getTime() - start.getTime()) / MINUTE
  const step = r.timeStepMinutes * MINUTE
  if (lot.status !== 'open') errors.push({ field: 'lotId', reason: 'the lot is closed' })
  if (toWall(start.getTime(), tz) % step !== 0 || toWall(end.getTime(), tz) % step !== 0) errors.push({ field: 'start', reason: `start and end must be on a ${r.timeStepMinutes}-minute step` })
  if (minutes < r.minDurationMinutes) errors.push({ field: 'end', reason: `at least ${r.minDurationMinutes} minutes` })
  if (minutes > r.maxDurationMinutes) errors.push({ field: 'end', reason: `at most ${r.maxDurationMinutes} minutes` })
  // "now" on the booking step counts as now; anything earlier is the past
  if (start.getTime() < now.getTime() + r.minLeadMinutes * MINUTE - (r.minLeadMinutes === 0 ? step : 0)) {
    errors.push({ field: 'start', reason: r.minLeadMinutes > 0 ? `book at least ${r.minLeadMinutes} minutes ahead` : 'the start has passed' })
  }
  if (start.getTime() > now.getTime() + r.maxAdvanceDays * 86_400_000) errors.push({ field: 'start', reason: `at most ${r.maxAdvanceDays} days ahead` })
  if (errors.length === 0 && !scheduleCovers(lotSchedule(lot), start.getTime(), end.getTime(), tz)) errors.push({ field: 'start', reason: 'outside the opening hours of the lot' })

  let space: SpaceRow | null = null
  let tariff = lot.tariff
  if (input.spaceId) {
    space = snap.space
    if (!space) throw notFound('Parking space')
    if (space.status !== 'active') errors.push({ field: 'spaceId', reason: `the space is ${space.status}` })
    const schedule = spaceSchedule(space)
    if (!schedule) errors.push({ field: 'spaceId', reason: 'the owner has not shared this space' })
    else if (space.ownerId !== null && !scheduleCovers(schedule, start.getTime(), end.getTime(), tz)) errors.push({ field: 'start', reason: 'outside the times the owner shares this space' })
    if (space.ownerId !== null && space.ownerPricePerHourFen !== null) tariff = ownerTariff(lot.tariff, space.ownerPricePerHourFen)
    const why = space.type === 'accessible' ? null : ineligibility(space.type, vehicle, false)
    if (why) errors.push({ field: 'spaceId', reason: why })
  } else if (input.spaceType && input.spaceType !== 'accessible') {
    const why = ineligibility(input.spaceType, vehicle, false)
    if (why) errors.push({ field: 'spaceType', reason: why })
  }
  if (errors.length > 0) throw rule(errors)
  return {
    blocked: snap.blocked,
    lot,
    vehicle,
    start,
    end,
    space,
    types,
    tariff,
    quoteFen: quoteBooking(tariff, { start: start.getTime(), end: end.getTime() }, tz),
    shared: space?.ownerId != null,
  }
}

const needsAccessiblePermit = (prep: Prepared) => (prep.space ? prep.space.type === 'accessible' : prep.types.includes('accessible'))

/** The price of a booking before making it, with whether a space is free right now. */
export async function quoteReservation(p: Platform, opts: { caller: AuthUser; input: ReservationInput }) {
  parkingPolicy.assert(opts.caller, 'parking.reservations.book')
  const now = p.clock.now()
  const prep = await prepareBooking(p, opts.input, now, { checkBlocked: true })
  const ctx = await repo.bookingContext(p.db, { lotId: prep.lot.id, accountId: opts.caller.id, plate: prep.vehicle.plate, now, maxPerAccount: 1, maxPerPlate: 1 })
  if (needsAccessiblePermit(prep) && !ctx.accessible) throw rule([{ field: 'spaceType', reason: ineligibility('accessible', prep.vehicle, false)! }])
  const available = !prep.blocked
  return {
    quoteFen: prep.quoteFen,
    lotId: prep.lot.id,
    spaceId: prep.space?.id ?? null,
    start: prep.start.toISOString(),
    end: prep.end.toISOString(),
    plate: prep.vehicle.plate,
    freeCancelUntil: freeCancelUntil({ startAt: prep.start, bookedAt: now, rules: prep.lot.rules }).toISOString(),
    available,
  }
}

const conflict = (prep: Prepared) =>
  new DomainError('RESERVATION_CONFLICT', `Space ${prep.space!.code} is already booked for part of ${prep.start.toISOString()} – ${prep.end.toISOString()}`, { spaceId: prep.space!.id })
const noSpace = (prep: Prepared) =>
  new DomainError('NO_SPACE_AVAILABLE', `No ${prep.types.join(' or ')} space of the lot is free for the whole of ${prep.start.toISOString()} – ${prep.end.toISOString()}`, { spaceTypes: prep.types })

/**
 * Book. One statement (`parking_book`) does the whole booking: a quick refusal when committed
 * bookings already take the space (or every space of the types), the advisory locks that make
 * the per-account and per-plate limits exact, the limits, ban and permit, the insert under the
 * exclusion constraint (a lost race inserts nothing; "any space" tries the next free space), the
 * ledger row and the audit row. Without an Idempotency-Key it is its own transaction (one round
 * trip); with one it runs inside the transaction that records the answer, so a retry returns
 * the first answer and books nothing twice.
 */
export async function createReservation(p: Platform, opts: { actor: Actor; caller: AuthUser; input: ReservationInput; idempotencyKey?: string }) {
  parkingPolicy.assert(opts.caller, 'parking.reservations.book')
  const now = p.clock.now()
  for (let round = 1; ; round++) {
    const prep = await prepareBooking(p, opts.input, now, { checkBlocked: false, cache: round === 1 })
    const termsId = await ensureTerms(p, prep.tariff, prep.lot.rules)
    // Two transactions inserting conflicting rows at the same moment can wait on each other while
    // the exclusion constraint is checked; PostgreSQL then aborts one (deadlock). It has booked
    // nothing: run it again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await bookOnce(p, opts, prep, termsId, now)
      } catch (err) {
        if (err instanceof StaleRows) break
        if (attempt >= 5 || !RETRYABLE.has(sqlState(err) ?? '')) throw err
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt))
      }
    }
    // the lot or the space changed since it was read: read it again and judge again
    forget(p, opts.input)
    if (round >= 3) throw new DomainError('CONFLICT', 'The parking lot or space changed meanwhile; try again')
  }
}

/** `parking_book` found the lot or the space changed since the booking was judged. */
class StaleRows extends Error {}

/** deadlock_detected, serialization_failure */
const RETRYABLE = new Set(['40P01', '40001'])

type BookOpts = { actor: Actor; caller: AuthUser; input: ReservationInput; idempotencyKey?: string }

async function bookOnce(p: Platform, opts: BookOpts, prep: Prepared, termsId: string, now: Date) {
  const strategy = strategyOf(p)
  if (strategy === 'groupCommit') {
    assertIdempotencyKey(opts.idempotencyKey)
    return submitBooking(p, { opts, prep, termsId, now })
  }
  if (opts.idempotencyKey === undefined && !(prep.space === null && strategy === 'lockLot')) {
    // its own transaction: one round trip
    const done = await bookStatement(p, p.db, opts, prep, termsId, now)
    for (const e of done.events) await p.bus.publish(e)
    return { statusCode: 201, body: done.body, replayed: false }
  }
  return runIdempotent<ReservationView>(p, { userId: opts.caller.id, key: opts.idempotencyKey, request: opts.input, statusCode: 201 }, async (tx) => {
    if (prep.space === null && strategy === 'lockLot') await repo.lockLot(tx, prep.lot.id)
    return bookStatement(p, tx, opts, prep, termsId, now)
  })
}

async function bookStatement(p: Platform, db: Executor, opts: BookOpts, prep: Prepared, termsId: string, now: Date) {
  const item = { opts, prep, termsId, now }
  const created = bookedRow(item, await repo.book(db, bookArgs(item)))
  const events: NewBusEvent[] = created.startAt <= now && created.endAt > now ? [await occupancyEvent(p, db, prep.lot, now)] : []
  return { body: toReservationView(created), events }
}

/** One booking request, judged and priced, waiting for its statement. */
interface BookItem {
  opts: BookOpts
  prep: Prepared
  termsId: string
  now: Date
}

/** The arguments of `parking_book` for a request. */
function bookArgs({ opts, prep, termsId, now }: BookItem): BookArgs {
  const { lot, vehicle } = prep
  const row: NewReservation = {
    lotId: lot.id,
    gridCode: lot.gridCode,
    accountId: opts.caller.id,
    plate: vehicle.plate,
    plateColour: vehicle.colour,
    start: prep.start,
    end: prep.end,
    quoteFen: prep.quoteFen,
    termsId,
    shared: prep.shared,
    ownerId: prep.space?.ownerId ?? null,
    bookedAt: now,
    charge: splitDelta(prep.tariff, prep.shared, prep.quoteFen, 0),
  }
  // the audit row's content; the statement adds the space it booked
  const view = { lotId: lot.id, accountId: row.accountId, plate: row.plate, start: row.start.toISOString(), end: row.end.toISOString(), status: 'booked', quoteFen: row.quoteFen, feeFen: null }
  const audit = auditRows(opts.actor, [{ action: 'parking.reservation.create', entityType: 'parkingReservation', after: view }], now)[0]!
  return {
    ...row,
    spaceId: prep.space?.id ?? null,
    types: prep.types,
    maxPerAccount: lot.rules.maxActivePerAccount,
    maxPerPlate: lot.rules.maxActivePerPlate,
    needAccessible: needsAccessiblePermit(prep),
    quick: true,
    audit: { actorId: audit.actorId, actorName: audit.actorName, after: audit.after, requestId: audit.requestId, ip: audit.ip },
    lotVersion: lot.version,
    spaceVersion: prep.space?.version ?? null,
  }
}

/** The reservation `parking_book` made for a request, or the request's refusal (thrown). */
function bookedRow({ opts, prep, now }: BookItem, out: BookOutcome): ReservationRow {
  const { lot, vehicle } = prep
  if (out.outcome === 'stale') throw new StaleRows()
  if (out.outcome === 'conflict') throw conflict(prep)
  if (out.outcome === 'noSpace') throw noSpace(prep)
  if (out.outcome === 'refused') {
    if (out.banUntil) throw new DomainError('BOOKING_BANNED', `Booking is suspended until ${out.banUntil.toISOString()} after repeated no-shows`, { until: out.banUntil.toISOString() })
    const errors: FieldError[] = []
    if (Number(out.byAccount) >= lot.rules.maxActivePerAccount) errors.push({ field: 'lotId', reason: `at most ${lot.rules.maxActivePerAccount} active bookings per account in this lot` })
    if (Number(out.byPlate) >= lot.rules.maxActivePerPlate) errors.push({ field: 'plate', reason: `at most ${lot.rules.maxActivePerPlate} active bookings per plate in this lot` })
    if (needsAccessiblePermit(prep) && !out.accessible) errors.push({ field: 'spaceType', reason: ineligibility('accessible', vehicle, false)! })
    throw rule(errors)
  }
  return {
    id: out.reservationId!,
    spaceId: out.spaceId!,
    spaceCode: prep.space ? prep.space.code : out.spaceCode!,
    spaceType: prep.space ? prep.space.type : out.spaceType!,
    lotId: lot.id,
    gridCode: lot.gridCode,
    accountId: opts.caller.id,
    plate: vehicle.plate,
    plateColour: vehicle.colour,
    startAt: prep.start,
    endAt: prep.end,
    status: 'booked',
    quoteFen: prep.quoteFen,
    tariff: prep.tariff,
    rules: lot.rules,
    shared: prep.shared,
    ownerId: prep.space?.ownerId ?? null,
    feeFen: null,
    bookedAt: now,
    checkedInAt: null,
    endedAt: null,
    cancelReason: null,
    version: 1,
  }
}

/**
 * Group commit of bookings, per lot: the requests of a lot that arrive while its previous batch
 * is being written go together into one `parking_book_many` statement, decided one after the
 * other — so they never race for the same spaces, "any space" picks inside a batch stay exact,
 * and a batch costs one transaction. One batch per lot at a time; at most `inFlight` batches of
 * all lots at once (the embedded database has one connection anyway).
 */
export const BOOKING_BATCH = { maxBatch: 100, inFlight: { pglite: 1, postgres: 4 } }
/** Bookings before the reservations' planner statistics are first refreshed by this process (then every 10 % of the rows). */
const ANALYZE_MIN = 500

interface BookingQueues {
  lots: Map<string, { queue: GroupCommit<BookItem, IdempotentResult<ReservationView>>; pending: number }>
  slots: Slots
  /** Bookings written since the reservations' statistics were last refreshed, and the threshold. */
  sinceAnalyze: number
  analyzeAfter: number
}
const bookingQueues = new WeakMap<Platform, BookingQueues>()

/** A counting semaphore: at most `n` holders at once, served in arrival order. */
class Slots {
  private free: number
  private readonly waiting: (() => void)[] = []
  constructor(n: number) {
    this.free = n
  }
  async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--
    else await new Promise<void>((resolve) => this.waiting.push(resolve))
    try {
      return await fn()
    } finally {
      const next = this.waiting.shift()
      if (next) next()
      else this.free++
    }
  }
}

function queuesOf(p: Platform): BookingQueues {
  let q = bookingQueues.get(p)
  if (!q) bookingQueues.set(p, (q = { lots: new Map(), slots: new Slots(BOOKING_BATCH.inFlight[p.database.kind]), sinceAnalyze: 0, analyzeAfter: ANALYZE_MIN }))
  return q
}

async function submitBooking(p: Platform, item: BookItem): Promise<IdempotentResult<ReservationView>> {
  const q = queuesOf(p)
  const lotId = item.prep.lot.id
  let lot = q.lots.get(lotId)
  if (!lot) {
    lot = {
      queue: new GroupCommit<BookItem, IdempotentResult<ReservationView>>({
        maxBatch: BOOKING_BATCH.maxBatch,
        concurrency: 1,
        run: (items) =>
          q.slots.use(async () => {
            const outcomes = await writeBookings(p, items)
            q.sinceAnalyze += outcomes.filter((o) => o.ok).length
            if (q.sinceAnalyze >= q.analyzeAfter) {
              // like autovacuum's analyze (which the embedded database does not have): after 10 % new rows
              q.sinceAnalyze = 0
              const rows = await repo.analyzeReservations(p.db).catch(() => 0)
              q.analyzeAfter = Math.max(ANALYZE_MIN, Math.round(rows / 10))
            }
            return outcomes
          }),
      }),
      pending: 0,
    }
    q.lots.set(lotId, lot)
  }
  lot.pending++
  try {
    return await lot.queue.submit(item)
  } finally {
    // a lot with nothing pending drops its queue (a later request makes a new one)
    if (--lot.pending === 0 && q.lots.get(lotId) === lot) q.lots.delete(lotId)
  }
}

/**
 * Write one batch of a lot. Without Idempotency-Keys the statement is its own transaction (one
 * round trip for the whole batch); with any, the batch runs in the transaction that claims the
 * keys and records the answers (runIdempotentBatch), so a retry gets the first answer.
 */
async function writeBookings(p: Platform, items: BookItem[]): Promise<Outcome<IdempotentResult<ReservationView>>[]> {
  if (items.every((i) => i.opts.idempotencyKey === undefined)) {
    const outcomes = await bookBatch(p, p.db, items)
    const events = outcomes.flatMap((o) => (o.ok ? (o.value.events ?? []) : []))
    if (events.length) await p.bus.publishAll(events)
    return outcomes.map((o) => (o.ok ? { ok: true, value: { statusCode: 201, body: o.value.body, replayed: false } } : o))
  }
  return runIdempotentBatch(
    { db: p.db, bus: p.bus },
    items.map((i) => ({ userId: i.opts.caller.id, key: i.opts.idempotencyKey, request: i.opts.input, statusCode: 201 })),
    (tx, indexes) => bookBatch(p, tx, indexes.map((n) => items[n]!)),
  )
}

/** `parking_book_many` for a batch of one lot; each request its reservation or its own refusal. */
async function bookBatch(p: Platform, db: Executor, items: BookItem[]): Promise<Outcome<UnitOfWork<ReservationView>>[]> {
  const answers = await repo.bookMany(db, items.map(bookArgs))
  const outcomes: Outcome<UnitOfWork<ReservationView>>[] = []
  let inForce = -1
  items.forEach((item, n) => {
    try {
      const created = bookedRow(item, answers[n]!)
      if (created.startAt <= item.now && created.endAt > item.now) inForce = n
      outcomes.push({ ok: true, value: { body: toReservationView(created) } })
    } catch (error) {
      outcomes.push({ ok: false, error })
    }
  })
  // bookings in force now change the lot's live occupancy: one event for the batch, after its last such booking
  if (inForce >= 0) {
    const o = outcomes[inForce] as { ok: true; value: UnitOfWork<ReservationView> }
    o.value.events = [await occupancyEvent(p, db, items[inForce]!.prep.lot, items[inForce]!.now)]
  }
  return outcomes
}

const auditView = (r: ReservationRow) => ({
  lotId: r.lotId,
  spaceId: r.spaceId,
  accountId: r.accountId,
  plate: r.plate,
  start: r.startAt.toISOString(),
  end: r.endAt.toISOString(),
  status: r.status,
  quoteFen: r.quoteFen,
  feeFen: r.feeFen,
})

/** A ledger row moving a reservation's amount from `before` to `after`. */
export function ledger(r: ReservationRow, kind: 'booking' | 'cancellation' | 'noShow' | 'session', after: number, before: number, at: Date, sessionId: string | null = null) {
  return {
    lotId: r.lotId,
    gridCode: r.gridCode,
    kind,
    reservationId: r.id,
    sessionId,
    permitId: null,
    spaceId: r.spaceId,
    ownerId: r.ownerId,
    accountId: r.accountId,
    plate: r.plate,
    ...splitDelta(r.tariff, r.shared, after, before),
    at,
  }
}

const knownTerms = new WeakMap<object, Set<string>>()
const termsIds = new WeakMap<object, WeakMap<object, string>>()

/** The id of a version of tariff and rules, stored once (outside the booking transaction, so a refused booking cannot undo it). */
async function ensureTerms(p: Platform, tariff: Tariff, rules: ReservationRow['rules']): Promise<string> {
  // the lot's tariff and rules objects are kept with the lot in memory: hash them once
  let byRules = termsIds.get(tariff)
  if (!byRules) termsIds.set(tariff, (byRules = new WeakMap()))
  let id = byRules.get(rules)
  if (id === undefined) byRules.set(rules, (id = createHash('sha256').update(canonicalJson({ tariff, rules })).digest('hex')))
  let known = knownTerms.get(p.db)
  if (!known) knownTerms.set(p.db, (known = new Set()))
  if (!known.has(id)) {
    await repo.ensureTerms(p.db, id, tariff, rules)
    if (known.size > 10_000) known.clear()
    known.add(id)
  }
  return id
}

type Role = 'booker' | 'operator' | 'owner'

/** Who the caller is to a reservation; 404 when none (its existence is not revealed). */
function relationTo(caller: AuthUser, r: ReservationRow): Role {
  if (r.accountId === caller.id) return 'booker'
  if (parkingPolicy.allows(caller, 'parking.reservations.manage') && canSee(caller, { regionCode: r.gridCode })) return 'operator'
  if (r.ownerId === caller.id) return 'owner'
  throw notFound('Reservation')
}

export async function getReservation(p: Platform, opts: { caller: AuthUser; reservationId: string }): Promise<ReservationView> {
  const r = await repo.findReservation(p.db, opts.reservationId)
  if (!r) throw notFound('Reservation')
  const role = relationTo(opts.caller, r)
  return toReservationView(r, { maskPlate: role === 'owner' })
}

/**
 * Cancel a booked reservation. The booker pays by the rules frozen at booking (free until the
 * deadline or within the accidental-booking grace, then a share of the quote); an operator's
 * cancellation is always free. Checked-in and finished bookings cannot be cancelled.
 */
export async function cancelReservation(p: Platform, opts: { actor: Actor; caller: AuthUser; reservationId: string }) {
  const r = await repo.findReservation(p.db, opts.reservationId)
  if (!r) throw notFound('Reservation')
  const role = relationTo(opts.caller, r)
  if (role === 'owner') throw new DomainError('FORBIDDEN', 'A space owner cannot cancel bookings: they are honoured')
  if (r.status !== 'booked') throw new DomainError('CONFLICT', `A ${r.status} reservation cannot be cancelled`, { current: r.status })
  const now = p.clock.now()
  const c =
    role === 'operator'
      ? { kind: 'operator', feeFen: 0, refundFen: r.quoteFen }
      : cancellationFee(r.rules, r.quoteFen, { now: now.getTime(), start: r.startAt.getTime(), bookedAt: r.bookedAt.getTime() })
  const lot = await readLot(p, r.lotId)
  const { view, events } = await p.db.transaction().execute(async (tx) => {
    const ok = await repo.transition(tx, r.id, ['booked'], 'cancelled', { feeFen: c.feeFen, endedAt: now, cancelReason: c.kind })
    if (!ok) throw new DomainError('CONFLICT', 'The reservation changed meanwhile; reload it')
    await repo.insertCharges(tx, [ledger(r, 'cancellation', c.feeFen, r.quoteFen, now)])
    const after = (await repo.findReservation(tx, r.id))!
    await appendAudit(tx, opts.actor, { action: 'parking.reservation.cancel', entityType: 'parkingReservation', entityId: r.id, before: auditView(r), after: { ...auditView(after), ...c } }, now)
    const ev = r.startAt <= now && r.endAt > now ? [await occupancyEvent(p, tx, lot, now)] : []
    return { view: toReservationView(after), events: ev }
  })
  for (const e of events) await p.bus.publish(e)
  return { reservation: view, kind: c.kind, feeFen: c.feeFen, refundFen: c.refundFen }
}

/** The caller's bookings; with `lotId`, every booking of the lot (operators). */
export async function listReservations(p: Platform, opts: { caller: AuthUser; limit: number; cursor?: string; lotId?: string; status?: ReservationStatus }) {
  if (opts.lotId) {
    const lot = await readLot(p, opts.lotId)
    parkingPolicy.assert(opts.caller, 'parking.reservations.manage', { regionCode: lot.gridCode }, 'Parking lot')
  }
  const after = decodeCursor<{ bookedAt: string; id: string }>(opts.cursor)
  const rows = await repo.listReservations(p.db, {
    ...(opts.lotId ? { lotId: opts.lotId } : { accountId: opts.caller.id }),
    ...(opts.status ? { status: opts.status } : {}),
    limit: opts.limit + 1,
    ...(after ? { after: { bookedAt: new Date(after.bookedAt), id: after.id } } : {}),
  })
  const page = rows.slice(0, opts.limit)
  const last = page.at(-1)
  return {
    items: page.map((r) => toReservationView(r)),
    nextCursor: rows.length > opts.limit && last ? encodeCursor({ bookedAt: last.bookedAt.toISOString(), id: last.id }) : null,
  }
}

/** Bookings of the caller's shared spaces, plates masked. */
export async function bookingsOfMySpaces(p: Platform, opts: { caller: AuthUser; limit: number; cursor?: string }) {
  const spaces = await repo.spacesOfOwner(p.db, opts.caller.id)
  if (spaces.length === 0) return { items: [], nextCursor: null }
  const after = decodeCursor<{ bookedAt: string; id: string }>(opts.cursor)
  const rows = await repo.listReservations(p.db, {
    spaceIds: spaces.map((s) => s.id),
    limit: opts.limit + 1,
    ...(after ? { after: { bookedAt: new Date(after.bookedAt), id: after.id } } : {}),
  })
  const page = rows.slice(0, opts.limit)
  const last = page.at(-1)
  return {
    items: page.map((r) => toReservationView(r, { maskPlate: true })),
    nextCursor: rows.length > opts.limit && last ? encodeCursor({ bookedAt: last.bookedAt.toISOString(), id: last.id }) : null,
  }
}

/**
 * The periodic release: a booking whose car has not arrived by start + grace becomes a no-show
 * (its space is free again; the no-show fee is kept) and an account reaching the lot's no-show
 * threshold within the window is banned from booking for a while. Without a grace
 * (`graceMinutes: null`) the space is held for the whole window and the unused booking expires
 * at its end, without penalty beyond the quote.
 */
export async function releaseDueReservations(p: Platform, now: Date): Promise<{ noShows: number; expired: number; bans: number }> {
  const totals = { noShows: 0, expired: 0, bans: 0 }
  const lots = new Set<string>()
  for (;;) {
    const batch = await p.db.transaction().execute(async (tx) => {
      const due = await repo.dueReservations(tx, now, 100)
      const audits = []
      for (const r of due) {
        if (r.rules.graceMinutes === null) {
          if (!(await repo.transition(tx, r.id, ['booked'], 'expired', { feeFen: r.quoteFen, endedAt: now }))) continue
          totals.expired++
          audits.push({ action: 'parking.reservation.expire', entityType: 'parkingReservation', entityId: r.id, before: auditView(r), after: { status: 'expired' } })
        } else {
          const fee = noShowFee(r.rules, r.quoteFen)
          if (!(await repo.transition(tx, r.id, ['booked'], 'noShow', { feeFen: fee, endedAt: now }))) continue
          if (fee !== r.quoteFen) await repo.insertCharges(tx, [ledger(r, 'noShow', fee, r.quoteFen, now)])
          totals.noShows++
          audits.push({ action: 'parking.reservation.noShow', entityType: 'parkingReservation', entityId: r.id, before: auditView(r), after: { status: 'noShow', feeFen: fee } })
          const threshold = r.rules.noShowBanThreshold
          if (threshold > 0) {
            const recent = await repo.noShowsSince(tx, r.accountId, new Date(now.getTime() - r.rules.noShowWindowDays * 86_400_000))
            const banned = (await repo.listBans(tx, { accountId: r.accountId, activeAt: now, limit: 1 })).length > 0
            if (recent >= threshold && !banned) {
              const ban = await repo.insertBan(tx, {
                accountId: r.accountId,
                reason: `${recent} no-shows within ${r.rules.noShowWindowDays} days`,
                startsAt: now,
                endsAt: new Date(now.getTime() + r.rules.banDays * 86_400_000),
              })
              totals.bans++
              audits.push({ action: 'parking.ban.create', entityType: 'parkingBan', entityId: ban.id, after: ban })
            }
          }
        }
        lots.add(r.lotId)
      }
      await appendAudit(tx, SYSTEM_ACTOR, audits, now)
      return due.length
    })
    if (batch < 100) break
  }
  for (const lotId of lots) {
    const lot = await repo.findLot(p.db, lotId)
    if (lot) await p.bus.publish(await occupancyEvent(p, p.db, lot, now))
  }
  return totals
}

/**
 * Gates: readings of plate cameras become parking sessions.
 *
 * Entry: a car already inside (a second camera, a retry) is let in again without a new session;
 * a car whose earlier exit was missed has that stay closed — billed at most one day, flagged; an
 * exit seen before this entry (cameras out of order) is completed; otherwise a booking of the
 * plate is checked in (exactly, or with the province character misread when the rest matches —
 * flagged), a monthly permit admits, and a walk-in gets a session while the lot has room.
 * Exit: the open session is closed and priced, and the fee answered; a repeated exit reading
 * answers the same fee; an exit with no entry is kept until its entry arrives.
 * No orphaned sessions: one open longer than the lot's maxSessionHours is flagged by a job and
 * is never billed beyond one day (unreviewedCapFen) until an operator decides.
 * Every reading is stored with its answer; the same camera event id gets the same answer.
 */
import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import type { AuthUser } from '../../platform/access.js'
import { appendAudit, SYSTEM_ACTOR, type Actor, type AuditEntry } from '../../platform/audit.js'
import type { Tx } from '../../platform/db/database.js'
import { isUniqueViolation, sqlState } from '../../platform/db/pg-errors.js'
import { DomainError, invalid, notFound } from '../../platform/errors.js'
import type { NewBusEvent } from '../../platform/events.js'
import type { Platform } from '../../platform/platform.js'
import { scheduleCovers } from './availability.js'
import { lotFor, lotSchedule } from './lots.service.js'
import { hourOf, occupancyEvent, occupancyOf } from './occupancy.service.js'
import { parkingRepository as repo, type LotRow, type ReservationRow, type SessionKind, type SessionRow } from './parking.repository.js'
import type { GateEventInput, GateResult, ListSessionsQuery, ReviewSessionInput } from './parking.schemas.js'
import { decodeCursor, encodeCursor, splitDelta, toSessionView } from './parking.views.js'
import { normalisePlate, parsePlate, plateTail, type ParsedPlate } from './plates.js'
import { priceReservedStay, priceStay, unreviewedCapFen, type Charge } from './pricing.js'
import { ledger } from './reservations.service.js'
import type { Static } from 'typebox'

const MINUTE = 60_000
/** Two readings of the same car within this time are one passage (two cameras, a retry with a new id). */
const SAME_PASSAGE_MS = 5 * MINUTE
/** Readings dated further in the future than this are refused (a camera with a wrong clock). */
const MAX_CLOCK_AHEAD_MS = 10 * MINUTE
export const REVIEW_EVENT = 'parking.review'

interface Ctx {
  p: Platform
  tx: Tx
  lot: LotRow
  input: GateEventInput
  parsed: ParsedPlate
  at: Date
  now: Date
  eventId: string
  audits: AuditEntry[]
  flaggedSessions: string[]
}

interface Decision {
  action: 'open' | 'refuse' | 'review'
  reason: string
  plate: string | null
  sessionId: string | null
  reservationId: string | null
  feeFen: number | null
  flagged: boolean
}

const decision = (d: Partial<Decision> & Pick<Decision, 'action' | 'reason'>): Decision => ({
  plate: null,
  sessionId: null,
  reservationId: null,
  feeFen: null,
  flagged: false,
  ...d,
})

/** The serial part of a reading that is worth matching when its province character is wrong or unknown. */
function misreadTail(parsed: ParsedPlate): string | null {
  if (parsed.status === 'manual') return null
  const chars = [...parsed.plate]
  if (chars.length !== 7 && chars.length !== 8) return null
  const tail = chars.slice(1).join('')
  const probe = parsePlate(`京${tail}`)
  return probe.status === 'valid' ? plateTail(probe.plate) : null
}

export async function recordGateEvent(p: Platform, opts: { actor: Actor; caller: AuthUser; input: GateEventInput }): Promise<GateResult> {
  const { input } = opts
  const lot = await lotFor(p, opts.caller, input.lotId, 'parking.gates.write')
  const gate = ((await repo.gatesOf(p.db, [lot.id])).get(lot.id) ?? []).find((g) => g.code === input.gate)
  if (!gate) throw invalid([{ field: 'gate', reason: `the lot has no gate ${input.gate}` }])
  if (gate.direction !== 'both' && gate.direction !== input.direction) throw invalid([{ field: 'direction', reason: `gate ${gate.code} is an ${gate.direction} gate` }])
  const seen = await repo.findEvent(p.db, lot.id, input.cameraEventId)
  if (seen) return { ...(seen.result as unknown as GateResult), duplicate: true }
  const now = p.clock.now()
  const at = new Date(input.occurredAt)
  if (at.getTime() > now.getTime() + MAX_CLOCK_AHEAD_MS) throw invalid([{ field: 'occurredAt', reason: 'in the future; check the camera clock' }])
  const parsed = parsePlate(input.plate, input.plateColour ?? 'unknown')
  try {
    const { result, events } = await p.db.transaction().execute(async (tx) => {
      const c: Ctx = { p, tx, lot, input, parsed, at, now, eventId: randomUUID(), audits: [], flaggedSessions: [] }
      // readings of one car (any province reading) are handled one at a time
      await sql`select pg_advisory_xact_lock(hashtextextended(${`parking:gate:${lot.id}:${misreadTail(parsed) ?? parsed.plate}`}, 0))`.execute(tx)
      await repo.insertEvent(tx, {
        id: c.eventId,
        lotId: lot.id,
        gridCode: lot.gridCode,
        cameraEventId: input.cameraEventId,
        gate: input.gate,
        direction: input.direction,
        plateRaw: input.plate,
        plate: parsed.plate || null,
        plateColour: parsed.status === 'valid' ? parsed.colour : (input.plateColour ?? 'unknown'),
        plateStatus: parsed.status,
        confidence: input.confidence ?? null,
        occurredAt: at,
        receivedAt: now,
        snapshotSha256: input.snapshotSha256 ?? null,
        action: 'review',
        reason: 'processing',
        sessionId: null,
        reservationId: null,
        result: {},
      })
      const d = input.direction === 'entry' ? await entry(c) : await exit(c)
      const result: GateResult = { eventId: c.eventId, duplicate: false, plateStatus: parsed.status, ...d }
      await tx
        .updateTable('parkingGateEvents')
        .set({ action: d.action, reason: d.reason, sessionId: d.sessionId, reservationId: d.reservationId, result: JSON.stringify(result) })
        .where('id', '=', c.eventId)
        .execute()
      if (d.action === 'open' && !['alreadyInside', 'alreadyExited', 'lateEntryMatched'].includes(d.reason)) {
        await repo.countPassage(tx, { lotId: lot.id, gridCode: lot.gridCode, hour: hourOf(at), capacity: lot.capacity, direction: input.direction })
      }
      c.audits.push({ action: `parking.gate.${input.direction}`, entityType: 'parkingGateEvent', entityId: c.eventId, after: { ...result, cameraEventId: input.cameraEventId, occurredAt: at.toISOString() } })
      await appendAudit(tx, opts.actor, c.audits, now)
      const events: NewBusEvent[] = [await occupancyEvent(p, tx, lot, now)]
      if (c.flaggedSessions.length > 0) events.push({ type: REVIEW_EVENT, regionCode: lot.gridCode, data: { lotId: lot.id, sessionIds: c.flaggedSessions } })
      return { result, events }
    })
    for (const e of events) await p.bus.publish(e)
    return result
  } catch (err) {
    if (isUniqueViolation(err)) {
      const again = await repo.findEvent(p.db, lot.id, input.cameraEventId)
      if (again) return { ...(again.result as unknown as GateResult), duplicate: true }
    }
    if (sqlState(err) === '23503') throw invalid([{ field: 'snapshotSha256', reason: 'no such file; upload it to /api/v1/files first' }])
    throw err
  }
}

// Entry

async function entry(c: Ctx): Promise<Decision> {
  const { tx, lot, parsed, at } = c
  if (parsed.status !== 'valid') {
    const tail = misreadTail(parsed)
    if (tail) {
      const matches = await repo.arrivalsByTail(tx, lot.id, tail, '', at)
      if (matches.length === 1) return checkIn(c, matches[0]!, ['provinceMisread'])
    }
    return decision({ action: 'review', reason: parsed.status === 'manual' ? `manualPlate:${parsed.reason}` : 'invalidPlate', plate: parsed.plate || null })
  }
  const plate = parsed.plate
  const open = await repo.findOpenSession(tx, lot.id, plate)
  if (open) {
    if (open.enteredAt!.getTime() >= at.getTime() - SAME_PASSAGE_MS) {
      return decision({ action: 'open', reason: 'alreadyInside', plate, sessionId: open.id, reservationId: open.reservationId })
    }
    // the exit of the earlier stay was never seen: end it here, capped, for a human to check
    await closeSession(c, open, at, { cap: true, reasons: ['missedExit'], exitGate: null, exitEventId: null })
  }
  const waiting = await repo.awaitingEntry(tx, lot.id, plate, at)
  if (waiting) return lateEntry(c, waiting, plate)

  const booking = await repo.arrivalFor(tx, lot.id, plate, at)
  if (booking) return checkIn(c, booking, [])
  const similar = await repo.arrivalsByTail(tx, lot.id, plateTail(plate), plate, at)
  if (similar.length === 1) return checkIn(c, similar[0]!, ['provinceMisread'])

  const permits = await repo.monthlyPermits(tx, lot.id, plate, at, new Date(at.getTime() + 1))
  if (permits.length > 0) return openSession(c, { kind: 'permit', plate, colour: parsed.colour, permitId: permits[0]!.id, reason: 'permit' })

  if (c.input.confidence !== undefined && c.input.confidence < lot.rules.minConfidence) return decision({ action: 'review', reason: 'lowConfidence', plate })
  if (lot.status !== 'open' || !scheduleCovers(lotSchedule(lot), at.getTime(), at.getTime() + 1, c.p.config.timeZone)) return decision({ action: 'refuse', reason: 'lotClosed', plate })
  if (!lot.rules.allowsWalkIn) return decision({ action: 'refuse', reason: 'noWalkIn', plate })
  const o = await occupancyOf(c.p, tx, lot, at)
  if (o.free <= 0) return decision({ action: 'refuse', reason: 'lotFull', plate })
  return openSession(c, { kind: 'walkIn', plate, colour: parsed.colour, permitId: null, reason: 'walkIn' })
}

async function openSession(
  c: Ctx,
  s: { kind: SessionKind; plate: string; colour: string; permitId: string | null; reason: string; reservationId?: string; reasons?: string[] },
): Promise<Decision> {
  const id = randomUUID()
  const reasons = s.reasons ?? []
  await repo.insertSession(c.tx, {
    id,
    lotId: c.lot.id,
    gridCode: c.lot.gridCode,
    plate: s.plate,
    plateColour: s.colour,
    kind: s.kind,
    reservationId: s.reservationId ?? null,
    permitId: s.permitId,
    status: 'open',
    enteredAt: c.at,
    exitedAt: null,
    entryGate: c.input.gate,
    exitGate: null,
    entryEventId: c.eventId,
    exitEventId: null,
    feeFen: null,
    reviewStatus: reasons.length > 0 ? 'pending' : 'none',
    reviewReasons: reasons,
    createdAt: c.now,
  })
  if (reasons.length > 0) c.flaggedSessions.push(id)
  return decision({ action: 'open', reason: s.reason, plate: s.plate, sessionId: id, reservationId: s.reservationId ?? null, flagged: reasons.length > 0 })
}

async function checkIn(c: Ctx, r: ReservationRow, reasons: string[]): Promise<Decision> {
  const ok = await repo.transition(c.tx, r.id, ['booked'], 'checkedIn', { checkedInAt: c.at })
  if (!ok) throw new DomainError('CONFLICT', 'The booking changed meanwhile; send the reading again')
  c.audits.push({ action: 'parking.reservation.checkIn', entityType: 'parkingReservation', entityId: r.id, after: { plateRead: c.parsed.plate, reasons } })
  return openSession(c, {
    kind: 'reservation',
    plate: r.plate,
    colour: r.plateColour,
    permitId: null,
    reservationId: r.id,
    reason: reasons.includes('provinceMisread') ? 'reservationProvinceMisread' : 'reservation',
    reasons,
  })
}

/** The exit was seen first; this entry completes the stay. */
async function lateEntry(c: Ctx, waiting: SessionRow, plate: string): Promise<Decision> {
  const { tx, lot, at } = c
  let kind: SessionKind = 'walkIn'
  let reservationId: string | null = null
  let permitId: string | null = null
  const booking = await repo.arrivalFor(tx, lot.id, plate, at)
  if (booking && booking.startAt.getTime() - booking.rules.earlyEntryMinutes * MINUTE <= at.getTime()) {
    await repo.transition(tx, booking.id, ['booked'], 'checkedIn', { checkedInAt: at })
    kind = 'reservation'
    reservationId = booking.id
  } else {
    const permits = await repo.monthlyPermits(tx, lot.id, plate, at, new Date(at.getTime() + 1))
    if (permits.length > 0) {
      kind = 'permit'
      permitId = permits[0]!.id
    }
  }
  const session: SessionRow = {
    ...waiting,
    kind,
    reservationId,
    permitId,
    enteredAt: at,
    entryGate: c.input.gate,
    entryEventId: c.eventId,
    status: 'open',
  }
  await repo.updateSession(tx, waiting.id, { kind, reservationId, permitId, enteredAt: at, entryGate: c.input.gate, entryEventId: c.eventId })
  const fee = await closeSession(c, session, waiting.exitedAt!, {
    cap: false,
    reasons: [],
    exitGate: waiting.exitGate,
    exitEventId: waiting.exitEventId,
    resolve: 'automatic: the entry reading arrived after the exit (cameras out of order)',
  })
  return decision({ action: 'open', reason: 'lateEntryMatched', plate, sessionId: waiting.id, reservationId, feeFen: fee })
}

// Exit

async function exit(c: Ctx): Promise<Decision> {
  const { tx, lot, parsed, at } = c
  const tail = misreadTail(parsed)
  let open: SessionRow | undefined
  const reasons: string[] = []
  if (parsed.status === 'valid') open = await repo.findOpenSession(tx, lot.id, parsed.plate)
  if (!open && tail) {
    const similar = (await repo.openSessionsByTail(tx, lot.id, tail)).filter((s) => s.plate !== parsed.plate)
    if (similar.length === 1) {
      open = similar[0]
      reasons.push('provinceMisread')
    }
  }
  if (!open && parsed.status !== 'valid') {
    return decision({ action: 'review', reason: parsed.status === 'manual' ? `manualPlate:${parsed.reason}` : 'invalidPlate', plate: parsed.plate || null })
  }
  if (open) {
    let exitAt = at
    if (at < open.enteredAt!) {
      exitAt = open.enteredAt!
      reasons.push('exitBeforeEntryTime')
    }
    const overdue = exitAt.getTime() - open.enteredAt!.getTime() > lot.rules.maxSessionHours * 3_600_000
    const orphan = overdue || (open.reviewStatus === 'pending' && open.reviewReasons.includes('noExit'))
    if (overdue && !open.reviewReasons.includes('noExit')) reasons.push('noExit')
    const fee = await closeSession(c, open, exitAt, { cap: orphan, reasons, exitGate: c.input.gate, exitEventId: c.eventId })
    return decision({ action: 'open', reason: 'exit', plate: open.plate, sessionId: open.id, reservationId: open.reservationId, feeFen: fee, flagged: orphan || reasons.length > 0 })
  }
  const plate = parsed.plate
  const recent = await repo.recentlyClosed(tx, lot.id, plate, new Date(at.getTime() - SAME_PASSAGE_MS))
  if (recent) return decision({ action: 'open', reason: 'alreadyExited', plate, sessionId: recent.id, reservationId: recent.reservationId, feeFen: recent.feeFen })
  const waiting = await repo.awaitingEntry(tx, lot.id, plate, new Date(at.getTime() - SAME_PASSAGE_MS))
  if (waiting && waiting.exitedAt!.getTime() <= at.getTime() + SAME_PASSAGE_MS) {
    return decision({ action: 'review', reason: 'noEntryRecord', plate, sessionId: waiting.id, flagged: true })
  }
  // no entry known: keep the exit until its entry reading arrives; staff decide at the barrier
  const id = randomUUID()
  await repo.insertSession(tx, {
    id,
    lotId: lot.id,
    gridCode: lot.gridCode,
    plate,
    plateColour: parsed.status === 'valid' ? parsed.colour : 'unknown',
    kind: 'walkIn',
    reservationId: null,
    permitId: null,
    status: 'awaitingEntry',
    enteredAt: null,
    exitedAt: at,
    entryGate: null,
    exitGate: c.input.gate,
    entryEventId: null,
    exitEventId: c.eventId,
    feeFen: null,
    reviewStatus: 'pending',
    reviewReasons: ['exitWithoutEntry'],
    createdAt: c.now,
  })
  c.flaggedSessions.push(id)
  return decision({ action: 'review', reason: 'noEntryRecord', plate, sessionId: id, flagged: true })
}

/**
 * Close a session at `exitAt` and price it. With `cap` the fee is limited to what one day
 * costs (unreviewedCapFen) and the session stays pending review. Returns the fee.
 */
async function closeSession(
  c: Pick<Ctx, 'p' | 'tx' | 'lot' | 'now' | 'audits' | 'flaggedSessions'>,
  s: SessionRow,
  exitAt: Date,
  o: { cap: boolean; reasons: string[]; exitGate: string | null; exitEventId: string | null; resolve?: string; reviewer?: string | null },
): Promise<number> {
  const { tx, lot, now } = c
  const tz = c.p.config.timeZone
  const enteredAt = s.enteredAt!
  let fee: number
  let detail: Record<string, unknown>
  let charges: Charge[] = []
  if (s.kind === 'reservation' && s.reservationId) {
    const r = (await repo.findReservation(tx, s.reservationId))!
    const price = priceReservedStay(r.tariff, { start: r.startAt.getTime(), end: r.endAt.getTime() }, { start: enteredAt.getTime(), end: exitAt.getTime() }, tz)
    fee = price.totalFen
    let capped = false
    if (o.cap) {
      const limit = r.quoteFen + unreviewedCapFen(r.tariff, Math.max(r.endAt.getTime(), enteredAt.getTime()), tz)
      if (fee > limit) {
        fee = limit
        capped = true
      }
    }
    detail = { ...price, totalFen: fee, capped }
    await repo.transition(tx, r.id, ['checkedIn', 'booked'], 'completed', { feeFen: fee, endedAt: exitAt })
    if (fee !== r.quoteFen) await repo.insertCharges(tx, [ledger(r, 'session', fee, r.quoteFen, now, s.id)])
  } else {
    const prior = await repo.priorCharges(tx, lot.id, s.plate, new Date(enteredAt.getTime() - 2 * 86_400_000), s.id)
    const permits = (await repo.monthlyPermits(tx, lot.id, s.plate, enteredAt, exitAt)).map((x) => ({ start: x.validFrom.getTime(), end: x.validTo.getTime() }))
    const price = priceStay(lot.tariff, { start: enteredAt.getTime(), end: exitAt.getTime() }, { tz, prior, permits })
    fee = price.totalFen
    charges = price.charges
    let capped = false
    if (o.cap) {
      const limit = unreviewedCapFen(lot.tariff, enteredAt.getTime(), tz)
      if (fee > limit) {
        fee = limit
        capped = true
        // keep the charged intervals consistent with the capped fee for later visits' caps
        let left = limit
        charges = charges.flatMap((x) => (left <= 0 ? [] : ((left -= x.fen), [{ at: x.at, fen: left >= 0 ? x.fen : x.fen + left }])))
      }
    }
    detail = { totalFen: fee, intervals: price.intervals, cappedFen: price.cappedFen, capped, permitMinutes: permits.length > 0 }
    if (fee > 0) {
      await repo.insertCharges(tx, [
        { lotId: lot.id, gridCode: lot.gridCode, kind: 'session', reservationId: null, sessionId: s.id, permitId: s.permitId, spaceId: null, ownerId: null, accountId: null, plate: s.plate, ...splitDelta(lot.tariff, false, fee, 0), at: now },
      ])
    }
  }
  const reasons = [...new Set([...s.reviewReasons, ...o.reasons])]
  const pending = o.cap || o.reasons.length > 0 || (s.reviewStatus === 'pending' && !o.resolve)
  await repo.updateSession(tx, s.id, {
    status: 'closed',
    exitedAt: exitAt,
    exitGate: o.exitGate,
    exitEventId: o.exitEventId,
    feeFen: fee,
    feeDetail: detail,
    charges,
    reviewReasons: reasons,
    reviewStatus: pending ? 'pending' : o.resolve ? 'resolved' : s.reviewStatus,
    ...(o.resolve && !pending ? { reviewNote: o.resolve, reviewedAt: now, reviewedBy: o.reviewer ?? null } : {}),
  })
  if (pending && s.reviewStatus !== 'pending') c.flaggedSessions.push(s.id)
  c.audits.push({ action: 'parking.session.close', entityType: 'parkingSession', entityId: s.id, after: { exitedAt: exitAt.toISOString(), feeFen: fee, reasons, pending } })
  return fee
}

// The manual path

/** An operator's decision on a reading answered `review` (special plate, no plate, low confidence, no entry record). */
export async function decideGateEvent(p: Platform, opts: { actor: Actor; caller: AuthUser; eventId: string; action: 'open' | 'refuse'; plate?: string; note?: string }) {
  const ev = await repo.findEventById(p.db, opts.eventId)
  if (!ev) throw notFound('Gate event')
  const lot = await lotFor(p, opts.caller, ev.lotId, 'parking.gates.write')
  if (ev.action !== 'review') throw new DomainError('CONFLICT', `The event was answered ${ev.action}; only events sent to review need a decision`)
  if (ev.decidedAt) throw new DomainError('CONFLICT', 'The event has been decided already')
  const now = p.clock.now()
  const out = await p.db.transaction().execute(async (tx) => {
    let sessionId: string | null = ev.sessionId
    const c = { p, tx, lot, now, audits: [] as AuditEntry[], flaggedSessions: [] as string[] }
    if (opts.action === 'open' && ev.direction === 'entry') {
      const text = opts.plate ?? ev.plate
      if (!text) throw invalid([{ field: 'plate', reason: 'give the plate as read by staff' }])
      const parsed = parsePlate(text)
      const plate = parsed.status === 'invalid' ? normalisePlate(text) : parsed.plate
      if (await repo.findOpenSession(tx, lot.id, plate)) throw new DomainError('CONFLICT', `${plate} is already inside`)
      sessionId = randomUUID()
      await repo.insertSession(tx, {
        id: sessionId,
        lotId: lot.id,
        gridCode: lot.gridCode,
        plate,
        plateColour: parsed.status === 'valid' ? parsed.colour : ev.plateColour,
        kind: 'manual',
        reservationId: null,
        permitId: null,
        status: 'open',
        enteredAt: ev.occurredAt,
        exitedAt: null,
        entryGate: ev.gate,
        exitGate: null,
        entryEventId: ev.id,
        exitEventId: null,
        feeFen: null,
        reviewStatus: 'none',
        reviewReasons: [],
        createdAt: now,
      })
    } else if (opts.action === 'open' && ev.direction === 'exit' && opts.plate) {
      const parsed = parsePlate(opts.plate)
      const plate = parsed.status === 'invalid' ? normalisePlate(opts.plate) : parsed.plate
      const open = await repo.findOpenSession(tx, lot.id, plate)
      if (open) {
        await closeSession(c, open, ev.occurredAt, { cap: false, reasons: [], exitGate: ev.gate, exitEventId: ev.id, resolve: `gate decision: ${opts.note ?? 'opened by staff'}`, reviewer: opts.caller.id })
        sessionId = open.id
      }
    }
    const decided = await repo.decideEvent(tx, ev.id, { decidedAction: opts.action, decidedBy: opts.caller.id, decidedAt: now, sessionId })
    if (!decided) throw new DomainError('CONFLICT', 'The event has been decided already')
    await appendAudit(tx, opts.actor, [...c.audits, { action: 'parking.gate.decide', entityType: 'parkingGateEvent', entityId: ev.id, after: { action: opts.action, plate: opts.plate ?? null, note: opts.note ?? null, sessionId } }], now)
    return { decided, sessionId, event: await occupancyEvent(p, tx, lot, now) }
  })
  await p.bus.publish(out.event)
  return { eventId: ev.id, action: opts.action, sessionId: out.sessionId }
}

export const toEventView = (e: NonNullable<Awaited<ReturnType<typeof repo.findEventById>>>) => ({
  id: e.id,
  lotId: e.lotId,
  cameraEventId: e.cameraEventId,
  gate: e.gate,
  direction: e.direction,
  plateRaw: e.plateRaw,
  plate: e.plate,
  plateColour: e.plateColour,
  plateStatus: e.plateStatus,
  confidence: e.confidence,
  occurredAt: e.occurredAt.toISOString(),
  receivedAt: e.receivedAt.toISOString(),
  snapshotSha256: e.snapshotSha256,
  action: e.action,
  reason: e.reason,
  sessionId: e.sessionId,
  reservationId: e.reservationId,
  decidedAction: e.decidedAction,
  decidedAt: e.decidedAt?.toISOString() ?? null,
})

export async function listGateEvents(p: Platform, opts: { caller: AuthUser; lotId: string; limit: number; cursor?: string; review?: boolean }) {
  const lot = await lotFor(p, opts.caller, opts.lotId, 'parking.gates.write')
  const after = decodeCursor<{ occurredAt: string; id: string }>(opts.cursor)
  const rows = await repo.listEvents(p.db, {
    lotId: lot.id,
    limit: opts.limit + 1,
    ...(opts.review ? { review: true } : {}),
    ...(after ? { after: { occurredAt: new Date(after.occurredAt), id: after.id } } : {}),
  })
  const page = rows.slice(0, opts.limit)
  const last = page.at(-1)
  return { items: page.map(toEventView), nextCursor: rows.length > opts.limit && last ? encodeCursor({ occurredAt: last.occurredAt.toISOString(), id: last.id }) : null }
}

// Sessions and their review

export async function listSessions(p: Platform, opts: { caller: AuthUser; lotId: string } & Static<typeof ListSessionsQuery>) {
  const lot = await lotFor(p, opts.caller, opts.lotId, 'parking.sessions.manage')
  const after = decodeCursor<{ createdAt: string; id: string }>(opts.cursor)
  const rows = await repo.listSessions(p.db, {
    lotId: lot.id,
    limit: opts.limit + 1,
    ...(opts.status ? { status: opts.status } : {}),
    ...(opts.review ? { review: true } : {}),
    ...(opts.plate ? { plate: normalisePlate(opts.plate) } : {}),
    ...(after ? { after: { createdAt: new Date(after.createdAt), id: after.id } } : {}),
  })
  const page = rows.slice(0, opts.limit)
  const last = page.at(-1)
  return { items: page.map(toSessionView), nextCursor: rows.length > opts.limit && last ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id }) : null }
}

async function sessionFor(p: Platform, caller: AuthUser, sessionId: string) {
  const s = await repo.findSession(p.db, sessionId)
  if (!s) throw notFound('Parking session')
  const lot = await lotFor(p, caller, s.lotId, 'parking.sessions.manage')
  return { s, lot }
}

export async function getSession(p: Platform, opts: { caller: AuthUser; sessionId: string }) {
  return toSessionView((await sessionFor(p, opts.caller, opts.sessionId)).s)
}

/**
 * A human decision on a session: `close` an open one at a given exit time (billed in full —
 * the operator decided), `confirm` the fee as billed, `adjust` it, or `void` a stay that did
 * not happen. The ledger gets the difference; the session leaves the review queue.
 */
export async function reviewSession(p: Platform, opts: { actor: Actor; caller: AuthUser; sessionId: string; input: ReviewSessionInput }) {
  const { s, lot } = await sessionFor(p, opts.caller, opts.sessionId)
  const { input } = opts
  const now = p.clock.now()
  const resolved = { reviewStatus: 'resolved' as const, reviewNote: input.note, reviewedAt: now, reviewedBy: opts.caller.id }
  const result = await p.db.transaction().execute(async (tx) => {
    const c = { p, tx, lot, now, audits: [] as AuditEntry[], flaggedSessions: [] as string[] }
    const current = (await repo.findSession(tx, s.id))!
    const reservation = current.reservationId ? await repo.findReservation(tx, current.reservationId) : undefined
    /** Move the fee of the session (and its reservation) to `fee`, with the ledger difference. */
    const setFee = async (fee: number) => {
      const before = current.feeFen ?? reservation?.quoteFen ?? 0
      if (reservation) {
        await tx.updateTable('parkingReservations').set({ feeFen: fee }).where('id', '=', reservation.id).execute()
        if (fee !== before) await repo.insertCharges(tx, [{ ...ledger(reservation, 'session', fee, before, now, s.id), kind: 'adjustment' }])
      } else if (fee !== before) {
        await repo.insertCharges(tx, [
          { lotId: lot.id, gridCode: lot.gridCode, kind: 'adjustment', reservationId: null, sessionId: s.id, permitId: current.permitId, spaceId: null, ownerId: null, accountId: null, plate: current.plate, ...splitDelta(lot.tariff, false, fee, before), at: now },
        ])
      }
    }
    switch (input.decision) {
      case 'close': {
        if (current.status !== 'open') throw new DomainError('CONFLICT', `Only an open session can be closed; this one is ${current.status}`)
        if (!input.exitedAt) throw invalid([{ field: 'exitedAt', reason: 'when did the car leave?' }])
        const exitAt = new Date(input.exitedAt)
        if (exitAt < current.enteredAt! || exitAt > now) throw invalid([{ field: 'exitedAt', reason: 'between the entry and now' }])
        await closeSession(c, current, exitAt, { cap: false, reasons: [], exitGate: null, exitEventId: null, resolve: input.note, reviewer: opts.caller.id })
        await repo.updateSession(tx, s.id, resolved)
        break
      }
      case 'confirm':
        if (current.status !== 'closed') throw new DomainError('CONFLICT', `A ${current.status} session has no fee to confirm; close, adjust or void it`)
        await repo.updateSession(tx, s.id, resolved)
        break
      case 'adjust': {
        if (input.feeFen === undefined) throw invalid([{ field: 'feeFen', reason: 'the fee decided' }])
        if (current.status === 'open') throw new DomainError('CONFLICT', 'Close the session first')
        await setFee(input.feeFen)
        await repo.updateSession(tx, s.id, { ...resolved, feeFen: input.feeFen, feeDetail: { ...(current.feeDetail ?? {}), adjustedFrom: current.feeFen, totalFen: input.feeFen } })
        break
      }
      case 'void': {
        const fee = reservation ? reservation.quoteFen : 0
        await setFee(fee)
        if (reservation && ['booked', 'checkedIn'].includes(reservation.status)) await repo.transition(tx, reservation.id, ['booked', 'checkedIn'], 'completed', { feeFen: fee, endedAt: now })
        await repo.updateSession(tx, s.id, { ...resolved, status: 'void', feeFen: 0, exitedAt: current.exitedAt ?? now })
        break
      }
    }
    const after = (await repo.findSession(tx, s.id))!
    await appendAudit(tx, opts.actor, [...c.audits, { action: `parking.session.${input.decision}`, entityType: 'parkingSession', entityId: s.id, before: toSessionView(current), after: toSessionView(after) }], now)
    return { view: toSessionView(after), event: await occupancyEvent(p, tx, lot, now) }
  })
  await p.bus.publish(result.event)
  await p.bus.publish({ type: REVIEW_EVENT, regionCode: lot.gridCode, data: { lotId: lot.id, sessionIds: [s.id], resolved: true } })
  return result.view
}

/** The periodic check: sessions open longer than their lot's maxSessionHours are flagged for review. */
export async function flagOrphanSessions(p: Platform, now: Date): Promise<number> {
  const flagged = await p.db.transaction().execute(async (tx) => {
    const rows = await repo.orphanCandidates(tx, now, 500)
    for (const s of rows) {
      await repo.updateSession(tx, s.id, { reviewStatus: 'pending', reviewReasons: [...new Set([...s.reviewReasons, 'noExit'])] })
    }
    await appendAudit(
      tx,
      SYSTEM_ACTOR,
      rows.map((s) => ({ action: 'parking.session.flag', entityType: 'parkingSession', entityId: s.id, after: { reason: 'noExit', enteredAt: s.enteredAt?.toISOString(), maxSessionHours: s.maxSessionHours } })),
      now,
    )
    return rows
  })
  const byLot = new Map<string, { grid: string; ids: string[] }>()
  for (const s of flagged) byLot.set(s.lotId, { grid: s.gridCode, ids: [...(byLot.get(s.lotId)?.ids ?? []), s.id] })
  for (const [lotId, { grid, ids }] of byLot) await p.bus.publish({ type: REVIEW_EVENT, regionCode: grid, data: { lotId, sessionIds: ids } })
  return flagged.length
}

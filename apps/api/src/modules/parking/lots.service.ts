/**
 * Places: lots (location resolved to a grid, opening hours, gates, rules, tariff), spaces, the
 * shared private spaces residents publish, monthly and accessible permits, and booking bans.
 */
import { canSee, isAdmin, regionPrefix, type AuthUser } from '../../platform/access.js'
import { appendAudit, type Actor } from '../../platform/audit.js'
import { isUniqueViolation, sqlState } from '../../platform/db/pg-errors.js'
import { DomainError, invalid, notFound, type FieldError } from '../../platform/errors.js'
import type { Platform } from '../../platform/platform.js'
import { locatePoint } from '../regions/index.js'
import { ALWAYS, expand, merge, subtract, validateSchedule, type Interval, type Schedule } from './availability.js'
import { addDays, atLocal, localParts } from './local-time.js'
import { parkingPolicy } from './parking.policy.js'
import { parkingRepository as repo, type LotRow, type SpaceRow } from './parking.repository.js'
import {
  DEFAULT_RULES,
  type CreateLotInput,
  type CreateSpaceInput,
  type LotRules,
  type LotView,
  type PermitInput,
  type ScheduleInput,
  type ShareSpaceInput,
  type SpaceType,
  type SpaceView,
  type UpdateLotInput,
  type UpdateSpaceInput,
} from './parking.schemas.js'
import { parsePlate } from './plates.js'
import { DEFAULT_TARIFF, permitPrice, validateTariff, type Tariff } from './pricing.js'
import { decodeCursor, distanceM, encodeCursor, splitDelta, toLotView, toSpaceView } from './parking.views.js'

// Access

/** A lot anyone signed in may read. */
export async function readLot(p: Platform, lotId: string): Promise<LotRow> {
  const lot = await repo.findLot(p.db, lotId)
  if (!lot) throw notFound('Parking lot')
  return lot
}

/** A lot the caller may act on with `action`: 404 outside their regions, 403 for the wrong role. */
export async function lotFor(p: Platform, caller: AuthUser, lotId: string, action: Parameters<typeof parkingPolicy.assert>[1]): Promise<LotRow> {
  const lot = await readLot(p, lotId)
  parkingPolicy.assert(caller, action, { regionCode: lot.gridCode }, 'Parking lot')
  return lot
}

// Validation

function checkRules(rules: LotRules): FieldError[] {
  const errors: FieldError[] = []
  if (rules.minDurationMinutes > rules.maxDurationMinutes) errors.push({ field: 'rules.minDurationMinutes', reason: 'must not exceed maxDurationMinutes' })
  if (rules.ownerPriceMinPerHourFen > rules.ownerPriceMaxPerHourFen) errors.push({ field: 'rules.ownerPriceMinPerHourFen', reason: 'must not exceed ownerPriceMaxPerHourFen' })
  return errors
}

function checkSchedule(s: ScheduleInput | null | undefined, field: string): FieldError[] {
  return s ? validateSchedule(s, field) : []
}

function checkGates(gates: { code: string }[]): FieldError[] {
  const seen = new Set<string>()
  return gates.flatMap((g, i) => (seen.has(g.code) ? [{ field: `gates.${i}.code`, reason: 'duplicate gate code' }] : (seen.add(g.code), [])))
}

function assertValid(errors: FieldError[]) {
  if (errors.length > 0) throw invalid(errors)
}

/** The availability of a space as a schedule: the owner's windows (cut at a withdrawal) for a shared space, always for the lot's own. */
export function spaceSchedule(space: SpaceRow): Schedule | null {
  if (space.ownerId === null) return ALWAYS
  if (!space.availability || space.ownerPricePerHourFen === null) return null
  return { ...space.availability, until: space.sharingUntil?.getTime() ?? null }
}

export const lotSchedule = (lot: LotRow): Schedule => lot.openingHours ?? ALWAYS

// Lots

export async function createLot(p: Platform, opts: { actor: Actor; caller: AuthUser; input: CreateLotInput }): Promise<LotView> {
  parkingPolicy.assert(opts.caller, 'parking.lots.manage')
  const { input } = opts
  const rules: LotRules = { ...DEFAULT_RULES, ...input.rules }
  const tariff: Tariff = { ...DEFAULT_TARIFF, ...input.tariff }
  assertValid([...checkRules(rules), ...validateTariff(tariff), ...checkSchedule(input.openingHours, 'openingHours.weekly'), ...checkGates(input.gates)])
  const located = await locatePoint(p, input.location.lng, input.location.lat)
  if (!located?.grid) throw invalid([{ field: 'location', reason: 'the point lies in no unit grid; import the grids of the area first' }])
  if (!canSee(opts.caller, { regionCode: located.grid.code })) throw new DomainError('FORBIDDEN', 'The location lies outside your regions')
  const now = p.clock.now()
  const lot = await p.db.transaction().execute(async (tx) => {
    const row = await repo.insertLot(tx, {
      name: input.name,
      type: input.type,
      address: input.address ?? null,
      lng: input.location.lng,
      lat: input.location.lat,
      gridCode: located.grid!.code,
      communityCode: located.community?.code ?? null,
      streetCode: located.street?.code ?? null,
      capacity: input.capacity,
      openingHours: input.openingHours ?? null,
      rules,
      tariff,
      createdBy: opts.caller.id,
      createdAt: now,
      updatedAt: now,
    })
    await repo.replaceGates(tx, row.id, input.gates)
    await appendAudit(tx, opts.actor, { action: 'parking.lot.create', entityType: 'parkingLot', entityId: row.id, after: { ...row, gates: input.gates } }, now)
    return row
  })
  return toLotView(lot, input.gates)
}

export async function updateLot(p: Platform, opts: { actor: Actor; caller: AuthUser; lotId: string; input: UpdateLotInput }): Promise<LotView> {
  const before = await lotFor(p, opts.caller, opts.lotId, 'parking.lots.manage')
  const { input } = opts
  const rules = input.rules ? { ...before.rules, ...input.rules } : undefined
  const tariff = input.tariff ? { ...before.tariff, ...input.tariff } : undefined
  assertValid([
    ...(rules ? checkRules(rules) : []),
    ...(tariff ? validateTariff(tariff) : []),
    ...checkSchedule(input.openingHours, 'openingHours.weekly'),
    ...(input.gates ? checkGates(input.gates) : []),
  ])
  const now = p.clock.now()
  const { row, gates } = await p.db.transaction().execute(async (tx) => {
    const updated = await repo.updateLot(
      tx,
      before.id,
      input.version,
      {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.status !== undefined ? { status: input.status } : {}),
        ...(input.address !== undefined ? { address: input.address } : {}),
        ...(input.capacity !== undefined ? { capacity: input.capacity } : {}),
        ...(input.openingHours !== undefined ? { openingHours: input.openingHours } : {}),
        ...(rules ? { rules } : {}),
        ...(tariff ? { tariff } : {}),
      },
      now,
    )
    if (!updated) {
      const current = (await repo.findLot(tx, before.id))!
      throw new DomainError('VERSION_CONFLICT', `The lot is at version ${current.version}`, { current: toLotView(current, (await repo.gatesOf(tx, [current.id])).get(current.id) ?? []) })
    }
    if (input.gates) await repo.replaceGates(tx, before.id, input.gates)
    const g = (await repo.gatesOf(tx, [before.id])).get(before.id) ?? []
    await appendAudit(tx, opts.actor, { action: 'parking.lot.update', entityType: 'parkingLot', entityId: before.id, before, after: { ...updated, gates: g } }, now)
    return { row: updated, gates: g }
  })
  return toLotView(row, gates)
}

export async function getLot(p: Platform, opts: { caller: AuthUser; lotId: string }): Promise<LotView> {
  parkingPolicy.assert(opts.caller, 'parking.lots.read')
  const lot = await readLot(p, opts.lotId)
  return toLotView(lot, (await repo.gatesOf(p.db, [lot.id])).get(lot.id) ?? [])
}

/**
 * Lots by region or type, paged by id; or, with `lng`/`lat`, the lots within `radiusM` nearest
 * first (one page, no cursor) — "find a lot near me".
 */
export async function listLots(
  p: Platform,
  opts: { caller: AuthUser; limit: number; cursor?: string; type?: LotView['type']; regionCode?: string; lng?: number; lat?: number; radiusM: number },
) {
  parkingPolicy.assert(opts.caller, 'parking.lots.read')
  const filters = { ...(opts.type ? { type: opts.type } : {}), ...(opts.regionCode ? { regionPrefix: regionPrefix(opts.regionCode) } : {}) }
  if (opts.lng !== undefined && opts.lat !== undefined) {
    const { lng, lat, radiusM } = opts
    const dLat = radiusM / 111_320
    const dLng = radiusM / (111_320 * Math.max(0.01, Math.cos((lat * Math.PI) / 180)))
    const rows = await repo.listLots(p.db, { ...filters, limit: 5000, bbox: [lng - dLng, lat - dLat, lng + dLng, lat + dLat] })
    const near = rows
      .map((r) => ({ r, d: distanceM(lng, lat, r.lng, r.lat) }))
      .filter((x) => x.d <= radiusM)
      .sort((a, b) => a.d - b.d)
      .slice(0, opts.limit)
    const gates = await repo.gatesOf(p.db, near.map((x) => x.r.id))
    return { items: near.map((x) => toLotView(x.r, gates.get(x.r.id) ?? [], x.d)), nextCursor: null }
  }
  const after = decodeCursor<string>(opts.cursor)
  const rows = await repo.listLots(p.db, { ...filters, limit: opts.limit + 1, ...(after ? { after } : {}) })
  const page = rows.slice(0, opts.limit)
  const gates = await repo.gatesOf(p.db, page.map((r) => r.id))
  return { items: page.map((r) => toLotView(r, gates.get(r.id) ?? [])), nextCursor: rows.length > opts.limit ? encodeCursor(page.at(-1)!.id) : null }
}

// Spaces

export async function addSpaces(p: Platform, opts: { actor: Actor; caller: AuthUser; lotId: string; spaces: CreateSpaceInput[] }): Promise<SpaceView[]> {
  const lot = await lotFor(p, opts.caller, opts.lotId, 'parking.lots.manage')
  const now = p.clock.now()
  try {
    return await p.db.transaction().execute(async (tx) => {
      const rows = await repo.insertSpaces(
        tx,
        opts.spaces.map((s) => ({
          lotId: lot.id,
          gridCode: lot.gridCode,
          code: s.code,
          type: s.type ?? 'standard',
          level: s.level ?? null,
          // an owned space is booked by name only, never handed out by "any space"
          pooled: s.ownerId ? false : (s.pooled ?? true),
          ownerId: s.ownerId ?? null,
        })),
        now,
      )
      await appendAudit(
        tx,
        opts.actor,
        rows.map((r) => ({ action: 'parking.space.create', entityType: 'parkingSpace', entityId: r.id, after: r })),
        now,
      )
      return rows.map(toSpaceView)
    })
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError('CONFLICT', 'A space code is already used in this lot', { errors: [{ field: 'spaces.code', reason: 'already exists' }] })
    if (sqlState(err) === '23503') throw invalid([{ field: 'spaces.ownerId', reason: 'no such user' }])
    throw err
  }
}

export async function listSpaces(p: Platform, opts: { caller: AuthUser; lotId: string }): Promise<SpaceView[]> {
  parkingPolicy.assert(opts.caller, 'parking.lots.read')
  const lot = await readLot(p, opts.lotId)
  return (await repo.listSpaces(p.db, lot.id)).map(toSpaceView)
}

async function readSpace(p: Platform, spaceId: string) {
  const space = await repo.findSpace(p.db, spaceId)
  if (!space) throw notFound('Parking space')
  return { space, lot: (await repo.findLot(p.db, space.lotId))! }
}

export async function getSpace(p: Platform, opts: { caller: AuthUser; spaceId: string }): Promise<SpaceView> {
  parkingPolicy.assert(opts.caller, 'parking.lots.read')
  return toSpaceView((await readSpace(p, opts.spaceId)).space)
}

export async function updateSpace(p: Platform, opts: { actor: Actor; caller: AuthUser; spaceId: string; input: UpdateSpaceInput }): Promise<SpaceView> {
  const { space } = await readSpace(p, opts.spaceId)
  await lotFor(p, opts.caller, space.lotId, 'parking.lots.manage')
  const { input } = opts
  const ownerId = input.ownerId === undefined ? space.ownerId : input.ownerId
  const now = p.clock.now()
  try {
    return await p.db.transaction().execute(async (tx) => {
      const row = await repo.updateSpace(
        tx,
        space.id,
        input.version,
        {
          ...(input.type !== undefined ? { type: input.type } : {}),
          ...(input.level !== undefined ? { level: input.level } : {}),
          ...(input.status !== undefined ? { status: input.status } : {}),
          ...(input.ownerId !== undefined ? { ownerId: input.ownerId } : {}),
          // a change of owner clears what the previous owner published
          ...(input.ownerId !== undefined && input.ownerId !== space.ownerId ? { availability: null, ownerPricePerHourFen: null, sharingUntil: null } : {}),
          pooled: ownerId ? false : (input.pooled ?? space.pooled),
        },
        now,
      )
      if (!row) throw new DomainError('VERSION_CONFLICT', 'The space was changed by someone else', { current: toSpaceView((await repo.findSpace(tx, space.id))!) })
      await appendAudit(tx, opts.actor, { action: 'parking.space.update', entityType: 'parkingSpace', entityId: space.id, before: space, after: row }, now)
      return toSpaceView(row)
    })
  } catch (err) {
    if (sqlState(err) === '23503') throw invalid([{ field: 'ownerId', reason: 'no such user' }])
    throw err
  }
}

/** The owner of a shared space (or an operator of its lot) may act on its sharing. */
async function spaceForOwner(p: Platform, caller: AuthUser, spaceId: string) {
  const { space, lot } = await readSpace(p, spaceId)
  parkingPolicy.assert(caller, 'parking.spaces.share')
  const isOwner = space.ownerId !== null && space.ownerId === caller.id
  const isOperator = parkingPolicy.allows(caller, 'parking.lots.manage') && canSee(caller, { regionCode: lot.gridCode })
  if (!isOwner && !isOperator) throw new DomainError('FORBIDDEN', 'Only the owner of this space may share it')
  if (space.ownerId === null) throw new DomainError('CONFLICT', "This is one of the lot's own spaces; only private spaces with an owner are shared")
  return { space, lot }
}

/** The owner publishes weekly windows with exceptions and an hourly price within the lot's bounds. */
export async function shareSpace(p: Platform, opts: { actor: Actor; caller: AuthUser; spaceId: string; input: ShareSpaceInput }): Promise<SpaceView> {
  const { space, lot } = await spaceForOwner(p, opts.caller, opts.spaceId)
  const { pricePerHourFen, availability } = opts.input
  const errors = validateSchedule(availability, 'availability.weekly')
  if (pricePerHourFen < lot.rules.ownerPriceMinPerHourFen || pricePerHourFen > lot.rules.ownerPriceMaxPerHourFen) {
    errors.push({ field: 'pricePerHourFen', reason: `the lot allows ${lot.rules.ownerPriceMinPerHourFen}–${lot.rules.ownerPriceMaxPerHourFen} 分 per hour` })
  }
  assertValid(errors)
  const now = p.clock.now()
  return p.db.transaction().execute(async (tx) => {
    const row = (await repo.updateSpace(tx, space.id, null, { ownerPricePerHourFen: pricePerHourFen, availability, sharingUntil: null }, now))!
    await appendAudit(tx, opts.actor, { action: 'parking.space.share', entityType: 'parkingSpace', entityId: space.id, before: space, after: row }, now)
    return toSpaceView(row)
  })
}

/**
 * The owner withdraws availability from `from` (default now) on. Bookings already made are
 * honoured — the owner agreed to them; nothing is cancelled. The answer lists how many remain.
 */
export async function withdrawSpace(p: Platform, opts: { actor: Actor; caller: AuthUser; spaceId: string; from?: string }) {
  const { space } = await spaceForOwner(p, opts.caller, opts.spaceId)
  const now = p.clock.now()
  const from = opts.from ? new Date(opts.from) : now
  const until = new Date(Math.max(from.getTime(), now.getTime()))
  return p.db.transaction().execute(async (tx) => {
    const row = (await repo.updateSpace(tx, space.id, null, { sharingUntil: until }, now))!
    const honoured = await repo.busyOfSpace(tx, space.id, until, new Date(until.getTime() + 400 * 86_400_000))
    await appendAudit(tx, opts.actor, { action: 'parking.space.withdraw', entityType: 'parkingSpace', entityId: space.id, before: space, after: { sharingUntil: until, honouredBookings: honoured.length } }, now)
    return { space: toSpaceView(row), honouredBookings: honoured.length }
  })
}

export async function mySpaces(p: Platform, opts: { caller: AuthUser }): Promise<SpaceView[]> {
  return (await repo.spacesOfOwner(p.db, opts.caller.id)).map(toSpaceView)
}

const MAX_WINDOW_MS = 92 * 86_400_000

function windowOf(from: string, to: string) {
  const a = new Date(from)
  const b = new Date(to)
  if (!(b > a)) throw invalid([{ field: 'to', reason: 'must be after from' }])
  if (b.getTime() - a.getTime() > MAX_WINDOW_MS) throw invalid([{ field: 'to', reason: 'at most 92 days after from' }])
  return { a, b }
}

/** When a space can be booked between `from` and `to`: its availability and the lot's opening hours, minus active bookings. */
export async function spaceCalendar(p: Platform, opts: { caller: AuthUser; spaceId: string; from: string; to: string }) {
  parkingPolicy.assert(opts.caller, 'parking.lots.read')
  const { a, b } = windowOf(opts.from, opts.to)
  const { space, lot } = await readSpace(p, opts.spaceId)
  const tz = p.config.timeZone
  const schedule = spaceSchedule(space)
  if (!schedule || space.status !== 'active' || lot.status !== 'open') return { spaceId: space.id, free: [] as { start: string; end: string }[] }
  const open = expand(lotSchedule(lot), a.getTime(), b.getTime(), tz)
  const avail = expand(schedule, a.getTime(), b.getTime(), tz)
  const both = subtract(open, subtract(open, avail))
  const busy = merge((await repo.busyOfSpace(p.db, space.id, a, b)).map((x): Interval => ({ start: x.startAt.getTime(), end: x.endAt.getTime() })))
  return {
    spaceId: space.id,
    free: subtract(both, busy).map((i) => ({ start: new Date(i.start).toISOString(), end: new Date(i.end).toISOString() })),
  }
}

/** Spaces of a lot free for the whole window (bookable by name), optionally of one type. */
export async function freeSpaces(p: Platform, opts: { caller: AuthUser; lotId: string; from: string; to: string; spaceType?: SpaceType }): Promise<SpaceView[]> {
  parkingPolicy.assert(opts.caller, 'parking.lots.read')
  const { a, b } = windowOf(opts.from, opts.to)
  const lot = await readLot(p, opts.lotId)
  const tz = p.config.timeZone
  const rows = await repo.freeSpaces(p.db, lot.id, a, b)
  return rows
    .filter((s) => !opts.spaceType || s.type === opts.spaceType)
    .filter((s) => {
      const schedule = spaceSchedule(s)
      if (!schedule) return false
      return s.ownerId === null || expand(schedule, a.getTime(), b.getTime(), tz).some((i) => i.start <= a.getTime() && i.end >= b.getTime())
    })
    .map(toSpaceView)
}

// Permits

/** Add calendar months in the tenant zone (a permit from 31 Jan for one month ends on 28/29 Feb). */
function addMonths(at: Date, months: number, tz: string): Date {
  const local = localParts(at.getTime(), tz)
  const [y, m, d] = local.date.split('-').map(Number) as [number, number, number]
  const total = y * 12 + (m - 1) + months
  const ny = Math.floor(total / 12)
  const nm = (total % 12) + 1
  const lastDay = new Date(Date.UTC(ny, nm, 0)).getUTCDate()
  const date = `${ny}-${String(nm).padStart(2, '0')}-${String(Math.min(d, lastDay)).padStart(2, '0')}`
  return new Date(atLocal(date, local.minute, tz))
}

export async function issuePermit(p: Platform, opts: { actor: Actor; caller: AuthUser; input: PermitInput }) {
  const lot = await lotFor(p, opts.caller, opts.input.lotId, 'parking.lots.manage')
  const { input } = opts
  const plate = parsePlate(input.plate)
  if (plate.status !== 'valid') throw invalid([{ field: 'plate', reason: plate.status === 'manual' ? `${plate.detail}: issue it at the office by hand` : plate.reason }])
  const validFrom = new Date(input.validFrom)
  let validTo: Date
  let priceFen = 0
  if (input.months !== undefined) {
    validTo = addMonths(validFrom, input.months, p.config.timeZone)
    if (input.kind === 'monthly') {
      if (lot.tariff.monthlyPermitFen === null) throw new DomainError('BOOKING_RULE_VIOLATED', 'This lot sells no monthly permits')
      priceFen = permitPrice(lot.tariff, input.months)
    }
  } else if (input.validTo) {
    validTo = new Date(input.validTo)
  } else {
    throw invalid([{ field: 'months', reason: 'give months or validTo' }])
  }
  if (!(validTo > validFrom)) throw invalid([{ field: 'validTo', reason: 'must be after validFrom' }])
  const now = p.clock.now()
  return p.db.transaction().execute(async (tx) => {
    const row = await repo.insertPermit(tx, { lotId: lot.id, gridCode: lot.gridCode, plate: plate.plate, kind: input.kind, validFrom, validTo, priceFen, issuedBy: opts.caller.id, issuedAt: now })
    if (priceFen > 0) {
      await repo.insertCharges(tx, [
        { lotId: lot.id, gridCode: lot.gridCode, kind: 'permit', reservationId: null, sessionId: null, permitId: row.id, spaceId: null, ownerId: null, accountId: null, plate: plate.plate, ...splitDelta(lot.tariff, false, priceFen, 0), at: now },
      ])
    }
    await appendAudit(tx, opts.actor, { action: 'parking.permit.issue', entityType: 'parkingPermit', entityId: row.id, after: row }, now)
    return toPermitView(row)
  })
}

export const toPermitView = (r: { id: string; lotId: string; plate: string; kind: string; validFrom: Date; validTo: Date; priceFen: number; revokedAt: Date | null }) => ({
  id: r.id,
  lotId: r.lotId,
  plate: r.plate,
  kind: r.kind,
  validFrom: r.validFrom.toISOString(),
  validTo: r.validTo.toISOString(),
  priceFen: r.priceFen,
  revokedAt: r.revokedAt?.toISOString() ?? null,
})

export async function listPermits(p: Platform, opts: { caller: AuthUser; lotId: string }) {
  const lot = await lotFor(p, opts.caller, opts.lotId, 'parking.lots.manage')
  return (await repo.listPermits(p.db, lot.id)).map(toPermitView)
}

export async function revokePermit(p: Platform, opts: { actor: Actor; caller: AuthUser; permitId: string }) {
  const permit = await repo.findPermit(p.db, opts.permitId)
  if (!permit) throw notFound('Permit')
  await lotFor(p, opts.caller, permit.lotId, 'parking.lots.manage')
  const now = p.clock.now()
  return p.db.transaction().execute(async (tx) => {
    const row = await repo.revokePermit(tx, permit.id, now)
    if (!row) throw new DomainError('CONFLICT', 'The permit is already revoked')
    await appendAudit(tx, opts.actor, { action: 'parking.permit.revoke', entityType: 'parkingPermit', entityId: permit.id, before: permit, after: row }, now)
    return toPermitView(row)
  })
}

// Bans

const toBanView = (b: { id: string; accountId: string; reason: string; startsAt: Date; endsAt: Date; liftedAt: Date | null }) => ({
  id: b.id,
  accountId: b.accountId,
  reason: b.reason,
  startsAt: b.startsAt.toISOString(),
  endsAt: b.endsAt.toISOString(),
  liftedAt: b.liftedAt?.toISOString() ?? null,
})

/** Bans in force (operators), or the caller's own bans. */
export async function listBans(p: Platform, opts: { caller: AuthUser; mine: boolean }) {
  if (!opts.mine) parkingPolicy.assert(opts.caller, 'parking.reservations.manage')
  const rows = await repo.listBans(p.db, { ...(opts.mine ? { accountId: opts.caller.id } : { activeAt: p.clock.now() }), limit: 500 })
  return rows.map(toBanView)
}

export async function liftBan(p: Platform, opts: { actor: Actor; caller: AuthUser; banId: string }) {
  parkingPolicy.assert(opts.caller, 'parking.reservations.manage')
  const now = p.clock.now()
  return p.db.transaction().execute(async (tx) => {
    const row = await repo.liftBan(tx, opts.banId, opts.caller.id, now)
    if (!row) throw notFound('Active ban')
    await appendAudit(tx, opts.actor, { action: 'parking.ban.lift', entityType: 'parkingBan', entityId: row.id, after: row }, now)
    return toBanView(row)
  })
}

/** Lots the caller's scopes cover (admins: all). */
export function visibleLots(caller: AuthUser, lots: LotRow[]): LotRow[] {
  return isAdmin(caller) ? lots : lots.filter((l) => canSee(caller, { regionCode: l.gridCode }))
}

/** Local midnight of the day of `at` and the next one. */
export function localDayBounds(at: Date, tz: string): { start: Date; end: Date } {
  const date = localParts(at.getTime(), tz).date
  return { start: new Date(atLocal(date, 0, tz)), end: new Date(atLocal(addDays(date, 1), 0, tz)) }
}

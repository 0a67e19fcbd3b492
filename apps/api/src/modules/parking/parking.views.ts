import type { GateInput, LotView, ReservationView, SessionView, SpaceView } from './parking.schemas.js'
import type { LotRow, ReservationRow, SessionRow, SpaceRow } from './parking.repository.js'
import { splitRevenue, type Split, type Tariff } from './pricing.js'

const iso = (d: Date | null) => (d ? d.toISOString() : null)

export function toLotView(row: LotRow, gates: GateInput[], distanceM?: number): LotView {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    status: row.status,
    address: row.address,
    location: { lng: row.lng, lat: row.lat },
    gridCode: row.gridCode,
    communityCode: row.communityCode,
    streetCode: row.streetCode,
    districtCode: row.districtCode,
    capacity: row.capacity,
    openingHours: row.openingHours ? { weekly: [...row.openingHours.weekly], exceptions: [...(row.openingHours.exceptions ?? [])] } : null,
    gates,
    rules: row.rules,
    tariff: row.tariff,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...(distanceM !== undefined ? { distanceM: Math.round(distanceM) } : {}),
  }
}

export function toSpaceView(row: SpaceRow): SpaceView {
  return {
    id: row.id,
    lotId: row.lotId,
    code: row.code,
    type: row.type,
    level: row.level,
    status: row.status,
    pooled: row.pooled,
    shared: row.ownerId !== null,
    ownerId: row.ownerId,
    pricePerHourFen: row.ownerPricePerHourFen,
    availability: row.availability ? { weekly: [...row.availability.weekly], exceptions: [...(row.availability.exceptions ?? [])] } : null,
    sharingUntil: iso(row.sharingUntil),
    version: row.version,
  }
}

/** When cancelling stops being free: the later of the notice deadline and the accidental-booking grace (never after the start). */
export function freeCancelUntil(r: Pick<ReservationRow, 'startAt' | 'bookedAt' | 'rules'>): Date {
  const notice = r.startAt.getTime() - r.rules.freeCancelMinutes * 60_000
  const accidental = Math.min(r.bookedAt.getTime() + r.rules.accidentalGraceMinutes * 60_000, r.startAt.getTime())
  return new Date(Math.max(notice, accidental))
}

export function toReservationView(row: ReservationRow, opts: { maskPlate?: boolean } = {}): ReservationView {
  return {
    id: row.id,
    lotId: row.lotId,
    spaceId: row.spaceId,
    spaceCode: row.spaceCode,
    spaceType: row.spaceType,
    shared: row.shared,
    accountId: row.accountId,
    plate: opts.maskPlate ? maskPlate(row.plate) : row.plate,
    plateColour: row.plateColour,
    start: row.startAt.toISOString(),
    end: row.endAt.toISOString(),
    status: row.status,
    quoteFen: row.quoteFen,
    feeFen: row.feeFen,
    freeCancelUntil: freeCancelUntil(row).toISOString(),
    bookedAt: row.bookedAt.toISOString(),
    checkedInAt: iso(row.checkedInAt),
    endedAt: iso(row.endedAt),
    cancelReason: row.cancelReason,
    version: row.version,
  }
}

export function toSessionView(row: SessionRow): SessionView {
  return {
    id: row.id,
    lotId: row.lotId,
    plate: row.plate,
    plateColour: row.plateColour,
    kind: row.kind,
    reservationId: row.reservationId,
    status: row.status,
    enteredAt: iso(row.enteredAt),
    exitedAt: iso(row.exitedAt),
    entryGate: row.entryGate,
    exitGate: row.exitGate,
    feeFen: row.feeFen,
    feeDetail: row.feeDetail,
    reviewStatus: row.reviewStatus,
    reviewReasons: row.reviewReasons,
    reviewNote: row.reviewNote,
    reviewedAt: iso(row.reviewedAt),
  }
}

/** A plate linked to a person, shown to someone else (a space owner): 苏A1***5. */
export function maskPlate(plate: string): string {
  const c = [...plate]
  if (c.length < 5) return '*'.repeat(c.length)
  return [...c.slice(0, 3), ...'*'.repeat(c.length - 4), c.at(-1)].join('')
}

/**
 * The ledger row that moves an amount from `before` to `after`: the difference of the two
 * splits, component by component, so the rows of one booking always add up to the split of
 * its final fee.
 */
export function splitDelta(t: Pick<Tariff, 'platformBps' | 'communityBps'>, shared: boolean, after: number, before: number): Split & { amountFen: number } {
  const a = splitRevenue(after, t, shared)
  const b = splitRevenue(before, t, shared)
  return {
    amountFen: after - before,
    ownerFen: a.ownerFen - b.ownerFen,
    communityFen: a.communityFen - b.communityFen,
    platformFen: a.platformFen - b.platformFen,
  }
}

/** Opaque cursors: base64url of JSON. */
export const encodeCursor = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
export function decodeCursor<T>(cursor: string | undefined): T | undefined {
  if (!cursor) return undefined
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T
  } catch {
    return undefined
  }
}

/** Great-circle distance in metres. */
export function distanceM(lng1: number, lat1: number, lng2: number, lat2: number): number {
  const rad = Math.PI / 180
  const dLat = (lat2 - lat1) * rad
  const dLng = (lng2 - lng1) * rad
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLng / 2) ** 2
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(a))
}

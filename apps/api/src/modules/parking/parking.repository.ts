import { sql, type ColumnType, type Generated, type Selectable } from 'kysely'
import type { Executor } from '../../platform/db/database.js'
import type { DB } from '../../platform/db/schema.js'
import type { Schedule } from './availability.js'
import type { Charge, Tariff } from './pricing.js'
import type { GateInput, LotRules, LotType, ReservationStatus, SpaceStatus, SpaceType } from './parking.schemas.js'

/** jsonb: read as the parsed value, written as JSON text. */
type Json<T> = ColumnType<T, string, string>

export type SessionStatus = 'open' | 'closed' | 'awaitingEntry' | 'void'
export type SessionKind = 'reservation' | 'permit' | 'walkIn' | 'manual'
export type ReviewStatus = 'none' | 'pending' | 'resolved'
export type ChargeKind = 'booking' | 'cancellation' | 'noShow' | 'session' | 'permit' | 'adjustment'

declare module '../../platform/db/schema.js' {
  interface DB {
    parkingLots: {
      id: Generated<string>
      name: string
      type: LotType
      status: Generated<'open' | 'closed'>
      address: string | null
      lng: number
      lat: number
      gridCode: string
      communityCode: string | null
      streetCode: string | null
      districtCode: Generated<string>
      capacity: number
      openingHours: Json<Schedule | null> | null
      rules: Json<LotRules>
      tariff: Json<Tariff>
      version: Generated<number>
      createdBy: string | null
      createdAt: Date
      updatedAt: Date
    }
    parkingGates: { lotId: string; code: string; name: string; direction: GateInput['direction'] }
    parkingSpaces: {
      id: Generated<string>
      lotId: string
      gridCode: string
      districtCode: Generated<string>
      code: string
      type: SpaceType
      level: string | null
      status: Generated<SpaceStatus>
      pooled: Generated<boolean>
      ownerId: string | null
      ownerPricePerHourFen: number | null
      availability: Json<Schedule | null> | null
      sharingUntil: Date | null
      version: Generated<number>
      createdAt: Date
      updatedAt: Date
    }
    parkingReservations: {
      id: Generated<string>
      lotId: string
      spaceId: string
      gridCode: string
      districtCode: Generated<string>
      accountId: string
      plate: string
      plateColour: string
      period: string
      status: Generated<ReservationStatus>
      quoteFen: number
      termsId: string
      shared: boolean
      ownerId: string | null
      feeFen: number | null
      bookedAt: Date
      checkedInAt: Date | null
      endedAt: Date | null
      cancelReason: string | null
      version: Generated<number>
    }
    parkingTerms: { id: string; tariff: Json<Tariff>; rules: Json<LotRules>; createdAt: Generated<Date> }
    parkingPermits: {
      id: Generated<string>
      lotId: string
      gridCode: string
      districtCode: Generated<string>
      plate: string
      kind: 'monthly' | 'accessible'
      validFrom: Date
      validTo: Date
      priceFen: Generated<number>
      issuedBy: string | null
      issuedAt: Date
      revokedAt: Date | null
    }
    parkingGateEvents: {
      id: string
      lotId: string
      gridCode: string
      districtCode: Generated<string>
      cameraEventId: string
      gate: string
      direction: 'entry' | 'exit'
      plateRaw: string
      plate: string | null
      plateColour: string
      plateStatus: 'valid' | 'manual' | 'invalid'
      confidence: number | null
      occurredAt: Date
      receivedAt: Date
      snapshotSha256: string | null
      action: 'open' | 'refuse' | 'review'
      reason: string
      sessionId: string | null
      reservationId: string | null
      result: Json<Record<string, unknown>>
      decidedAction: 'open' | 'refuse' | null
      decidedBy: string | null
      decidedAt: Date | null
    }
    parkingSessions: {
      id: string
      lotId: string
      gridCode: string
      districtCode: Generated<string>
      plate: string
      plateColour: string
      kind: SessionKind
      reservationId: string | null
      permitId: string | null
      status: SessionStatus
      enteredAt: Date | null
      exitedAt: Date | null
      entryGate: string | null
      exitGate: string | null
      entryEventId: string | null
      exitEventId: string | null
      feeFen: number | null
      feeDetail: Json<Record<string, unknown> | null> | null
      charges: Json<Charge[]>
      reviewStatus: ReviewStatus
      reviewReasons: string[]
      reviewedBy: string | null
      reviewedAt: Date | null
      reviewNote: string | null
      createdAt: Date
    }
    parkingCharges: {
      id: Generated<number>
      lotId: string
      gridCode: string
      districtCode: Generated<string>
      kind: ChargeKind
      reservationId: string | null
      sessionId: string | null
      permitId: string | null
      spaceId: string | null
      ownerId: string | null
      accountId: string | null
      plate: string | null
      amountFen: number
      ownerFen: number
      communityFen: number
      platformFen: number
      at: Date
    }
    parkingBans: {
      id: Generated<string>
      accountId: string
      reason: string
      startsAt: Date
      endsAt: Date
      liftedAt: Date | null
      liftedBy: string | null
    }
    parkingOccupancyHourly: {
      lotId: string
      hour: Date
      gridCode: string
      districtCode: Generated<string>
      capacity: number
      samples: Generated<number>
      occupiedSum: Generated<number>
      occupiedMax: Generated<number>
      reservedMax: Generated<number>
      entries: Generated<number>
      exits: Generated<number>
    }
  }
}

export interface LotRow {
  id: string
  name: string
  type: LotType
  status: 'open' | 'closed'
  address: string | null
  lng: number
  lat: number
  gridCode: string
  communityCode: string | null
  streetCode: string | null
  districtCode: string
  capacity: number
  openingHours: Schedule | null
  rules: LotRules
  tariff: Tariff
  version: number
  createdBy: string | null
  createdAt: Date
  updatedAt: Date
}

export interface SpaceRow {
  id: string
  lotId: string
  gridCode: string
  code: string
  type: SpaceType
  level: string | null
  status: SpaceStatus
  pooled: boolean
  ownerId: string | null
  ownerPricePerHourFen: number | null
  availability: Schedule | null
  sharingUntil: Date | null
  version: number
}

export interface ReservationRow {
  id: string
  lotId: string
  spaceId: string
  spaceCode: string
  spaceType: SpaceType
  gridCode: string
  accountId: string
  plate: string
  plateColour: string
  startAt: Date
  endAt: Date
  status: ReservationStatus
  quoteFen: number
  tariff: Tariff
  rules: LotRules
  shared: boolean
  ownerId: string | null
  feeFen: number | null
  bookedAt: Date
  checkedInAt: Date | null
  endedAt: Date | null
  cancelReason: string | null
  version: number
}

export type SessionRow = {
  id: string
  lotId: string
  gridCode: string
  plate: string
  plateColour: string
  kind: SessionKind
  reservationId: string | null
  permitId: string | null
  status: SessionStatus
  enteredAt: Date | null
  exitedAt: Date | null
  entryGate: string | null
  exitGate: string | null
  entryEventId: string | null
  exitEventId: string | null
  feeFen: number | null
  feeDetail: Record<string, unknown> | null
  charges: Charge[]
  reviewStatus: ReviewStatus
  reviewReasons: string[]
  reviewedBy: string | null
  reviewedAt: Date | null
  reviewNote: string | null
  createdAt: Date
}

export interface NewReservation {
  lotId: string
  gridCode: string
  accountId: string
  plate: string
  plateColour: string
  start: Date
  end: Date
  quoteFen: number
  termsId: string
  shared: boolean
  ownerId: string | null
  bookedAt: Date
  /** The booking's ledger row: the quote, split. */
  charge: { amountFen: number; ownerFen: number; communityFen: number; platformFen: number }
}

/** The arguments of `parking_book` (one booking). */
export type BookArgs = NewReservation & {
  spaceId: string | null
  types: string[]
  maxPerAccount: number
  maxPerPlate: number
  needAccessible: boolean
  quick: boolean
  audit: { actorId: string | null; actorName: string | null; after: string | null; requestId: string | null; ip: string | null }
  /** The versions of the lot and the named space the booking was judged by ('stale' when either changed). */
  lotVersion: number
  spaceVersion: number | null
}

/** What `parking_book` did: booked, or why not (`refused`: the limits, ban and permit it read). */
export interface BookOutcome {
  outcome: 'booked' | 'conflict' | 'noSpace' | 'refused' | 'stale'
  reservationId: string | null
  spaceId: string | null
  spaceCode: string | null
  spaceType: SpaceType | null
  byAccount: number | null
  byPlate: number | null
  banUntil: Date | null
  accessible: boolean | null
}

const lotColumns = [
  'id', 'name', 'type', 'status', 'address', 'lng', 'lat', 'gridCode', 'communityCode', 'streetCode', 'districtCode', 'capacity',
  'openingHours', 'rules', 'tariff', 'version', 'createdBy', 'createdAt', 'updatedAt',
] as const
const spaceColumns = [
  'id', 'lotId', 'gridCode', 'code', 'type', 'level', 'status', 'pooled', 'ownerId', 'ownerPricePerHourFen', 'availability', 'sharingUntil', 'version',
] as const

/** Reservation columns with the period split into its bounds, the space's code and type, and the terms booked under. */
const RESERVATION_SELECT = sql`r.id, r.lot_id, r.space_id, s.code as space_code, s.type as space_type, r.grid_code, r.account_id, r.plate,
  r.plate_colour, lower(r.period) as start_at, upper(r.period) as end_at, r.status, r.quote_fen, t.tariff, t.rules, r.shared, r.owner_id,
  r.fee_fen, r.booked_at, r.checked_in_at, r.ended_at, r.cancel_reason, r.version`
const RESERVATION_FROM = sql`parking_reservations r join parking_spaces s on s.id = r.space_id join parking_terms t on t.id = r.terms_id`
const ACTIVE = sql`('booked', 'checkedIn')`
const range = (start: Date, end: Date) => sql`tstzrange(${start}::timestamptz, ${end}::timestamptz, '[)')`
const json = (v: unknown) => JSON.stringify(v)
const snake = (c: string) => c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`)

export const parkingRepository = {
  // Lots

  insertLot(db: Executor, row: Omit<LotRow, 'id' | 'status' | 'districtCode' | 'version'>): Promise<LotRow> {
    return db
      .insertInto('parkingLots')
      .values({
        ...row,
        openingHours: row.openingHours ? json(row.openingHours) : null,
        rules: json(row.rules),
        tariff: json(row.tariff),
      })
      .returning(lotColumns)
      .executeTakeFirstOrThrow()
  },

  async replaceGates(db: Executor, lotId: string, gates: GateInput[]) {
    await db.deleteFrom('parkingGates').where('lotId', '=', lotId).execute()
    if (gates.length > 0) await db.insertInto('parkingGates').values(gates.map((g) => ({ lotId, ...g }))).execute()
  },

  async gatesOf(db: Executor, lotIds: string[]): Promise<Map<string, GateInput[]>> {
    const out = new Map<string, GateInput[]>(lotIds.map((id) => [id, []]))
    if (lotIds.length === 0) return out
    const rows = await db.selectFrom('parkingGates').selectAll().where('lotId', 'in', lotIds).orderBy('code').execute()
    for (const r of rows) out.get(r.lotId)?.push({ code: r.code, name: r.name, direction: r.direction })
    return out
  },

  findLot(db: Executor, id: string): Promise<LotRow | undefined> {
    return db.selectFrom('parkingLots').select(lotColumns).where('id', '=', id).executeTakeFirst()
  },

  /**
   * Serialise the "any space" bookings of one lot (the lockLot strategy). FOR NO KEY UPDATE, not
   * FOR UPDATE: the foreign-key checks of concurrent bookings by space take KEY SHARE on the lot
   * row, and must not wait for this lock while this transaction waits for their rows.
   */
  async lockLot(db: Executor, id: string) {
    await sql`select 1 from parking_lots where id = ${id} for no key update`.execute(db)
  },

  listLots(db: Executor, opts: { limit: number; after?: string; type?: LotType; regionPrefix?: string; bbox?: [number, number, number, number] }): Promise<LotRow[]> {
    let q = db.selectFrom('parkingLots').select(lotColumns).orderBy('id').limit(opts.limit)
    if (opts.after) q = q.where('id', '>', opts.after)
    if (opts.type) q = q.where('type', '=', opts.type)
    if (opts.regionPrefix) q = q.where('gridCode', 'like', `${opts.regionPrefix}%`)
    if (opts.bbox) {
      const [minLng, minLat, maxLng, maxLat] = opts.bbox
      q = q.where('lng', '>=', minLng).where('lng', '<=', maxLng).where('lat', '>=', minLat).where('lat', '<=', maxLat)
    }
    return q.execute()
  },

  allLots(db: Executor): Promise<LotRow[]> {
    return db.selectFrom('parkingLots').select(lotColumns).orderBy('id').execute()
  },

  updateLot(db: Executor, id: string, version: number, patch: Partial<Pick<LotRow, 'name' | 'status' | 'address' | 'capacity' | 'openingHours' | 'rules' | 'tariff'>>, now: Date) {
    const { openingHours, rules, tariff, ...plain } = patch
    return db
      .updateTable('parkingLots')
      .set((eb) => ({
        ...plain,
        ...(openingHours !== undefined ? { openingHours: openingHours ? json(openingHours) : null } : {}),
        ...(rules ? { rules: json(rules) } : {}),
        ...(tariff ? { tariff: json(tariff) } : {}),
        updatedAt: now,
        version: eb('version', '+', 1),
      }))
      .where('id', '=', id)
      .where('version', '=', version)
      .returning(lotColumns)
      .executeTakeFirst()
  },

  // Spaces

  insertSpaces(db: Executor, rows: Omit<SpaceRow, 'id' | 'status' | 'version' | 'availability' | 'sharingUntil' | 'ownerPricePerHourFen'>[], now: Date): Promise<SpaceRow[]> {
    return db
      .insertInto('parkingSpaces')
      .values(rows.map((r) => ({ ...r, createdAt: now, updatedAt: now })))
      .returning(spaceColumns)
      .execute()
  },

  findSpace(db: Executor, id: string): Promise<SpaceRow | undefined> {
    return db.selectFrom('parkingSpaces').select(spaceColumns).where('id', '=', id).executeTakeFirst()
  },

  listSpaces(db: Executor, lotId: string): Promise<SpaceRow[]> {
    return db.selectFrom('parkingSpaces').select(spaceColumns).where('lotId', '=', lotId).orderBy('code').execute()
  },

  spacesOfOwner(db: Executor, ownerId: string): Promise<SpaceRow[]> {
    return db.selectFrom('parkingSpaces').select(spaceColumns).where('ownerId', '=', ownerId).orderBy('lotId').orderBy('code').execute()
  },

  updateSpace(
    db: Executor,
    id: string,
    version: number | null,
    patch: Partial<Pick<SpaceRow, 'type' | 'level' | 'status' | 'pooled' | 'ownerId' | 'ownerPricePerHourFen' | 'availability' | 'sharingUntil'>>,
    now: Date,
  ) {
    const { availability, ...plain } = patch
    let q = db
      .updateTable('parkingSpaces')
      .set((eb) => ({
        ...plain,
        ...(availability !== undefined ? { availability: availability ? json(availability) : null } : {}),
        updatedAt: now,
        version: eb('version', '+', 1),
      }))
      .where('id', '=', id)
    if (version !== null) q = q.where('version', '=', version)
    return q.returning(spaceColumns).executeTakeFirst()
  },

  /**
   * What a booking request needs before its transaction, in one round trip: the lot, the named
   * space (if any, of this lot), and whether committed bookings already refuse it — the space is
   * taken, or no pooled space of the types is free (a quick refusal; the insert decides the rest).
   */
  async bookingSnapshot(db: Executor, opts: { lotId: string; spaceId: string | null; types: string[]; start: Date; end: Date; checkBlocked: boolean }) {
    const space = opts.spaceId
    const blocked = !opts.checkBlocked
      ? sql`false`
      : space === null
        ? sql`not exists (select 1 from parking_spaces c where c.lot_id = l.id and c.pooled and c.status = 'active' and c.type = any(${opts.types}::text[])
            and not exists (select 1 from parking_reservations x where x.space_id = c.id and x.status in ${ACTIVE} and x.period && ${range(opts.start, opts.end)}))`
        : sql`exists (select 1 from parking_reservations x where x.space_id = ${space}::uuid and x.status in ${ACTIVE} and x.period && ${range(opts.start, opts.end)})`
    const r = await sql<Record<string, unknown>>`
      select ${sql.join(lotColumns.map((c) => sql`l.${sql.ref(snake(c))}`))},
        ${sql.join(spaceColumns.map((c) => sql`s.${sql.ref(snake(c))} as ${sql.ref(`s_${snake(c)}`)}`))},
        ${blocked} as blocked
      from parking_lots l left join parking_spaces s on s.id = ${space}::uuid and s.lot_id = l.id
      where l.id = ${opts.lotId}`.execute(db)
    const row = r.rows[0]
    if (!row) return { lot: undefined, space: null, blocked: false }
    const lot = Object.fromEntries(lotColumns.map((c) => [c, row[c]])) as unknown as LotRow
    const found = row.sId ? (Object.fromEntries(spaceColumns.map((c) => [c, row[`s${c[0]!.toUpperCase()}${c.slice(1)}`]])) as unknown as SpaceRow) : null
    return { lot, space: found, blocked: row.blocked === true }
  },

  /** Active spaces of a lot with no active reservation overlapping [start, end). */
  freeSpaces(db: Executor, lotId: string, start: Date, end: Date): Promise<SpaceRow[]> {
    return db
      .selectFrom('parkingSpaces as s')
      .select(spaceColumns.map((c) => `s.${c}` as const))
      .where('s.lotId', '=', lotId)
      .where('s.status', '=', 'active')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('parkingReservations as r')
              .select(sql`1`.as('one'))
              .whereRef('r.spaceId', '=', 's.id')
              .where(sql<boolean>`r.status in ${ACTIVE} and r.period && ${range(start, end)}`),
          ),
        ),
      )
      .orderBy('s.code')
      .execute()
  },

  /** Active reservations of a space meeting [from, to) (for its availability calendar). */
  async busyOfSpace(db: Executor, spaceId: string, from: Date, to: Date): Promise<{ startAt: Date; endAt: Date }[]> {
    const r = await sql<{ startAt: Date; endAt: Date }>`
      select lower(period) as start_at, upper(period) as end_at from parking_reservations
      where space_id = ${spaceId} and status in ${ACTIVE} and period && ${range(from, to)} order by lower(period)`.execute(db)
    return r.rows
  },

  // Reservations

  /**
   * Everything the booking rules need in one round trip: active bookings of the account and of
   * the plate in the lot, the account's current ban, and whether the plate holds an accessible permit.
   */
  async bookingContext(db: Executor, opts: { lotId: string; accountId: string; plate: string; now: Date; maxPerAccount: number; maxPerPlate: number }) {
    // counts stop at the limits: a busy account costs no more than its limit
    const r = await sql<{ byAccount: number; byPlate: number; banUntil: Date | null; accessible: boolean }>`
      select
        (select count(*) from (select 1 from parking_reservations where account_id = ${opts.accountId} and lot_id = ${opts.lotId} and status in ${ACTIVE}
           limit ${opts.maxPerAccount}) a) as by_account,
        (select count(*) from (select 1 from parking_reservations where lot_id = ${opts.lotId} and substr(plate, 2) = substr(${opts.plate}, 2)
           and plate = ${opts.plate} and status in ${ACTIVE} limit ${opts.maxPerPlate}) p) as by_plate,
        (select max(ends_at) from parking_bans where account_id = ${opts.accountId} and lifted_at is null
           and starts_at <= ${opts.now} and ends_at > ${opts.now}) as ban_until,
        exists (select 1 from parking_permits where lot_id = ${opts.lotId} and plate = ${opts.plate} and kind = 'accessible'
           and revoked_at is null and valid_from <= ${opts.now} and valid_to > ${opts.now}) as accessible`.execute(db)
    return r.rows[0]!
  },

  /** Store a version of tariff and rules once (content-addressed); bookings refer to it. */
  async ensureTerms(db: Executor, id: string, tariff: Tariff, rules: LotRules) {
    await db.insertInto('parkingTerms').values({ id, tariff: json(tariff), rules: json(rules) }).onConflict((oc) => oc.column('id').doNothing()).execute()
  },

  /**
   * A whole booking in one statement (`parking_book`, migrations 20261128T0833/0834): the lot and
   * space versions it was judged by (else 'stale'), a quick refusal from
   * committed bookings (`quick`), the account's and plate's advisory locks, limits/ban/permit, the
   * insert under the exclusion constraint (a given space, or the free candidates in turn), the
   * ledger row and the audit row. Run alone it is its own transaction; in a transaction, one step.
   */
  async book(db: Executor, r: BookArgs): Promise<BookOutcome> {
    const res = await sql<BookOutcome>`select * from parking_book(${r.lotId}::uuid, ${r.spaceId}::uuid, ${r.types}::text[], ${r.gridCode}::text,
      ${r.accountId}::uuid, ${r.plate}::text, ${r.plateColour}::text, ${r.start}::timestamptz, ${r.end}::timestamptz, ${r.quoteFen}::int,
      ${r.termsId}::text, ${r.shared}::boolean, ${r.ownerId}::uuid, ${r.bookedAt}::timestamptz, ${r.maxPerAccount}::int, ${r.maxPerPlate}::int,
      ${r.needAccessible}::boolean, ${r.quick}::boolean, ${r.charge.amountFen}::int, ${r.charge.ownerFen}::int, ${r.charge.communityFen}::int,
      ${r.charge.platformFen}::int, ${r.audit.actorId}::uuid, ${r.audit.actorName}::text, ${r.audit.after}::jsonb, ${r.audit.requestId}::text,
      ${r.audit.ip}::text, ${r.lotVersion}::int, ${r.spaceVersion}::int)`.execute(db)
    return res.rows[0]!
  },

  /**
   * A batch of bookings of one lot in one statement (`parking_book_many`, migration
   * 20261128T0861): each item exactly as `book` would do it alone, one after the other, each
   * seeing what the earlier ones inserted. One answer per item, in order.
   */
  async bookMany(db: Executor, items: BookArgs[]): Promise<BookOutcome[]> {
    const payload = items.map((r) => ({
      lot: r.lotId, space: r.spaceId, types: r.types, grid: r.gridCode, account: r.accountId, plate: r.plate, colour: r.plateColour,
      start: r.start.toISOString(), end: r.end.toISOString(), quote: r.quoteFen, terms: r.termsId, shared: r.shared, owner: r.ownerId,
      at: r.bookedAt.toISOString(), maxAccount: r.maxPerAccount, maxPlate: r.maxPerPlate, needAccessible: r.needAccessible, quick: r.quick,
      amount: r.charge.amountFen, ownerFen: r.charge.ownerFen, communityFen: r.charge.communityFen, platformFen: r.charge.platformFen,
      actor: r.audit.actorId, actorName: r.audit.actorName, auditAfter: r.audit.after, requestId: r.audit.requestId, ip: r.audit.ip,
      lotVersion: r.lotVersion, spaceVersion: r.spaceVersion,
    }))
    const res = await sql<BookOutcome & { idx: number }>`select * from parking_book_many(${JSON.stringify(payload)}::jsonb)`.execute(db)
    const out: BookOutcome[] = new Array(items.length)
    for (const row of res.rows) out[row.idx - 1] = row
    if (res.rows.length !== items.length || out.some((x) => x === undefined)) throw new Error(`parking_book_many answered ${res.rows.length} rows for ${items.length} items`)
    return out
  },

  /**
   * Fresh planner statistics of the reservations (the booking statement's plans depend on them:
   * without any, the embedded database probes every space through the GiST index and counts a
   * lot's every active booking per request). Returns the row estimate after it.
   */
  async analyzeReservations(db: Executor): Promise<number> {
    await sql`analyze parking_reservations`.execute(db)
    const r = await sql<{ n: number }>`select reltuples::float8 as n from pg_class where oid = 'parking_reservations'::regclass`.execute(db)
    return Math.max(0, Number(r.rows[0]?.n ?? 0))
  },

  async findReservation(db: Executor, id: string): Promise<ReservationRow | undefined> {
    const r = await sql<ReservationRow>`select ${RESERVATION_SELECT} from ${RESERVATION_FROM} where r.id = ${id}`.execute(db)
    return r.rows[0]
  },

  async listReservations(db: Executor, opts: { accountId?: string; lotId?: string; status?: ReservationStatus; spaceIds?: string[]; limit: number; after?: { bookedAt: Date; id: string } }) {
    const where = [sql`true`]
    if (opts.accountId) where.push(sql`r.account_id = ${opts.accountId}`)
    if (opts.lotId) where.push(sql`r.lot_id = ${opts.lotId}`)
    if (opts.status) where.push(sql`r.status = ${opts.status}`)
    if (opts.spaceIds) where.push(sql`r.space_id = any(${opts.spaceIds}::uuid[])`)
    if (opts.after) where.push(sql`(r.booked_at, r.id) < (${opts.after.bookedAt}::timestamptz, ${opts.after.id}::uuid)`)
    const r = await sql<ReservationRow>`select ${RESERVATION_SELECT} from ${RESERVATION_FROM}
      where ${sql.join(where, sql` and `)} order by r.booked_at desc, r.id desc limit ${opts.limit}`.execute(db)
    return r.rows
  },

  /** Move a reservation from one of `from` to `to` (conditional: a concurrent change wins, this returns nothing). */
  async transition(
    db: Executor,
    id: string,
    from: ReservationStatus[],
    to: ReservationStatus,
    set: { feeFen?: number | null; checkedInAt?: Date; endedAt?: Date; cancelReason?: string },
  ): Promise<boolean> {
    const r = await db
      .updateTable('parkingReservations')
      .set((eb) => ({ ...set, status: to, version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .where('status', 'in', from)
      .executeTakeFirst()
    return Number(r.numUpdatedRows) === 1
  },

  /** Booked reservations past their arrival grace (no-show) or, without a grace, past their end (expired). */
  async dueReservations(db: Executor, now: Date, limit: number): Promise<ReservationRow[]> {
    const r = await sql<ReservationRow>`select ${RESERVATION_SELECT} from ${RESERVATION_FROM}
      where r.status = 'booked' and lower(r.period) <= ${now}
        and (case when t.rules->'graceMinutes' = 'null'::jsonb or t.rules->'graceMinutes' is null
               then upper(r.period) <= ${now}
               else lower(r.period) + make_interval(mins => (t.rules->>'graceMinutes')::int) <= ${now} end)
      order by lower(r.period) limit ${limit}
      for update of r skip locked`.execute(db)
    return r.rows
  },

  async noShowsSince(db: Executor, accountId: string, since: Date): Promise<number> {
    const r = await sql<{ n: number }>`select count(*) as n from parking_reservations
      where account_id = ${accountId} and status = 'noShow' and ended_at >= ${since}`.execute(db)
    return Number(r.rows[0]!.n)
  },

  /** A booked reservation of the plate in the lot that a car arriving at `at` may use. */
  async arrivalFor(db: Executor, lotId: string, plate: string, at: Date): Promise<ReservationRow | undefined> {
    const r = await sql<ReservationRow>`select ${RESERVATION_SELECT} from ${RESERVATION_FROM}
      where r.lot_id = ${lotId} and substr(r.plate, 2) = substr(${plate}, 2) and r.plate = ${plate} and r.status = 'booked'
        and lower(r.period) - make_interval(mins => (t.rules->>'earlyEntryMinutes')::int) <= ${at} and upper(r.period) > ${at}
      order by lower(r.period) limit 1`.execute(db)
    return r.rows[0]
  },

  /** Booked reservations whose plate differs from `plate` only in the province character. */
  async arrivalsByTail(db: Executor, lotId: string, tail: string, plate: string, at: Date): Promise<ReservationRow[]> {
    const r = await sql<ReservationRow>`select ${RESERVATION_SELECT} from ${RESERVATION_FROM}
      where r.lot_id = ${lotId} and substr(r.plate, 2) = ${tail} and r.plate <> ${plate} and r.status = 'booked'
        and lower(r.period) - make_interval(mins => (t.rules->>'earlyEntryMinutes')::int) <= ${at} and upper(r.period) > ${at}
      order by lower(r.period) limit 5`.execute(db)
    return r.rows
  },

  // Bans

  insertBan(db: Executor, row: { accountId: string; reason: string; startsAt: Date; endsAt: Date }) {
    return db.insertInto('parkingBans').values(row).returningAll().executeTakeFirstOrThrow()
  },

  listBans(db: Executor, opts: { accountId?: string; activeAt?: Date; limit: number }) {
    let q = db.selectFrom('parkingBans').selectAll().orderBy('startsAt', 'desc').limit(opts.limit)
    if (opts.accountId) q = q.where('accountId', '=', opts.accountId)
    if (opts.activeAt) q = q.where('liftedAt', 'is', null).where('startsAt', '<=', opts.activeAt).where('endsAt', '>', opts.activeAt)
    return q.execute()
  },

  liftBan(db: Executor, id: string, by: string, now: Date) {
    return db.updateTable('parkingBans').set({ liftedAt: now, liftedBy: by }).where('id', '=', id).where('liftedAt', 'is', null).returningAll().executeTakeFirst()
  },

  // Permits

  insertPermit(db: Executor, row: { lotId: string; gridCode: string; plate: string; kind: 'monthly' | 'accessible'; validFrom: Date; validTo: Date; priceFen: number; issuedBy: string | null; issuedAt: Date }) {
    return db.insertInto('parkingPermits').values(row).returningAll().executeTakeFirstOrThrow()
  },

  listPermits(db: Executor, lotId: string) {
    return db.selectFrom('parkingPermits').selectAll().where('lotId', '=', lotId).orderBy('validFrom', 'desc').execute()
  },

  findPermit(db: Executor, id: string) {
    return db.selectFrom('parkingPermits').selectAll().where('id', '=', id).executeTakeFirst()
  },

  revokePermit(db: Executor, id: string, now: Date) {
    return db.updateTable('parkingPermits').set({ revokedAt: now }).where('id', '=', id).where('revokedAt', 'is', null).returningAll().executeTakeFirst()
  },

  /** Monthly permits of a plate in a lot that overlap [from, to). */
  monthlyPermits(db: Executor, lotId: string, plate: string, from: Date, to: Date) {
    return db
      .selectFrom('parkingPermits')
      .select(['id', 'validFrom', 'validTo'])
      .where('lotId', '=', lotId)
      .where('plate', '=', plate)
      .where('kind', '=', 'monthly')
      .where('revokedAt', 'is', null)
      .where('validFrom', '<', to)
      .where('validTo', '>', from)
      .orderBy('validFrom')
      .execute()
  },

  // Gate events

  findEvent(db: Executor, lotId: string, cameraEventId: string) {
    return db.selectFrom('parkingGateEvents').selectAll().where('lotId', '=', lotId).where('cameraEventId', '=', cameraEventId).executeTakeFirst()
  },

  findEventById(db: Executor, id: string) {
    return db.selectFrom('parkingGateEvents').selectAll().where('id', '=', id).executeTakeFirst()
  },

  insertEvent(db: Executor, row: Omit<DBRow<'parkingGateEvents'>, 'districtCode' | 'decidedAction' | 'decidedBy' | 'decidedAt' | 'result'> & { result: Record<string, unknown> }) {
    return db
      .insertInto('parkingGateEvents')
      .values({ ...row, result: json(row.result) })
      .execute()
  },

  decideEvent(db: Executor, id: string, decision: { decidedAction: 'open' | 'refuse'; decidedBy: string | null; decidedAt: Date; sessionId?: string | null }) {
    return db
      .updateTable('parkingGateEvents')
      .set(decision)
      .where('id', '=', id)
      .where('decidedAt', 'is', null)
      .returningAll()
      .executeTakeFirst()
  },

  listEvents(db: Executor, opts: { lotId: string; review?: boolean; limit: number; after?: { occurredAt: Date; id: string } }) {
    let q = db.selectFrom('parkingGateEvents').selectAll().where('lotId', '=', opts.lotId).orderBy('occurredAt', 'desc').orderBy('id', 'desc').limit(opts.limit)
    if (opts.review) q = q.where('action', '=', 'review').where('decidedAt', 'is', null)
    if (opts.after) {
      const a = opts.after
      q = q.where(sql<boolean>`(occurred_at, id) < (${a.occurredAt}::timestamptz, ${a.id}::uuid)`)
    }
    return q.execute()
  },

  // Sessions

  findSession(db: Executor, id: string): Promise<SessionRow | undefined> {
    return db.selectFrom('parkingSessions').selectAll().where('id', '=', id).executeTakeFirst() as Promise<SessionRow | undefined>
  },

  findOpenSession(db: Executor, lotId: string, plate: string): Promise<SessionRow | undefined> {
    return db.selectFrom('parkingSessions').selectAll().where('lotId', '=', lotId).where('plate', '=', plate).where('status', '=', 'open').executeTakeFirst() as Promise<SessionRow | undefined>
  },

  openSessionsByTail(db: Executor, lotId: string, tail: string): Promise<SessionRow[]> {
    return db
      .selectFrom('parkingSessions')
      .selectAll()
      .where('lotId', '=', lotId)
      .where('status', '=', 'open')
      .where(sql<boolean>`substr(plate, 2) = ${tail}`)
      .limit(5)
      .execute() as Promise<SessionRow[]>
  },

  /** The latest exit seen before its entry for this plate, at or after `at`, within a day. */
  awaitingEntry(db: Executor, lotId: string, plate: string, at: Date): Promise<SessionRow | undefined> {
    return db
      .selectFrom('parkingSessions')
      .selectAll()
      .where('lotId', '=', lotId)
      .where('plate', '=', plate)
      .where('status', '=', 'awaitingEntry')
      .where('exitedAt', '>=', at)
      .where('exitedAt', '<', new Date(at.getTime() + 86_400_000))
      .orderBy('exitedAt')
      .limit(1)
      .executeTakeFirst() as Promise<SessionRow | undefined>
  },

  /** A session of the plate closed at or after `since` (a repeated exit reading). */
  recentlyClosed(db: Executor, lotId: string, plate: string, since: Date): Promise<SessionRow | undefined> {
    return db
      .selectFrom('parkingSessions')
      .selectAll()
      .where('lotId', '=', lotId)
      .where('plate', '=', plate)
      .where('status', '=', 'closed')
      .where('exitedAt', '>=', since)
      .orderBy('exitedAt', 'desc')
      .limit(1)
      .executeTakeFirst() as Promise<SessionRow | undefined>
  },

  /** Charged intervals of the plate's earlier walk-in visits in the lot (for the caps across visits). */
  async priorCharges(db: Executor, lotId: string, plate: string, since: Date, exceptSession: string): Promise<Charge[]> {
    const rows = await db
      .selectFrom('parkingSessions')
      .select('charges')
      .where('lotId', '=', lotId)
      .where('plate', '=', plate)
      .where('status', '=', 'closed')
      .where('kind', 'in', ['walkIn', 'permit', 'manual'])
      .where('exitedAt', '>=', since)
      .where('id', '<>', exceptSession)
      .execute()
    return rows.flatMap((r) => r.charges)
  },

  insertSession(db: Executor, row: Omit<SessionRow, 'feeDetail' | 'charges' | 'reviewedBy' | 'reviewedAt' | 'reviewNote'> & { feeDetail?: Record<string, unknown> | null; charges?: Charge[] }) {
    return db
      .insertInto('parkingSessions')
      .values({ ...row, feeDetail: row.feeDetail ? json(row.feeDetail) : null, charges: json(row.charges ?? []) })
      .execute()
  },

  updateSession(
    db: Executor,
    id: string,
    patch: Partial<Omit<SessionRow, 'id' | 'lotId' | 'gridCode' | 'createdAt' | 'feeDetail' | 'charges'>> & { feeDetail?: Record<string, unknown> | null; charges?: Charge[] },
    expect?: { status?: SessionStatus },
  ) {
    const { feeDetail, charges, ...plain } = patch
    let q = db
      .updateTable('parkingSessions')
      .set({
        ...plain,
        ...(feeDetail !== undefined ? { feeDetail: feeDetail ? json(feeDetail) : null } : {}),
        ...(charges !== undefined ? { charges: json(charges) } : {}),
      })
      .where('id', '=', id)
    if (expect?.status) q = q.where('status', '=', expect.status)
    return q.returningAll().executeTakeFirst() as Promise<SessionRow | undefined>
  },

  listSessions(db: Executor, opts: { lotId: string; status?: SessionStatus; review?: boolean; plate?: string; limit: number; after?: { createdAt: Date; id: string } }) {
    let q = db.selectFrom('parkingSessions').selectAll().where('lotId', '=', opts.lotId).orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(opts.limit)
    if (opts.status) q = q.where('status', '=', opts.status)
    if (opts.review) q = q.where('reviewStatus', '=', 'pending')
    if (opts.plate) q = q.where('plate', '=', opts.plate)
    if (opts.after) {
      const a = opts.after
      q = q.where(sql<boolean>`(created_at, id) < (${a.createdAt}::timestamptz, ${a.id}::uuid)`)
    }
    return q.execute() as Promise<SessionRow[]>
  },

  /** Open sessions older than their lot's maxSessionHours that nobody has flagged yet. */
  async orphanCandidates(db: Executor, now: Date, limit: number): Promise<(SessionRow & { maxSessionHours: number })[]> {
    const r = await sql<SessionRow & { maxSessionHours: number }>`
      select s.*, (l.rules->>'maxSessionHours')::int as max_session_hours from parking_sessions s join parking_lots l on l.id = s.lot_id
      where s.status = 'open' and s.review_status = 'none'
        and s.entered_at + make_interval(hours => (l.rules->>'maxSessionHours')::int) <= ${now}
      order by s.entered_at limit ${limit}
      for update of s skip locked`.execute(db)
    return r.rows
  },

  // Charges

  insertCharges(db: Executor, rows: Omit<DBRow<'parkingCharges'>, 'id' | 'districtCode'>[]) {
    if (rows.length === 0) return Promise.resolve()
    return db.insertInto('parkingCharges').values(rows).execute().then(() => {})
  },

  charges(db: Executor, opts: { ownerId?: string; lotId?: string; from: Date; to: Date }) {
    let q = db.selectFrom('parkingCharges').selectAll().where('at', '>=', opts.from).where('at', '<', opts.to).orderBy('at').orderBy('id').limit(10_000)
    if (opts.ownerId) q = q.where('ownerId', '=', opts.ownerId)
    if (opts.lotId) q = q.where('lotId', '=', opts.lotId)
    return q.execute()
  },

  // Occupancy

  /** Cars inside and bookings in force whose car has not arrived, per lot, at `at`. */
  async occupancy(db: Executor, lotIds: string[] | null, at: Date): Promise<Map<string, { occupied: number; reserved: number }>> {
    const filter = lotIds ? sql`and lot_id = any(${lotIds}::uuid[])` : sql``
    const r = await sql<{ lotId: string; occupied: number; reserved: number }>`
      select lot_id, sum(occupied)::int as occupied, sum(reserved)::int as reserved from (
        select lot_id, count(*) as occupied, 0 as reserved from parking_sessions where status = 'open' ${filter} group by lot_id
        union all
        select lot_id, 0, count(*) from parking_reservations
        where status = 'booked' and lower(period) <= ${at} and upper(period) > ${at} ${filter} group by lot_id
      ) x group by lot_id`.execute(db)
    return new Map(r.rows.map((x) => [x.lotId, { occupied: Number(x.occupied), reserved: Number(x.reserved) }]))
  },

  /** Periods of the lot's active reservations meeting [from, to), for the forecast (through the exclusion index, space by space). */
  async reservedPeriods(db: Executor, lotId: string, from: Date, to: Date): Promise<{ startAt: Date; endAt: Date }[]> {
    const r = await sql<{ startAt: Date; endAt: Date }>`
      select lower(r.period) as start_at, upper(r.period) as end_at from parking_spaces s join parking_reservations r on r.space_id = s.id
      where s.lot_id = ${lotId} and r.status in ${ACTIVE} and r.period && ${range(from, to)}`.execute(db)
    return r.rows
  },

  async walkInsInside(db: Executor, lotId: string): Promise<number> {
    const r = await sql<{ n: number }>`select count(*) as n from parking_sessions where lot_id = ${lotId} and status = 'open' and kind <> 'reservation'`.execute(db)
    return Number(r.rows[0]!.n)
  },

  async sampleHour(db: Executor, row: { lotId: string; gridCode: string; hour: Date; capacity: number; occupied: number; reserved: number }) {
    await sql`insert into parking_occupancy_hourly as h (lot_id, hour, grid_code, capacity, samples, occupied_sum, occupied_max, reserved_max)
      values (${row.lotId}, ${row.hour}, ${row.gridCode}, ${row.capacity}, 1, ${row.occupied}, ${row.occupied}, ${row.reserved})
      on conflict (lot_id, hour) do update set capacity = excluded.capacity, samples = h.samples + 1,
        occupied_sum = h.occupied_sum + excluded.occupied_sum,
        occupied_max = greatest(h.occupied_max, excluded.occupied_max), reserved_max = greatest(h.reserved_max, excluded.reserved_max)`.execute(db)
  },

  async countPassage(db: Executor, row: { lotId: string; gridCode: string; hour: Date; capacity: number; direction: 'entry' | 'exit' }) {
    const entries = row.direction === 'entry' ? 1 : 0
    await sql`insert into parking_occupancy_hourly as h (lot_id, hour, grid_code, capacity, entries, exits)
      values (${row.lotId}, ${row.hour}, ${row.gridCode}, ${row.capacity}, ${entries}, ${1 - entries})
      on conflict (lot_id, hour) do update set entries = h.entries + excluded.entries, exits = h.exits + excluded.exits`.execute(db)
  },

  history(db: Executor, lotId: string, from: Date, to: Date) {
    return db.selectFrom('parkingOccupancyHourly').selectAll().where('lotId', '=', lotId).where('hour', '>=', from).where('hour', '<', to).orderBy('hour').execute()
  },
}

/** The selected shape of a table row. */
type DBRow<T extends keyof DB> = Selectable<DB[T]>

import { Type, type Static } from 'typebox'
import { PLATE_COLOURS } from './plates.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
/**
 * Nullable scalars as one schema with a type list: with Ajv's type coercion a `[T, null]` union
 * would turn null into 0 or "" in its first branch; a type list coerces only when no type matches.
 */
const NullableInt = (opts: { minimum?: number; maximum?: number; description?: string }) => Type.Unsafe<number | null>({ type: ['integer', 'null'], ...opts })
const NullableStr = (opts: { maxLength?: number; format?: string; description?: string }) => Type.Unsafe<string | null>({ type: ['string', 'null'], ...opts })
const NullableFen = (description: string) => NullableInt({ minimum: 0, maximum: 100_000_000, description: `${description}, 分; null = none` })
const Uuid = Type.String({ format: 'uuid' })
const DateTime = Type.String({ format: 'date-time' })
const Fen = (description: string) => Type.Integer({ minimum: 0, maximum: 100_000_000, description: `${description}, 分 (fen, 1/100 元)` })
const Hm = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$', description: 'Local time HH:MM (24:00 = end of day)' })
const Code = Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' })

export const LOT_TYPES = ['public', 'community', 'commercial'] as const
export const SPACE_TYPES = ['standard', 'ev', 'accessible', 'large'] as const
export const SPACE_STATUSES = ['active', 'maintenance', 'retired'] as const
export const RESERVATION_STATUSES = ['booked', 'checkedIn', 'completed', 'cancelled', 'noShow', 'expired'] as const
export const ACTIVE_STATUSES = ['booked', 'checkedIn'] as const
export type LotType = (typeof LOT_TYPES)[number]
export type SpaceType = (typeof SPACE_TYPES)[number]
export type SpaceStatus = (typeof SPACE_STATUSES)[number]
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number]

const lit = <T extends readonly string[]>(values: T, opts: { default?: string; description?: string } = {}) => Type.Unsafe<T[number]>(Type.String({ enum: [...values], ...opts }))
export const LotTypeSchema = lit(LOT_TYPES)
export const SpaceTypeSchema = lit(SPACE_TYPES)
export const SpaceStatusSchema = lit(SPACE_STATUSES)
export const ReservationStatusSchema = lit(RESERVATION_STATUSES)
export const PlateColourSchema = lit(PLATE_COLOURS, { default: 'unknown' })

// Schedules (opening hours, shared-space availability)

export const WeeklyWindowSchema = Type.Object(
  { weekday: Type.Integer({ minimum: 1, maximum: 7, description: 'ISO weekday, Monday = 1' }), start: Hm, end: Hm },
  { additionalProperties: false },
)
export const DateExceptionSchema = Type.Object(
  {
    date: Type.String({ format: 'date' }),
    available: Type.Boolean({ description: 'false removes time (the whole day without start/end); true adds a window' }),
    start: Type.Optional(Hm),
    end: Type.Optional(Hm),
  },
  { additionalProperties: false },
)
export const ScheduleSchema = Type.Object(
  {
    weekly: Type.Array(WeeklyWindowSchema, { maxItems: 70 }),
    exceptions: Type.Optional(Type.Array(DateExceptionSchema, { maxItems: 400 })),
  },
  { additionalProperties: false },
)
export type ScheduleInput = Static<typeof ScheduleSchema>

// Rules and tariff

export const LotRulesSchema = Type.Object(
  {
    minDurationMinutes: Type.Integer({ minimum: 1, maximum: 44_640 }),
    maxDurationMinutes: Type.Integer({ minimum: 1, maximum: 44_640 }),
    minLeadMinutes: Type.Integer({ minimum: 0, maximum: 10_080, description: 'A booking must start at least this long after it is made' }),
    maxAdvanceDays: Type.Integer({ minimum: 1, maximum: 366, description: 'How far ahead one may book' }),
    timeStepMinutes: Type.Integer({ minimum: 1, maximum: 60, description: 'Start and end on multiples of this many minutes' }),
    maxActivePerPlate: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Booked or checked-in reservations per plate in this lot' }),
    maxActivePerAccount: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Booked or checked-in reservations per account in this lot' }),
    graceMinutes: NullableInt({ minimum: 0, maximum: 1440, description: 'Arrival grace after the start; then no-show and the space is released. null: hold the whole window (unused bookings expire)' }),
    earlyEntryMinutes: Type.Integer({ minimum: 0, maximum: 1440, description: 'The gate admits a booked car this long before its start' }),
    freeCancelMinutes: Type.Integer({ minimum: 0, maximum: 10_080, description: 'Free cancellation until this long before the start' }),
    accidentalGraceMinutes: Type.Integer({ minimum: 0, maximum: 60, description: 'Free cancellation this long after booking (before the start)' }),
    lateCancelPercent: Type.Integer({ minimum: 0, maximum: 100 }),
    noShowFeePercent: Type.Integer({ minimum: 0, maximum: 100, description: 'Share of the quote kept on a no-show or a cancellation after the start' }),
    noShowBanThreshold: Type.Integer({ minimum: 0, maximum: 100, description: 'No-shows within the window that suspend booking (0 = never)' }),
    noShowWindowDays: Type.Integer({ minimum: 1, maximum: 365 }),
    banDays: Type.Integer({ minimum: 1, maximum: 365 }),
    allowsWalkIn: Type.Boolean({ description: 'Cars without a booking or permit may enter while there is room' }),
    maxSessionHours: Type.Integer({ minimum: 1, maximum: 720, description: 'A session open longer is flagged for review (orphaned)' }),
    minConfidence: Type.Number({ minimum: 0, maximum: 1, description: 'Camera readings below it go to review unless they match a booking exactly' }),
    ownerPriceMinPerHourFen: Fen('Lowest hourly price an owner may ask'),
    ownerPriceMaxPerHourFen: Fen('Highest hourly price an owner may ask'),
  },
  { additionalProperties: false },
)
export type LotRules = Static<typeof LotRulesSchema>

export const DEFAULT_RULES: LotRules = {
  minDurationMinutes: 30,
  maxDurationMinutes: 7 * 24 * 60,
  minLeadMinutes: 0,
  maxAdvanceDays: 30,
  timeStepMinutes: 5,
  maxActivePerPlate: 2,
  maxActivePerAccount: 5,
  graceMinutes: 30,
  earlyEntryMinutes: 15,
  freeCancelMinutes: 60,
  accidentalGraceMinutes: 10,
  lateCancelPercent: 50,
  noShowFeePercent: 100,
  noShowBanThreshold: 3,
  noShowWindowDays: 30,
  banDays: 7,
  allowsWalkIn: true,
  maxSessionHours: 72,
  minConfidence: 0.8,
  ownerPriceMinPerHourFen: 0,
  ownerPriceMaxPerHourFen: 2000,
}

export const TariffSchema = Type.Object(
  {
    intervalMinutes: Type.Integer({ minimum: 1, maximum: 1440 }),
    dayRateFen: Fen('Price of an interval starting in the day'),
    nightRateFen: Fen('Price of an interval starting at night (0 = night free)'),
    nightStartMinute: Type.Integer({ minimum: 0, maximum: 1439 }),
    nightEndMinute: Type.Integer({ minimum: 0, maximum: 1439 }),
    freeMinutes: Type.Integer({ minimum: 0, maximum: 1440 }),
    freeMinutesDeducted: Type.Boolean(),
    dailyCapFen: NullableFen('Cap per tariff day'),
    dayResetMinute: Type.Integer({ minimum: 0, maximum: 1439 }),
    rolling24hCapFen: NullableFen('Cap on any 24 hours, across visits'),
    overstayRateFen: NullableFen('Price of an interval after the booked end (null = normal rate)'),
    overstayPenaltyFen: Fen('One-off overstay charge'),
    graceMinutes: Type.Integer({ minimum: 0, maximum: 240, description: 'Uncharged minutes before a booked start and after its end' }),
    monthlyPermitFen: NullableFen('Price of a monthly permit'),
    platformBps: Type.Integer({ minimum: 0, maximum: 10_000 }),
    communityBps: Type.Integer({ minimum: 0, maximum: 10_000 }),
  },
  { additionalProperties: false },
)

export const GateSchema = Type.Object(
  { code: Code, name: Type.String({ minLength: 1, maxLength: 100 }), direction: lit(['entry', 'exit', 'both'] as const) },
  { additionalProperties: false },
)
export type GateInput = Static<typeof GateSchema>

const Location = Type.Object(
  { lng: Type.Number({ minimum: -180, maximum: 180 }), lat: Type.Number({ minimum: -90, maximum: 90 }) },
  { additionalProperties: false, description: 'WGS84' },
)

// Lots

export const CreateLotBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    type: LotTypeSchema,
    address: Type.Optional(Type.String({ maxLength: 200 })),
    location: Location,
    capacity: Type.Integer({ minimum: 0, maximum: 100_000 }),
    openingHours: Type.Optional(Nullable(ScheduleSchema)),
    gates: Type.Array(GateSchema, { maxItems: 50, default: [] }),
    rules: Type.Optional(Type.Partial(LotRulesSchema)),
    tariff: Type.Optional(Type.Partial(TariffSchema)),
  },
  { additionalProperties: false },
)
export type CreateLotInput = Static<typeof CreateLotBody>

export const UpdateLotBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'The version read; a stale one gets 409 VERSION_CONFLICT' }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    status: Type.Optional(lit(['open', 'closed'] as const)),
    address: Type.Optional(NullableStr({ maxLength: 200 })),
    capacity: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    openingHours: Type.Optional(Nullable(ScheduleSchema)),
    gates: Type.Optional(Type.Array(GateSchema, { maxItems: 50 })),
    rules: Type.Optional(Type.Partial(LotRulesSchema)),
    tariff: Type.Optional(Type.Partial(TariffSchema)),
  },
  { additionalProperties: false },
)
export type UpdateLotInput = Static<typeof UpdateLotBody>

export const LotSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: LotTypeSchema,
  status: Type.String({ description: 'open or closed (closed is not full)' }),
  address: Nullable(Type.String()),
  location: Type.Object({ lng: Type.Number(), lat: Type.Number() }),
  gridCode: Type.String(),
  communityCode: Nullable(Type.String()),
  streetCode: Nullable(Type.String()),
  districtCode: Type.String(),
  capacity: Type.Integer(),
  openingHours: Nullable(ScheduleSchema),
  gates: Type.Array(GateSchema),
  rules: LotRulesSchema,
  tariff: TariffSchema,
  version: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  distanceM: Type.Optional(Type.Number({ description: 'From the `near` point' })),
})
export type LotView = Static<typeof LotSchema>

export const ListLotsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    type: Type.Optional(LotTypeSchema),
    regionCode: Type.Optional(Type.String({ pattern: '^[0-9]{6}([0-9]{3}){0,3}$' })),
    lng: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    radiusM: Type.Integer({ minimum: 10, maximum: 50_000, default: 2000, description: 'With lng/lat: lots within this distance, nearest first (no cursor)' }),
  },
  { additionalProperties: false },
)

// Spaces

export const CreateSpaceBody = Type.Object(
  {
    code: Code,
    type: Type.Optional(SpaceTypeSchema),
    level: Type.Optional(Type.String({ maxLength: 20 })),
    pooled: Type.Optional(Type.Boolean({ description: '"Any space" bookings may be assigned it (default true; false for owned spaces)' })),
    ownerId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
)
export type CreateSpaceInput = Static<typeof CreateSpaceBody>

export const CreateSpacesBody = Type.Object({ spaces: Type.Array(CreateSpaceBody, { minItems: 1, maxItems: 2000 }) }, { additionalProperties: false })

export const UpdateSpaceBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    type: Type.Optional(SpaceTypeSchema),
    level: Type.Optional(NullableStr({ maxLength: 20 })),
    status: Type.Optional(SpaceStatusSchema),
    pooled: Type.Optional(Type.Boolean()),
    ownerId: Type.Optional(NullableStr({ format: 'uuid' })),
  },
  { additionalProperties: false },
)
export type UpdateSpaceInput = Static<typeof UpdateSpaceBody>

export const SpaceSchema = Type.Object({
  id: Type.String(),
  lotId: Type.String(),
  code: Type.String(),
  type: SpaceTypeSchema,
  level: Nullable(Type.String()),
  status: SpaceStatusSchema,
  pooled: Type.Boolean(),
  shared: Type.Boolean({ description: 'A private space with an owner' }),
  ownerId: Nullable(Type.String()),
  pricePerHourFen: Nullable(Type.Integer()),
  availability: Nullable(ScheduleSchema),
  sharingUntil: Nullable(Type.String()),
  version: Type.Integer(),
})
export type SpaceView = Static<typeof SpaceSchema>

export const ShareSpaceBody = Type.Object(
  {
    pricePerHourFen: Fen('Owner price per hour, within the lot bounds'),
    availability: ScheduleSchema,
  },
  { additionalProperties: false },
)
export type ShareSpaceInput = Static<typeof ShareSpaceBody>

export const WithdrawBody = Type.Object(
  { from: Type.Optional(DateTime) },
  { additionalProperties: false, description: 'Availability ends at `from` (default now); bookings already made are honoured' },
)

export const WindowQuery = Type.Object(
  { from: DateTime, to: DateTime, spaceType: Type.Optional(SpaceTypeSchema) },
  { additionalProperties: false },
)

// Reservations

export const ReservationBody = Type.Object(
  {
    lotId: Uuid,
    spaceId: Type.Optional(Uuid),
    spaceType: Type.Optional(SpaceTypeSchema),
    start: DateTime,
    end: DateTime,
    plate: Type.String({ minLength: 1, maxLength: 16 }),
    plateColour: Type.Optional(PlateColourSchema),
  },
  { additionalProperties: false, description: 'A specific space (spaceId), or any compatible space of the lot (optionally of a type)' },
)
export type ReservationInput = Static<typeof ReservationBody>

export const QuoteSchema = Type.Object({
  quoteFen: Type.Integer(),
  lotId: Type.String(),
  spaceId: Nullable(Type.String()),
  start: Type.String(),
  end: Type.String(),
  plate: Type.String(),
  freeCancelUntil: Type.String({ description: 'Cancelling before this instant is free' }),
  available: Type.Boolean({ description: 'A space is free for the window right now (not a promise)' }),
})

export const ReservationSchema = Type.Object({
  id: Type.String(),
  lotId: Type.String(),
  spaceId: Type.String(),
  spaceCode: Type.String(),
  spaceType: SpaceTypeSchema,
  shared: Type.Boolean(),
  accountId: Type.String(),
  plate: Type.String(),
  plateColour: Type.String(),
  start: Type.String(),
  end: Type.String(),
  status: ReservationStatusSchema,
  quoteFen: Type.Integer(),
  feeFen: Nullable(Type.Integer()),
  freeCancelUntil: Type.String(),
  bookedAt: Type.String(),
  checkedInAt: Nullable(Type.String()),
  endedAt: Nullable(Type.String()),
  cancelReason: Nullable(Type.String()),
  version: Type.Integer(),
})
export type ReservationView = Static<typeof ReservationSchema>

export const CancelResultSchema = Type.Object({
  reservation: ReservationSchema,
  kind: Type.String({ description: 'free, accidental, late, afterStart or owner' }),
  feeFen: Type.Integer(),
  refundFen: Type.Integer(),
})

export const ListReservationsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    lotId: Type.Optional(Uuid),
    status: Type.Optional(ReservationStatusSchema),
  },
  { additionalProperties: false },
)

// Gates

export const GateEventBody = Type.Object(
  {
    lotId: Uuid,
    gate: Code,
    direction: lit(['entry', 'exit'] as const),
    plate: Type.String({ maxLength: 32, description: 'As read by the camera; "无牌" or empty when none was read' }),
    plateColour: Type.Optional(PlateColourSchema),
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    occurredAt: DateTime,
    snapshotSha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'A picture uploaded to /api/v1/files' })),
    cameraEventId: Type.String({ minLength: 1, maxLength: 128, description: 'Unique per lot; a repeated id returns the first answer' }),
  },
  { additionalProperties: false },
)
export type GateEventInput = Static<typeof GateEventBody>

export const GateResultSchema = Type.Object({
  eventId: Type.String(),
  duplicate: Type.Boolean({ description: 'The camera event id was seen before; this is the first answer' }),
  action: lit(['open', 'refuse', 'review'] as const),
  reason: Type.String(),
  plate: Nullable(Type.String()),
  plateStatus: Type.String(),
  sessionId: Nullable(Type.String()),
  reservationId: Nullable(Type.String()),
  feeFen: Nullable(Type.Integer()),
  flagged: Type.Boolean({ description: 'The session awaits a human review' }),
})
export type GateResult = Static<typeof GateResultSchema>

export const GateDecisionBody = Type.Object(
  {
    action: lit(['open', 'refuse'] as const),
    plate: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'The plate as read by staff (opens a manual session on entry)' })),
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
)

export const GateEventSchema = Type.Object({
  id: Type.String(),
  lotId: Type.String(),
  cameraEventId: Type.String(),
  gate: Type.String(),
  direction: Type.String(),
  plateRaw: Type.String(),
  plate: Nullable(Type.String()),
  plateColour: Type.String(),
  plateStatus: Type.String(),
  confidence: Nullable(Type.Number()),
  occurredAt: Type.String(),
  receivedAt: Type.String(),
  snapshotSha256: Nullable(Type.String()),
  action: Type.String(),
  reason: Type.String(),
  sessionId: Nullable(Type.String()),
  reservationId: Nullable(Type.String()),
  decidedAction: Nullable(Type.String()),
  decidedAt: Nullable(Type.String()),
})

export const ListGateEventsQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }), cursor: Type.Optional(Type.String({ maxLength: 200 })), review: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
)

// Sessions

export const SessionSchema = Type.Object({
  id: Type.String(),
  lotId: Type.String(),
  plate: Type.String(),
  plateColour: Type.String(),
  kind: Type.String(),
  reservationId: Nullable(Type.String()),
  status: Type.String({ description: 'open, closed, awaitingEntry (exit seen first) or void' }),
  enteredAt: Nullable(Type.String()),
  exitedAt: Nullable(Type.String()),
  entryGate: Nullable(Type.String()),
  exitGate: Nullable(Type.String()),
  feeFen: Nullable(Type.Integer()),
  feeDetail: Nullable(Type.Unknown()),
  reviewStatus: Type.String(),
  reviewReasons: Type.Array(Type.String()),
  reviewNote: Nullable(Type.String()),
  reviewedAt: Nullable(Type.String()),
})
export type SessionView = Static<typeof SessionSchema>

export const ListSessionsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    status: Type.Optional(lit(['open', 'closed', 'awaitingEntry', 'void'] as const)),
    review: Type.Optional(Type.Boolean({ description: 'Only sessions awaiting review' })),
    plate: Type.Optional(Type.String({ maxLength: 16 })),
  },
  { additionalProperties: false },
)

export const ReviewSessionBody = Type.Object(
  {
    decision: lit(['confirm', 'close', 'adjust', 'void'] as const, {
      description: 'confirm: accept the fee as billed; close: end an open session at exitedAt and bill it in full; adjust: set the fee; void: no stay, no fee',
    }),
    exitedAt: Type.Optional(DateTime),
    feeFen: Type.Optional(Fen('The fee decided')),
    note: Type.String({ minLength: 2, maxLength: 500 }),
  },
  { additionalProperties: false },
)
export type ReviewSessionInput = Static<typeof ReviewSessionBody>

// Permits and bans

export const PermitBody = Type.Object(
  {
    lotId: Uuid,
    plate: Type.String({ minLength: 1, maxLength: 16 }),
    kind: lit(['monthly', 'accessible'] as const),
    validFrom: DateTime,
    months: Type.Optional(Type.Integer({ minimum: 1, maximum: 24, description: 'monthly: calendar months from validFrom' })),
    validTo: Type.Optional(DateTime),
  },
  { additionalProperties: false },
)
export type PermitInput = Static<typeof PermitBody>

export const PermitSchema = Type.Object({
  id: Type.String(),
  lotId: Type.String(),
  plate: Type.String(),
  kind: Type.String(),
  validFrom: Type.String(),
  validTo: Type.String(),
  priceFen: Type.Integer(),
  revokedAt: Nullable(Type.String()),
})

export const BanSchema = Type.Object({
  id: Type.String(),
  accountId: Type.String(),
  reason: Type.String(),
  startsAt: Type.String(),
  endsAt: Type.String(),
  liftedAt: Nullable(Type.String()),
})

// Occupancy, statements

export const OccupancySchema = Type.Object({
  lotId: Type.String(),
  name: Type.String(),
  gridCode: Type.String(),
  status: Type.String({ description: 'closed, full, almostFull or spacesAvailable' }),
  capacity: Type.Integer(),
  occupied: Type.Integer({ description: 'Cars inside (open sessions)' }),
  reserved: Type.Integer({ description: 'Bookings in force now whose car has not arrived' }),
  free: Type.Integer(),
  at: Type.String(),
})
export type OccupancyView = Static<typeof OccupancySchema>

export const ForecastSchema = Type.Object({
  ...OccupancySchema.properties,
  forecast: Type.Array(
    Type.Object({ hour: Type.String(), reserved: Type.Integer({ description: 'Bookings in force during the hour' }), expected: Type.Integer({ description: 'reserved + cars inside now without a booking' }) }),
  ),
})

export const HistoryQuery = Type.Object({ from: DateTime, to: DateTime }, { additionalProperties: false })

export const HistorySchema = Type.Object({
  items: Type.Array(
    Type.Object({
      hour: Type.String(),
      capacity: Type.Integer(),
      occupiedAvg: Nullable(Type.Number()),
      occupiedMax: Type.Integer(),
      reservedMax: Type.Integer(),
      entries: Type.Integer(),
      exits: Type.Integer(),
    }),
  ),
})

export const StatementSchema = Type.Object({
  from: Type.String(),
  to: Type.String(),
  totalFen: Type.Integer(),
  ownerFen: Type.Integer(),
  communityFen: Type.Integer(),
  platformFen: Type.Integer(),
  byKind: Type.Record(Type.String(), Type.Integer()),
  items: Type.Array(
    Type.Object({
      at: Type.String(),
      kind: Type.String(),
      amountFen: Type.Integer(),
      ownerFen: Type.Integer(),
      communityFen: Type.Integer(),
      platformFen: Type.Integer(),
      reservationId: Nullable(Type.String()),
      sessionId: Nullable(Type.String()),
      spaceId: Nullable(Type.String()),
      plate: Nullable(Type.String({ description: 'Masked for owners' })),
    }),
  ),
})

export const StatementQuery = Type.Object({ from: DateTime, to: DateTime }, { additionalProperties: false })

export const IdParams = Type.Object({ id: Uuid })

// Illegal parking → case

export const ViolationBody = Type.Object(
  {
    lotId: Uuid,
    kind: lit(['fireLane', 'blocking', 'other'] as const, { description: 'fireLane 占用消防通道, blocking 堵塞通道/出入口, other 其他违停' }),
    plate: Type.String({ minLength: 2, maxLength: 16 }),
    plateColour: Type.Optional(PlateColourSchema),
    note: Type.Optional(Type.String({ maxLength: 500 })),
    photos: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'snapshot file id from POST /api/v1/files' }), { maxItems: 9, uniqueItems: true })),
    lng: Type.Optional(Type.Number({ minimum: -180, maximum: 180, description: 'where the car stands (WGS84); default the lot point' })),
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'camera detections' })),
  },
  { additionalProperties: false },
)
export type ViolationInput = Static<typeof ViolationBody>

export const ViolationResultSchema = Type.Object({
  lotId: Type.String(),
  kind: Type.String(),
  plate: Type.String(),
  case: Type.Object({
    id: Type.String(),
    number: Type.String(),
    state: Type.String(),
    gridCode: Type.String(),
    minorClass: Type.String(),
    description: Type.String(),
    photos: Type.Array(Type.String()),
  }),
  duplicates: Type.Array(Type.Object({ id: Type.String(), number: Type.String(), state: Type.String(), distanceM: Type.Number(), reportedAt: Type.String() })),
})

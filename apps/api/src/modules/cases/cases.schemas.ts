import { Type, type Static } from 'typebox'
import { CASE_ACTIONS, CASE_STATES } from './case-workflow.js'
import { CASE_STAGES, URGENCY_LEVELS } from './case-limits.js'

const Enum = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>(Type.String({ enum: [...values], ...(description ? { description } : {}) }))
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'file id from POST /api/v1/files' })
export const SOURCES = ['supervisor', 'public', 'hotline', 'device', 'superior'] as const
export const CRS = ['WGS84', 'GCJ-02', 'BD-09'] as const
const LimitSchema = Type.Object(
  { amount: Type.Number({ exclusiveMinimum: 0, maximum: 10_000 }), unit: Enum(['workingHours', 'workingDays', 'naturalHours'] as const) },
  { additionalProperties: false },
)

export const CreateCaseBody = Type.Object(
  {
    source: Type.Optional(Enum(SOURCES, 'defaults from your role: supervisor → supervisor, resident → public, operator → hotline, leader → superior')),
    classKind: Enum(['event', 'component'] as const),
    minorClass: Type.String({ pattern: '^[0-9]{4}$' }),
    lng: Type.Number({ minimum: -180, maximum: 180 }),
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    crs: Type.Optional(Enum(CRS)),
    description: Type.String({ minLength: 1, maxLength: 2000 }),
    address: Type.Optional(Type.String({ maxLength: 200 })),
    componentCode: Type.Optional(Type.String({ pattern: '^[0-9]{16}$' })),
    photos: Type.Optional(Type.Array(Sha256, { maxItems: 9, uniqueItems: true })),
    reporter: Type.Optional(
      Type.Object(
        { name: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })), phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9][0-9 -]{6,19}$' })) },
        { additionalProperties: false },
      ),
    ),
    anonymous: Type.Optional(Type.Boolean({ description: 'hide the reporter from other members of the public' })),
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'device/AI detections' })),
  },
  { additionalProperties: false },
)
export type CreateCaseInput = Static<typeof CreateCaseBody>

export const CaseActionParams = Type.Object({ id: Type.String({ format: 'uuid' }), action: Enum(CASE_ACTIONS) })

export const CaseActionBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'the case version you acted on; a stale one gets 409' }),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    comment: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    photos: Type.Optional(Type.Array(Sha256, { maxItems: 9, uniqueItems: true })),
    departmentId: Type.Optional(Type.String({ format: 'uuid' })),
    verifyOutcome: Type.Optional(Enum(['confirmed', 'notFound'] as const)),
    checkOutcome: Type.Optional(Enum(['passed', 'failed'] as const)),
    primaryCaseId: Type.Optional(Type.String({ format: 'uuid' })),
    reviewDate: Type.Optional(Type.String({ format: 'date' })),
    extension: Type.Optional(LimitSchema),
  },
  { additionalProperties: false },
)
export type CaseActionInputBody = Static<typeof CaseActionBody>

const Timing = Type.Object({
  stage: Type.String(),
  start: Type.String(),
  end: Type.String(),
  usedMinutes: Type.Number(),
  limitMinutes: Type.Number(),
  onTime: Type.Boolean(),
})

export const CaseSchema = Type.Object({
  id: Type.String(),
  number: Type.String(),
  source: Type.String(),
  classKind: Type.String(),
  majorClass: Type.String(),
  minorClass: Type.String(),
  componentCode: Nullable(Type.String()),
  description: Type.String(),
  address: Nullable(Type.String()),
  lng: Type.Number(),
  lat: Type.Number(),
  gridCode: Type.String(),
  communityCode: Nullable(Type.String()),
  streetCode: Nullable(Type.String()),
  districtCode: Type.String(),
  state: Enum(CASE_STATES),
  publicStatus: Type.String(),
  stage: Nullable(Enum(CASE_STAGES)),
  stageDeadline: Nullable(Type.String({ format: 'date-time' })),
  light: Enum(['green', 'yellow', 'red'] as const),
  extensionPending: Type.Boolean(),
  supervised: Type.Boolean(),
  urgency: Enum(URGENCY_LEVELS),
  departmentId: Nullable(Type.String()),
  proposedDepartmentId: Nullable(Type.String()),
  primaryCaseId: Nullable(Type.String()),
  reporter: Type.Object({ name: Nullable(Type.String()), phone: Nullable(Type.String()), anonymous: Type.Boolean() }),
  photos: Type.Array(Type.String()),
  version: Type.Integer(),
  reportedAt: Type.String({ format: 'date-time' }),
  registeredAt: Nullable(Type.String({ format: 'date-time' })),
  dispatchedAt: Nullable(Type.String({ format: 'date-time' })),
  handledAt: Nullable(Type.String({ format: 'date-time' })),
  closedAt: Nullable(Type.String({ format: 'date-time' })),
  timings: Type.Array(Timing),
  actions: Type.Array(Type.String(), { description: 'what the caller may do now' }),
})
export type CaseView = Static<typeof CaseSchema>

export const DuplicateSchema = Type.Object({ id: Type.String(), number: Type.String(), state: Type.String(), distanceM: Type.Number(), reportedAt: Type.String() })

export const CaseEventSchema = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actorName: Type.String(),
  action: Type.String(),
  fromState: Nullable(Type.String()),
  toState: Type.String(),
  comment: Nullable(Type.String()),
  input: Type.Unknown(),
  photos: Type.Array(Type.String()),
})

export const ListCasesQuery = Type.Object(
  {
    view: Type.Optional(Enum(['tasks', 'all'] as const, 'tasks = what waits for you, overdue first; all = everything you may see, newest first')),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 300 })),
    state: Type.Optional(Type.Array(Enum(CASE_STATES))),
    stage: Type.Optional(Enum(CASE_STAGES)),
    minorClass: Type.Optional(Type.String({ pattern: '^[0-9]{4}$' })),
    source: Type.Optional(Enum(SOURCES)),
    region: Type.Optional(Type.String({ pattern: '^[0-9]{6}([0-9]{3}){0,3}$' })),
    departmentId: Type.Optional(Type.String({ format: 'uuid' })),
    light: Type.Optional(Enum(['green', 'yellow', 'red'] as const)),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'text in description or address' })),
  },
  { additionalProperties: false },
)
export type ListCasesQueryInput = Static<typeof ListCasesQuery>

const { limit: _limit, cursor: _cursor, ...filterProperties } = ListCasesQuery.properties
export const ExportCasesQuery = Type.Object(
  { ...filterProperties, format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')], { default: 'csv' }) },
  { additionalProperties: false },
)

export const ClassSettingsBody = Type.Object(
  {
    limits: Type.Object(
      { register: LimitSchema, dispatch: LimitSchema, handle: LimitSchema, check: LimitSchema, close: LimitSchema },
      { additionalProperties: false },
    ),
    urgency: Enum(URGENCY_LEVELS),
    closingStandard: Type.String({ maxLength: 1000 }),
    defaultDepartmentId: Type.Optional(Nullable(Type.String({ format: 'uuid' }))),
  },
  { additionalProperties: false },
)

export const DispatchRuleBody = Type.Object(
  {
    classKind: Type.Optional(Enum(['event', 'component'] as const)),
    minorClass: Type.Optional(Type.String({ pattern: '^[0-9]{4}$' })),
    regionCode: Type.Optional(Type.String({ pattern: '^[0-9]{6}([0-9]{3}){0,3}$' })),
    departmentId: Type.String({ format: 'uuid' }),
    priority: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })),
  },
  { additionalProperties: false },
)

export const CalendarDayBody = Type.Object({ kind: Enum(['holiday', 'workday'] as const), name: Type.String({ maxLength: 50 }) }, { additionalProperties: false })

export const PhotoCheckSchema = Type.Object({
  sha256: Type.String(),
  takenAt: Nullable(Type.String({ format: 'date-time' })),
  lng: Nullable(Type.Number()),
  lat: Nullable(Type.Number()),
  distanceM: Nullable(Type.Number({ description: 'from the reported place' })),
  flagged: Type.Boolean(),
  reasons: Type.Array(Type.String({ description: 'farFromReportedPlace, takenLongBefore' })),
})

import { Type, type Static } from 'typebox'

const Enum = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>(Type.String({ enum: [...values], ...(description ? { description } : {}) }))

export const MAP_METRICS = ['open', 'overdue', 'perThousandComponents'] as const
export type MapMetric = (typeof MAP_METRICS)[number]

const Region = Type.String({ pattern: '^[0-9]{6}([0-9]{3}){0,3}$', description: 'region code (city, district, street, community or grid); default: your widest scope' })
const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD in the tenant zone, inclusive' })

export const StatsQuery = Type.Object(
  {
    region: Type.Optional(Region),
    from: Type.Optional(Day),
    to: Type.Optional(Day),
    metric: Type.Optional(Enum(MAP_METRICS, 'choropleth value of the map')),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 35, description: 'hot spots: the last N local days (reports per grid are kept 35 days)' })),
  },
  { additionalProperties: false },
)
export type StatsRangeQuery = Static<typeof StatsQuery>

const RegionRef = Type.Object({ code: Type.String(), name: Type.String(), level: Type.String() })
const Card = Type.Object({ value: Type.Number(), previous: Type.Union([Type.Number(), Type.Null()]) })

export const KpisSchema = Type.Object({
  region: RegionRef,
  asOf: Type.String({ format: 'date-time' }),
  cards: Type.Object({
    reported: Card,
    registered: Card,
    dispatched: Card,
    closed: Card,
    onTimeRate: Type.Object({ value: Type.Number({ description: 'closed today on time / closed today (0 when none closed)' }), previous: Type.Number() }),
    overdue: Card,
    suspended: Card,
  }),
})

export const MapSchema = Type.Object({
  region: RegionRef,
  childLevel: Type.Union([Enum(['district', 'street', 'community', 'grid'] as const), Type.Null()]),
  items: Type.Array(
    Type.Object({ code: Type.String(), name: Type.String(), approximate: Type.Boolean(), open: Type.Integer(), overdue: Type.Integer(), components: Type.Integer(), value: Type.Number() }),
  ),
})

export const CasePointsSchema = Type.Object({
  total: Type.Integer(),
  items: Type.Array(Type.Object({ id: Type.String(), number: Type.String(), lng: Type.Number(), lat: Type.Number(), light: Enum(['green', 'yellow', 'red'] as const), minorClass: Type.String() })),
})

export const ClassesSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      classKind: Type.String(),
      majorClass: Type.String(),
      majorName: Type.String(),
      minorClass: Type.String(),
      minorName: Type.String(),
      reported: Type.Integer(),
      closed: Type.Integer(),
    }),
  ),
})

export const TrendSchema = Type.Object({ items: Type.Array(Type.Object({ day: Type.String(), reported: Type.Integer(), closed: Type.Integer() })) })
export const SourcesSchema = Type.Object({ items: Type.Array(Type.Object({ source: Type.String(), count: Type.Integer() })) })
export const DepartmentsSchema = Type.Object({
  items: Type.Array(Type.Object({ departmentId: Type.String(), name: Type.String(), handled: Type.Integer(), onTime: Type.Integer(), onTimeRate: Type.Number() })),
})
export const RegionsSchema = Type.Object({
  items: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), reported: Type.Integer(), closed: Type.Integer(), onTimeRate: Type.Number() })),
})
export const HotspotsSchema = Type.Object({ items: Type.Array(Type.Object({ gridCode: Type.String(), name: Type.String(), count: Type.Integer() })) })
export const ParkingSchema = Type.Object({
  items: Type.Array(Type.Object({ lotId: Type.String(), name: Type.String(), capacity: Type.Integer(), occupied: Type.Integer(), reserved: Type.Integer(), free: Type.Integer() })),
})

export const FeedQuery = Type.Object(
  {
    region: Type.Optional(Region),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'default 40' })),
  },
  { additionalProperties: false },
)
export type StatsFeedQuery = Static<typeof FeedQuery>

export const FeedSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String({ description: 'case event id' }),
      at: Type.String({ format: 'date-time' }),
      action: Type.String({ description: 'workflow action (report, register, dispatch, close…)' }),
      fromState: Type.Union([Type.String(), Type.Null()]),
      toState: Type.String(),
      caseId: Type.String(),
      number: Type.String(),
      gridCode: Type.String(),
      light: Enum(['green', 'yellow', 'red'] as const),
      minorClass: Type.String(),
    }),
  ),
})

export const ScreenSchema = Type.Object({
  kpis: KpisSchema,
  map: MapSchema,
  classes: ClassesSchema,
  trend: TrendSchema,
  sources: SourcesSchema,
  departments: DepartmentsSchema,
  regions: RegionsSchema,
  hotspots: HotspotsSchema,
  parking: ParkingSchema,
})

import { Type, type Static } from 'typebox'
import { CRS_LIST, type Crs } from '../../platform/geo/index.js'
import { REGION_LEVELS, type RegionLevel } from './regions.repository.js'

export const LevelSchema = Type.Unsafe<RegionLevel>(Type.String({ enum: [...REGION_LEVELS] }))
export const CrsSchema = Type.Unsafe<Crs>(
  Type.String({ enum: [...CRS_LIST], default: 'WGS84', description: 'Coordinate system: WGS84 (stored), GCJ-02 (Amap/Tencent) or BD-09 (Baidu)' }),
)
const Code = Type.String({ pattern: '^[0-9]{6}([0-9]{3}){0,3}$', description: '6-digit city/district, 9 street, 12 community, 15 grid' })
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
/** GeoJSON is passed through as it is; the service checks it (a schema walk of large polygons would cost more than the check). */
const GeoJson = Type.Unknown({ description: 'GeoJSON (RFC 7946), WGS84 unless a crs says otherwise' })
const BBoxSchema = Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()], { description: '[minLng, minLat, maxLng, maxLat]' })

export const CodeParams = Type.Object({ code: Code })

export const RegionSchema = Type.Object({
  code: Type.String(),
  name: Type.String(),
  level: LevelSchema,
  parentCode: Nullable(Type.String()),
  districtCode: Type.String(),
  sourceCode: Nullable(Type.String({ description: 'The code as imported, when it was normalised (14-digit CJ/T 213 grid codes)' })),
  approximate: Type.Boolean({ description: 'Generated or simplified outline, not a legal boundary' }),
  area: Nullable(Type.Number({ description: 'Geodesic area, m²' })),
  bbox: Nullable(BBoxSchema),
  validFrom: Type.String({ format: 'date' }),
  validTo: Nullable(Type.String({ format: 'date' })),
  hasGeometry: Type.Boolean(),
  access: Type.Union([Type.Literal('full'), Type.Literal('ancestor')], { description: "'ancestor': a region above the caller's scopes, shown by name only" }),
  geometry: Type.Optional(Nullable(GeoJson)),
})
export type RegionView = Static<typeof RegionSchema>

export const ListRegionsQuery = Type.Object(
  {
    level: Type.Optional(LevelSchema),
    parent: Type.Optional(Code),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'Part of the name' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    cursor: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
)

export const RegionListSchema = Type.Object({ items: Type.Array(RegionSchema), nextCursor: Nullable(Type.String()) })

export const GetRegionQuery = Type.Object({ geometry: Type.Boolean({ default: false }), crs: CrsSchema }, { additionalProperties: false })

export const GeoJsonQuery = Type.Object(
  { depth: Type.Integer({ minimum: 0, maximum: 4, default: 1, description: 'Levels below the region to include' }), crs: CrsSchema },
  { additionalProperties: false },
)

export const StatsSchema = Type.Object({
  code: Type.String(),
  level: LevelSchema,
  area: Nullable(Type.Number()),
  children: Type.Integer(),
  descendants: Type.Record(Type.String(), Type.Integer(), { description: 'Current descendants per level' }),
  grids: Type.Integer(),
  gridArea: Type.Number({ description: 'Summed area of the grids below, m²' }),
  gridCoverage: Nullable(Type.Number({ description: 'gridArea / area' })),
})

/** Defaults of the import checks' tolerances (also used by the CLI). */
export const IMPORT_TOLERANCES = { containmentTolerance: 0.005, areaTolerance: 1 }

export const ImportBody = Type.Object(
  {
    featureCollection: Type.Object(
      { type: Type.Literal('FeatureCollection'), features: Type.Array(Type.Object({ type: Type.Literal('Feature') }), { maxItems: 200_000 }) },
      { description: 'GeoJSON FeatureCollection of Polygon/MultiPolygon features (null geometry allowed above grid level)' },
    ),
    level: Type.Optional(LevelSchema),
    mapping: Type.Object(
      {
        code: Type.String({ minLength: 1, description: 'Property holding the code (dotted paths such as parent.adcode allowed)' }),
        name: Type.String({ minLength: 1 }),
        parent: Type.Optional(Type.String({ minLength: 1 })),
        level: Type.Optional(Type.String({ minLength: 1 })),
      },
      { additionalProperties: false },
    ),
    crs: CrsSchema,
    dryRun: Type.Boolean({ default: false }),
    mode: Type.Union([Type.Literal('all-or-nothing'), Type.Literal('keep-valid')], { default: 'all-or-nothing' }),
    legacyGridCodes: Type.Boolean({ default: false, description: 'Accept 14-digit CJ/T 213 grid codes (2-digit grid number), stored as 15 digits' }),
    approximate: Type.Boolean({ default: false, description: 'Mark every imported outline as approximate' }),
    validFrom: Type.Optional(Type.String({ format: 'date' })),
    containmentTolerance: Type.Number({ minimum: 0, maximum: 1, default: IMPORT_TOLERANCES.containmentTolerance, description: 'Share of a child’s area allowed outside its parent' }),
    areaTolerance: Type.Number({ minimum: 0, default: IMPORT_TOLERANCES.areaTolerance, description: 'm² of overlap between grids, or of community area they leave uncovered, that is ignored' }),
  },
  { additionalProperties: false },
)
export type ImportInput = Static<typeof ImportBody>

export const ProblemSchema = Type.Object({
  index: Nullable(Type.Integer({ description: 'Feature index in the collection; null for problems of a whole community (gaps)' })),
  code: Nullable(Type.String()),
  severity: Type.Union([Type.Literal('error'), Type.Literal('warning')]),
  kind: Type.String(),
  message: Type.String(),
  at: Type.Optional(Type.Tuple([Type.Number(), Type.Number()])),
  area: Type.Optional(Type.Number({ description: 'm² (overlap, gap, or part outside the parent)' })),
  related: Type.Optional(Type.Array(Type.Integer())),
})
export type ImportProblem = Static<typeof ProblemSchema>

export const ImportReportSchema = Type.Object({
  dryRun: Type.Boolean(),
  mode: Type.String(),
  crs: Type.String(),
  committed: Type.Boolean(),
  summary: Type.Object({
    features: Type.Integer(),
    valid: Type.Integer(),
    rejected: Type.Integer(),
    imported: Type.Integer(),
    errors: Type.Integer(),
    warnings: Type.Integer(),
    byLevel: Type.Record(Type.String(), Type.Integer()),
  }),
  problems: Type.Array(ProblemSchema),
})
export type ImportReport = Static<typeof ImportReportSchema>

export const DivideBody = Type.Object(
  {
    targetArea: Type.Number({ minimum: 100, maximum: 1_000_000, default: 10_000, description: 'm²' }),
    minArea: Type.Number({ minimum: 0, default: 5_000 }),
    maxArea: Type.Number({ minimum: 100, default: 20_000 }),
    roads: Type.Optional(Type.Unknown({ description: 'Road centre lines: a FeatureCollection or an array of LineString/MultiLineString geometries' })),
    roadsCrs: CrsSchema,
    commit: Type.Boolean({ default: false }),
    replace: Type.Boolean({ default: false, description: 'With commit: replace the community’s existing grids (their assignments end)' }),
  },
  { additionalProperties: false },
)
export type DivideInput = Static<typeof DivideBody>

export const DivideResultSchema = Type.Object({
  community: Type.Object({ code: Type.String(), name: Type.String(), area: Type.Number() }),
  committed: Type.Boolean(),
  replaced: Type.Integer({ description: 'Grids removed by a committed replace' }),
  stats: Type.Object({
    cells: Type.Integer(),
    totalArea: Type.Number(),
    communityArea: Type.Number(),
    minArea: Type.Number(),
    maxArea: Type.Number(),
    meanArea: Type.Number(),
    belowMin: Type.Integer({ description: 'Cells under minArea (islands with no neighbour to join)' }),
    aboveMax: Type.Integer(),
    rows: Type.Integer(),
    blocks: Type.Integer(),
    roadCuts: Type.Integer(),
  }),
  cells: GeoJson,
})

export const LocateQuery = Type.Object(
  {
    lng: Type.Number({ minimum: -180, maximum: 180 }),
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    crs: CrsSchema,
    strict: Type.Boolean({ default: false, description: 'Answer 404 when the point is in no grid, even if it is inside a district' }),
  },
  { additionalProperties: false },
)

const RegionRef = Nullable(Type.Object({ code: Type.String(), name: Type.String() }))
export const LocatedSchema = Type.Object({
  grid: RegionRef,
  community: RegionRef,
  street: RegionRef,
  district: RegionRef,
  city: RegionRef,
  /** The point in WGS84 (after conversion from the given crs). */
  wgs84: Type.Tuple([Type.Number(), Type.Number()]),
})

const Person = Type.Object({
  userId: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  roles: Type.Array(Type.String()),
  since: Type.String({ format: 'date-time' }),
  assignedBy: Nullable(Type.String()),
})
export const PeopleSchema = Type.Object({
  grid: Type.Object({ code: Type.String(), name: Type.String() }),
  primary: Nullable(Person),
  helpers: Type.Array(Person),
  history: Type.Array(
    Type.Object({
      userId: Type.String(),
      username: Type.String(),
      displayName: Type.String(),
      role: Type.String(),
      from: Type.String({ format: 'date-time' }),
      to: Type.String({ format: 'date-time' }),
      assignedBy: Nullable(Type.String()),
      endedBy: Nullable(Type.String()),
    }),
  ),
})
export type PeopleView = Static<typeof PeopleSchema>

export const PutPeopleBody = Type.Object(
  {
    primary: Nullable(Type.String({ format: 'uuid' })),
    helpers: Type.Array(Type.String({ format: 'uuid' }), { maxItems: 50, uniqueItems: true, default: [] }),
  },
  { additionalProperties: false },
)

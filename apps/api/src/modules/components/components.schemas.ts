import { Type, type Static } from 'typebox'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

export const CrsSchema = Type.Union([Type.Literal('WGS84'), Type.Literal('GCJ-02'), Type.Literal('BD-09')], {
  default: 'WGS84',
  description: 'Coordinate system of given coordinates (and of returned ones): WGS84 (stored), GCJ-02 (Amap/Tencent) or BD-09 (Baidu)',
})
export const StatusSchema = Type.Union([Type.Literal('intact'), Type.Literal('damaged'), Type.Literal('lost'), Type.Literal('occupied')], {
  description: '完好 intact / 破损 damaged / 丢失 lost / 占用 occupied',
})
export const CurrencySchema = Type.Union([Type.Literal('inUse'), Type.Literal('retired')], { description: '现势性: 在用 inUse / 作废 retired' })
export const DataSourceSchema = Type.Union([Type.Literal('survey'), Type.Literal('topographicMap'), Type.Literal('fieldMapping'), Type.Literal('other')], {
  description: '数据来源: 实测 survey / 地形图 topographicMap / 调绘 fieldMapping / 其它 other',
})
export const CodeSchema = Type.String({ pattern: '^[0-9]{16}$', description: '16 digits: 6 district + 2 major + 2 minor + 6 sequence' })
export const MinorCodeSchema = Type.String({ pattern: '^[0-9]{4}$' })
const RegionCode = Type.String({ pattern: '^[0-9]{6}([0-9]{3}){0,3}$' })
const Uuid = Type.String({ format: 'uuid' })
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' })
const AttributeValue = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])
/** GeoJSON is checked by the service (type, positions, rings), not by a schema walk. */
const GeoJson = Type.Unknown({ description: 'GeoJSON Point, LineString or Polygon' })
const BBox = Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()], { description: '[minLng, minLat, maxLng, maxLat]' })

export const ComponentSchema = Type.Object({
  code: Type.String(),
  name: Type.String(),
  majorClass: Type.String(),
  majorClassName: Type.String(),
  minorClass: Type.String(),
  minorClassName: Type.String(),
  geometry: GeoJson,
  lng: Type.Number({ description: 'Representative point (the point, the middle of a line, a point inside a polygon)' }),
  lat: Type.Number(),
  bbox: BBox,
  gridCode: Type.String(),
  communityCode: Type.String(),
  streetCode: Type.String(),
  districtCode: Type.String({ description: 'District part of the code (the shard key)' }),
  location: Nullable(Type.String()),
  status: StatusSchema,
  currency: CurrencySchema,
  authorityDeptId: Nullable(Type.String()),
  ownerDeptId: Nullable(Type.String()),
  maintainerDeptId: Nullable(Type.String()),
  dataSource: DataSourceSchema,
  photos: Type.Array(Type.String()),
  installDate: Nullable(Type.String({ format: 'date' })),
  attributes: Type.Record(Type.String(), AttributeValue),
  note: Nullable(Type.String()),
  version: Type.Integer(),
  importId: Nullable(Type.String({ description: 'The import that created it' })),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})
export type ComponentView = Static<typeof ComponentSchema>

export const ChangeSchema = Type.Object({
  at: Type.String({ format: 'date-time' }),
  actorId: Nullable(Type.String()),
  actorName: Type.String(),
  source: Type.String({ description: 'api, import or case' }),
  importId: Nullable(Type.String()),
  action: Type.String({ description: 'create or update' }),
  changes: Type.Unknown({ description: '{field: [before, after]}, or null (a creation by an import)' }),
})

export const ComponentDetailSchema = Type.Object({ ...ComponentSchema.properties, history: Type.Array(ChangeSchema) })

const Location = {
  geometry: Type.Optional(GeoJson),
  lng: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
  lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
  crs: CrsSchema,
}
const Common = {
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Defaults to the class name' })),
  location: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  status: Type.Optional(StatusSchema),
  currency: Type.Optional(CurrencySchema),
  authorityDeptId: Type.Optional(Nullable(Uuid)),
  ownerDeptId: Type.Optional(Nullable(Uuid)),
  maintainerDeptId: Type.Optional(Nullable(Uuid)),
  dataSource: Type.Optional(DataSourceSchema),
  photos: Type.Optional(Type.Array(Sha256, { maxItems: 20, uniqueItems: true })),
  installDate: Type.Optional(Nullable(Type.String({ format: 'date' }))),
  // values are checked against the class by the service (a schema union would coerce 12 into "12")
  attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Class attributes {name: value}; see GET /classes' })),
  note: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
}

export const CreateComponentBody = Type.Object({ minorClass: MinorCodeSchema, ...Location, ...Common }, { additionalProperties: false })
export type CreateComponentInput = Static<typeof CreateComponentBody>

export const UpdateComponentBody = Type.Object(
  { ...Location, ...Common, version: Type.Optional(Type.Integer({ minimum: 1, description: 'Refuse with 409 if the component changed since this version' })) },
  { additionalProperties: false, minProperties: 1 },
)
export type UpdateComponentInput = Static<typeof UpdateComponentBody>

export const CodeParams = Type.Object({ code: CodeSchema })
export const CrsQuery = Type.Object({ crs: CrsSchema }, { additionalProperties: false })

const CsvList = (item: string) => Type.String({ pattern: `^${item}(,${item})*$` })
export const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 100 })),
    region: Type.Optional(Type.String({ pattern: '^[0-9]{6}([0-9]{3}){0,3}$', description: 'Region code: its components (city, district, street, community or grid)' })),
    grid: Type.Optional(Type.String({ pattern: '^[0-9]{15}$' })),
    minorClass: Type.Optional(CsvList('[0-9]{4}')),
    majorClass: Type.Optional(Type.String({ pattern: '^[0-9]{2}$' })),
    status: Type.Optional(CsvList('(intact|damaged|lost|occupied)')),
    currency: Type.Optional(CurrencySchema),
    dept: Type.Optional(Uuid),
    deptRole: Type.Optional(Type.Union([Type.Literal('authority'), Type.Literal('owner'), Type.Literal('maintainer')])),
    q: Type.Optional(Type.String({ minLength: 2, maxLength: 50, description: 'Text in the name or location description (trigram search)' })),
    bbox: Type.Optional(Type.String({ pattern: '^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$', description: 'minLng,minLat,maxLng,maxLat (in crs)' })),
    crs: CrsSchema,
  },
  { additionalProperties: false },
)
export type ListQueryInput = Static<typeof ListQuery>

export const NearestQuery = Type.Object(
  {
    lng: Type.Number({ minimum: -180, maximum: 180 }),
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    minorClass: Type.Optional(CsvList('[0-9]{4}')),
    radius: Type.Number({ minimum: 1, maximum: 2000, default: 50, description: 'metres' }),
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 1 }),
    includeRetired: Type.Boolean({ default: false }),
    crs: CrsSchema,
  },
  { additionalProperties: false },
)

export const NearestItem = Type.Object({
  code: Type.String(),
  name: Type.String(),
  minorClass: Type.String(),
  status: StatusSchema,
  currency: CurrencySchema,
  gridCode: Type.String(),
  location: Nullable(Type.String()),
  lng: Type.Number(),
  lat: Type.Number(),
  distance: Type.Number({ description: 'metres from the given point to the component geometry' }),
})

export const ClustersQuery = Type.Object(
  {
    bbox: Type.String({ pattern: '^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$', description: 'minLng,minLat,maxLng,maxLat (in crs)' }),
    zoom: Type.Integer({ minimum: 0, maximum: 22, description: 'Web-map zoom level' }),
    minorClass: Type.Optional(CsvList('[0-9]{4}')),
    majorClass: Type.Optional(Type.String({ pattern: '^[0-9]{2}$' })),
    status: Type.Optional(CsvList('(intact|damaged|lost|occupied)')),
    includeRetired: Type.Boolean({ default: false }),
    cellPx: Type.Integer({ minimum: 16, maximum: 256, default: 64, description: 'Cluster cell size in screen pixels' }),
    crs: CrsSchema,
  },
  { additionalProperties: false },
)

export const ClustersSchema = Type.Object({
  zoom: Type.Integer(),
  total: Type.Integer({ description: 'Components in the window' }),
  asOf: Type.String({ format: 'date-time', description: 'When the point index was built' }),
  items: Type.Array(
    Type.Object({
      lng: Type.Number(),
      lat: Type.Number(),
      count: Type.Integer(),
      code: Type.Optional(Type.String({ description: 'Set when the cluster is a single component' })),
      minorClass: Type.Optional(Type.String()),
      status: Type.Optional(StatusSchema),
      bbox: Type.Optional(BBox),
    }),
  ),
})

export const StatsQuery = Type.Object({ region: Type.Optional(RegionCode) }, { additionalProperties: false })
export const StatsSchema = Type.Object({
  region: Nullable(Type.String()),
  total: Type.Integer(),
  asOf: Type.String({ format: 'date-time', description: 'When the point index the counts come from was built' }),
  byStatus: Type.Record(Type.String(), Type.Integer()),
  byCurrency: Type.Record(Type.String(), Type.Integer()),
  byClass: Type.Array(
    Type.Object({
      minorClass: Type.String(),
      name: Type.String(),
      majorClass: Type.String(),
      total: Type.Integer(),
      byStatus: Type.Record(Type.String(), Type.Integer()),
      retired: Type.Integer({ description: 'Of which 作废 (retired)' }),
    }),
  ),
})

export const ImportOptionsSchema = Type.Object(
  {
    format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('xlsx'), Type.Literal('geojson')], { description: 'Default: from the file name' })),
    mode: Type.Union([Type.Literal('all-or-nothing'), Type.Literal('keep-valid')], { default: 'all-or-nothing' }),
    crs: CrsSchema,
    encoding: Type.Union([Type.Literal('utf-8'), Type.Literal('gb18030'), Type.Literal('gbk'), Type.Literal('utf-16le')], { default: 'utf-8', description: 'CSV text encoding' }),
    mapping: Type.Optional(Type.String({ maxLength: 10_000, description: 'JSON object {field: column}; fields: code, name, minorClass, lng, lat, geometry, location, status, currency, authorityDept, ownerDept, maintainerDept, dataSource, installDate, photos, note, attributes.<name>' })),
  },
  { additionalProperties: false },
)

export const ImportSchema = Type.Object({
  id: Type.String(),
  status: Type.String({ description: 'pending, reading, applying, succeeded, rejected (errors in all-or-nothing mode), failed' }),
  format: Type.String(),
  fileName: Nullable(Type.String()),
  fileSize: Nullable(Type.Integer()),
  mode: Type.String(),
  crs: Type.String(),
  encoding: Type.String(),
  mapping: Type.Record(Type.String(), Type.String()),
  progress: Type.Object({
    rowsRead: Type.Integer(),
    bytesRead: Type.Integer(),
    fraction: Nullable(Type.Number({ description: 'Share of the file read (0–1)' })),
  }),
  rowsValid: Type.Integer(),
  rowsInvalid: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  errorsTruncated: Type.Boolean(),
  message: Nullable(Type.String()),
  errorReport: Nullable(Type.String({ description: 'URL of the CSV error report (row, column, value, reason)' })),
  createdBy: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Nullable(Type.String({ format: 'date-time' })),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
})
export type ImportView = Static<typeof ImportSchema>

export const ImportParams = Type.Object({ id: Type.String({ format: 'uuid' }) })

export const ExportQuery = Type.Object(
  {
    format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx'), Type.Literal('geojson')], { default: 'csv' }),
    region: Type.Optional(RegionCode),
    grid: Type.Optional(Type.String({ pattern: '^[0-9]{15}$' })),
    minorClass: Type.Optional(CsvList('[0-9]{4}')),
    majorClass: Type.Optional(Type.String({ pattern: '^[0-9]{2}$' })),
    status: Type.Optional(CsvList('(intact|damaged|lost|occupied)')),
    currency: Type.Optional(CurrencySchema),
    dept: Type.Optional(Uuid),
    q: Type.Optional(Type.String({ minLength: 2, maxLength: 50 })),
    bbox: Type.Optional(Type.String({ pattern: '^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$' })),
    crs: CrsSchema,
  },
  { additionalProperties: false },
)
export type ExportQueryInput = Static<typeof ExportQuery>

export const StatusBody = Type.Object(
  { status: StatusSchema, note: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
)

import { Type, type Static } from 'typebox'

export const DATASET_NAMES = ['regions', 'grids', 'components', 'classes', 'departments', 'users', 'cases', 'parkingLots', 'parkingSpaces'] as const
export type DatasetName = (typeof DATASET_NAMES)[number]

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
const Severity = Type.Union([Type.Literal('error'), Type.Literal('warning'), Type.Literal('info')])

export const CheckSummarySchema = Type.Object({
  key: Type.String(),
  severity: Severity,
  count: Type.Integer({ description: 'Offending rows in the caller’s scope' }),
})

export const LastImportSchema = Type.Object({
  at: Type.String({ format: 'date-time' }),
  by: Nullable(Type.String()),
  rows: Nullable(Type.Integer({ description: 'Rows the import read (components) or brought in (regions, classes)' })),
  outcome: Type.String({ description: 'succeeded, rejected, failed, or still running: pending, reading, applying' }),
  id: Nullable(Type.String({ description: 'The import record (components) or audit row' })),
})

export const ExportLinkSchema = Type.Object({
  format: Type.String(),
  label: Type.String(),
  href: Type.String({ description: 'GET this URL to download (the owning module’s exporter)' }),
})

export const DatasetSchema = Type.Object({
  name: Type.Unsafe<DatasetName>(Type.String({ enum: [...DATASET_NAMES] })),
  count: Type.Integer(),
  /** True when the count is limited to the caller's region scopes. */
  scoped: Type.Boolean(),
  breakdown: Nullable(Type.Record(Type.String(), Type.Integer(), { description: 'Counts of parts of the dataset, e.g. {majors, minors} of the classification' })),
  lastImport: Nullable(LastImportSchema),
  checks: Type.Array(CheckSummarySchema),
  import: Nullable(Type.Union([Type.Literal('regions'), Type.Literal('components')], { description: 'Which module importer loads this dataset' })),
  exports: Type.Array(ExportLinkSchema),
})
export type DatasetView = Static<typeof DatasetSchema>

export const DatasetListSchema = Type.Object({
  items: Type.Array(DatasetSchema),
  staleStatusDays: Type.Integer({ description: 'Days after which a damaged or lost component with no open case is stale' }),
  computedAt: Type.String({ format: 'date-time', description: 'When these counts were computed (shared for up to a minute per scope; ?refresh=true recomputes)' }),
})

export const DatasetListQuery = Type.Object(
  { refresh: Type.Boolean({ default: false, description: 'Recompute now instead of taking a result up to a minute old' }) },
  { additionalProperties: false },
)

export const CheckParams = Type.Object({ name: Type.String({ maxLength: 40 }), key: Type.String({ maxLength: 60 }) })
export const CheckQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
)

export const CheckRowSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  regionCode: Nullable(Type.String()),
  detail: Nullable(Type.String()),
  link: Nullable(Type.String({ description: 'The console page of the row' })),
})

export const CheckPageSchema = Type.Object({
  dataset: Type.String(),
  key: Type.String(),
  severity: Severity,
  count: Type.Integer(),
  items: Type.Array(CheckRowSchema),
  nextCursor: Nullable(Type.String()),
})
export type CheckPage = Static<typeof CheckPageSchema>

import type { StagedRow } from './import-rows.js'

/**
 * COPY lines of an import's new components, in the column order of SPOOL_COLUMNS (PostgreSQL
 * COPY text format), made by the reading thread and loaded into `components` by the import's
 * transaction. A new row's code is not known until that transaction has locked its (district,
 * class) counter, so each line starts with two key fields — the offset of the row inside its
 * group and the 10-digit group prefix — that become the 16-digit code (prefix + base + offset).
 *
 * Rows with a code of their own (updates, or codes carried over from another system) go to the
 * import's staging table instead, where SQL matches them against the registry.
 */
export const SPOOL_COLUMNS = [
  'code',
  'minor_class',
  'name',
  'geometry',
  'lng',
  'lat',
  'min_lng',
  'min_lat',
  'max_lng',
  'max_lat',
  'grid_code',
  'location',
  'status',
  'currency',
  'authority_dept_id',
  'owner_dept_id',
  'maintainer_dept_id',
  'data_source',
  'photos',
  'install_date',
  'attributes',
  'note',
  'import_id',
  'created_by',
  'updated_by',
] as const

/** SQL types of the spool columns, for the server path (unnest of text arrays, then casts). */
export const SPOOL_TYPES: Record<(typeof SPOOL_COLUMNS)[number], string> = {
  code: 'text',
  minor_class: 'text',
  name: 'text',
  geometry: 'jsonb',
  lng: 'double precision',
  lat: 'double precision',
  min_lng: 'double precision',
  min_lat: 'double precision',
  max_lng: 'double precision',
  max_lat: 'double precision',
  grid_code: 'text',
  location: 'text',
  status: 'text',
  currency: 'text',
  authority_dept_id: 'uuid',
  owner_dept_id: 'uuid',
  maintainer_dept_id: 'uuid',
  data_source: 'text',
  photos: 'text[]',
  install_date: 'date',
  attributes: 'jsonb',
  note: 'text',
  import_id: 'uuid',
  created_by: 'uuid',
  updated_by: 'uuid',
}

const NEEDS_ESCAPE = /[\\\t\n\r]/
const ESCAPE = /[\\\t\n\r]/g
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }

/** A text value in COPY text format (\N for null). */
export function copyText(v: string | null): string {
  if (v === null) return '\\N'
  return NEEDS_ESCAPE.test(v) ? v.replace(ESCAPE, (c) => ESCAPES[c]!) : v
}

/** created_at and updated_at are left to their default, now(): the time of the apply transaction. */
export interface SpoolMeta {
  importId: string
  actorId: string | null
}

/** The spool line of a new component (its code still open), without a line break. */
export function spoolLine(r: StagedRow, offset: number, meta: SpoolMeta): string {
  const p = r.placed!
  const g = p.geometry
  // a Point is stored as its lng/lat alone (geometry null)
  const geometry = g.type === 'Point' ? null : JSON.stringify(g)
  const actor = meta.actorId ?? '\\N'
  return (
    `${offset}\t${r.districtCode}${r.minorClass}\t${r.minorClass}\t${copyText(r.name ?? r.className)}\t${copyText(geometry)}\t` +
    `${p.point[0]}\t${p.point[1]}\t${p.bbox[0]}\t${p.bbox[1]}\t${p.bbox[2]}\t${p.bbox[3]}\t${r.gridCode}\t${copyText(r.location)}\t` +
    `${r.status ?? 'intact'}\t${r.currency ?? 'inUse'}\t${r.authorityDeptId ?? '\\N'}\t${r.ownerDeptId ?? '\\N'}\t${r.maintainerDeptId ?? '\\N'}\t` +
    `${r.dataSource ?? 'other'}\t${r.photos && r.photos.length ? `{${r.photos.join(',')}}` : '{}'}\t${r.installDate ?? '\\N'}\t` +
    `${r.attributes ? copyText(JSON.stringify(r.attributes)) : '{}'}\t${copyText(r.note)}\t${meta.importId}\t${actor}\t${actor}`
  )
}

/** The 10-digit (district + class) group prefix of a spool line. */
export function spoolKey(line: string): string {
  const t1 = line.indexOf('\t')
  return line.slice(t1 + 1, line.indexOf('\t', t1 + 1))
}

/**
 * Turn a spool line into its COPY line: the two key fields become the code. `bases` holds the
 * last number before each group's block.
 */
export function resolveSpoolLine(line: string, bases: Map<string, number>): string {
  const t1 = line.indexOf('\t')
  const t2 = line.indexOf('\t', t1 + 1)
  const key = line.slice(t1 + 1, t2)
  const seq = bases.get(key)! + Number(line.slice(0, t1))
  return `${key}${String(seq).padStart(6, '0')}${line.slice(t2)}`
}

const SPOOL_KEYS = /^([0-9]+)\t([0-9]{10})/gm

/**
 * Resolve the codes of a whole batch of spool lines (one string, lines joined by \n) in one
 * pass: the two key fields of each line become its code.
 */
export function resolveSpool(spool: string, bases: Map<string, number>): string {
  return spool.replace(SPOOL_KEYS, (_, offset: string, key: string) => `${key}${String(bases.get(key)! + Number(offset)).padStart(6, '0')}`)
}

const UNESCAPE = /\\(.)/g
const UNESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', '\\': '\\' }

/** The fields of a COPY text line (null for \N), for the server path. */
export function parseCopyLine(line: string): (string | null)[] {
  return line.split('\t').map((f) => (f === '\\N' ? null : f.includes('\\') ? f.replace(UNESCAPE, (_, c: string) => UNESCAPES[c] ?? c) : f))
}

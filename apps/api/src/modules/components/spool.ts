import type { StagedRow } from './import-rows.js'

/**
 * COPY lines of an import's new components, in the column order of SPOOL_COLUMNS (PostgreSQL
 * COPY text format), made by the reading thread and loaded into `components` by the import's
 * transaction. A new row's code is not known until that transaction has locked its (district,
 * class) counter, so each line starts with a placeholder of the code's width — the 10-digit
 * group prefix and the row's 6-digit offset inside its group — that the database side turns
 * into the code (prefix + base + offset) by rewriting those six digits in place in the batch's
 * UTF-8 bytes (resolveCodes): a batch travels from the reading thread as one transferred byte
 * buffer and never becomes a JavaScript string on the database side.
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

/** The most rows of one (district, class) group a single import can create (six-digit sequence). */
export const MAX_GROUP_OFFSET = 999_999

/** The spool line of a new component (its code a placeholder: group prefix + 6-digit offset), without a line break. */
export function spoolLine(r: StagedRow, offset: number, meta: SpoolMeta): string {
  const p = r.placed!
  const g = p.geometry
  // a Point is stored as its lng/lat alone (geometry null)
  const geometry = g.type === 'Point' ? null : JSON.stringify(g)
  const actor = meta.actorId ?? '\\N'
  return (
    `${r.districtCode}${r.minorClass}${String(offset).padStart(6, '0')}\t${r.minorClass}\t${copyText(r.name ?? r.className)}\t${copyText(geometry)}\t` +
    `${p.point[0]}\t${p.point[1]}\t${p.bbox[0]}\t${p.bbox[1]}\t${p.bbox[2]}\t${p.bbox[3]}\t${r.gridCode}\t${copyText(r.location)}\t` +
    `${r.status ?? 'intact'}\t${r.currency ?? 'inUse'}\t${r.authorityDeptId ?? '\\N'}\t${r.ownerDeptId ?? '\\N'}\t${r.maintainerDeptId ?? '\\N'}\t` +
    `${r.dataSource ?? 'other'}\t${r.photos && r.photos.length ? `{${r.photos.join(',')}}` : '{}'}\t${r.installDate ?? '\\N'}\t` +
    `${r.attributes ? copyText(JSON.stringify(r.attributes)) : '{}'}\t${copyText(r.note)}\t${meta.importId}\t${actor}\t${actor}`
  )
}

/** A batch's spool lines as UTF-8 bytes, each line ended by \n (one buffer, to transfer between threads). */
export function spoolBytes(lines: string[]): Uint8Array {
  if (lines.length === 0) return new Uint8Array(0)
  return new TextEncoder().encode(lines.join('\n') + '\n')
}

const ZERO = 48
const NEWLINE = 10

/** Thrown when a group's codes would pass 999999. */
export class CodeSpaceExhausted extends Error {
  constructor(key: string) {
    super(`a code sequence would pass 999999 for (district, class) ${key}`)
  }
}

/**
 * Turn the code placeholders of a batch of spool lines (UTF-8 bytes, lines ended by \n) into
 * codes, in place: the six offset digits after each line's 10-digit group prefix become
 * base + offset, where `bases` holds the last number before each group's block. Codes are
 * ASCII and have a fixed width, so no byte moves; escaped text fields hold no raw \n.
 */
export function resolveCodes(bytes: Uint8Array, bases: Map<string, number>): void {
  // the prefix read as a number (10 digits are exact in a double): no string per line
  const byKey = new Map<number, number>()
  for (const [k, v] of bases) byKey.set(Number(k), v)
  let at = 0
  while (at < bytes.length) {
    let key = 0
    for (let i = 0; i < 10; i++) key = key * 10 + (bytes[at + i]! - ZERO)
    let offset = 0
    for (let i = 10; i < 16; i++) offset = offset * 10 + (bytes[at + i]! - ZERO)
    const base = byKey.get(key)
    if (base === undefined) throw new Error(`no code block for group ${String(key).padStart(10, '0')}`)
    let seq = base + offset
    if (seq > MAX_GROUP_OFFSET) throw new CodeSpaceExhausted(String(key).padStart(10, '0'))
    for (let i = 15; i >= 10; i--) {
      bytes[at + i] = ZERO + (seq % 10)
      seq = Math.floor(seq / 10)
    }
    const end = bytes.indexOf(NEWLINE, at + 16)
    at = end < 0 ? bytes.length : end + 1
  }
}

const UNESCAPE = /\\(.)/g
const UNESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', '\\': '\\' }

/** The fields of a COPY text line (null for \N), for the server path. */
export function parseCopyLine(line: string): (string | null)[] {
  return line.split('\t').map((f) => (f === '\\N' ? null : f.includes('\\') ? f.replace(UNESCAPE, (_, c: string) => UNESCAPES[c] ?? c) : f))
}

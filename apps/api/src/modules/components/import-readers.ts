import { Readable } from 'node:stream'
import type ExcelJS from 'exceljs'
import { DomainError } from '../../platform/errors.js'
import { CsvSplitter, type CsvRecord } from './csv-split.js'
import type { SourceRecord } from './import-rows.js'

/**
 * Streaming readers: each turns a byte stream into records one at a time, so memory stays
 * flat whatever the file size. Rows are numbered as a person sees them: the line of a CSV
 * file and the row of a sheet (the header is row 1), the position of a GeoJSON feature
 * (the first is 1).
 */
export const IMPORT_FORMATS = ['csv', 'xlsx', 'geojson'] as const
export type ImportFormat = (typeof IMPORT_FORMATS)[number]

/** Text encodings accepted for CSV (Excel in China often saves CSV as GBK/GB18030). */
export const CSV_ENCODINGS = ['utf-8', 'gb18030', 'gbk', 'utf-16le'] as const
export type CsvEncoding = (typeof CSV_ENCODINGS)[number]

export interface ReadProgress {
  bytes: number
}

/** Count bytes as they pass (for progress against the file size). */
async function* counted(source: AsyncIterable<Buffer>, progress: ReadProgress): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    progress.bytes += chunk.length
    yield chunk
  }
}

/**
 * Decode without failing on bad bytes: an invalid sequence becomes U+FFFD, which the row check
 * reports as a broken encoding for exactly the cells that hold it.
 */
async function* decoded(source: AsyncIterable<Buffer>, encoding: CsvEncoding): AsyncGenerator<string> {
  const decoder = new TextDecoder(encoding)
  for await (const chunk of source) {
    const s = decoder.decode(chunk, { stream: true })
    if (s) yield s
  }
  const tail = decoder.decode()
  if (tail) yield tail
}

export async function* readCsv(source: AsyncIterable<Buffer>, opts: { encoding: CsvEncoding; progress: ReadProgress }): AsyncGenerator<SourceRecord[]> {
  const splitter = new CsvSplitter()
  let header: string[] | null = null
  const batch = (records: CsvRecord[]): SourceRecord[] => {
    const out: SourceRecord[] = []
    for (const r of records) {
      if (!header) {
        header = r.cells.map((h) => h.trim())
        if (header.every((h) => h === '')) throw new DomainError('VALIDATION_FAILED', 'The CSV file has no header row')
        continue
      }
      out.push({ rowNo: r.line, header, cells: r.cells })
    }
    return out
  }
  for await (const text of decoded(counted(source, opts.progress), opts.encoding)) {
    const rows = batch(splitter.push(text))
    if (rows.length) yield rows
  }
  const last = batch(splitter.end())
  if (last.length) yield last
}

/** Cell values of exceljs: formulas give their result, rich text its text, hyperlinks their text. */
function xlsxValue(v: unknown): unknown {
  if (v === null || v === undefined) return null
  if (typeof v !== 'object' || v instanceof Date) return v
  const o = v as { result?: unknown; richText?: { text: string }[]; text?: unknown; error?: string }
  if (o.richText) return o.richText.map((r) => r.text).join('')
  if ('result' in o) return xlsxValue(o.result)
  if (o.text !== undefined) return xlsxValue(o.text)
  if (o.error) return o.error
  return null
}

// The XLSX and GeoJSON libraries are loaded when such a file is read: the reading thread of a
// CSV import does not carry them (exceljs alone is several MB of code and heap per thread).
export async function* readXlsx(source: AsyncIterable<Buffer>, opts: { progress: ReadProgress }): AsyncGenerator<SourceRecord[]> {
  const { default: ExcelJS } = await import('exceljs')
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(counted(source, opts.progress)), {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'emit',
  })
  let header: string[] | null = null
  for await (const sheet of reader) {
    for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
      const cells = row.values as unknown[]
      if (!header) {
        header = cells.map((c) => String(xlsxValue(c) ?? '').trim())
        continue
      }
      const values: unknown[] = new Array(header.length).fill(null)
      let any = false
      for (let i = 1; i < header.length; i++) {
        const v = xlsxValue(cells[i])
        if (v !== null && v !== '') any = true
        values[i] = v
      }
      if (any) yield [{ rowNo: row.number, header, cells: values }]
    }
    // only the first sheet is read; skip the rest of the file without parsing it
    break
  }
  if (!header) throw new DomainError('VALIDATION_FAILED', 'The workbook has no header row')
}

export async function* readGeoJson(source: AsyncIterable<Buffer>, opts: { progress: ReadProgress }): AsyncGenerator<SourceRecord[]> {
  const [{ parser: jsonParser }, { default: pick }, { default: streamArray }] = await Promise.all([
    import('stream-json'),
    import('stream-json/filters/pick.js'),
    import('stream-json/streamers/stream-array.js'),
  ])
  const stream = Readable.from(counted(source, opts.progress)).pipe(jsonParser.asStream()).pipe(pick.asStream({ filter: 'features' })).pipe(streamArray.asStream())
  let n = 0
  try {
    for await (const item of stream as AsyncIterable<{ key: number; value: unknown }>) {
      n++
      const f = item.value as { type?: unknown; properties?: Record<string, unknown> | null; geometry?: unknown } | null
      const values: Record<string, unknown> = {}
      if (f && typeof f === 'object' && f.properties && typeof f.properties === 'object') {
        for (const [k, v] of Object.entries(f.properties)) {
          // our own export nests class attributes: {"attributes": {"站名": …}}
          if (k === 'attributes' && v && typeof v === 'object' && !Array.isArray(v)) {
            for (const [a, av] of Object.entries(v)) values[`attributes.${a}`] = av
          } else values[k] = v
        }
      }
      yield [{ rowNo: n, header: Object.keys(values), cells: Object.values(values), geometry: f && typeof f === 'object' ? (f.geometry ?? null) : null }]
    }
  } catch (err) {
    throw new DomainError('VALIDATION_FAILED', `The GeoJSON is not valid JSON after feature ${n}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** Records in batches (a CSV chunk's worth; one row at a time for XLSX and GeoJSON). */
export function readRecords(format: ImportFormat, source: AsyncIterable<Buffer>, opts: { encoding: CsvEncoding; progress: ReadProgress }): AsyncGenerator<SourceRecord[]> {
  if (format === 'csv') return readCsv(source, opts)
  if (format === 'xlsx') return readXlsx(source, opts)
  return readGeoJson(source, opts)
}

/** The format of a file by its name, or null. */
export function formatOfName(name: string | null | undefined): ImportFormat | null {
  const n = (name ?? '').toLowerCase()
  if (n.endsWith('.csv') || n.endsWith('.txt')) return 'csv'
  if (n.endsWith('.xlsx')) return 'xlsx'
  if (n.endsWith('.geojson') || n.endsWith('.json')) return 'geojson'
  return null
}

import { createReadStream } from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import { PolygonIndex, type AreaGeometry, type Crs } from '../../platform/geo/index.js'
import { ClassCatalog, type MinorClassView } from '../classes/index.js'
import { readRecords, type CsvEncoding, type ImportFormat } from './import-readers.js'
import { cellText, checkRow, CodeSet, ColumnResolver, type ColumnMapping, type RowProblem, type StagedRow } from './import-rows.js'
import { MAX_GROUP_OFFSET, spoolBytes, spoolLine } from './spool.js'
import { threadHeapBytes } from './import-memory.js'

/**
 * The reading half of an import, on its own thread: parse the file, check every row against
 * the classes, departments and grids it was given, and send back — batch by batch — the COPY
 * lines of new components, the rows that carry a code, and the problems. The database side
 * (the main thread, where PGlite runs) loads one batch while this thread reads the next; at
 * most two batches are in flight, so memory stays flat.
 */
export interface WorkerInput {
  path: string
  format: ImportFormat
  encoding: CsvEncoding
  crs: Crs
  mapping: ColumnMapping
  classes: MinorClassView[]
  departments: [string, string][]
  grids: { codes: string[]; geometries: AreaGeometry[] }
  importId: string
  actorId: string | null
}

export interface BatchMessage {
  type: 'batch'
  /**
   * Spool lines of new components (each starting with its code placeholder: group prefix and
   * offset), as ONE buffer of UTF-8 bytes, each line ended by \n. It is transferred, not copied,
   * and the database side never turns it into a string: it writes the codes into it in place
   * and passes it on whole (a COPY blob on PGlite, one bytea parameter on a server).
   */
  spool: Uint8Array
  /** number of lines in `spool` */
  count: number
  /** the (district + class) group prefixes among them */
  keys: string[]
  /** Rows that name a code: updates, or codes carried over from another system. */
  explicit: StagedRow[]
  problems: RowProblem[]
  rowsRead: number
  rowsValid: number
  rowsInvalid: number
  bytes: number
  /** this thread's V8 heap in use, bytes (for the import's memory log) */
  heap: number
}

export interface DoneMessage {
  type: 'done'
  /** Rows per (district + class) group among the new components. */
  groups: [string, number][]
  fields: string[]
  codeColumn: string | null
  rowsRead: number
  rowsValid: number
  rowsInvalid: number
  bytes: number
}

/** The highest sequence number among the codes the file gives, per (district + class) prefix. */
export interface CodesMessage {
  type: 'codes'
  max: [string, number][]
}

export type WorkerMessage = CodesMessage | BatchMessage | DoneMessage | { type: 'error'; message: string; validation: boolean }

/**
 * A first, quick pass over a file that has a code column: the highest sequence per group, so
 * the codes this import allocates start above every code it carries over (gap-free after them,
 * never colliding). A file without a code column is left after its first batch.
 */
async function highestCodes(input: WorkerInput, resolver: ColumnResolver): Promise<Map<string, number>> {
  const max = new Map<string, number>()
  let seen = 0
  let withCode = false
  const source = createReadStream(input.path, { highWaterMark: 1 << 20 })
  for await (const batch of readRecords(input.format, source, { encoding: input.encoding, progress: { bytes: 0 } })) {
    for (const rec of batch) {
      seen++
      const i = resolver.planFor(rec.header).fieldIndex[0]!
      if (i < 0) continue
      withCode = true
      const c = cellText(rec.cells[i]).trim()
      if (c.length !== 16 || !/^[0-9]{16}$/.test(c)) continue
      const key = c.slice(0, 10)
      const seq = Number(c.slice(10))
      if (seq > (max.get(key) ?? 0)) max.set(key, seq)
    }
    if (!withCode && seen >= 1000) break
  }
  source.destroy()
  return max
}

async function run(input: WorkerInput) {
  const port = parentPort!
  let acked = 0
  let sent = 0
  let wake: (() => void) | null = null
  port.on('message', (m: { type: string }) => {
    if (m.type === 'ack') {
      acked++
      wake?.()
    }
  })
  const catalog = new ClassCatalog(input.classes)
  const departments = new Map(input.departments)
  const index = new PolygonIndex(input.grids.geometries)
  const codesOfGrids = input.grids.codes
  const ctx = {
    catalog,
    departments,
    gridAt: (x: number, y: number) => {
      const i = index.find(x, y)
      return i >= 0 ? codesOfGrids[i]! : null
    },
    crs: input.crs,
  }
  const attributeNames = new Set(input.classes.flatMap((c) => c.attributes.map((a) => a.name)))
  const resolver = new ColumnResolver(input.mapping, attributeNames)
  port.postMessage({ type: 'codes', max: [...(await highestCodes(input, resolver))] } satisfies CodesMessage)
  const codes = new CodeSet(1 << 12)
  const groups = new Map<string, number>()
  const meta = { importId: input.importId, actorId: input.actorId }
  const progress = { bytes: 0 }
  let rowsRead = 0
  let rowsValid = 0
  let rowsInvalid = 0
  let lines: string[] = []
  const batchKeys = new Set<string>()
  let explicit: StagedRow[] = []
  let problems: RowProblem[] = []
  const send = async () => {
    const spool = spoolBytes(lines)
    const msg: BatchMessage = { type: 'batch', spool, count: lines.length, keys: [...batchKeys], explicit, problems, rowsRead, rowsValid, rowsInvalid, bytes: progress.bytes, heap: threadHeapBytes() }
    lines = []
    batchKeys.clear()
    explicit = []
    problems = []
    port.postMessage(msg, [spool.buffer as ArrayBuffer])
    sent++
    while (sent - acked >= 2) await new Promise<void>((r) => (wake = r))
  }
  const source = createReadStream(input.path, { highWaterMark: 1 << 20 })
  for await (const batch of readRecords(input.format, source, { encoding: input.encoding, progress })) {
    for (const rec of batch) {
      rowsRead++
      const checked = checkRow(rec, resolver.planFor(rec.header), ctx)
      const code = 'row' in checked ? checked.row.code : checked.code
      const firstRow = code ? codes.add(code, rec.rowNo) : null
      const rowProblems = 'problems' in checked ? checked.problems : null
      if (rowProblems || firstRow !== null) {
        rowsInvalid++
        if (rowProblems) problems.push(...rowProblems)
        if (firstRow !== null) problems.push({ row: rec.rowNo, column: resolver.columnOf('code') ?? 'code', value: code!, reason: `duplicate code: already in row ${firstRow}` })
        continue
      }
      rowsValid++
      const row = (checked as { row: StagedRow }).row
      if (row.code) explicit.push(row)
      else {
        const key = row.districtCode + row.minorClass
        const offset = (groups.get(key) ?? 0) + 1
        if (offset > MAX_GROUP_OFFSET) throw Object.assign(new Error(`more than ${MAX_GROUP_OFFSET} new components of one district and class (${key}) in one file`), { code: 'VALIDATION_FAILED' })
        groups.set(key, offset)
        batchKeys.add(key)
        lines.push(spoolLine(row, offset, meta))
      }
    }
    if (lines.length >= 10_000 || explicit.length >= 10_000 || problems.length >= 1000) await send()
  }
  await send()
  const done: DoneMessage = { type: 'done', groups: [...groups], fields: [...resolver.fields], codeColumn: resolver.columnOf('code'), rowsRead, rowsValid, rowsInvalid, bytes: progress.bytes }
  port.postMessage(done)
}

if (parentPort && workerData) {
  run(workerData as WorkerInput).catch((err: unknown) => {
    const validation = typeof err === 'object' && err !== null && (err as { code?: string }).code === 'VALIDATION_FAILED'
    parentPort!.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err), validation })
  })
}

import { randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { Multipart } from '@fastify/multipart'
import { sql } from 'kysely'
import type { AuthUser } from '../../platform/access.js'
import { appendAudit, type Actor } from '../../platform/audit.js'
import { isCheckViolation, isUniqueViolation } from '../../platform/db/pg-errors.js'
import { DomainError, invalid, notFound } from '../../platform/errors.js'
import type { Crs } from '../../platform/geo/index.js'
import type { Platform } from '../../platform/platform.js'
import { loadClassCatalog } from '../classes/index.js'
import { componentsPolicy as policy } from './components.policy.js'
import { componentsRepository as repo } from './components.repository.js'
import type { ImportView } from './components.schemas.js'
import { COMPONENTS_CHANGED } from './components.service.js'
import { CSV_ENCODINGS, formatOfName, IMPORT_FORMATS, type CsvEncoding, type ImportFormat } from './import-readers.js'
import { CRS_LIST } from '../../platform/geo/index.js'
import { ColumnResolver, type ColumnMapping, type RowProblem } from './import-rows.js'
import { importsRepository as irepo, stagingTable } from './imports.repository.js'
import type { DoneMessage, WorkerInput, WorkerMessage } from './import-worker.js'
import { MemoryTrack } from './import-memory.js'

export const IMPORT_PROGRESS = 'components.import.progress'
export const IMPORT_FINISHED = 'components.import.finished'
export type ImportMode = 'all-or-nothing' | 'keep-valid'

/** Error rows kept per import; beyond that only the count grows. */
export const MAX_STORED_ERRORS = 100_000
/** Bulk inserts at least this large, and at least as large as the table, rebuild the secondary indexes instead of updating them row by row. */
const REBUILD_MIN_ROWS = 50_000
/** Heartbeat period of a running import. */
const HEARTBEAT_MS = 10_000
/** Index-build sort memory of a bulk import on PGlite (index builds spill to disk beyond it). */
const MAINTENANCE_MEM_EMBEDDED = '32MB'
/** An import whose heartbeat is older than this is taken as abandoned by a dead process (server mode). */
export const ABANDONED_AFTER_MS = 90_000

export interface ImportProgress {
  importId: string
  status: 'reading' | 'applying'
  rowsRead: number
  rowsValid: number
  rowsInvalid: number
  bytesRead: number
  fileSize: number | null
  rowsApplied?: number
  rowsToApply?: number
}

type ImportRow = NonNullable<Awaited<ReturnType<typeof irepo.findImport>>>

export function toImportView(r: ImportRow): ImportView {
  const mapping = (typeof r.mapping === 'string' ? JSON.parse(r.mapping) : r.mapping) as Record<string, string>
  return {
    id: r.id,
    status: r.status,
    format: r.format,
    fileName: r.fileName,
    fileSize: r.fileSize === null ? null : Number(r.fileSize),
    mode: r.mode,
    crs: r.crs,
    encoding: r.encoding,
    mapping,
    progress: {
      rowsRead: r.rowsRead,
      bytesRead: Number(r.bytesRead),
      fraction: r.fileSize ? Math.min(1, Number(r.bytesRead) / Number(r.fileSize)) : null,
    },
    rowsValid: r.rowsValid,
    rowsInvalid: r.rowsInvalid,
    created: r.created,
    updated: r.updated,
    unchanged: r.unchanged,
    errorsTruncated: r.errorsTruncated,
    message: r.message,
    errorReport: r.rowsInvalid > 0 ? `/api/v1/components/imports/${r.id}/errors.csv` : null,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
  }
}

export function parseMapping(text: string | undefined): ColumnMapping {
  if (!text) return {}
  let m: unknown
  try {
    m = JSON.parse(text)
  } catch {
    throw invalid([{ field: 'mapping', reason: 'must be a JSON object {field: column}' }])
  }
  if (!m || typeof m !== 'object' || Array.isArray(m) || !Object.values(m).every((v) => typeof v === 'string')) {
    throw invalid([{ field: 'mapping', reason: 'must be a JSON object {field: column}' }])
  }
  const unknown = ColumnResolver.unknownTargets(m as ColumnMapping)
  if (unknown.length) throw invalid(unknown.map((u) => ({ field: `mapping.${u}`, reason: 'not an import field' })))
  return m as ColumnMapping
}

/** Imports running in this process, so a shutdown can stop them at a chunk boundary. */
const running = new WeakMap<Platform, Map<string, { abort: AbortController; done: Promise<unknown> }>>()
function runningOf(p: Platform) {
  let m = running.get(p)
  if (!m) running.set(p, (m = new Map()))
  return m
}

/** Ask this instance's imports to stop and wait for them (an apply in progress finishes or rolls back). */
export async function stopImports(p: Platform): Promise<void> {
  const m = runningOf(p)
  for (const r of m.values()) r.abort.abort()
  await Promise.allSettled([...m.values()].map((r) => r.done))
}

export interface NewImport {
  format: ImportFormat
  fileName: string | null
  fileSize: number | null
  mode: ImportMode
  crs: Crs
  encoding: CsvEncoding
  mapping: ColumnMapping
}

/** Record a new import of a file already on disk. */
export async function createImport(p: Platform, opts: { actor: Actor; caller?: AuthUser; input: NewImport }): Promise<string> {
  if (opts.caller) policy.assert(opts.caller, 'components.import')
  const id = randomUUID()
  await irepo.insertImport(p.db, {
    id,
    status: 'pending',
    format: opts.input.format,
    fileName: opts.input.fileName,
    fileSize: opts.input.fileSize,
    mode: opts.input.mode,
    crs: opts.input.crs,
    encoding: opts.input.encoding,
    mapping: opts.input.mapping as Record<string, string>,
    createdBy: opts.actor.userId,
    instanceId: p.jobs.instanceId,
    at: p.clock.now(),
  })
  return id
}

/** Run an import in the background (the HTTP upload path); the file is deleted when it ends. */
export function startImport(p: Platform, opts: { actor: Actor; importId: string; path: string }): void {
  const abort = new AbortController()
  const done = runImport(p, { ...opts, signal: abort.signal, deleteFile: true })
    .catch((err) => p.log.error({ err, importId: opts.importId }, 'component import failed'))
    .finally(() => runningOf(p).delete(opts.importId))
  runningOf(p).set(opts.importId, { abort, done })
}

const MODES: ImportMode[] = ['all-or-nothing', 'keep-valid']

/** Options of an import, from the query string and/or form fields (fields win), checked. */
export function importOptions(raw: Record<string, unknown>, fileName: string | null): Omit<NewImport, 'fileName' | 'fileSize'> {
  const errors: { field: string; reason: string }[] = []
  const pick = <T extends string>(field: string, allowed: readonly T[], def: T | null): T | null => {
    const v = raw[field]
    if (v === undefined || v === '') return def
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T
    errors.push({ field, reason: `one of ${allowed.join(', ')}` })
    return def
  }
  const format = pick('format', IMPORT_FORMATS, null) ?? formatOfName(fileName)
  if (!format) errors.push({ field: 'format', reason: 'give format=csv|xlsx|geojson (the file name does not tell)' })
  const mode = pick('mode', MODES, 'all-or-nothing')!
  const crs = pick('crs', CRS_LIST, 'WGS84')!
  const encoding = pick('encoding', CSV_ENCODINGS, 'utf-8')!
  if (errors.length) throw invalid(errors)
  const mapping = parseMapping(typeof raw.mapping === 'string' ? raw.mapping : undefined)
  return { format: format!, mode, crs, encoding, mapping }
}

/**
 * Take an import upload: the multipart "file" is streamed to DATA_DIR/imports, the options
 * come from the query or the form fields; the import is recorded and started in the background.
 */
export async function receiveImport(
  p: Platform,
  opts: { actor: Actor; caller: AuthUser; parts: AsyncIterable<Multipart>; query: Record<string, unknown> },
): Promise<ImportView> {
  policy.assert(opts.caller, 'components.import')
  const fields: Record<string, unknown> = { ...opts.query }
  const dir = join(p.config.dataDir, 'imports')
  await mkdir(dir, { recursive: true })
  let file: { path: string; name: string | null; size: number } | null = null
  try {
    for await (const part of opts.parts) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || file) {
          part.file.resume()
          continue
        }
        const path = join(dir, `${randomUUID()}.upload`)
        file = { path, name: part.filename || null, size: 0 }
        await pipeline(part.file, createWriteStream(path))
        if (part.file.truncated) throw new DomainError('PAYLOAD_TOO_LARGE', 'The import file is larger than the limit')
        file.size = (await stat(path)).size
      } else fields[part.fieldname] = part.value
    }
    if (!file) throw invalid([{ field: 'file', reason: 'required (multipart field "file")' }])
    const options = importOptions(fields, file.name)
    const importId = await createImport(p, { actor: opts.actor, caller: opts.caller, input: { ...options, fileName: file.name, fileSize: file.size } })
    // named after its import, so the reaper knows whose it is
    const path = join(dir, `${importId}.upload`)
    await rename(file.path, path)
    file.path = path
    startImport(p, { actor: opts.actor, importId, path })
    return toImportView((await irepo.findImport(p.db, importId))!)
  } catch (err) {
    if (file) await rm(file.path, { force: true })
    throw err
  }
}

/** The import is refused (all-or-nothing with errors, or nothing to read): roll back, report. */
class Rejected extends Error {
  constructor(message = '') {
    super(message)
  }
}

interface LiveImport {
  /** The import's row as it was when it started (name, size, mode, mapping, who). */
  row: ImportRow
  status: 'reading' | 'applying'
  rowsRead: number
  rowsValid: number
  rowsInvalid: number
  bytes: number
  rowsApplied: number
}
/** Progress of the imports running in this process (read without the database). */
const lives = new WeakMap<Platform, Map<string, LiveImport>>()
function liveOf(p: Platform) {
  let m = lives.get(p)
  if (!m) lives.set(p, (m = new Map()))
  return m
}

/**
 * Let the event loop run once. PGlite executes statements synchronously on this thread, so a
 * run of them never lets sockets flush; between the long steps of an import this sends the
 * progress events on their way (and lets a shutdown signal in).
 */
const turn = () => new Promise<void>((r) => setImmediate(r))

/** Worker messages as an async sequence; an exit without a last message is an error. */
async function* messagesOf(worker: Worker): AsyncGenerator<WorkerMessage> {
  const queue: WorkerMessage[] = []
  let failure: Error | null = null
  let wake: (() => void) | null = null
  worker.on('message', (m: WorkerMessage) => {
    queue.push(m)
    wake?.()
  })
  worker.on('error', (err) => {
    failure = err
    wake?.()
  })
  worker.on('exit', (code) => {
    failure ??= new Error(`the reading thread stopped (exit ${code})`)
    wake?.()
  })
  for (;;) {
    const m = queue.shift()
    if (m) {
      yield m
      if (m.type === 'done' || m.type === 'error') return
      continue
    }
    if (failure) throw failure
    await new Promise<void>((r) => (wake = r))
    wake = null
  }
}

/** Number of positions in GeoJSON coordinates. */
function positions(c: unknown): number {
  if (!Array.isArray(c)) return 0
  if (typeof c[0] === 'number') return 1
  let n = 0
  for (const x of c) n += positions(x)
  return n
}

/** Young generation of the reading thread (its batches are short-lived garbage). */
const READER_YOUNG_MB = 16
/**
 * Old generation of the reading thread: this much plus room for the grid index (below). Its code
 * (loaded through tsx) alone takes ~45–60 MB of it; 64 MB ran out of heap on a 120,000-row file.
 */
const READER_OLD_BASE_MB = 128

/**
 * Start the reading thread of an import with what it checks rows against. Its V8 heap is capped
 * (resourceLimits), so it collects garbage instead of growing: what it keeps is the grid index
 * (bounded by the territory, ~100 bytes per vertex budgeted), the class catalog, the duplicate
 * code table (typed arrays, outside the heap) and at most two batches in flight.
 */
async function startReader(p: Platform, opts: { importId: string; path: string; imp: ImportRow; mapping: ColumnMapping; actorId: string | null }): Promise<Worker> {
  const [catalog, departments, grids] = await Promise.all([loadClassCatalog(p, { kind: 'component' }), repo.departments(p.db), repo.gridShapes(p.db)])
  const deptPairs: [string, string][] = departments.flatMap((d) => [[d.code, d.id] as [string, string], [d.id, d.id] as [string, string]])
  let vertices = 0
  for (const g of grids) vertices += positions(g.geometry.coordinates)
  const input: WorkerInput = {
    path: opts.path,
    format: opts.imp.format,
    encoding: opts.imp.encoding as CsvEncoding,
    crs: opts.imp.crs as Crs,
    mapping: opts.mapping,
    classes: [...catalog.byCode.values()],
    departments: deptPairs,
    grids: { codes: grids.map((g) => g.code), geometries: grids.map((g) => g.geometry) },
    importId: opts.importId,
    actorId: opts.actorId,
  }
  const oldMb = READER_OLD_BASE_MB + Math.ceil((vertices * 100) / (1024 * 1024))
  return new Worker(new URL('./import-worker.mjs', import.meta.url), {
    workerData: input,
    resourceLimits: { maxYoungGenerationSizeMb: READER_YOUNG_MB, maxOldGenerationSizeMb: oldMb },
  })
}

/**
 * Read, check and apply one import, in ONE transaction. A worker thread streams the file and
 * checks each record (class, code, location → grid, units, dates, photos, attributes,
 * encoding, duplicates); as its batches arrive, new components are COPYed into the registry
 * inside the transaction (codes from their (district, class) counters, locked at first use),
 * rows that name a code go to the import's staging table, problems are kept for the report.
 * At the end the staged rows are applied (updates with history, carried-over codes), counters
 * advanced, and — unless all-or-nothing mode found errors, which rolls everything back — the
 * transaction commits. Until that commit the registry is untouched, whatever happens to the
 * process; the staging table is created inside the transaction too, so a kill leaves nothing.
 * A large load into a comparatively small table drops the secondary indexes and foreign keys
 * first and rebuilds them at the end (one pass each), in the same transaction.
 */
export async function runImport(
  p: Platform,
  opts: { actor: Actor; importId: string; path: string; signal?: AbortSignal; deleteFile?: boolean; onProgress?: (pr: ImportProgress) => void },
): Promise<ImportView> {
  const id = opts.importId
  const imp = await irepo.findImport(p.db, id)
  if (!imp) throw notFound('Import')
  const mapping = (typeof imp.mapping === 'string' ? JSON.parse(imp.mapping) : imp.mapping) as ColumnMapping
  const fileSize = imp.fileSize === null ? null : Number(imp.fileSize)
  const live: LiveImport = { row: imp, status: 'reading', rowsRead: 0, rowsValid: 0, rowsInvalid: 0, bytes: 0, rowsApplied: 0 }
  liveOf(p).set(id, live)
  let lastReport = 0
  const report = async (force = false, extra: Partial<ImportProgress> = {}) => {
    const now = Date.now()
    if (!force && now - lastReport < 1000) return
    lastReport = now
    const pr: ImportProgress = {
      importId: id,
      status: live.status,
      rowsRead: live.rowsRead,
      rowsValid: live.rowsValid,
      rowsInvalid: live.rowsInvalid,
      bytesRead: live.bytes,
      fileSize,
      rowsApplied: live.rowsApplied,
      ...extra,
    }
    opts.onProgress?.(pr)
    await p.bus.publish({ type: IMPORT_PROGRESS, data: { ...pr } })
  }
  const problems: RowProblem[] = []
  let truncated = false
  const keep = (list: RowProblem[]) => {
    const room = MAX_STORED_ERRORS - problems.length
    if (list.length > room) truncated = true
    for (let i = 0; i < Math.min(room, list.length); i++) problems.push(list[i]!)
  }
  const finish = async (status: 'succeeded' | 'rejected' | 'failed', patch: { message?: string | null; created?: number; updated?: number; unchanged?: number } = {}) => {
    // no heartbeat may write the running status over the final one
    clearInterval(heartbeat)
    if (problems.length) await irepo.insertErrors(p.db, id, problems.splice(0))
    await irepo.updateImport(p.db, id, {
      status,
      rowsRead: live.rowsRead,
      rowsValid: live.rowsValid,
      rowsInvalid: live.rowsInvalid,
      bytesRead: live.bytes,
      errorsTruncated: truncated,
      finishedAt: p.clock.now(),
      heartbeatAt: p.clock.now(),
      ...patch,
    })
    const view = toImportView((await irepo.findImport(p.db, id))!)
    await p.bus.publish({ type: IMPORT_FINISHED, data: { importId: id, status, created: view.created, updated: view.updated, unchanged: view.unchanged, rowsInvalid: view.rowsInvalid } })
    return view
  }

  /** Seconds spent per phase, logged with the result (where a large import's time goes). */
  const timings: Record<string, number> = {}
  const cpuTimings: Record<string, number> = {}
  let mark = performance.now()
  let cpuMark = process.cpuUsage()
  const memory = new MemoryTrack(p.database)
  memory.sample('start')
  const lap = (phase: string) => {
    memory.sample(phase)
    const now = performance.now()
    const cpu = process.cpuUsage(cpuMark)
    timings[phase] = (timings[phase] ?? 0) + now - mark
    cpuTimings[phase] = (cpuTimings[phase] ?? 0) + (cpu.user + cpu.system) / 1000
    mark = now
    cpuMark = process.cpuUsage()
  }

  // A heartbeat while the import lives, with its progress. On a server it goes through another
  // pooled connection even during the import's transaction; on PGlite it waits for the commit.
  const heartbeat = setInterval(() => {
    irepo
      .updateImport(p.db, id, { heartbeatAt: p.clock.now(), status: live.status, rowsRead: live.rowsRead, rowsValid: live.rowsValid, rowsInvalid: live.rowsInvalid, bytesRead: live.bytes })
      .catch(() => {})
  }, HEARTBEAT_MS)
  heartbeat.unref()
  let worker: Worker | null = null
  try {
    await irepo.updateImport(p.db, id, { status: 'reading', startedAt: p.clock.now(), heartbeatAt: p.clock.now() })
    worker = await startReader(p, { importId: id, path: opts.path, imp, mapping, actorId: opts.actor.userId })
    const reader = worker
    const stop = () => void reader.terminate()
    opts.signal?.addEventListener('abort', stop, { once: true })
    lap('prepare')
    await report(true)
    const at = p.clock.now()
    const embedded = p.database.kind !== 'postgres'
    const result = await p.db.transaction().execute(async (tx) => {
      // PGlite's WASM heap keeps whatever it grew to: smaller sort/hash memory there (measured
      // in docs/BENCHMARKS.md), a server's backend gives it back at the commit
      await sql.raw(`set local work_mem = '${embedded ? '16MB' : '64MB'}'`).execute(tx)
      await irepo.createStaging(tx, id)
      const bases = new Map<string, number>()
      /** highest carried-over sequence per group: new codes start above it */
      let carried = new Map<string, number>()
      let bulk: { indexes: { name: string; def: string }[]; keys: { name: string; def: string }[] } | null = null
      let created = 0
      let explicitRows = 0
      let done: DoneMessage | null = null
      for await (const m of messagesOf(reader)) {
        if (m.type === 'error') throw m.validation ? new DomainError('VALIDATION_FAILED', m.message) : new Error(m.message)
        if (m.type === 'done') {
          done = m
          break
        }
        if (m.type === 'codes') {
          carried = new Map(m.max)
          continue
        }
        Object.assign(live, { rowsRead: m.rowsRead, rowsValid: m.rowsValid, rowsInvalid: m.rowsInvalid, bytes: m.bytes })
        memory.workerHeap = Math.max(memory.workerHeap, m.heap)
        keep(m.problems)
        lap('read (waiting for the reader)')
        // all-or-nothing with errors will roll back: no need to load any more rows
        const doomed = imp.mode === 'all-or-nothing' && m.rowsInvalid > 0
        if (!doomed && m.explicit.length) {
          await irepo.stage(p.database, tx, id, m.explicit)
          explicitRows += m.explicit.length
          lap('stage rows with codes')
        }
        if (!doomed && m.count) {
          if (!bulk) {
            // decide once, from the first batch: is this a bulk load into a comparatively small table?
            const estimate = fileSize && m.bytes ? (m.rowsRead * fileSize) / m.bytes : m.rowsRead
            let existing = await irepo.componentCount(tx)
            if (existing === 0 && estimate >= REBUILD_MIN_ROWS) existing = await repo.count(tx)
            bulk = estimate >= REBUILD_MIN_ROWS && estimate >= existing ? { indexes: await irepo.secondaryIndexes(tx), keys: await irepo.foreignKeys(tx) } : { indexes: [], keys: [] }
            for (const ix of bulk.indexes) await irepo.dropIndex(tx, ix.name)
            for (const k of bulk.keys) await irepo.dropConstraint(tx, k.name)
            // index builds sort in memory up to this much (on PGlite the WASM heap keeps it afterwards)
            if (bulk.indexes.length) await sql.raw(`set local maintenance_work_mem = '${embedded ? MAINTENANCE_MEM_EMBEDDED : '128MB'}'`).execute(tx)
          }
          const unseen = m.keys.filter((k) => !bases.has(k))
          if (unseen.length) for (const [k, v] of await irepo.lockCounters(tx, unseen)) bases.set(k, Math.max(v, carried.get(k) ?? 0))
          await irepo.copyComponents(p.database, tx, m.spool, bases)
          created += m.count
          live.rowsApplied = created
          lap('copy new components')
        }
        reader.postMessage({ type: 'ack' })
        if (opts.signal?.aborted) throw new Error('the server is stopping')
        await report()
      }
      if (!done) throw new Error('the reading thread ended without finishing')
      Object.assign(live, { rowsRead: done.rowsRead, rowsValid: done.rowsValid, rowsInvalid: done.rowsInvalid, bytes: done.bytes })
      const codeColumn = done.codeColumn ?? 'code'
      if (done.rowsRead === 0) throw new Rejected('The file has no data rows')
      if (done.fields.length === 0) throw new Rejected('No column of the file matches a component field; give a mapping')
      if (imp.mode === 'all-or-nothing' && live.rowsInvalid > 0) throw new Rejected()
      live.status = 'applying'
      await report(true)
      await turn()

      // rows that name a code
      const groups = new Map(done.groups)
      const blocks = [...groups].map(([key, n]) => ({ key, base: bases.get(key)!, n }))
      const given = new Set<string>(done.fields)
      let upd = { matched: 0, updated: 0 }
      if (explicitRows > 0) {
        await irepo.analyzeStaging(tx, id)
        const bad = [
          ...(await irepo.newCodesWithoutLocation(tx, id)).map((m) => ({ row: m.rowNo, column: codeColumn, value: m.code, reason: 'a new component needs a location (lng and lat, or a geometry)' })),
          ...(await irepo.codesInAllocatedBlocks(tx, id, blocks)).map((m) => ({ row: m.rowNo, column: codeColumn, value: m.code, reason: 'this code is among those the same import gives to rows without a code; leave it empty or give another' })),
        ]
        if (bad.length > 0) {
          keep(bad)
          live.rowsInvalid += bad.length
          live.rowsValid -= bad.length
          if (imp.mode === 'all-or-nothing') throw new Rejected()
          await irepo.deleteStagedRows(tx, id, bad.map((b) => b.row))
          explicitRows -= bad.length
        }
        upd = await irepo.applyUpdates(tx, id, { given, at, actorId: opts.actor.userId, actorName: opts.actor.name })
        if (explicitRows > upd.matched) created += await irepo.insertExplicitNew(tx, id, { at, actorId: opts.actor.userId })
        lap('apply rows with codes')
      }
      await irepo.finishBlocks(tx, blocks.map((b) => ({ key: b.key, last: b.base + b.n })))
      if (explicitRows > 0) await irepo.raiseCountersForExplicitCodes(tx, id)
      for (const ix of bulk?.indexes ?? []) {
        await irepo.runDdl(tx, ix.def)
        lap(`index ${ix.name}`)
        await report(true)
        await turn()
      }
      for (const k of bulk?.keys ?? []) await irepo.addConstraint(tx, k.name, k.def)
      lap('foreign keys')
      await irepo.dropStaging(tx, id)
      const r = { created, updated: upd.updated, unchanged: upd.matched - upd.updated }
      await irepo.updateImport(tx, id, r)
      await appendAudit(
        tx,
        opts.actor,
        { action: 'component.import', entityType: 'componentImport', entityId: id, after: { fileName: imp.fileName, mode: imp.mode, crs: imp.crs, rowsRead: live.rowsRead, rowsInvalid: live.rowsInvalid, ...r } },
        at,
      )
      lap('commit')
      return r
    })
    if (result.created + result.updated > 10_000) await irepo.analyze(p.db)
    lap('analyze')
    p.log.info(
      {
        importId: id,
        rows: live.rowsRead,
        ...result,
        seconds: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v) / 1000])),
        cpuSeconds: Object.fromEntries(Object.entries(cpuTimings).map(([k, v]) => [k, Math.round(v) / 1000])),
        memoryMb: { before: memory.before, peak: memory.peak, rssByPhase: memory.rssByPhase },
      },
      'component import applied',
    )
    await p.bus.publish({ type: COMPONENTS_CHANGED, data: { importId: id, action: 'import', created: result.created, updated: result.updated } })
    return await finish('succeeded', result)
  } catch (err) {
    if (err instanceof Rejected) {
      return await finish('rejected', {
        message: err.message || `${live.rowsInvalid} row(s) have errors; nothing was imported (all-or-nothing). See the error report.`,
      })
    }
    let message = err instanceof Error ? err.message : String(err)
    if (isCheckViolation(err)) message = 'a code sequence would pass 999999 for some (district, class), or a value broke a database rule'
    if (isUniqueViolation(err)) message = 'a component code was registered by someone else during the import; run it again'
    if (err instanceof DomainError) return await finish('rejected', { message })
    return await finish('failed', { message: `Import failed: ${message}; nothing was imported` })
  } finally {
    clearInterval(heartbeat)
    liveOf(p).delete(id)
    await worker?.terminate()
    if (opts.deleteFile) await rm(opts.path, { force: true })
  }
}

export async function getImport(p: Platform, opts: { caller: AuthUser; importId: string }): Promise<ImportView> {
  policy.assert(opts.caller, 'components.import')
  // Running in this process: answered from memory. On the embedded database the import's
  // transaction holds the one connection until it commits, so a read would wait for the end.
  const live = liveOf(p).get(opts.importId)
  if (live) {
    const view = toImportView(live.row)
    const progress = { rowsRead: live.rowsRead, bytesRead: live.bytes, fraction: view.fileSize ? Math.min(1, live.bytes / view.fileSize) : null }
    return { ...view, status: live.status, progress, rowsValid: live.rowsValid, rowsInvalid: live.rowsInvalid, created: live.rowsApplied }
  }
  const row = await irepo.findImport(p.db, opts.importId)
  if (!row) throw notFound('Import')
  return toImportView(row)
}

export async function listImports(p: Platform, opts: { caller: AuthUser; limit: number }) {
  policy.assert(opts.caller, 'components.import')
  return (await irepo.listImports(p.db, { limit: opts.limit })).map(toImportView)
}

const csvCell = (v: string | number | null) => {
  const s = v === null ? '' : String(v)
  return /[",\r\n]/.test(s) || /^[=+\-@]/.test(s) ? `"${(/^[=+\-@]/.test(s) ? `'${s}` : s).replaceAll('"', '""')}"` : s
}

/** The error report as CSV lines (row, column, value, reason), in row order, page by page. */
export async function* errorReport(p: Platform, opts: { caller: AuthUser; importId: string }): AsyncGenerator<string> {
  await getImport(p, opts)
  yield '\uFEFFrow,column,value,reason\n'
  const line = (e: { rowNo: number; columnName: string | null; value: string | null; reason: string }) =>
    `${e.rowNo},${csvCell(e.columnName)},${csvCell(e.value)},${csvCell(e.reason)}\n`
  const PAGE = 5000
  let after = 0
  for (;;) {
    const page = await irepo.errorsPage(p.db, opts.importId, { afterRow: after, limit: PAGE })
    if (page.length < PAGE) {
      for (const e of page) yield line(e)
      break
    }
    // a page boundary must not split a row's errors: the last row is read whole
    const last = page.at(-1)!.rowNo
    for (const e of page) if (e.rowNo < last) yield line(e)
    for (const e of await irepo.errorsOfRow(p.db, opts.importId, last)) yield line(e)
    after = last
  }
}

/**
 * Mark imports abandoned by a dead process as failed and drop their staging tables, and drop
 * staging tables no running import owns. At an embedded start every unfinished import is
 * abandoned (one process owns the data directory); on a server only stale heartbeats are.
 */
export async function recoverImports(p: Platform, opts: { all: boolean }): Promise<string[]> {
  const now = p.clock.now()
  const ids = await irepo.abandonedImports(p.db, opts.all ? null : new Date(now.getTime() - ABANDONED_AFTER_MS))
  for (const id of ids) {
    await irepo.dropStaging(p.db, id)
    await irepo.updateImport(p.db, id, { status: 'failed', message: 'The import was interrupted (the server stopped); nothing was imported. Run it again.', finishedAt: now })
  }
  const unfinished = await irepo.unfinishedImports(p.db)
  const live = new Set(unfinished.map(stagingTable))
  for (const table of await irepo.stagingTables(p.db)) if (!live.has(table)) await irepo.dropTable(p.db, table)
  // uploads of imports no process runs any more
  const dir = join(p.config.dataDir, 'imports')
  const running = new Set([...unfinished, ...runningOf(p).keys()])
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const owner = /^([0-9a-f-]{36})\.(spool|upload)$/.exec(name)?.[1]
    if (!owner || running.has(owner)) continue
    // an upload still arriving has a random name: leave files younger than an hour alone
    const st = await stat(join(dir, name)).catch(() => null)
    if (!st) continue
    if (opts.all || name.endsWith('.spool') || Date.now() - st.mtimeMs > 3_600_000) await rm(join(dir, name), { force: true })
  }
  return ids
}

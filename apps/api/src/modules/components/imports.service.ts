import { randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
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
import { locateIndexOf } from '../regions/index.js'
import { componentsPolicy as policy } from './components.policy.js'
import { componentsRepository as repo } from './components.repository.js'
import type { ImportView } from './components.schemas.js'
import { COMPONENTS_CHANGED } from './components.service.js'
import { CSV_ENCODINGS, formatOfName, IMPORT_FORMATS, readRecords, type CsvEncoding, type ImportFormat } from './import-readers.js'
import { CRS_LIST } from '../../platform/geo/index.js'
import { checkRow, CodeSet, ColumnResolver, type ColumnMapping, type RowProblem, type StagedRow } from './import-rows.js'
import { importsRepository as irepo, stagingTable } from './imports.repository.js'
import { resolveSpoolLine, spoolBatches, spoolLine } from './spool.js'

export const IMPORT_PROGRESS = 'components.import.progress'
export const IMPORT_FINISHED = 'components.import.finished'
export type ImportMode = 'all-or-nothing' | 'keep-valid'

/** Rows per staging chunk (one COPY / INSERT each). */
const CHUNK_ROWS = 20_000
/** Error rows kept per import; beyond that only the count grows. */
export const MAX_STORED_ERRORS = 100_000
/** Spooled rows loaded per statement in the apply (progress is sent between batches). */
const APPLY_BATCH_ROWS = 20_000
/** Bulk inserts at least this large, and at least as large as the table, rebuild the secondary indexes instead of updating them row by row. */
const REBUILD_MIN_ROWS = 50_000
/** Heartbeat period of a running import. */
const HEARTBEAT_MS = 10_000
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

class Rejected extends Error {
  constructor(readonly problems: RowProblem[]) {
    super('rejected')
  }
}

/**
 * Read, check, stage and apply one import. Reading streams the file: each record is checked
 * (class, code, location → grid, units, dates, photos, attributes, encoding, duplicates) and
 * valid rows go to the per-import staging table in chunks; errors go to the error table. Then,
 * unless all-or-nothing mode found errors, ONE transaction applies the staged rows — updates
 * with history, new codes reserved per (district, class), inserts — and drops the staging
 * table. Until that commit the registry is untouched, whatever happens to the process.
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
  const counts = { rowsRead: 0, rowsValid: 0, rowsInvalid: 0, stored: 0, truncated: false }
  const progress = { bytes: 0 }
  let lastBeat = 0
  const report = async (status: 'reading' | 'applying', extra: Partial<ImportProgress> = {}, force = false) => {
    const now = Date.now()
    if (!force && now - lastBeat < 1000) return
    lastBeat = now
    const pr: ImportProgress = { importId: id, status, rowsRead: counts.rowsRead, rowsValid: counts.rowsValid, rowsInvalid: counts.rowsInvalid, bytesRead: progress.bytes, fileSize, ...extra }
    opts.onProgress?.(pr)
    await p.bus.publish({ type: IMPORT_PROGRESS, data: { ...pr } })
  }
  const finish = async (status: 'succeeded' | 'rejected' | 'failed', patch: { message?: string | null; created?: number; updated?: number; unchanged?: number } = {}) => {
    await irepo.updateImport(p.db, id, {
      status,
      rowsRead: counts.rowsRead,
      rowsValid: counts.rowsValid,
      rowsInvalid: counts.rowsInvalid,
      bytesRead: progress.bytes,
      errorsTruncated: counts.truncated,
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
  const lap = (phase: string) => {
    const now = performance.now()
    const cpu = process.cpuUsage(cpuMark)
    timings[phase] = (timings[phase] ?? 0) + now - mark
    cpuTimings[phase] = (cpuTimings[phase] ?? 0) + (cpu.user + cpu.system) / 1000
    mark = now
    cpuMark = process.cpuUsage()
  }
  const spoolPath = join(p.config.dataDir, 'imports', `${id}.spool`)
  let spool: WriteStream | null = null
  const errors: RowProblem[] = []
  const flushErrors = async () => {
    if (errors.length === 0) return
    const room = MAX_STORED_ERRORS - counts.stored
    const batch = errors.splice(0)
    if (room < batch.length) counts.truncated = true
    const kept = batch.slice(0, Math.max(0, room))
    await irepo.insertErrors(p.db, id, kept)
    counts.stored += kept.length
  }

  // a heartbeat while the import lives (on a server it goes through another pooled connection
  // even during the apply transaction), so the reaper can tell a running import from a dead one
  const heartbeat = setInterval(() => {
    irepo.updateImport(p.db, id, { heartbeatAt: p.clock.now() }).catch(() => {})
  }, HEARTBEAT_MS)
  heartbeat.unref()
  try {
    await irepo.updateImport(p.db, id, { status: 'reading', startedAt: p.clock.now(), heartbeatAt: p.clock.now() })
    const [catalog, departments, index] = await Promise.all([loadClassCatalog(p, { kind: 'component' }), repo.departments(p.db), locateIndexOf(p)])
    const deptMap = new Map<string, string>()
    for (const d of departments) {
      deptMap.set(d.code, d.id)
      deptMap.set(d.id, d.id)
    }
    const attributeNames = new Set([...catalog.byCode.values()].flatMap((c) => c.attributes.map((a) => a.name)))
    const resolver = new ColumnResolver(mapping, attributeNames)
    const ctx = { catalog, departments: deptMap, gridAt: (x: number, y: number) => index.gridAt(x, y), crs: imp.crs as Crs }
    const codes = new CodeSet(1 << 12)
    /** New rows per (district, class), in file order: the offset of each row's future code. */
    const groups = new Map<string, number>()
    let explicitRows = 0
    await irepo.createStaging(p.db, id)
    const spoolMeta = { importId: id, actorId: opts.actor.userId }
    await mkdir(dirname(spoolPath), { recursive: true })
    spool = createWriteStream(spoolPath)
    const spoolStream = spool
    let spooled: string[] = []
    const flushSpool = async () => {
      if (spooled.length === 0) return
      const text = spooled.join('')
      spooled = []
      if (!spoolStream.write(text)) await once(spoolStream, 'drain')
    }

    let chunk: StagedRow[] = []
    const flushChunk = async () => {
      if (chunk.length === 0) return
      const rows = chunk
      chunk = []
      lap('read+check')
      await irepo.stage(p.database, id, rows)
      lap('stage')
    }
    const source = createReadStream(opts.path, { highWaterMark: 1 << 20 })
    for await (const batch of readRecords(imp.format, source, { encoding: imp.encoding as CsvEncoding, progress })) {
      for (const rec of batch) {
        counts.rowsRead++
        const checked = checkRow(rec, resolver.planFor(rec.header), ctx)
        const code = 'row' in checked ? checked.row.code : checked.code
        const firstRow = code ? codes.add(code, rec.rowNo) : null
        const problems = 'problems' in checked ? checked.problems : []
        if (firstRow !== null) problems.push({ row: rec.rowNo, column: resolver.columnOf('code') ?? 'code', value: code!, reason: `duplicate code: already in row ${firstRow}` })
        if (problems.length > 0 || !('row' in checked)) {
          counts.rowsInvalid++
          errors.push(...problems)
        } else {
          counts.rowsValid++
          const row = checked.row
          if (row.code) {
            explicitRows++
            chunk.push(row)
          } else {
            const key = row.districtCode + row.minorClass
            const offset = (groups.get(key) ?? 0) + 1
            groups.set(key, offset)
            spooled.push(spoolLine(row, offset, spoolMeta))
          }
        }
      }
      if (errors.length >= 1000) await flushErrors()
      if (chunk.length >= CHUNK_ROWS) await flushChunk()
      await flushSpool()
      if (opts.signal?.aborted) throw new Error('the server is stopping')
      if (Date.now() - lastBeat >= 1000) {
        await irepo.updateImport(p.db, id, { rowsRead: counts.rowsRead, rowsValid: counts.rowsValid, rowsInvalid: counts.rowsInvalid, bytesRead: progress.bytes, heartbeatAt: p.clock.now() })
        await report('reading')
      }
    }
    await flushChunk()
    await flushSpool()
    spoolStream.end()
    await once(spoolStream, 'finish')
    await flushErrors()
    lap('read+check')
    await report('reading', {}, true)
    if (resolver.fields.size === 0 && counts.rowsRead > 0) {
      await irepo.dropStaging(p.db, id)
      return await finish('rejected', { message: 'No column of the file matches a component field; give a mapping' })
    }
    if (counts.rowsRead === 0) {
      await irepo.dropStaging(p.db, id)
      return await finish('rejected', { message: 'The file has no data rows' })
    }
    if (counts.rowsInvalid > 0 && imp.mode === 'all-or-nothing') {
      await irepo.dropStaging(p.db, id)
      return await finish('rejected', { message: `${counts.rowsInvalid} row(s) have errors; nothing was imported (all-or-nothing). See the error report.` })
    }
    if (opts.signal?.aborted) throw new Error('the server is stopping')

    // The apply: one transaction.
    await irepo.updateImport(p.db, id, { status: 'applying', rowsRead: counts.rowsRead, rowsValid: counts.rowsValid, rowsInvalid: counts.rowsInvalid, bytesRead: progress.bytes, heartbeatAt: p.clock.now() })
    const newAllocated = [...groups.values()].reduce((a, b) => a + b, 0)
    await report('applying', { rowsApplied: 0, rowsToApply: counts.rowsValid }, true)
    const at = p.clock.now()
    const given = new Set<string>(resolver.fields)
    let result: { created: number; updated: number; unchanged: number }
    try {
      result = await p.db.transaction().execute(async (tx) => {
        await sql`set local work_mem = '64MB'`.execute(tx)
        await sql`set local maintenance_work_mem = '256MB'`.execute(tx)
        if (explicitRows > 0) await irepo.analyzeStaging(tx, id)
        lap('apply:begin')
        const missing = explicitRows > 0 ? await irepo.newCodesWithoutLocation(tx, id) : []
        if (missing.length > 0) {
          const problems = missing.map((m) => ({ row: m.rowNo, column: resolver.columnOf('code') ?? 'code', value: m.code, reason: 'a new component needs a location (lng and lat, or a geometry)' }))
          if (imp.mode === 'all-or-nothing') throw new Rejected(problems)
          await irepo.insertErrors(tx, id, problems)
          await irepo.deleteStagedRows(tx, id, missing.map((m) => m.rowNo))
          counts.rowsInvalid += missing.length
          counts.rowsValid -= missing.length
          explicitRows -= missing.length
        }
        if (explicitRows > 0) await irepo.raiseCountersForExplicitCodes(tx, id)
        const reserved = await irepo.reserveBlocks(
          tx,
          [...groups].map(([key, n]) => ({ districtCode: key.slice(0, 6), minorClass: key.slice(6), n })),
        )
        const bases = new Map(reserved.map((b) => [b.districtCode + b.minorClass, b.base]))
        const upd = explicitRows > 0 ? await irepo.applyUpdates(tx, id, { given, at, actorId: opts.actor.userId, actorName: opts.actor.name }) : { matched: 0, updated: 0 }
        const toInsert = newAllocated + explicitRows - upd.matched
        let existing = await irepo.componentCount(tx)
        if (existing === 0 && toInsert >= REBUILD_MIN_ROWS) existing = await repo.count(tx)
        // a bulk load into a comparatively small table: drop the secondary indexes and foreign
        // keys, insert, then build the indexes in one pass each and re-add the keys (validated in
        // one join each) — the same transaction, so nobody ever sees the table without them
        const bulk = toInsert >= REBUILD_MIN_ROWS && toInsert >= existing
        const rebuild = bulk ? await irepo.secondaryIndexes(tx) : []
        const keys = bulk ? await irepo.foreignKeys(tx) : []
        for (const ix of rebuild) await irepo.dropIndex(tx, ix.name)
        for (const k of keys) await irepo.dropConstraint(tx, k.name)
        lap('apply:updates')
        let created = 0
        if (newAllocated > 0) {
          for await (const lines of spoolBatches(spoolPath, APPLY_BATCH_ROWS)) {
            await irepo.copyComponents(p.database, tx, lines.map((l) => resolveSpoolLine(l, bases)))
            created += lines.length
            await report('applying', { rowsApplied: created + upd.matched, rowsToApply: counts.rowsValid }, true)
          }
        }
        if (explicitRows > upd.matched) created += await irepo.insertExplicitNew(tx, id, { at, actorId: opts.actor.userId })
        lap('apply:inserts')
        for (const ix of rebuild) {
          await irepo.runDdl(tx, ix.def)
          lap(`apply:index ${ix.name}`)
          await report('applying', { rowsApplied: created + upd.matched, rowsToApply: counts.rowsValid }, true)
        }
        for (const k of keys) await irepo.addConstraint(tx, k.name, k.def)
        lap('apply:foreign keys')
        await irepo.dropStaging(tx, id)
        const r = { created, updated: upd.updated, unchanged: upd.matched - upd.updated }
        await irepo.updateImport(tx, id, { ...r, rowsValid: counts.rowsValid, rowsInvalid: counts.rowsInvalid })
        await appendAudit(
          tx,
          opts.actor,
          { action: 'component.import', entityType: 'componentImport', entityId: id, after: { fileName: imp.fileName, mode: imp.mode, crs: imp.crs, rowsRead: counts.rowsRead, rowsInvalid: counts.rowsInvalid, ...r } },
          at,
        )
        lap('apply:end')
        return r
      })
      lap('apply:commit')
    } catch (err) {
      if (err instanceof Rejected) {
        await irepo.insertErrors(p.db, id, err.problems)
        counts.rowsInvalid += err.problems.length
        counts.rowsValid -= err.problems.length
        await irepo.dropStaging(p.db, id)
        return await finish('rejected', { message: `${counts.rowsInvalid} row(s) have errors; nothing was imported (all-or-nothing). See the error report.` })
      }
      if (isCheckViolation(err)) throw new Error('A code sequence would pass 999999 for some (district, class), or a value broke a database rule; nothing was imported')
      if (isUniqueViolation(err)) throw new Error('A component code was registered by someone else during the import; nothing was imported, run it again')
      throw err
    }
    if (result.created + result.updated > 10_000) await irepo.analyze(p.db)
    lap('analyze')
    p.log.info({ importId: id, rows: counts.rowsRead, ...result, seconds: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v) / 1000])), cpuSeconds: Object.fromEntries(Object.entries(cpuTimings).map(([k, v]) => [k, Math.round(v) / 1000])) }, 'component import applied')
    await p.bus.publish({ type: COMPONENTS_CHANGED, data: { importId: id, action: 'import', created: result.created, updated: result.updated } })
    return await finish('succeeded', result)
  } catch (err) {
    const message = err instanceof DomainError || err instanceof Error ? err.message : String(err)
    await irepo.dropStaging(p.db, id).catch(() => {})
    await flushErrors().catch(() => {})
    return await finish('failed', { message: `Import failed: ${message}` })
  } finally {
    clearInterval(heartbeat)
    spool?.destroy()
    await rm(spoolPath, { force: true })
    if (opts.deleteFile) await rm(opts.path, { force: true })
  }
}

export async function getImport(p: Platform, opts: { caller: AuthUser; importId: string }): Promise<ImportView> {
  policy.assert(opts.caller, 'components.import')
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
  // spool files (and uploads) of imports no process runs any more
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

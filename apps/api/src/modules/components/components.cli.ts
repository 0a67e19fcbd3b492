import { createWriteStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import type { AuthUser } from '../../platform/access.js'
import type { Actor } from '../../platform/audit.js'
import type { Platform } from '../../platform/platform.js'
import { exportComponents } from './export.service.js'
import { errorReport, createImport, importOptions, runImport, type ImportProgress } from './imports.service.js'

/**
 * `civicgrid import components FILE` and `civicgrid export components`: the same use cases as
 * the HTTP API, run in this process against the configured database, with a progress bar on
 * stderr (a line per 10% when stderr is not a terminal).
 */
const CLI_ACTOR: Actor = { userId: null, name: 'cli' }
const CLI_ADMIN: AuthUser = { id: '00000000-0000-0000-0000-000000000000', username: 'cli', displayName: 'cli', roles: ['admin'], departmentId: null, regionCodes: [], via: 'token', sessionId: null }

/** A one-line progress bar; `update` redraws at most ten times a second. */
export class ProgressBar {
  private last = 0
  private lastDecile = -1
  private readonly started = performance.now()
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(fraction: number | null, label: string, force = false) {
    const now = performance.now()
    if (!force && now - this.last < 100) return
    this.last = now
    const secs = ((now - this.started) / 1000).toFixed(1)
    if (!this.out.isTTY) {
      const decile = fraction === null ? -1 : Math.floor(fraction * 10)
      if (force || decile > this.lastDecile) {
        this.lastDecile = decile
        this.out.write(`${fraction === null ? '' : `${Math.round(fraction * 100)}% `}${label} (${secs} s)\n`)
      }
      return
    }
    const width = 30
    const filled = fraction === null ? 0 : Math.round(Math.min(1, fraction) * width)
    const bar = fraction === null ? '·'.repeat(width) : '█'.repeat(filled) + '░'.repeat(width - filled)
    this.out.write(`\r${bar} ${fraction === null ? '' : `${Math.round(fraction * 100)}% `.padStart(5)}${label} ${secs} s\x1b[K`)
  }

  done(label: string) {
    this.update(1, label, true)
    if (this.out.isTTY) this.out.write('\n')
  }
}

export interface ImportCliOptions {
  format?: string
  mode?: string
  crs?: string
  encoding?: string
  mapping?: string
  errors?: string
}

/** Import a file; returns the process exit code (0 when the import succeeded). */
export async function importComponentsCli(p: Platform, file: string, o: ImportCliOptions): Promise<number> {
  const options = importOptions({ format: o.format, mode: o.mode, crs: o.crs, encoding: o.encoding, mapping: o.mapping }, basename(file))
  const size = (await stat(file)).size
  const importId = await createImport(p, { actor: CLI_ACTOR, input: { ...options, fileName: basename(file), fileSize: size } })
  const bar = new ProgressBar()
  const onProgress = (pr: ImportProgress) => {
    if (pr.status === 'reading') bar.update(size ? (0.5 * pr.bytesRead) / size : null, `reading: ${pr.rowsRead.toLocaleString('en')} rows, ${pr.rowsInvalid.toLocaleString('en')} with errors`)
    else bar.update(0.5 + (pr.rowsToApply ? (0.5 * (pr.rowsApplied ?? 0)) / pr.rowsToApply : 0), `applying: ${(pr.rowsApplied ?? 0).toLocaleString('en')} of ${(pr.rowsToApply ?? 0).toLocaleString('en')} rows`, true)
  }
  const result = await runImport(p, { actor: CLI_ACTOR, importId, path: file, onProgress })
  bar.done(result.status)
  console.log(
    `import ${result.id}: ${result.status} — ${result.progress.rowsRead} rows read, ${result.rowsInvalid} with errors; ` +
      `${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged${result.message ? `\n${result.message}` : ''}`,
  )
  if (result.rowsInvalid > 0) {
    const report = Readable.from(errorReport(p, { caller: CLI_ADMIN, importId }))
    if (o.errors) {
      await pipeline(report, createWriteStream(o.errors))
      console.log(`error report written to ${o.errors}`)
    } else {
      let shown = 0
      for await (const line of report) {
        if (shown++ > 20) {
          console.log('… (give --errors FILE for the whole report)')
          break
        }
        process.stdout.write(line as string)
      }
    }
  }
  return result.status === 'succeeded' ? 0 : 1
}

export interface ExportCliOptions {
  format: string
  out?: string
  region?: string
  minorClass?: string
  status?: string
  crs?: string
}

export async function exportComponentsCli(p: Platform, o: ExportCliOptions): Promise<void> {
  const out = await exportComponents(p, {
    caller: CLI_ADMIN,
    query: {
      format: o.format as 'csv',
      crs: (o.crs ?? 'WGS84') as 'WGS84',
      ...(o.region ? { region: o.region } : {}),
      ...(o.minorClass ? { minorClass: o.minorClass } : {}),
      ...(o.status ? { status: o.status } : {}),
    },
  })
  if (o.out) await pipeline(out.stream, createWriteStream(o.out))
  else await pipeline(out.stream, process.stdout, { end: false })
  if (o.out) console.error(`written ${o.out}`)
}

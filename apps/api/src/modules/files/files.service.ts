import { Readable } from 'node:stream'
import exifr from 'exifr'
import sharp from 'sharp'
import type { AuthUser } from '../../platform/access.js'
import { appendAudit, type Actor } from '../../platform/audit.js'
import { DomainError, notFound } from '../../platform/errors.js'
import { DOCUMENT_TYPES, IMAGE_TYPES } from '../../platform/files.js'
import type { Platform } from '../../platform/platform.js'
import { filesRepository as repo, type FileMeta } from './files.repository.js'

export const UPLOAD_TYPES = [...IMAGE_TYPES, ...DOCUMENT_TYPES] as const

const THUMBNAIL_WIDTH = 320

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of stream) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

/** Offset (ms) of a time zone at an instant: the zone's wall clock minus UTC. */
function zoneOffsetMs(timeZone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(at)
  const n = (t: string) => Number(parts.find((x) => x.type === t)!.value)
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - Math.floor(at.getTime() / 1000) * 1000
}

/**
 * EXIF capture time and GPS position of a photo, when it has them (field photos usually do).
 * EXIF times carry no zone: a camera shows local time, read here in the tenant's zone.
 */
async function readExif(bytes: Buffer, timeZone: string): Promise<FileMeta> {
  try {
    const exif = (await exifr.parse(bytes, { gps: true, reviveValues: false })) as { DateTimeOriginal?: string; latitude?: number; longitude?: number } | undefined
    const m = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(exif?.DateTimeOriginal ?? '')
    let takenAt: string | null = null
    if (m) {
      const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)
      takenAt = new Date(wall - zoneOffsetMs(timeZone, new Date(wall))).toISOString()
    }
    return {
      takenAt,
      lng: Number.isFinite(exif?.longitude) ? exif!.longitude! : null,
      lat: Number.isFinite(exif?.latitude) ? exif!.latitude! : null,
    }
  } catch {
    return {}
  }
}

/** Store an uploaded file by its content hash, after checking its real type and size; photos get their EXIF time and position read. */
export async function uploadFile(p: Platform, opts: { actor: Actor; caller: AuthUser; stream: Readable; filename: string | null }) {
  const blob = await p.blobs.put(opts.stream, { maxBytes: p.config.uploadLimit, accept: UPLOAD_TYPES })
  const meta = blob.contentType.startsWith('image/') ? await readExif(await readAll(p.blobs.get(blob.sha256)), p.config.timeZone) : {}
  await p.db.transaction().execute(async (tx) => {
    await repo.insertIfAbsent(tx, { ...blob, originalName: opts.filename, uploadedBy: opts.caller.id })
    await repo.setMeta(tx, blob.sha256, meta)
    await appendAudit(tx, opts.actor, { action: 'file.upload', entityType: 'file', entityId: blob.sha256, after: { ...blob, name: opts.filename } })
  })
  return { ...blob, url: `/api/v1/files/${blob.sha256}` }
}

/** EXIF facts of stored photos, for other modules (cases compare them with the reported place and time). */
export async function photoFacts(p: Platform, sha256s: string[]): Promise<Map<string, FileMeta & { contentType: string }>> {
  const rows = await repo.findMany(p.db, sha256s)
  return new Map(rows.map((r) => [r.sha256, { ...(r.meta as FileMeta), contentType: r.contentType }]))
}

/**
 * A JPEG thumbnail 320 px wide, made once and stored as a blob of its own. HEIC has no decoder in
 * the bundled libvips: those photos are refused here and shown at full size by clients.
 */
export async function openThumbnail(p: Platform, opts: { sha256: string }) {
  const row = await repo.find(p.db, opts.sha256)
  if (!row || !row.contentType.startsWith('image/')) throw notFound('File')
  const meta = (row.meta ?? {}) as FileMeta
  if (meta.thumbnail && (await p.blobs.stat(meta.thumbnail))) return { contentType: 'image/jpeg', stream: p.blobs.get(meta.thumbnail) }
  if (row.contentType === 'image/heic' || row.contentType === 'image/heif') throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'No thumbnail for HEIC photos; fetch the original')
  const jpeg = await sharp(await readAll(p.blobs.get(row.sha256)))
    .rotate()
    .resize({ width: THUMBNAIL_WIDTH, withoutEnlargement: true })
    .jpeg({ quality: 75 })
    .toBuffer()
  const thumb = await p.blobs.put(Readable.from([jpeg]), { maxBytes: jpeg.length, accept: ['image/jpeg'] })
  await repo.setMeta(p.db, row.sha256, { ...meta, thumbnail: thumb.sha256 })
  return { contentType: 'image/jpeg', stream: p.blobs.get(thumb.sha256) }
}

/** The stored file and a stream of its bytes. */
export async function openFile(p: Platform, opts: { sha256: string }) {
  const row = await repo.find(p.db, opts.sha256)
  if (!row || !(await p.blobs.stat(opts.sha256))) throw notFound('File')
  return { ...row, stream: p.blobs.get(opts.sha256) }
}

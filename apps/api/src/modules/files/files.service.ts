import type { Readable } from 'node:stream'
import type { AuthUser } from '../../platform/access.js'
import { appendAudit, type Actor } from '../../platform/audit.js'
import { notFound } from '../../platform/errors.js'
import { DOCUMENT_TYPES, IMAGE_TYPES } from '../../platform/files.js'
import type { Platform } from '../../platform/platform.js'
import { filesRepository as repo } from './files.repository.js'

export const UPLOAD_TYPES = [...IMAGE_TYPES, ...DOCUMENT_TYPES] as const

/** Store an uploaded file by its content hash, after checking its real type and size. */
export async function uploadFile(p: Platform, opts: { actor: Actor; caller: AuthUser; stream: Readable; filename: string | null }) {
  const blob = await p.blobs.put(opts.stream, { maxBytes: p.config.uploadLimit, accept: UPLOAD_TYPES })
  await p.db.transaction().execute(async (tx) => {
    await repo.insertIfAbsent(tx, { ...blob, originalName: opts.filename, uploadedBy: opts.caller.id })
    await appendAudit(tx, opts.actor, { action: 'file.upload', entityType: 'file', entityId: blob.sha256, after: { ...blob, name: opts.filename } })
  })
  return { ...blob, url: `/api/v1/files/${blob.sha256}` }
}

/** The stored file and a stream of its bytes. */
export async function openFile(p: Platform, opts: { sha256: string }) {
  const row = await repo.find(p.db, opts.sha256)
  if (!row || !(await p.blobs.stat(opts.sha256))) throw notFound('File')
  return { ...row, stream: p.blobs.get(opts.sha256) }
}

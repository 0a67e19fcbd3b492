import { createHash, randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileTypeFromBuffer } from 'file-type'
import { DomainError } from './errors.js'

export interface StoredBlob {
  sha256: string
  size: number
  contentType: string
}

/** Content-addressed blob storage; a local directory now, an S3-compatible store later. */
export interface BlobStore {
  /** Store a stream, refusing content types not in `accept` and anything over `maxBytes`. */
  put(input: Readable, opts: { maxBytes: number; accept: readonly string[] }): Promise<StoredBlob>
  get(sha256: string): Readable
  stat(sha256: string): Promise<{ size: number } | null>
}

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif'] as const
export const DOCUMENT_TYPES = ['application/pdf'] as const

const SHA256 = /^[0-9a-f]{64}$/

/** Blobs live at <dir>/<first 2 hex>/<sha256>; a write goes to a temp file and is renamed, so a crash leaves no half blob. */
export class LocalBlobStore implements BlobStore {
  constructor(private readonly dir: string) {}

  private pathOf(sha256: string) {
    if (!SHA256.test(sha256)) throw new DomainError('NOT_FOUND', 'File not found')
    return join(this.dir, sha256.slice(0, 2), sha256)
  }

  async put(input: Readable, opts: { maxBytes: number; accept: readonly string[] }): Promise<StoredBlob> {
    await mkdir(join(this.dir, 'tmp'), { recursive: true })
    const tmp = join(this.dir, 'tmp', randomUUID())
    const hash = createHash('sha256')
    let size = 0
    let head = Buffer.alloc(0)
    try {
      await pipeline(
        input,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            size += chunk.length
            if (size > opts.maxBytes) throw new DomainError('PAYLOAD_TOO_LARGE', `File exceeds ${opts.maxBytes} bytes`)
            if (head.length < 4100) head = Buffer.concat([head, chunk.subarray(0, 4100 - head.length)])
            hash.update(chunk)
            yield chunk
          }
        },
        createWriteStream(tmp),
      )
      // The declared type and file name are ignored: only the bytes decide what a file is.
      const type = await fileTypeFromBuffer(head)
      if (!type || !opts.accept.includes(type.mime)) {
        throw new DomainError('UNSUPPORTED_MEDIA_TYPE', `File content is ${type?.mime ?? 'unknown'}; accepted: ${opts.accept.join(', ')}`)
      }
      const sha256 = hash.digest('hex')
      const final = this.pathOf(sha256)
      await mkdir(join(this.dir, sha256.slice(0, 2)), { recursive: true })
      await rename(tmp, final)
      return { sha256, size, contentType: type.mime }
    } finally {
      await rm(tmp, { force: true })
    }
  }

  get(sha256: string): Readable {
    return createReadStream(this.pathOf(sha256))
  }

  async stat(sha256: string) {
    try {
      const s = await stat(this.pathOf(sha256))
      return { size: s.size }
    } catch {
      return null
    }
  }
}

import type { Generated } from 'kysely'
import type { Executor } from '../../platform/db/database.js'

declare module '../../platform/db/schema.js' {
  interface DB {
    files: {
      sha256: string
      contentType: string
      size: number
      originalName: string | null
      uploadedBy: string | null
      meta: Generated<unknown>
      createdAt: Generated<Date>
    }
  }
}

/** What we read from a file's content: EXIF capture time and position, and the id of its thumbnail. */
export interface FileMeta {
  takenAt?: string | null
  lng?: number | null
  lat?: number | null
  thumbnail?: string | null
}

export const filesRepository = {
  /** Same bytes, same row: a re-upload keeps the first record. */
  insertIfAbsent(db: Executor, row: { sha256: string; contentType: string; size: number; originalName: string | null; uploadedBy: string | null }) {
    return db.insertInto('files').values(row).onConflict((oc) => oc.column('sha256').doNothing()).execute()
  },
  find(db: Executor, sha256: string) {
    return db.selectFrom('files').select(['sha256', 'contentType', 'size', 'originalName', 'createdAt', 'meta']).where('sha256', '=', sha256).executeTakeFirst()
  },

  findMany(db: Executor, sha256s: string[]) {
    if (sha256s.length === 0) return Promise.resolve([])
    return db.selectFrom('files').select(['sha256', 'contentType', 'meta']).where('sha256', 'in', sha256s).execute()
  },

  setMeta(db: Executor, sha256: string, meta: FileMeta) {
    return db.updateTable('files').set({ meta: JSON.stringify(meta) }).where('sha256', '=', sha256).execute()
  },
}

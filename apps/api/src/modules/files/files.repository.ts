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

export const filesRepository = {
  /** Same bytes, same row: a re-upload keeps the first record. */
  insertIfAbsent(db: Executor, row: { sha256: string; contentType: string; size: number; originalName: string | null; uploadedBy: string | null }) {
    return db.insertInto('files').values(row).onConflict((oc) => oc.column('sha256').doNothing()).execute()
  },
  find(db: Executor, sha256: string) {
    return db.selectFrom('files').select(['sha256', 'contentType', 'size', 'originalName', 'createdAt']).where('sha256', '=', sha256).executeTakeFirst()
  },
}

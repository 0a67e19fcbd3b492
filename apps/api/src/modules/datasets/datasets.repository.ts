import type { Executor } from '../../platform/db/database.js'

/**
 * The data manager's own SQL: the latest import-like audit rows of datasets whose modules keep
 * no import table (regions import and division, the classification seed).
 */
export const datasetsRepository = {
  lastAudit(db: Executor, actions: string[]) {
    return db
      .selectFrom('auditLog')
      .select(['id', 'at', 'actorName', 'action', 'after'])
      .where('action', 'in', actions)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst()
  },

}

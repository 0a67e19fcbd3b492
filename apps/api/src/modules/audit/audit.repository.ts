import type { Executor } from '../../platform/db/database.js'

export interface AuditFilter {
  entityType?: string
  entityId?: string
  actorId?: string
  action?: string
  from?: Date
  to?: Date
}

export const auditRepository = {
  /** Newest first; `beforeId` is the cursor. */
  list(db: Executor, filter: AuditFilter, opts: { limit: number; beforeId?: number }) {
    let q = db
      .selectFrom('auditLog')
      .select(['id', 'at', 'actorId', 'actorName', 'action', 'entityType', 'entityId', 'before', 'after', 'requestId', 'ip'])
      .orderBy('id', 'desc')
      .limit(opts.limit)
    if (opts.beforeId !== undefined) q = q.where('id', '<', opts.beforeId)
    if (filter.entityType) q = q.where('entityType', '=', filter.entityType)
    if (filter.entityId) q = q.where('entityId', '=', filter.entityId)
    if (filter.actorId) q = q.where('actorId', '=', filter.actorId)
    if (filter.action) q = q.where('action', '=', filter.action)
    if (filter.from) q = q.where('at', '>=', filter.from)
    if (filter.to) q = q.where('at', '<', filter.to)
    return q.execute()
  },
}

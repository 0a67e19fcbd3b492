import type { AuthUser } from '../../platform/access.js'
import { sealAuditLog, verifyAuditChain } from '../../platform/audit.js'
import type { Platform } from '../../platform/platform.js'
import { auditPolicy } from './audit.policy.js'
import { auditRepository, type AuditFilter } from './audit.repository.js'

/** Page through the audit log, newest first. */
export async function listAuditEntries(p: Platform, opts: { caller: AuthUser; filter: AuditFilter; limit: number; cursor?: string }) {
  auditPolicy.assert(opts.caller, 'audit.read')
  const rows = await auditRepository.list(p.db, opts.filter, {
    limit: opts.limit + 1,
    ...(opts.cursor ? { beforeId: Number(opts.cursor) } : {}),
  })
  const page = rows.slice(0, opts.limit)
  return {
    items: page.map((r) => ({ ...r, id: String(r.id), at: r.at.toISOString() })),
    nextCursor: rows.length > opts.limit ? String(page.at(-1)!.id) : null,
  }
}

/** Seal what is pending, then check the whole hash chain and name the first broken row. */
export async function verifyAuditLog(p: Platform, opts: { caller: AuthUser }) {
  auditPolicy.assert(opts.caller, 'audit.verify')
  await sealAuditLog(p.db)
  const result = await verifyAuditChain(p.db)
  return { ...result, firstBrokenId: result.firstBrokenId === null ? null : String(result.firstBrokenId) }
}

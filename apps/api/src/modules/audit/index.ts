import type { FastifyInstance } from 'fastify'
import { sealAuditLog } from '../../platform/audit.js'
import { auditRoutes } from './audit.routes.js'

export { auditPolicy } from './audit.policy.js'

/** Routes under /api/v1 and the sealing job that chains appended audit rows (every second). */
export async function auditModule(app: FastifyInstance) {
  const p = app.platform
  p.jobs.every('audit.seal', 1_000, async ({ db }) => {
    await sealAuditLog(db)
  })
  await app.register(auditRoutes)
}

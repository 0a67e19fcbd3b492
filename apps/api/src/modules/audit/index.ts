export { auditRoutes as auditModule } from './audit.routes.js'
export { auditPolicy } from './audit.policy.js'

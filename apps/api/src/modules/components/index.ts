import type { FastifyPluginAsync } from 'fastify'
import { componentsRoutes } from './components.routes.js'
import { recoverImports, stopImports } from './imports.service.js'

/**
 * The components registry (部件): codes, classes, geometry and grid, status, responsible units,
 * history; bulk import/export; nearest, clustered and statistical queries.
 */
export {
  findComponentByCode,
  nearestComponents,
  setComponentStatus,
  announceComponentChange,
  createComponent,
  canSeeComponent,
  COMPONENTS_CHANGED,
  type NearestResult,
} from './components.service.js'
export { runImport, createImport, importOptions, IMPORT_PROGRESS, IMPORT_FINISHED, type ImportProgress } from './imports.service.js'
export { exportComponents } from './export.service.js'
export { importComponentsCli, exportComponentsCli, ProgressBar } from './components.cli.js'
export { componentsPolicy } from './components.policy.js'
export { componentChecks, countComponents, lastComponentImport, STALE_STATUS_DAYS } from './quality.js'
export { STATUSES, CURRENCIES, DATA_SOURCES, STATUS_LABELS, CURRENCY_LABELS, DATA_SOURCE_LABELS, type ComponentStatus, type Currency, type DataSource } from './import-rows.js'
export type { ComponentView, ImportView } from './components.schemas.js'
export type { ComponentGeometry } from './component-geometry.js'

/**
 * Routes under the API prefix. At an embedded start, imports left unfinished by a killed
 * process are marked failed (one process owns the data directory); on a server, a job does it
 * for imports whose heartbeat stopped. A shutdown stops running imports at a chunk boundary.
 */
export const componentsModule: FastifyPluginAsync = async (app) => {
  const p = app.platform
  await recoverImports(p, { all: p.database.kind === 'pglite' })
  p.jobs.every('components.imports.reap', 60_000, async () => {
    await recoverImports(p, { all: false })
  })
  app.addHook('onClose', () => stopImports(p))
  await app.register(componentsRoutes)
}

import type { FastifyPluginAsync } from 'fastify'
import { classesRoutes } from './classes.routes.js'
import { seedClasses } from './classes.service.js'

/**
 * The classification of components and events (部件/事件 大类·小类), tenant data seeded from
 * datasets/standards/classification.json at first start.
 */
export { findClass, loadClassCatalog, ClassCatalog, seedClasses, toMinorView } from './classes.service.js'
export { validateAttributes, validateAttributeDefs, parseAttributeText, isIsoDate, ATTRIBUTE_TYPES } from './attributes.js'
export type { AttributeDef, AttributeType, AttributeValue, AttributeValues } from './attributes.js'
export { CLASS_KINDS, type ClassKind } from './classes.repository.js'
export type { MinorClassView, MajorClassView } from './classes.schemas.js'
export { classesPolicy } from './classes.policy.js'
export { countClasses } from './quality.js'

/** Seed on first start, then serve /classes under the API prefix. */
export const classesModule: FastifyPluginAsync = async (app) => {
  await seedClasses(app.platform)
  await app.register(classesRoutes)
}

import fp from 'fastify-plugin'
import { systemRoutes } from './system.routes.js'

/** Health, readiness and the event stream (paths are absolute, so no prefix). */
export const systemModule = fp(systemRoutes)
export { mayReceive } from './system.service.js'

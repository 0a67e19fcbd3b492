/**
 * The console's switch for the demo simulator (POST /api/v1/simulator, admin, demo mode only):
 * runs demo/simulator.ts inside the server against its own HTTP port.
 */
import type { FastifyInstance } from 'fastify'
import { simulatorRoutes } from './simulator.routes.js'
import { stopSimulator } from './simulator.service.js'

export { simulatorPolicy } from './simulator.policy.js'

export async function simulatorModule(app: FastifyInstance) {
  app.addHook('onClose', async () => stopSimulator(app.platform))
  await app.register(simulatorRoutes)
}

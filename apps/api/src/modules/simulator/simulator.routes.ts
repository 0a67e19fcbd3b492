import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { actorOf, requireUser } from '../../platform/request-context.js'
import { SimulatorBody, SimulatorStatusSchema } from './simulator.schemas.js'
import { controlSimulator, simulatorStatus } from './simulator.service.js'

const tags = ['simulator']

export const simulatorRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const p = app.platform

  app.get('/simulator', { schema: { tags, summary: 'Whether the demo simulator runs, and what it did (admin)', response: { 200: SimulatorStatusSchema } } }, async (request) =>
    simulatorStatus(p, { caller: requireUser(request) }),
  )

  app.post(
    '/simulator',
    { schema: { tags, summary: 'Start, re-rate or stop the demo simulator against this server (admin; demo mode only)', body: SimulatorBody, response: { 200: SimulatorStatusSchema } } },
    async (request) => {
      const address = app.server.address()
      const url = address && typeof address === 'object' ? `http://${address.family === 'IPv6' ? `[${address.address === '::' ? '::1' : address.address}]` : address.address === '0.0.0.0' ? '127.0.0.1' : address.address}:${address.port}` : null
      return controlSimulator(p, { caller: requireUser(request), actor: actorOf(request), input: request.body, url })
    },
  )
}

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ServerResponse } from 'node:http'
import { Type } from 'typebox'
import { requireUser } from '../../platform/request-context.js'
import { checkReadiness, mayReceive } from './system.service.js'

const HEARTBEAT_MS = 15_000
const ReadySchema = Type.Object({ ready: Type.Boolean(), database: Type.String(), migrations: Type.Boolean() })

export const systemRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const p = app.platform
  const streams = new Set<ServerResponse>()
  // Open event streams would hold the server open forever; end them when shutdown starts.
  app.addHook('preClose', async () => {
    for (const s of streams) s.end()
  })

  app.get('/healthz', { config: { public: true }, schema: { tags: ['system'], summary: 'Process is alive', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }))

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        tags: ['system'],
        summary: 'Database reachable and migrations applied',
        response: { 200: ReadySchema, 503: ReadySchema },
      },
    },
    async (_request, reply) => {
      const status = await checkReadiness(p)
      return reply.status(status.ready ? 200 : 503).send(status)
    },
  )

  app.get('/api/v1/stream', { schema: { tags: ['system'], summary: 'Server-Sent Events of changes in the caller’s scopes' } }, async (request, reply) => {
    const user = requireUser(request)
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
    })
    res.write('retry: 3000\n: connected\n\n')
    streams.add(res)
    const unsubscribe = p.bus.subscribe((event) => {
      if (mayReceive(user, event)) res.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
    })
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS)
    res.on('close', () => {
      clearInterval(heartbeat)
      unsubscribe()
      streams.delete(res)
    })
  })
}

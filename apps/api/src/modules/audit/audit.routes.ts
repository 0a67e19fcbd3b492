import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { requireUser } from '../../platform/request-context.js'
import { listAuditEntries, verifyAuditLog } from './audit.service.js'

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])

const AuditEntrySchema = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actorId: Nullable(Type.String()),
  actorName: Nullable(Type.String()),
  action: Type.String(),
  entityType: Type.String(),
  entityId: Nullable(Type.String()),
  before: Type.Unknown(),
  after: Type.Unknown(),
  requestId: Nullable(Type.String()),
  ip: Nullable(Type.String()),
})

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const p = app.platform
  app.get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit log, newest first (admin)',
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
            cursor: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
            entityType: Type.Optional(Type.String({ maxLength: 64 })),
            entityId: Type.Optional(Type.String({ maxLength: 128 })),
            actorId: Type.Optional(Type.String({ format: 'uuid' })),
            action: Type.Optional(Type.String({ maxLength: 64 })),
            from: Type.Optional(Type.String({ format: 'date-time' })),
            to: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(AuditEntrySchema), nextCursor: Nullable(Type.String()) }) },
      },
    },
    async (request) => {
      const { limit, cursor, from, to, ...rest } = request.query
      return listAuditEntries(p, {
        caller: requireUser(request),
        limit,
        ...(cursor ? { cursor } : {}),
        filter: { ...rest, ...(from ? { from: new Date(from) } : {}), ...(to ? { to: new Date(to) } : {}) },
      })
    },
  )

  app.get(
    '/audit/verify',
    {
      schema: {
        tags: ['audit'],
        summary: 'Seal pending rows, then verify the hash chain; names the first edited row or the row after a missing one (admin)',
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            checked: Type.Integer({ description: 'sealed rows verified' }),
            firstBrokenId: Nullable(Type.String()),
            reason: Nullable(Type.String()),
            unsealed: Type.Integer({ description: 'rows appended after the seal, not yet covered' }),
          }),
        },
      },
    },
    async (request) => verifyAuditLog(p, { caller: requireUser(request) }),
  )
}

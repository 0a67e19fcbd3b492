import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { DomainError } from '../../platform/errors.js'
import { identityRoutes, SESSION_COOKIE } from './identity.routes.js'
import { authenticateSession, authenticateToken } from './identity.service.js'

export { bootstrapAdmin, createUser, createDepartment, authenticateSession } from './identity.service.js'
export { identityPolicy } from './identity.policy.js'
export { userChecks, departmentChecks, countUsersAndDepartments } from './quality.js'
export { announceUserChanged, USER_CHANGED } from './credential-cache.js'
export { SESSION_COOKIE }

/**
 * Resolves the caller on every request (session cookie, or `Authorization: Bearer`) and
 * answers 401 for API routes that are not marked public.
 */
export const authenticationPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('onRequest', async (request) => {
    const p = app.platform
    const auth = request.headers.authorization
    if (auth?.startsWith('Bearer ')) {
      request.user = await authenticateToken(p, auth.slice(7).trim())
      if (!request.user) throw new DomainError('UNAUTHENTICATED', 'The API token is unknown or revoked')
    } else {
      const cookie = request.cookies[SESSION_COOKIE]
      if (cookie) request.user = await authenticateSession(p, cookie)
    }
    if (!request.user && request.url.startsWith('/api/v1/') && !request.routeOptions.config?.public) {
      throw new DomainError('UNAUTHENTICATED', 'Sign in or send an API token')
    }
  })
})

/** Identity routes under the API prefix; register `authenticationPlugin` at the root first. */
export const identityModule = identityRoutes

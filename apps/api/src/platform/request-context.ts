import type { FastifyRequest } from 'fastify'
import type { AuthUser } from './access.js'
import type { Actor } from './audit.js'
import { DomainError } from './errors.js'

/** The signed-in caller, or 401. */
export function requireUser(request: FastifyRequest): AuthUser {
  if (!request.user) throw new DomainError('UNAUTHENTICATED', 'Sign in or send an API token')
  return request.user
}

/** Who is acting, for audit rows: the caller plus request id and address. */
export function actorOf(request: FastifyRequest): Actor {
  const user = request.user
  return { userId: user?.id ?? null, name: user?.username ?? 'anonymous', requestId: request.id, ip: request.ip }
}

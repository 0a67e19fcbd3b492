import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { actorOf, requireUser } from '../../platform/request-context.js'
import {
  CreateDepartmentBody,
  CreateUserBody,
  DepartmentSchema,
  IdParams,
  ListUsersQuery,
  LoginBody,
  MeSchema,
  TokenSchema,
  UnmaskBody,
  UpdateDepartmentBody,
  UpdateUserBody,
  UserSchema,
} from './identity.schemas.js'
import * as identity from './identity.service.js'

export const SESSION_COOKIE = 'cg_session'

export const identityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const p = app.platform

  app.post(
    '/auth/login',
    { config: { public: true }, schema: { tags: ['auth'], summary: 'Sign in; sets the session cookie', body: LoginBody, response: { 200: Type.Object({ user: MeSchema }) } } },
    async (request, reply) => {
      const result = await identity.loginUser(p, { ...request.body, ip: request.ip, userAgent: request.headers['user-agent'] ?? null })
      reply.setCookie(SESSION_COOKIE, result.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: request.protocol === 'https',
        expires: result.expiresAt,
      })
      return { user: result.user }
    },
  )

  app.post('/auth/logout', { config: { public: true }, schema: { tags: ['auth'], summary: 'End the current session' } }, async (request, reply) => {
    if (request.user) await identity.logoutUser(p, { user: request.user, actor: actorOf(request) })
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return reply.status(204).send()
  })

  app.get('/me', { schema: { tags: ['auth'], summary: 'The signed-in user, roles, scopes and permissions', response: { 200: MeSchema } } }, async (request) =>
    identity.describeMe(requireUser(request)),
  )

  app.get('/me/tokens', { schema: { tags: ['auth'], response: { 200: Type.Object({ items: Type.Array(TokenSchema) }) } } }, async (request) => ({
    items: await identity.listApiTokens(p, { caller: requireUser(request) }),
  }))

  app.post(
    '/me/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an API token (shown once)',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
        response: { 201: Type.Object({ id: Type.String(), name: Type.String(), token: Type.String() }) },
      },
    },
    async (request, reply) => {
      const token = await identity.createApiToken(p, { actor: actorOf(request), caller: requireUser(request), name: request.body.name })
      return reply.status(201).send(token)
    },
  )

  app.delete('/me/tokens/:id', { schema: { tags: ['auth'], params: IdParams } }, async (request, reply) => {
    await identity.revokeApiToken(p, { actor: actorOf(request), caller: requireUser(request), tokenId: request.params.id })
    return reply.status(204).send()
  })

  app.get(
    '/users',
    { schema: { tags: ['users'], querystring: ListUsersQuery, response: { 200: Type.Object({ items: Type.Array(UserSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }) } } },
    async (request) => identity.listUsers(p, { caller: requireUser(request), ...request.query }),
  )

  app.post('/users', { schema: { tags: ['users'], body: CreateUserBody, response: { 201: UserSchema } } }, async (request, reply) => {
    const user = await identity.createUser(p, { actor: actorOf(request), caller: requireUser(request), input: request.body })
    return reply.status(201).send(user)
  })

  app.get('/users/:id', { schema: { tags: ['users'], params: IdParams, response: { 200: UserSchema } } }, async (request) =>
    identity.getUser(p, { caller: requireUser(request), userId: request.params.id }),
  )

  app.patch('/users/:id', { schema: { tags: ['users'], params: IdParams, body: UpdateUserBody, response: { 200: UserSchema } } }, async (request) =>
    identity.updateUser(p, { actor: actorOf(request), caller: requireUser(request), userId: request.params.id, input: request.body }),
  )

  app.post(
    '/users/:id/personal-data',
    {
      schema: {
        tags: ['users'],
        summary: 'Read personal fields in clear (permission and purpose required; audited)',
        params: IdParams,
        body: UnmaskBody,
        response: { 200: Type.Object({ phone: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) =>
      identity.unmaskUserPersonalData(p, { actor: actorOf(request), caller: requireUser(request), userId: request.params.id, ...request.body }),
  )

  app.post(
    '/users/:id/revoke-sessions',
    { schema: { tags: ['users'], params: IdParams, response: { 200: Type.Object({ revoked: Type.Integer() }) } } },
    async (request) => identity.revokeUserSessions(p, { actor: actorOf(request), caller: requireUser(request), userId: request.params.id }),
  )

  app.get('/departments', { schema: { tags: ['users'], response: { 200: Type.Object({ items: Type.Array(DepartmentSchema) }) } } }, async (request) => ({
    items: await identity.listDepartments(p, { caller: requireUser(request) }),
  }))

  app.get('/departments/:id', { schema: { tags: ['users'], params: IdParams, response: { 200: DepartmentSchema } } }, async (request) =>
    identity.getDepartment(p, { caller: requireUser(request), departmentId: request.params.id }),
  )

  app.patch(
    '/departments/:id',
    { schema: { tags: ['users'], params: IdParams, body: UpdateDepartmentBody, response: { 200: DepartmentSchema } } },
    async (request) =>
      identity.updateDepartment(p, { actor: actorOf(request), caller: requireUser(request), departmentId: request.params.id, input: request.body }),
  )

  app.post('/departments', { schema: { tags: ['users'], body: CreateDepartmentBody, response: { 201: DepartmentSchema } } }, async (request, reply) => {
    const dept = await identity.createDepartment(p, { actor: actorOf(request), caller: requireUser(request), input: request.body })
    return reply.status(201).send(dept)
  })
}

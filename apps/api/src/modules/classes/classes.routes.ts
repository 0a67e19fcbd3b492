import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { actorOf, requireUser } from '../../platform/request-context.js'
import {
  CreateMajorBody,
  CreateMinorBody,
  ListClassesQuery,
  ListMajorsQuery,
  MajorClassSchema,
  MajorParams,
  MinorClassSchema,
  MinorParams,
  UpdateMajorBody,
  UpdateMinorBody,
} from './classes.schemas.js'
import * as classes from './classes.service.js'

const tags = ['classes']

export const classesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const p = app.platform

  app.get(
    '/classes',
    { schema: { tags, summary: 'Minor classes (小类) with their major class and attribute declarations', querystring: ListClassesQuery, response: { 200: Type.Object({ items: Type.Array(MinorClassSchema) }) } } },
    async (request) => ({ items: await classes.listClasses(p, { caller: requireUser(request), ...request.query }) }),
  )

  app.post('/classes', { schema: { tags, summary: 'Add a (local) minor class', body: CreateMinorBody, response: { 201: MinorClassSchema } } }, async (request, reply) =>
    reply.status(201).send(await classes.createClass(p, { actor: actorOf(request), caller: requireUser(request), input: request.body })),
  )

  app.get(
    '/classes/majors',
    { schema: { tags, summary: 'Major classes (大类)', querystring: ListMajorsQuery, response: { 200: Type.Object({ items: Type.Array(MajorClassSchema) }) } } },
    async (request) => ({ items: await classes.listMajorClasses(p, { caller: requireUser(request), ...request.query }) }),
  )

  app.post('/classes/majors', { schema: { tags, summary: 'Add a (local) major class', body: CreateMajorBody, response: { 201: MajorClassSchema } } }, async (request, reply) =>
    reply.status(201).send(await classes.createMajorClass(p, { actor: actorOf(request), caller: requireUser(request), input: request.body })),
  )

  app.patch(
    '/classes/majors/:kind/:code',
    { schema: { tags, summary: 'Rename or retire a major class', params: MajorParams, body: UpdateMajorBody, response: { 200: MajorClassSchema } } },
    async (request) => classes.updateMajorClass(p, { actor: actorOf(request), caller: requireUser(request), ...request.params, input: request.body }),
  )

  app.delete(
    '/classes/majors/:kind/:code',
    { schema: { tags, summary: 'Delete a major class without minor classes', params: MajorParams } },
    async (request, reply) => {
      await classes.deleteMajorClass(p, { actor: actorOf(request), caller: requireUser(request), ...request.params })
      return reply.status(204).send()
    },
  )

  app.get('/classes/:kind/:code', { schema: { tags, params: MinorParams, response: { 200: MinorClassSchema } } }, async (request) =>
    classes.getClass(p, { caller: requireUser(request), ...request.params }),
  )

  app.patch(
    '/classes/:kind/:code',
    { schema: { tags, summary: 'Rename, retire or redeclare the attributes of a minor class', params: MinorParams, body: UpdateMinorBody, response: { 200: MinorClassSchema } } },
    async (request) => classes.updateClass(p, { actor: actorOf(request), caller: requireUser(request), ...request.params, input: request.body }),
  )

  app.delete(
    '/classes/:kind/:code',
    { schema: { tags, summary: 'Delete a minor class nothing refers to (409 when in use: retire it instead)', params: MinorParams } },
    async (request, reply) => {
      await classes.deleteClass(p, { actor: actorOf(request), caller: requireUser(request), ...request.params })
      return reply.status(204).send()
    },
  )
}

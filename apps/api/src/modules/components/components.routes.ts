import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { DomainError } from '../../platform/errors.js'
import { actorOf, requireUser } from '../../platform/request-context.js'
import {
  ClustersQuery,
  ClustersSchema,
  CodeParams,
  ComponentDetailSchema,
  ComponentSchema,
  CreateComponentBody,
  CrsQuery,
  ExportQuery,
  ImportOptionsSchema,
  ImportParams,
  ImportSchema,
  ListQuery,
  NearestItem,
  NearestQuery,
  StatsQuery,
  StatsSchema,
  UpdateComponentBody,
} from './components.schemas.js'
import * as components from './components.service.js'
import { exportComponents } from './export.service.js'
import { componentClusters } from './clusters.service.js'
import { errorReport, getImport, listImports, receiveImport } from './imports.service.js'

const tags = ['components']

export const componentsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const p = app.platform

  app.get(
    '/components',
    {
      schema: {
        tags,
        summary: 'Components in your regions, filtered (region, grid, class, status, currency, unit, text, bbox), in code order',
        querystring: ListQuery,
        response: { 200: Type.Object({ items: Type.Array(ComponentSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => components.listComponents(p, { caller: requireUser(request), query: request.query }),
  )

  app.post(
    '/components',
    { schema: { tags, summary: 'Register a component; its code is allocated from the (district, class) sequence', body: CreateComponentBody, response: { 201: ComponentSchema } } },
    async (request, reply) => reply.status(201).send(await components.createComponent(p, { actor: actorOf(request), caller: requireUser(request), input: request.body })),
  )

  app.get(
    '/components/nearest',
    {
      schema: {
        tags,
        summary: 'Nearest components (of a class) within a radius of a point, closest first',
        querystring: NearestQuery,
        response: { 200: Type.Object({ items: Type.Array(NearestItem) }) },
      },
    },
    async (request) => {
      const q = request.query
      const items = await components.nearestComponents(p, {
        caller: requireUser(request),
        lng: q.lng,
        lat: q.lat,
        crs: q.crs,
        radius: q.radius,
        limit: q.limit,
        includeRetired: q.includeRetired,
        ...(q.minorClass ? { minorClasses: q.minorClass.split(',') } : {}),
      })
      return { items }
    },
  )

  app.get(
    '/components/clusters',
    { schema: { tags, summary: 'Clustered components of a map window at a zoom (single components carry their code)', querystring: ClustersQuery, response: { 200: ClustersSchema } } },
    async (request) => componentClusters(p, { caller: requireUser(request), query: request.query }),
  )

  app.get(
    '/components/stats',
    { schema: { tags, summary: 'Counts by class, status and currency in a region (or all you can see)', querystring: StatsQuery, response: { 200: StatsSchema } } },
    async (request) => components.componentStats(p, { caller: requireUser(request), ...(request.query.region ? { region: request.query.region } : {}) }),
  )

  app.get(
    '/components/export',
    { schema: { tags, summary: 'Export the filtered components as CSV, XLSX or GeoJSON (streamed)', querystring: ExportQuery } },
    async (request, reply) => {
      const out = await exportComponents(p, { caller: requireUser(request), query: request.query })
      return reply.type(out.contentType).header('content-disposition', `attachment; filename="${out.fileName}"`).send(out.stream)
    },
  )

  app.post(
    '/components/imports',
    {
      schema: {
        tags,
        summary: 'Import a CSV, XLSX or GeoJSON file (multipart field "file"; options as query or form fields); runs in the background',
        consumes: ['multipart/form-data'],
        querystring: ImportOptionsSchema,
        response: { 202: ImportSchema },
      },
    },
    async (request, reply) => {
      const caller = requireUser(request)
      if (!request.isMultipart()) throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data with a "file" field')
      const view = await receiveImport(p, { actor: actorOf(request), caller, parts: request.parts({ limits: { fileSize: IMPORT_LIMIT } }), query: request.query })
      return reply.status(202).header('location', `/api/v1/components/imports/${view.id}`).send(view)
    },
  )

  app.get(
    '/components/imports',
    { schema: { tags, summary: 'Recent imports', querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) }, { additionalProperties: false }), response: { 200: Type.Object({ items: Type.Array(ImportSchema) }) } } },
    async (request) => ({ items: await listImports(p, { caller: requireUser(request), limit: request.query.limit }) }),
  )

  app.get(
    '/components/imports/:id',
    { schema: { tags, summary: 'An import: status, progress and counts', params: ImportParams, response: { 200: ImportSchema } } },
    async (request) => getImport(p, { caller: requireUser(request), importId: request.params.id }),
  )

  app.get(
    '/components/imports/:id/errors.csv',
    { schema: { tags, summary: 'The error report of an import: CSV of row, column, value, reason', params: ImportParams } },
    async (request, reply) => {
      const caller = requireUser(request)
      await getImport(p, { caller, importId: request.params.id })
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="import-${request.params.id}-errors.csv"`)
        .send(Readable.from(errorReport(p, { caller, importId: request.params.id })))
    },
  )

  app.get(
    '/components/:code',
    { schema: { tags, summary: 'A component with its change history', params: CodeParams, querystring: CrsQuery, response: { 200: ComponentDetailSchema } } },
    async (request) => components.getComponent(p, { caller: requireUser(request), code: request.params.code, crs: request.query.crs }),
  )

  app.patch(
    '/components/:code',
    { schema: { tags, summary: 'Change a component (location, status, currency, units, photos, attributes…); history records each field', params: CodeParams, body: UpdateComponentBody, response: { 200: ComponentSchema } } },
    async (request) => components.updateComponent(p, { actor: actorOf(request), caller: requireUser(request), code: request.params.code, input: request.body }),
  )
}

/** Largest import file accepted (a million-row CSV is about 200 MB). */
export const IMPORT_LIMIT = 2 * 1024 * 1024 * 1024

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { actorOf, requireUser } from '../../platform/request-context.js'
import {
  CodeParams,
  DivideBody,
  DivideResultSchema,
  GeoJsonQuery,
  GetRegionQuery,
  ImportBody,
  ImportReportSchema,
  ListRegionsQuery,
  LocatedSchema,
  LocateQuery,
  PeopleSchema,
  PutPeopleBody,
  RegionListSchema,
  RegionSchema,
  StatsSchema,
} from './regions.schemas.js'
import * as regions from './regions.service.js'

/** GeoJSON imports of a city's communities or grids run to tens of megabytes. */
const IMPORT_BODY_LIMIT = 50 * 1024 * 1024

export const regionsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const p = app.platform
  const tags = ['regions']

  app.get('/regions', { schema: { tags, summary: 'Regions in code order (scoped; cursor paging)', querystring: ListRegionsQuery, response: { 200: RegionListSchema } } }, async (request) =>
    regions.listRegions(p, { caller: requireUser(request), ...request.query }),
  )

  app.post(
    '/regions/import',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: { tags, summary: 'Import a GeoJSON FeatureCollection of regions (dry run, validation report, all-or-nothing by default)', body: ImportBody, response: { 200: ImportReportSchema } },
    },
    async (request) => regions.importRegions(p, { actor: actorOf(request), caller: requireUser(request), input: request.body }),
  )

  app.get('/regions/:code', { schema: { tags, params: CodeParams, querystring: GetRegionQuery, response: { 200: RegionSchema } } }, async (request) =>
    regions.getRegion(p, { caller: requireUser(request), code: request.params.code, ...request.query }),
  )

  app.get(
    '/regions/:code/children',
    { schema: { tags, params: CodeParams, response: { 200: Type.Object({ items: Type.Array(RegionSchema) }) } } },
    async (request) => regions.listChildren(p, { caller: requireUser(request), code: request.params.code }),
  )

  app.get(
    '/regions/:code/geojson',
    { schema: { tags, summary: 'The region and its descendants as a GeoJSON FeatureCollection', params: CodeParams, querystring: GeoJsonQuery } },
    async (request, reply) => {
      const fc = await regions.exportGeoJson(p, { caller: requireUser(request), code: request.params.code, ...request.query })
      return reply.type('application/geo+json').send(JSON.stringify(fc))
    },
  )

  app.get('/regions/:code/stats', { schema: { tags, params: CodeParams, response: { 200: StatsSchema } } }, async (request) =>
    regions.regionStats(p, { caller: requireUser(request), code: request.params.code }),
  )

  app.post(
    '/regions/:code/divide',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: { tags, summary: 'Divide a community into unit grids: preview, or commit', params: CodeParams, body: DivideBody, response: { 200: DivideResultSchema } },
    },
    async (request) => regions.divideCommunity(p, { actor: actorOf(request), caller: requireUser(request), code: request.params.code, input: request.body }),
  )

  app.get('/locate', { schema: { tags, summary: 'The grid (and community, street, district) of a point', querystring: LocateQuery, response: { 200: LocatedSchema } } }, async (request) =>
    regions.locate(p, { caller: requireUser(request), ...request.query }),
  )

  app.get('/grids/:code/people', { schema: { tags, summary: 'Who works a grid, with history', params: CodeParams, response: { 200: PeopleSchema } } }, async (request) =>
    regions.getGridPeople(p, { caller: requireUser(request), code: request.params.code }),
  )

  app.put(
    '/grids/:code/people',
    { schema: { tags, summary: 'Set the primary person and helpers of a grid', params: CodeParams, body: PutPeopleBody, response: { 200: PeopleSchema } } },
    async (request) => regions.setGridPeople(p, { actor: actorOf(request), caller: requireUser(request), code: request.params.code, input: request.body }),
  )
}

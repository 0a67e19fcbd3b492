import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireUser } from '../../platform/request-context.js'
import { CheckPageSchema, CheckParams, CheckQuery, DatasetListQuery, DatasetListSchema } from './datasets.schemas.js'
import * as datasets from './datasets.service.js'

export const datasetsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const p = app.platform
  const tags = ['datasets']

  app.get('/datasets', { schema: { tags, summary: 'Every dataset: row count (scoped), last import, quality checks with counts, importer and exporters', querystring: DatasetListQuery, response: { 200: DatasetListSchema } } }, async (request) =>
    datasets.listDatasets(p, { caller: requireUser(request), refresh: request.query.refresh }),
  )

  app.get(
    '/datasets/:name/checks/:key',
    { schema: { tags, summary: 'The offending rows of one quality check (scoped; cursor paging in id order)', params: CheckParams, querystring: CheckQuery, response: { 200: CheckPageSchema } } },
    async (request) => datasets.listCheckRows(p, { caller: requireUser(request), ...request.params, ...request.query }),
  )
}

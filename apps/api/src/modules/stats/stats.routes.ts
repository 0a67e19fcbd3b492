import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireUser } from '../../platform/request-context.js'
import {
  CasePointsSchema,
  ClassesSchema,
  DepartmentsSchema,
  FeedQuery,
  FeedSchema,
  HotspotsSchema,
  KpisSchema,
  MapSchema,
  ParkingSchema,
  RegionsSchema,
  ScreenSchema,
  SourcesSchema,
  StatsQuery,
  TrendSchema,
} from './stats.schemas.js'
import * as stats from './stats.service.js'

/** The big screen's aggregates, scoped to the caller's regions (outside them: 404). */
export const statsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const p = app.platform
  const tags = ['stats']
  const querystring = StatsQuery

  app.get('/stats/kpis', { schema: { tags, summary: 'KPI cards: today so far against yesterday to the same time', querystring, response: { 200: KpisSchema } } }, async (request) =>
    stats.getKpis(p, { caller: requireUser(request), query: request.query }),
  )
  app.get('/stats/map', { schema: { tags, summary: 'Open and overdue cases per child region (choropleth)', querystring, response: { 200: MapSchema } } }, async (request) =>
    stats.getMap(p, { caller: requireUser(request), query: request.query }),
  )
  app.get('/stats/case-points', { schema: { tags, summary: 'Open cases of the region, newest first (map points)', querystring, response: { 200: CasePointsSchema } } }, async (request) =>
    stats.getCasePoints(p, { caller: requireUser(request), query: request.query }),
  )
  app.get('/stats/classes', { schema: { tags, summary: 'Reports and closings per class', querystring, response: { 200: ClassesSchema } } }, async (request) =>
    stats.getClasses(p, { caller: requireUser(request), query: request.query }),
  )
  app.get('/stats/trend', { schema: { tags, summary: 'Reports and closings per day', querystring, response: { 200: TrendSchema } } }, async (request) =>
    stats.getTrend(p, { caller: requireUser(request), query: request.query }),
  )
  app.get('/stats/sources', { schema: { tags, summary: 'Reports per source', querystring, response: { 200: SourcesSchema } } }, async (request) =>
    stats.getSources(p, { caller: requireUser(request), query: request.query }),
  )
  app.get('/stats/departments', { schema: { tags, summary: 'Departments by on-time handling', querystring, response: { 200: DepartmentsSchema } } }, async (request) =>
    stats.getDepartments(p, { caller: requireUser(request), query: request.query }),
  )
  app.get('/stats/regions', { schema: { tags, summary: 'Child regions by reports', querystring, response: { 200: RegionsSchema } } }, async (request) =>
    stats.getRegionRanking(p, { caller: requireUser(request), query: request.query }),
  )
  app.get('/stats/hotspots', { schema: { tags, summary: 'Grids with the most reports in the last days', querystring, response: { 200: HotspotsSchema } } }, async (request) =>
    stats.getHotspots(p, { caller: requireUser(request), query: request.query }),
  )
  app.get('/stats/parking', { schema: { tags, summary: 'Parking occupancy of the region', querystring, response: { 200: ParkingSchema } } }, async (request) =>
    stats.getParking(p, { caller: requireUser(request), query: request.query }),
  )
  app.get('/stats/feed', { schema: { tags, summary: "The latest case events in the region, newest first (the live feed's first fill)", querystring: FeedQuery, response: { 200: FeedSchema } } }, async (request) =>
    stats.getFeed(p, { caller: requireUser(request), query: request.query }),
  )
  app.get('/stats/screen', { schema: { tags, summary: 'Every panel of the big screen in one round trip', querystring, response: { 200: ScreenSchema } } }, async (request) =>
    stats.getScreen(p, { caller: requireUser(request), query: request.query }),
  )
}

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { actorOf, requireUser } from '../../platform/request-context.js'
import * as gates from './gates.service.js'
import * as lots from './lots.service.js'
import * as occupancy from './occupancy.service.js'
import {
  BanSchema,
  CancelResultSchema,
  CreateLotBody,
  CreateSpacesBody,
  ForecastSchema,
  GateDecisionBody,
  GateEventBody,
  GateEventSchema,
  GateResultSchema,
  HistoryQuery,
  HistorySchema,
  IdParams,
  ListGateEventsQuery,
  ListLotsQuery,
  ListReservationsQuery,
  ListSessionsQuery,
  LotSchema,
  OccupancySchema,
  PermitBody,
  PermitSchema,
  QuoteSchema,
  ReservationBody,
  ReservationSchema,
  ReviewSessionBody,
  SessionSchema,
  ShareSpaceBody,
  SpaceSchema,
  StatementQuery,
  StatementSchema,
  UpdateLotBody,
  UpdateSpaceBody,
  ViolationBody,
  ViolationResultSchema,
  WindowQuery,
  WithdrawBody,
} from './parking.schemas.js'
import * as reservations from './reservations.service.js'
import * as violations from './violations.service.js'

const tags = ['parking']
const page = <T extends Parameters<typeof Type.Array>[0]>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) })
const list = <T extends Parameters<typeof Type.Array>[0]>(item: T) => Type.Object({ items: Type.Array(item) })

export const parkingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const p = app.platform

  // Lots and spaces

  app.post('/parking/lots', { schema: { tags, summary: 'Create a lot (location resolved to its grid)', body: CreateLotBody, response: { 201: LotSchema } } }, async (request, reply) =>
    reply.status(201).send(await lots.createLot(p, { actor: actorOf(request), caller: requireUser(request), input: request.body })),
  )

  app.get('/parking/lots', { schema: { tags, summary: 'Lots by region/type, or near a point (lng, lat, radiusM)', querystring: ListLotsQuery, response: { 200: page(LotSchema) } } }, async (request) =>
    lots.listLots(p, { caller: requireUser(request), ...request.query }),
  )

  app.get('/parking/lots/:id', { schema: { tags, params: IdParams, response: { 200: LotSchema } } }, async (request) => lots.getLot(p, { caller: requireUser(request), lotId: request.params.id }))

  app.patch('/parking/lots/:id', { schema: { tags, summary: 'Change a lot (version required)', params: IdParams, body: UpdateLotBody, response: { 200: LotSchema } } }, async (request) =>
    lots.updateLot(p, { actor: actorOf(request), caller: requireUser(request), lotId: request.params.id, input: request.body }),
  )

  app.get('/parking/lots/:id/spaces', { schema: { tags, params: IdParams, response: { 200: list(SpaceSchema) } } }, async (request) => ({
    items: await lots.listSpaces(p, { caller: requireUser(request), lotId: request.params.id }),
  }))

  app.post('/parking/lots/:id/spaces', { schema: { tags, summary: 'Add spaces (give ownerId for a private space)', params: IdParams, body: CreateSpacesBody, response: { 201: list(SpaceSchema) } } }, async (request, reply) =>
    reply.status(201).send({ items: await lots.addSpaces(p, { actor: actorOf(request), caller: requireUser(request), lotId: request.params.id, spaces: request.body.spaces }) }),
  )

  app.get('/parking/lots/:id/free-spaces', { schema: { tags, summary: 'Spaces free for a whole window', params: IdParams, querystring: WindowQuery, response: { 200: list(SpaceSchema) } } }, async (request) => ({
    items: await lots.freeSpaces(p, { caller: requireUser(request), lotId: request.params.id, ...request.query }),
  }))

  app.get('/parking/spaces/:id', { schema: { tags, params: IdParams, response: { 200: SpaceSchema } } }, async (request) => lots.getSpace(p, { caller: requireUser(request), spaceId: request.params.id }))

  app.patch('/parking/spaces/:id', { schema: { tags, params: IdParams, body: UpdateSpaceBody, response: { 200: SpaceSchema } } }, async (request) =>
    lots.updateSpace(p, { actor: actorOf(request), caller: requireUser(request), spaceId: request.params.id, input: request.body }),
  )

  app.put('/parking/spaces/:id/sharing', { schema: { tags, summary: 'The owner publishes availability and a price', params: IdParams, body: ShareSpaceBody, response: { 200: SpaceSchema } } }, async (request) =>
    lots.shareSpace(p, { actor: actorOf(request), caller: requireUser(request), spaceId: request.params.id, input: request.body }),
  )

  app.post(
    '/parking/spaces/:id/withdraw',
    { schema: { tags, summary: 'The owner withdraws future availability; existing bookings are honoured', params: IdParams, body: WithdrawBody, response: { 200: Type.Object({ space: SpaceSchema, honouredBookings: Type.Integer() }) } } },
    async (request) => lots.withdrawSpace(p, { actor: actorOf(request), caller: requireUser(request), spaceId: request.params.id, ...(request.body.from ? { from: request.body.from } : {}) }),
  )

  app.get(
    '/parking/spaces/:id/calendar',
    { schema: { tags, summary: 'Free intervals of a space', params: IdParams, querystring: WindowQuery, response: { 200: Type.Object({ spaceId: Type.String(), free: Type.Array(Type.Object({ start: Type.String(), end: Type.String() })) }) } } },
    async (request) => lots.spaceCalendar(p, { caller: requireUser(request), spaceId: request.params.id, from: request.query.from, to: request.query.to }),
  )

  // Reservations

  app.post('/parking/quotes', { schema: { tags, summary: 'Price a booking before making it', body: ReservationBody, response: { 200: QuoteSchema } } }, async (request) =>
    reservations.quoteReservation(p, { caller: requireUser(request), input: request.body }),
  )

  app.post(
    '/parking/reservations',
    {
      schema: {
        tags,
        summary: 'Book a space or any space of a lot (Idempotency-Key honoured)',
        body: ReservationBody,
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 200 })) }),
        response: { 201: ReservationSchema },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key']
      const r = await reservations.createReservation(p, { actor: actorOf(request), caller: requireUser(request), input: request.body, ...(typeof key === 'string' ? { idempotencyKey: key } : {}) })
      if (r.replayed) reply.header('idempotent-replayed', 'true')
      return reply.status(r.statusCode as 201).send(r.body)
    },
  )

  app.get('/parking/reservations', { schema: { tags, summary: 'My bookings, or (operators) every booking of a lot', querystring: ListReservationsQuery, response: { 200: page(ReservationSchema) } } }, async (request) =>
    reservations.listReservations(p, { caller: requireUser(request), ...request.query }),
  )

  app.get('/parking/reservations/:id', { schema: { tags, params: IdParams, response: { 200: ReservationSchema } } }, async (request) =>
    reservations.getReservation(p, { caller: requireUser(request), reservationId: request.params.id }),
  )

  app.post('/parking/reservations/:id/cancel', { schema: { tags, summary: 'Cancel; the answer says the fee kept and the refund', params: IdParams, response: { 200: CancelResultSchema } } }, async (request) =>
    reservations.cancelReservation(p, { actor: actorOf(request), caller: requireUser(request), reservationId: request.params.id }),
  )

  // Gates and sessions

  app.post('/parking/gate-events', { schema: { tags, summary: 'A plate-camera reading at a gate; answers open, refuse or review', body: GateEventBody, response: { 200: GateResultSchema } } }, async (request) =>
    gates.recordGateEvent(p, { actor: actorOf(request), caller: requireUser(request), input: request.body }),
  )

  app.post(
    '/parking/gate-events/:id/decision',
    { schema: { tags, summary: 'The manual path: staff decide a reading sent to review', params: IdParams, body: GateDecisionBody, response: { 200: Type.Object({ eventId: Type.String(), action: Type.String(), sessionId: Type.Union([Type.String(), Type.Null()]) }) } } },
    async (request) => gates.decideGateEvent(p, { actor: actorOf(request), caller: requireUser(request), eventId: request.params.id, ...request.body }),
  )

  app.get('/parking/lots/:id/gate-events', { schema: { tags, params: IdParams, querystring: ListGateEventsQuery, response: { 200: page(GateEventSchema) } } }, async (request) =>
    gates.listGateEvents(p, { caller: requireUser(request), lotId: request.params.id, ...request.query }),
  )

  app.get('/parking/lots/:id/sessions', { schema: { tags, summary: 'Sessions of a lot (review=true: the review queue)', params: IdParams, querystring: ListSessionsQuery, response: { 200: page(SessionSchema) } } }, async (request) =>
    gates.listSessions(p, { caller: requireUser(request), lotId: request.params.id, ...request.query }),
  )

  app.get('/parking/sessions/:id', { schema: { tags, params: IdParams, response: { 200: SessionSchema } } }, async (request) => gates.getSession(p, { caller: requireUser(request), sessionId: request.params.id }))

  app.post('/parking/sessions/:id/review', { schema: { tags, summary: 'Decide a flagged session: close, confirm, adjust or void', params: IdParams, body: ReviewSessionBody, response: { 200: SessionSchema } } }, async (request) =>
    gates.reviewSession(p, { actor: actorOf(request), caller: requireUser(request), sessionId: request.params.id, input: request.body }),
  )

  // Permits and bans

  app.post('/parking/permits', { schema: { tags, summary: 'Issue a monthly or accessible permit for a plate', body: PermitBody, response: { 201: PermitSchema } } }, async (request, reply) =>
    reply.status(201).send(await lots.issuePermit(p, { actor: actorOf(request), caller: requireUser(request), input: request.body })),
  )

  app.get('/parking/lots/:id/permits', { schema: { tags, params: IdParams, response: { 200: list(PermitSchema) } } }, async (request) => ({
    items: await lots.listPermits(p, { caller: requireUser(request), lotId: request.params.id }),
  }))

  app.post('/parking/permits/:id/revoke', { schema: { tags, params: IdParams, response: { 200: PermitSchema } } }, async (request) =>
    lots.revokePermit(p, { actor: actorOf(request), caller: requireUser(request), permitId: request.params.id }),
  )

  app.get('/parking/bans', { schema: { tags, summary: 'Booking bans in force (operators)', response: { 200: list(BanSchema) } } }, async (request) => ({
    items: await lots.listBans(p, { caller: requireUser(request), mine: false }),
  }))

  app.post('/parking/bans/:id/lift', { schema: { tags, params: IdParams, response: { 200: BanSchema } } }, async (request) =>
    lots.liftBan(p, { actor: actorOf(request), caller: requireUser(request), banId: request.params.id }),
  )

  // Illegal parking → case (issue #6 linkage)

  app.post(
    '/parking/violations',
    {
      schema: {
        tags,
        summary: 'Turn illegal parking at a lot (fire lane, blocking) into a case of the illegal-parking event class in the lot\'s grid, with plate and snapshot',
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 200 })) }),
        body: ViolationBody,
        response: { 201: ViolationResultSchema },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key']
      const r = await violations.reportViolation(p, { actor: actorOf(request), caller: requireUser(request), input: request.body, ...(key ? { idempotencyKey: key } : {}) })
      if (r.replayed) reply.header('idempotent-replayed', 'true')
      return reply.status(201).send(r.body)
    },
  )

  // Occupancy and statements

  app.get('/parking/lots/:id/occupancy', { schema: { tags, summary: 'Live free/occupied and today’s forecast', params: IdParams, response: { 200: ForecastSchema } } }, async (request) =>
    occupancy.lotOccupancy(p, { caller: requireUser(request), lotId: request.params.id }),
  )

  app.get(
    '/parking/occupancy',
    {
      schema: {
        tags,
        summary: 'Live occupancy of the lots in your regions (big screen)',
        querystring: Type.Object({ regionCode: Type.Optional(Type.String({ pattern: '^[0-9]{6}([0-9]{3}){0,3}$' })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ at: Type.String(), totals: Type.Object({ lots: Type.Integer(), capacity: Type.Integer(), occupied: Type.Integer(), reserved: Type.Integer(), free: Type.Integer() }), items: Type.Array(OccupancySchema) }) },
      },
    },
    async (request) => occupancy.regionOccupancy(p, { caller: requireUser(request), ...request.query }),
  )

  app.get('/parking/lots/:id/occupancy/history', { schema: { tags, summary: 'Hourly statistics', params: IdParams, querystring: HistoryQuery, response: { 200: HistorySchema } } }, async (request) =>
    occupancy.occupancyHistory(p, { caller: requireUser(request), lotId: request.params.id, ...request.query }),
  )

  app.get('/parking/lots/:id/statement', { schema: { tags, summary: 'The ledger of a lot with its shares', params: IdParams, querystring: StatementQuery, response: { 200: StatementSchema } } }, async (request) =>
    occupancy.lotStatement(p, { caller: requireUser(request), lotId: request.params.id, ...request.query }),
  )

  // The resident's own

  app.get('/parking/me/spaces', { schema: { tags, summary: 'Private spaces I own', response: { 200: list(SpaceSchema) } } }, async (request) => ({
    items: await lots.mySpaces(p, { caller: requireUser(request) }),
  }))

  app.get(
    '/parking/me/space-bookings',
    { schema: { tags, summary: 'Bookings of my shared spaces (plates masked)', querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }), cursor: Type.Optional(Type.String({ maxLength: 200 })) }), response: { 200: page(ReservationSchema) } } },
    async (request) => reservations.bookingsOfMySpaces(p, { caller: requireUser(request), ...request.query }),
  )

  app.get('/parking/me/earnings', { schema: { tags, summary: 'What my shared spaces earned', querystring: StatementQuery, response: { 200: StatementSchema } } }, async (request) =>
    occupancy.myEarnings(p, { caller: requireUser(request), ...request.query }),
  )

  app.get('/parking/me/bans', { schema: { tags, response: { 200: list(BanSchema) } } }, async (request) => ({ items: await lots.listBans(p, { caller: requireUser(request), mine: true }) }))
}

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { appendAudit } from '../../platform/audit.js'
import { runIdempotent } from '../../platform/idempotency.js'
import { actorOf, requireUser } from '../../platform/request-context.js'
import { forgetWorkCalendar, workCalendar } from './case-calendar.js'
import { CASE_SETTINGS_CHANGED } from './case-catalog.js'
import { validateClassLimits } from './case-limits.js'
import { casesPolicy } from './cases.policy.js'
import { casesRepository as repo } from './cases.repository.js'
import {
  CalendarDayBody,
  CaseActionBody,
  CaseActionParams,
  CaseEventSchema,
  CaseSchema,
  ClassSettingsBody,
  CreateCaseBody,
  DispatchRuleBody,
  DuplicateSchema,
  ExportCasesQuery,
  ListCasesQuery,
  PhotoCheckSchema,
} from './cases.schemas.js'
import { actOnCase, exportCases, findDuplicates, getCase, listCaseNotifications, listCases, prepareReport, submitReport, unmaskReporter } from './cases.service.js'
import { invalid } from '../../platform/errors.js'

const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ maxLength: 200, description: 'retries with the same key return the first result and change nothing' })),
})
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) })
const CALENDAR_CHANGED = 'cases.calendarChanged'

export const casesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const p = app.platform
  const idempotent = { db: p.db, bus: p.bus }
  p.bus.subscribe((e) => e.type === CALENDAR_CHANGED && forgetWorkCalendar(p))

  app.post(
    '/cases',
    {
      schema: {
        tags: ['cases'],
        summary: 'Report a case (上报) from any source; located to its grid, numbered, with duplicate proposals',
        headers: IdempotencyHeaders,
        body: CreateCaseBody,
        response: { 201: Type.Object({ case: CaseSchema, duplicates: Type.Array(DuplicateSchema) }) },
      },
    },
    async (request, reply) => {
      const caller = requireUser(request)
      const context = await prepareReport(p, { caller, input: request.body })
      // Group commit: written together with the other reports of the same few milliseconds.
      const r = await submitReport(p, { actor: actorOf(request), caller, input: request.body, context, idempotencyKey: request.headers['idempotency-key'] })
      if (r.replayed) reply.header('idempotent-replayed', 'true')
      return reply.status(201).send(r.body)
    },
  )

  app.get(
    '/cases',
    {
      schema: {
        tags: ['cases'],
        summary: 'Cases in your scope: view=tasks (what waits for you, overdue first) or all (newest first)',
        querystring: ListCasesQuery,
        response: { 200: Type.Object({ items: Type.Array(CaseSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => listCases(p, { caller: requireUser(request), query: request.query }),
  )

  app.get(
    '/cases/export',
    {
      schema: {
        tags: ['cases'],
        summary: 'The filtered case list as CSV or XLSX (streamed)',
        querystring: ExportCasesQuery,
      },
    },
    async (request, reply) => {
      const { format, ...query } = request.query
      const out = exportCases(p, { caller: requireUser(request), query: { ...query, limit: 200 }, format })
      const stamp = p.clock.now().toISOString().slice(0, 10)
      return reply.type(out.contentType).header('content-disposition', `attachment; filename="cases-${stamp}.${format}"`).send(out.stream)
    },
  )

  app.get(
    '/cases/notifications',
    {
      schema: {
        tags: ['cases'],
        summary: 'Yellow and red notices of cases in your scope, newest first',
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) }),
      },
    },
    async (request) => ({ items: await listCaseNotifications(p, { caller: requireUser(request), limit: request.query.limit }) }),
  )

  app.get(
    '/cases/:id',
    {
      schema: {
        tags: ['cases'],
        summary: 'A case with its timeline and what its photos’ EXIF says (flagged when taken > 3 km away or > 24 h before)',
        params: IdParams,
        response: { 200: Type.Object({ case: CaseSchema, timeline: Type.Array(CaseEventSchema), photoChecks: Type.Array(PhotoCheckSchema) }) },
      },
    },
    async (request) => getCase(p, { caller: requireUser(request), caseId: request.params.id }),
  )

  app.get(
    '/cases/:id/duplicates',
    { schema: { tags: ['cases'], summary: 'Open cases of the same class within 50 m and 72 h', params: IdParams, response: { 200: Type.Object({ items: Type.Array(DuplicateSchema) }) } } },
    async (request) => ({ items: await findDuplicates(p, { caller: requireUser(request), caseId: request.params.id }) }),
  )

  app.post(
    '/cases/:id/personal-data',
    {
      schema: {
        tags: ['cases'],
        summary: "The reporter's name and phone in clear (permission and purpose required; audited)",
        params: IdParams,
        body: Type.Object({ purpose: Type.String({ minLength: 4, maxLength: 500 }) }, { additionalProperties: false }),
      },
    },
    async (request) => unmaskReporter(p, { actor: actorOf(request), caller: requireUser(request), caseId: request.params.id, purpose: request.body.purpose }),
  )

  app.post(
    '/cases/:id/:action',
    {
      schema: {
        tags: ['cases'],
        summary: 'A workflow action (register, dispatch, handled, check, close, rework, return, extendRequest, suspend, merge, reopen …)',
        params: CaseActionParams,
        headers: IdempotencyHeaders,
        body: CaseActionBody,
        response: { 200: CaseSchema },
      },
    },
    async (request, reply) => {
      const caller = requireUser(request)
      const { id, action } = request.params
      const calendar = await workCalendar(p)
      const r = await runIdempotent(
        idempotent,
        { userId: caller.id, key: request.headers['idempotency-key'], request: { id, action, body: request.body }, statusCode: 200 },
        (tx) => actOnCase(p, tx, { actor: actorOf(request), caller, caseId: id, action, input: request.body, calendar }),
      )
      if (r.replayed) reply.header('idempotent-replayed', 'true')
      return reply.status(200).send(r.body)
    },
  )

  // Settings: limits per class, dispatch rules, the working calendar (admin).

  const ClassParams = Type.Object({ classKind: Type.Union([Type.Literal('event'), Type.Literal('component')]), minorClass: Type.String({ pattern: '^[0-9]{4}$' }) })

  app.put(
    '/case-settings/:classKind/:minorClass',
    { schema: { tags: ['cases'], summary: 'Stage limits, urgency, closing standard and default department of a class', params: ClassParams, body: ClassSettingsBody } },
    async (request) => {
      const caller = requireUser(request)
      casesPolicy.assert(caller, 'cases.settings')
      const errors = validateClassLimits({ ...request.body.limits, urgency: request.body.urgency, closingStandard: request.body.closingStandard })
      if (errors.length) throw invalid(errors)
      const { classKind, minorClass } = request.params
      const saved = await p.db.transaction().execute(async (tx) => {
        const { limits, urgency, closingStandard } = request.body
        const row = await repo.upsertClassSettings(tx, { classKind, minorClass, limits, urgency, closingStandard, defaultDepartmentId: request.body.defaultDepartmentId ?? null })
        await appendAudit(tx, actorOf(request), { action: 'caseSettings.update', entityType: 'caseClassSettings', entityId: `${classKind}:${minorClass}`, after: row })
        return row
      })
      await p.bus.publish({ type: CASE_SETTINGS_CHANGED, data: { classKind, minorClass } })
      return saved
    },
  )

  app.get('/case-settings/:classKind/:minorClass', { schema: { tags: ['cases'], params: ClassParams } }, async (request) => {
    casesPolicy.assert(requireUser(request), 'cases.read')
    return (await repo.classSettings(p.db, request.params.classKind, request.params.minorClass)) ?? null
  })

  app.get('/dispatch-rules', { schema: { tags: ['cases'], summary: 'Auto-dispatch rules (class × region → department)' } }, async (request) => {
    casesPolicy.assert(requireUser(request), 'cases.settings')
    return { items: await repo.listDispatchRules(p.db) }
  })

  app.post('/dispatch-rules', { schema: { tags: ['cases'], body: DispatchRuleBody } }, async (request, reply) => {
    casesPolicy.assert(requireUser(request), 'cases.settings')
    const b = request.body
    if (b.minorClass && !b.classKind) throw invalid([{ field: 'classKind', reason: 'required with minorClass' }])
    const row = await p.db.transaction().execute(async (tx) => {
      const r = await repo.insertDispatchRule(tx, { classKind: b.classKind ?? null, minorClass: b.minorClass ?? null, regionCode: b.regionCode ?? null, departmentId: b.departmentId, priority: b.priority ?? 0 })
      await appendAudit(tx, actorOf(request), { action: 'dispatchRule.create', entityType: 'dispatchRule', entityId: r.id, after: r })
      return r
    })
    await p.bus.publish({ type: CASE_SETTINGS_CHANGED, data: { dispatchRule: row.id } })
    return reply.status(201).send(row)
  })

  app.get('/work-calendar/days', { schema: { tags: ['cases'], summary: 'Holidays and make-up working days (调休) of the deployment' } }, async (request) => {
    requireUser(request)
    await workCalendar(p)
    return { items: await repo.calendarDays(p.db) }
  })

  const DayParams = Type.Object({ day: Type.String({ format: 'date' }) })
  app.put('/work-calendar/days/:day', { schema: { tags: ['cases'], params: DayParams, body: CalendarDayBody } }, async (request) => {
    casesPolicy.assert(requireUser(request), 'cases.settings')
    await workCalendar(p)
    await p.db.transaction().execute(async (tx) => {
      await repo.upsertCalendarDay(tx, { day: request.params.day, ...request.body })
      await appendAudit(tx, actorOf(request), { action: 'workCalendar.set', entityType: 'workCalendarDay', entityId: request.params.day, after: request.body })
    })
    await p.bus.publish({ type: CALENDAR_CHANGED, data: { day: request.params.day } })
    return { day: request.params.day, ...request.body }
  })

  app.delete('/work-calendar/days/:day', { schema: { tags: ['cases'], params: DayParams } }, async (request, reply) => {
    casesPolicy.assert(requireUser(request), 'cases.settings')
    await p.db.transaction().execute(async (tx) => {
      await repo.deleteCalendarDay(tx, request.params.day)
      await appendAudit(tx, actorOf(request), { action: 'workCalendar.delete', entityType: 'workCalendarDay', entityId: request.params.day })
    })
    await p.bus.publish({ type: CALENDAR_CHANGED, data: { day: request.params.day } })
    return reply.status(204).send()
  })
}

import type { FastifyError, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { DomainError, ERROR_CODES, type ErrorCode, type FieldError } from './errors.js'

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: ErrorCode
  requestId: string
  errors?: FieldError[]
  [key: string]: unknown
}

const PROBLEM_BASE = 'https://civicgrid.dev/problems/'

function problemOf(code: ErrorCode, detail: string, requestId: string, extra: Record<string, unknown> = {}): Problem {
  const { status, title } = ERROR_CODES[code]
  return { type: PROBLEM_BASE + code.toLowerCase().replaceAll('_', '-'), title, status, detail, code, requestId, ...extra }
}

/** Ajv's instancePath (/a/0/b) or missingProperty → a dotted field name (a.0.b). */
function fieldErrors(error: FastifyError): FieldError[] {
  return (error.validation ?? []).map((v) => {
    const params = v.params as Record<string, unknown>
    const base = v.instancePath.replace(/^\//, '').replaceAll('/', '.')
    const prop = (params.missingProperty ?? params.additionalProperty) as string | undefined
    const field = [error.validationContext === 'body' ? '' : error.validationContext, base, prop]
      .filter(Boolean)
      .join('.')
    const reason = params.additionalProperty ? `unknown property ${String(params.additionalProperty)}` : (v.message ?? 'invalid')
    return { field: field || (error.validationContext ?? 'request'), reason }
  })
}

/** Every failure leaves as RFC 9457 problem+json; unknown errors become a 500 without internals. */
export const errorPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError | DomainError, request, reply) => {
    let problem: Problem
    if (error instanceof DomainError) {
      problem = problemOf(error.code, error.message, request.id, error.extra)
    } else if ((error as FastifyError).validation) {
      const errors = fieldErrors(error as FastifyError)
      problem = problemOf('VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), request.id, { errors })
    } else {
      const fe = error as FastifyError
      const status = fe.statusCode ?? 500
      if (status === 413 || fe.code === 'FST_REQ_FILE_TOO_LARGE' || fe.code === 'FST_FILES_LIMIT') {
        problem = problemOf('PAYLOAD_TOO_LARGE', fe.message, request.id)
      } else if (status === 415) {
        problem = problemOf('UNSUPPORTED_MEDIA_TYPE', fe.message, request.id)
      } else if (status === 429) {
        problem = problemOf('RATE_LIMITED', fe.message, request.id)
      } else if (status >= 400 && status < 500) {
        problem = { ...problemOf('BAD_REQUEST', fe.message, request.id), status }
      } else {
        request.log.error({ err: error }, 'unhandled error')
        problem = problemOf('INTERNAL', `Unexpected error; quote request id ${request.id} when reporting it`, request.id)
      }
    }
    if (problem.status >= 500 && error instanceof DomainError) request.log.error({ err: error }, error.message)
    return reply.status(problem.status).type('application/problem+json').send(problem)
  })

  app.setNotFoundHandler((request, reply) => {
    const problem = problemOf('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`, request.id)
    return reply.status(404).type('application/problem+json').send(problem)
  })
})

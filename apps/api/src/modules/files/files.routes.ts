import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { DomainError } from '../../platform/errors.js'
import { actorOf, requireUser } from '../../platform/request-context.js'
import { openFile, openThumbnail, uploadFile } from './files.service.js'

const StoredFile = Type.Object({ sha256: Type.String(), size: Type.Integer(), contentType: Type.String(), url: Type.String() })

export const filesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const p = app.platform

  app.post(
    '/files',
    {
      schema: {
        tags: ['files'],
        summary: 'Upload one file (multipart field "file"): JPEG, PNG, WebP, HEIC or PDF, checked by content',
        consumes: ['multipart/form-data'],
        response: { 201: StoredFile },
      },
    },
    async (request, reply) => {
      const caller = requireUser(request)
      if (!request.isMultipart()) throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data with a "file" field')
      const part = await request.file()
      if (!part || part.fieldname !== 'file') throw new DomainError('VALIDATION_FAILED', 'Missing "file" field', { errors: [{ field: 'file', reason: 'required' }] })
      const stored = await uploadFile(p, { actor: actorOf(request), caller, stream: part.file, filename: part.filename || null })
      return reply.status(201).send(stored)
    },
  )

  app.get(
    '/files/:sha256/thumbnail',
    { schema: { tags: ['files'], summary: 'A 320 px JPEG thumbnail of a photo', params: Type.Object({ sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) }) } },
    async (request, reply) => {
      requireUser(request)
      const thumb = await openThumbnail(p, { sha256: request.params.sha256 })
      return reply.type(thumb.contentType).header('cache-control', 'private, max-age=31536000, immutable').send(thumb.stream)
    },
  )

  app.get(
    '/files/:sha256',
    { schema: { tags: ['files'], summary: 'Download a stored file', params: Type.Object({ sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) }) } },
    async (request, reply) => {
      requireUser(request)
      const file = await openFile(p, { sha256: request.params.sha256 })
      return reply
        .type(file.contentType)
        .header('content-length', file.size)
        .header('cache-control', 'private, max-age=31536000, immutable')
        .send(file.stream)
    },
  )
}

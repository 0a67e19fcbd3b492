import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import cookie from '@fastify/cookie'
import multipart from '@fastify/multipart'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance } from 'fastify'
import helmet from 'helmet'
import type { Config } from './config.js'
import { systemClock, type Clock } from './platform/clock.js'
import { openDatabase, type Database } from './platform/db/database.js'
import { migrate } from './platform/db/migrate.js'
import { errorPlugin } from './platform/error-plugin.js'
import { notFound } from './platform/errors.js'
import { EventBus } from './platform/events.js'
import { LocalBlobStore } from './platform/files.js'
import { analyzeChangedTables } from './platform/db/analyze.js'
import { purgeIdempotencyKeys } from './platform/idempotency.js'
import { JobRunner } from './platform/jobs.js'
import { createPersonalDataCipher } from './platform/personal-data.js'
import type { Platform } from './platform/platform.js'
import { auditModule } from './modules/audit/index.js'
import { casesModule } from './modules/cases/index.js'
import { classesModule } from './modules/classes/index.js'
import { componentsModule } from './modules/components/index.js'
import { datasetsModule } from './modules/datasets/index.js'
import { filesModule } from './modules/files/index.js'
import { authenticationPlugin, identityModule } from './modules/identity/index.js'
import { parkingModule } from './modules/parking/index.js'
import { regionsModule } from './modules/regions/index.js'
import { simulatorModule } from './modules/simulator/index.js'
import { statsModule } from './modules/stats/index.js'
import { systemModule } from './modules/system/index.js'

export interface BuildOptions {
  config: Config
  /** An already open database (tests share one per file); otherwise opened from config and closed with the app. */
  database?: Database
  clock?: Clock
  /** Override for tests that want a quiet or captured log. */
  logger?: boolean | object
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/

/** Build the application: platform services, then every module under /api/v1. */
export async function buildApp(opts: BuildOptions): Promise<FastifyInstance> {
  const { config } = opts
  const app = Fastify({
    logger: opts.logger ?? {
      level: config.logLevel,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.password', '*.phone', '*.idNumber', '*.token'],
        censor: '[redacted]',
      },
    },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    requestIdHeader: 'x-request-id',
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
    },
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<TypeBoxTypeProvider>()

  const ownsDatabase = !opts.database
  const database =
    opts.database ??
    (await openDatabase(config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dataDir: config.dataDir }))
  await migrate(database)

  const clock = opts.clock ?? systemClock
  const bus = new EventBus(database)
  await bus.start()
  const platform: Platform = {
    config,
    database,
    db: database.db,
    clock,
    bus,
    jobs: new JobRunner(database.db, clock, app.log),
    blobs: new LocalBlobStore(join(config.dataDir, 'files')),
    pii: createPersonalDataCipher(config.secretKey, config.previousSecretKeys),
    log: app.log,
  }
  app.decorate('platform', platform)
  // Retries come within minutes; a day of Idempotency-Key records is plenty.
  platform.jobs.every('idempotency.purge', 3_600_000, ({ now, db }) => purgeIdempotencyKeys(db, new Date(now.getTime() - 86_400_000)).then(() => {}))
  // PGlite has no autovacuum daemon: keep the planner statistics of growing tables current.
  if (database.kind === 'pglite') platform.jobs.every('db.analyze', 60_000, ({ db }) => analyzeChangedTables(db).then(() => {}))
  app.decorateRequest('user', null)

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })
  app.addHook('onClose', async () => {
    await platform.jobs.stop()
    await bus.stop()
    if (ownsDatabase) await database.close()
  })

  await app.register(errorPlugin)
  // Security headers, the same on every response. Built once: the Fastify plugin rebuilt helmet's
  // middleware (and re-parsed the CSP) on every request, ~3 % of a case intake's CPU.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Ant Design and ECharts set inline styles at run time.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        workerSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    strictTransportSecurity: config.trustProxy,
  })
  app.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (err) => done(err as Error | undefined)))
  await app.register(cookie, { secret: config.secretKey })
  // One byte over the limit reaches the blob store, which then refuses the file before anything is recorded.
  await app.register(multipart, { limits: { fileSize: config.uploadLimit + 1, files: 10, fields: 20 }, throwFileSizeLimit: false })
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'civicgrid API', version: '0.1.0', description: 'Grid-based urban and community governance (网格化管理).' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'cg_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: false })
  app.get('/api/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger())

  await app.register(authenticationPlugin)
  await app.register(systemModule)
  await app.register(identityModule, { prefix: '/api/v1' })
  await app.register(auditModule, { prefix: '/api/v1' })
  await app.register(filesModule, { prefix: '/api/v1' })
  await app.register(regionsModule, { prefix: '/api/v1' })
  await app.register(parkingModule, { prefix: '/api/v1' })
  await app.register(classesModule, { prefix: '/api/v1' })
  await app.register(componentsModule, { prefix: '/api/v1' })
  await app.register(casesModule, { prefix: '/api/v1' })
  await app.register(simulatorModule, { prefix: '/api/v1' })
  await app.register(statsModule, { prefix: '/api/v1' })
  await app.register(datasetsModule, { prefix: '/api/v1' })

  await registerWeb(app, config.webDist)
  await platform.jobs.register()
  return app
}

/** Serve the built console; unknown non-API GETs get index.html so client-side routes load. */
async function registerWeb(app: FastifyInstance, dist: string) {
  if (!existsSync(join(dist, 'index.html'))) return
  await app.register(fastifyStatic, { root: dist, wildcard: false, index: ['index.html'] })
  app.get('/*', { schema: { hide: true }, config: { public: true } }, async (request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    if (path.startsWith('/api/') || path.includes('.')) throw notFound(`Route ${path}`)
    return reply.type('text/html').sendFile('index.html')
  })
}

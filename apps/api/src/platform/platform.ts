import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.js'
import type { Clock } from './clock.js'
import type { Database, Db } from './db/database.js'
import type { EventBus } from './events.js'
import type { BlobStore } from './files.js'
import type { JobRunner } from './jobs.js'
import type { PersonalDataCipher } from './personal-data.js'
import type { AuthUser } from './access.js'

/** The shared services every module receives (ports, in the hexagonal sense). */
export interface Platform {
  config: Config
  database: Database
  db: Db
  clock: Clock
  bus: EventBus
  jobs: JobRunner
  blobs: BlobStore
  pii: PersonalDataCipher
  log: FastifyBaseLogger
}

declare module 'fastify' {
  interface FastifyInstance {
    platform: Platform
  }
  interface FastifyRequest {
    /** The caller, resolved from the session cookie or a Bearer token; null when anonymous. */
    user: AuthUser | null
  }
  interface FastifyContextConfig {
    /** Route is reachable without signing in. */
    public?: boolean
  }
}

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { buildApp } from '../app.js'
import { loadConfig, type Config } from '../config.js'
import type { Role } from '../platform/access.js'
import { SYSTEM_ACTOR } from '../platform/audit.js'
import type { Clock } from '../platform/clock.js'
import type { Database } from '../platform/db/database.js'
import { createUser } from '../modules/identity/index.js'
import { openTestDatabase } from './test-db.js'

export const TEST_PASSWORD = 'test-password-1'

export interface TestApp {
  app: FastifyInstance
  database: Database
  config: Config
  inject(opts: InjectOptions): Promise<LightMyRequestResponse>
  /** Sign in and return the session cookie header value. */
  login(username: string, password?: string): Promise<string>
  /** Create a user directly (as the system) and return a signed-in cookie for it. */
  userWith(opts: { username: string; roles: Role[]; regionCodes?: string[]; departmentId?: string | null; phone?: string }): Promise<{ id: string; cookie: string }>
  close(): Promise<void>
}

/**
 * One application per test file on its own database (embedded, or a fresh database on the
 * PostgreSQL test server). Jobs do not poll: tests run them with `platform.jobs.runDue()`.
 */
export async function createTestApp(opts: { clock?: Clock; env?: Record<string, string> } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'civicgrid-test-'))
  const config = loadConfig({ DATA_DIR: dataDir, SECRET_KEY: 'test-secret-key-0123456789abcdef0123456789', LOG_LEVEL: 'silent', JOBS: 'false', WEB_DIST: join(dataDir, 'no-web'), ...opts.env })
  const database = await openTestDatabase()
  const app = await buildApp({ config, database, logger: false, ...(opts.clock ? { clock: opts.clock } : {}) })
  await app.ready()

  const login = async (username: string, password = TEST_PASSWORD) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } })
    if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`)
    const cookie = res.cookies.find((c) => c.name === 'cg_session')
    return `cg_session=${cookie!.value}`
  }

  return {
    app,
    database,
    config,
    inject: (o) => app.inject(o),
    login,
    async userWith(u) {
      const created = await createUser(app.platform, {
        actor: SYSTEM_ACTOR,
        input: {
          username: u.username,
          displayName: u.username,
          password: TEST_PASSWORD,
          roles: u.roles,
          scopes: (u.regionCodes ?? []).map((regionCode) => ({ regionCode })),
          departmentId: u.departmentId ?? null,
          ...(u.phone ? { phone: u.phone } : {}),
        },
      })
      return { id: created.id, cookie: await login(u.username) }
    },
    async close() {
      await app.close()
      await database.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Parse a JSON response body with its type. */
export const json = <T = any>(res: LightMyRequestResponse): T => JSON.parse(res.body) as T

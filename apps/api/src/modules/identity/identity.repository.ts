import { sql, type Generated } from 'kysely'
import type { Executor } from '../../platform/db/database.js'
import type { Role } from '../../platform/access.js'

declare module '../../platform/db/schema.js' {
  interface DB {
    departments: { id: Generated<string>; code: string; name: string; regionCode: string | null; disabled: Generated<boolean>; createdAt: Generated<Date> }
    users: {
      id: Generated<string>
      username: string
      displayName: string
      passwordHash: string
      roles: Role[]
      departmentId: string | null
      phoneEnc: string | null
      phoneHash: string | null
      disabled: Generated<boolean>
      failedLogins: Generated<number>
      lockedUntil: Date | null
      createdAt: Generated<Date>
      updatedAt: Generated<Date>
    }
    userScopes: { userId: string; regionCode: string }
    sessions: {
      id: Generated<string>
      tokenHash: string
      userId: string
      createdAt: Date
      expiresAt: Date
      revokedAt: Date | null
      ip: string | null
      userAgent: string | null
    }
    apiTokens: { id: Generated<string>; userId: string; name: string; tokenHash: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null }
    loginThrottle: { key: string; failures: Generated<number>; windowStartedAt: Date; lockedUntil: Date | null }
  }
}

export type UserRow = {
  id: string
  username: string
  displayName: string
  passwordHash: string
  roles: Role[]
  departmentId: string | null
  phoneEnc: string | null
  phoneHash: string | null
  disabled: boolean
  createdAt: Date
  updatedAt: Date
}

const userColumns = [
  'users.id',
  'users.username',
  'users.displayName',
  'users.passwordHash',
  'users.roles',
  'users.departmentId',
  'users.phoneEnc',
  'users.phoneHash',
  'users.disabled',
  'users.createdAt',
  'users.updatedAt',
] as const

export const identityRepository = {
  findUserByUsername(db: Executor, username: string): Promise<UserRow | undefined> {
    return db.selectFrom('users').select(userColumns).where(sql`lower(username)`, '=', username.toLowerCase()).executeTakeFirst()
  },

  findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
    return db.selectFrom('users').select(userColumns).where('id', '=', id).executeTakeFirst()
  },

  async scopesOf(db: Executor, userIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(userIds.map((id) => [id, []]))
    if (userIds.length === 0) return out
    const rows = await db.selectFrom('userScopes').select(['userId', 'regionCode']).where('userId', 'in', userIds).orderBy('regionCode').execute()
    for (const r of rows) out.get(r.userId)?.push(r.regionCode)
    return out
  },

  listUsers(db: Executor, opts: { limit: number; after?: string; phoneHash?: string; role?: Role; q?: string }): Promise<UserRow[]> {
    let q = db.selectFrom('users').select(userColumns).orderBy(sql`lower(username)`).limit(opts.limit)
    if (opts.after) q = q.where(sql`lower(username)`, '>', opts.after.toLowerCase())
    if (opts.phoneHash) q = q.where('phoneHash', '=', opts.phoneHash)
    if (opts.role) q = q.where(sql<boolean>`${opts.role} = any(roles)`)
    if (opts.q) q = q.where((eb) => eb.or([eb('username', 'ilike', `%${opts.q}%`), eb('displayName', 'ilike', `%${opts.q}%`)]))
    return q.execute()
  },

  insertUser(db: Executor, row: Omit<UserRow, 'id' | 'createdAt' | 'updatedAt' | 'disabled'>): Promise<UserRow> {
    return db.insertInto('users').values(row).returning(userColumns).executeTakeFirstOrThrow()
  },

  updateUser(db: Executor, id: string, patch: Partial<Omit<UserRow, 'id' | 'createdAt'>>): Promise<UserRow | undefined> {
    return db.updateTable('users').set({ ...patch, updatedAt: new Date() }).where('id', '=', id).returning(userColumns).executeTakeFirst()
  },

  async replaceScopes(db: Executor, userId: string, regionCodes: string[]) {
    await db.deleteFrom('userScopes').where('userId', '=', userId).execute()
    if (regionCodes.length > 0) await db.insertInto('userScopes').values(regionCodes.map((regionCode) => ({ userId, regionCode }))).execute()
  },

  countUsers(db: Executor): Promise<number> {
    return db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow().then((r) => Number(r.n))
  },

  // Sessions

  insertSession(db: Executor, row: { tokenHash: string; userId: string; expiresAt: Date; createdAt: Date; ip: string | null; userAgent: string | null }) {
    return db.insertInto('sessions').values(row).returning(['id', 'expiresAt']).executeTakeFirstOrThrow()
  },

  /** The live session of a token with its user, or nothing (expired, revoked, disabled user). */
  findLiveSession(db: Executor, tokenHash: string, now: Date) {
    return db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.userId')
      .select([...userColumns, 'sessions.id as sessionId', 'sessions.expiresAt'])
      .where('sessions.tokenHash', '=', tokenHash)
      .where('sessions.revokedAt', 'is', null)
      .where('sessions.expiresAt', '>', now)
      .where('users.disabled', '=', false)
      .executeTakeFirst()
  },

  revokeSession(db: Executor, sessionId: string, now: Date) {
    return db.updateTable('sessions').set({ revokedAt: now }).where('id', '=', sessionId).where('revokedAt', 'is', null).execute()
  },

  async revokeUserSessions(db: Executor, userId: string, now: Date): Promise<number> {
    const r = await db.updateTable('sessions').set({ revokedAt: now }).where('userId', '=', userId).where('revokedAt', 'is', null).executeTakeFirst()
    return Number(r.numUpdatedRows)
  },

  // API tokens

  insertToken(db: Executor, row: { userId: string; name: string; tokenHash: string; createdAt: Date }) {
    return db.insertInto('apiTokens').values(row).returning(['id', 'name', 'createdAt']).executeTakeFirstOrThrow()
  },

  listTokens(db: Executor, userId: string) {
    return db
      .selectFrom('apiTokens')
      .select(['id', 'name', 'createdAt', 'lastUsedAt', 'revokedAt'])
      .where('userId', '=', userId)
      .orderBy('createdAt', 'desc')
      .execute()
  },

  findLiveToken(db: Executor, tokenHash: string) {
    return db
      .selectFrom('apiTokens')
      .innerJoin('users', 'users.id', 'apiTokens.userId')
      .select([...userColumns, 'apiTokens.id as tokenId', 'apiTokens.lastUsedAt'])
      .where('apiTokens.tokenHash', '=', tokenHash)
      .where('apiTokens.revokedAt', 'is', null)
      .where('users.disabled', '=', false)
      .executeTakeFirst()
  },

  touchToken(db: Executor, tokenId: string, now: Date) {
    return db.updateTable('apiTokens').set({ lastUsedAt: now }).where('id', '=', tokenId).execute()
  },

  revokeToken(db: Executor, userId: string, tokenId: string, now: Date) {
    return db
      .updateTable('apiTokens')
      .set({ revokedAt: now })
      .where('id', '=', tokenId)
      .where('userId', '=', userId)
      .where('revokedAt', 'is', null)
      .returning(['id', 'name'])
      .executeTakeFirst()
  },

  // Login throttling

  lockedKeys(db: Executor, keys: string[], now: Date) {
    return db.selectFrom('loginThrottle').select(['key', 'lockedUntil']).where('key', 'in', keys).where('lockedUntil', '>', now).execute()
  },

  /** Count one failure per key inside a window; lock a key that reaches its limit. */
  async recordFailure(db: Executor, key: string, now: Date, opts: { windowMs: number; max: number; lockMs: number }) {
    const windowStart = new Date(now.getTime() - opts.windowMs)
    const lockUntil = new Date(now.getTime() + opts.lockMs)
    await sql`
      insert into login_throttle as t (key, failures, window_started_at)
      values (${key}, 1, ${now})
      on conflict (key) do update set
        failures = case when t.window_started_at < ${windowStart} then 1 else t.failures + 1 end,
        window_started_at = case when t.window_started_at < ${windowStart} then ${now} else t.window_started_at end`.execute(db)
    await sql`update login_throttle set locked_until = ${lockUntil}, failures = 0, window_started_at = ${now}
      where key = ${key} and failures >= ${opts.max}`.execute(db)
  },

  clearThrottle(db: Executor, key: string) {
    return db.deleteFrom('loginThrottle').where('key', '=', key).execute()
  },

  // Departments

  listDepartments(db: Executor) {
    return db.selectFrom('departments').selectAll().orderBy('code').execute()
  },

  findDepartment(db: Executor, id: string) {
    return db.selectFrom('departments').selectAll().where('id', '=', id).executeTakeFirst()
  },

  insertDepartment(db: Executor, row: { code: string; name: string; regionCode: string | null }) {
    return db.insertInto('departments').values(row).returningAll().executeTakeFirstOrThrow()
  },

  updateDepartment(db: Executor, id: string, patch: { name?: string; regionCode?: string | null; disabled?: boolean }) {
    return db.updateTable('departments').set(patch).where('id', '=', id).returningAll().executeTakeFirst()
  },
}

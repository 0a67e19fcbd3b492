import { createHash, randomBytes } from 'node:crypto'
import { canSee, isAdmin, permissionsOf, regionLevelOf, type AuthUser, type Role } from '../../platform/access.js'
import { appendAudit, SYSTEM_ACTOR, type Actor } from '../../platform/audit.js'
import { isUniqueViolation } from '../../platform/db/pg-errors.js'
import { DomainError, invalid, notFound } from '../../platform/errors.js'
import { maskPhone } from '../../platform/personal-data.js'
import { DUMMY_HASH, hashPassword, randomPassword, verifyPassword } from '../../platform/passwords.js'
import type { Platform } from '../../platform/platform.js'
import { announceUserChanged, credentialCache } from './credential-cache.js'
import { identityPolicy } from './identity.policy.js'
import { identityRepository as repo, type UserRow } from './identity.repository.js'
import type { CreateUserInput, MeView, UpdateUserInput, UserView } from './identity.schemas.js'

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
const THROTTLE_WINDOW_MS = 15 * 60_000
/** Per-IP limits are looser than per-account ones: many people may sit behind one office NAT. */
const IP_FACTOR = 4

function toAuthUser(row: UserRow, regionCodes: string[], via: AuthUser['via'], sessionId: string | null): AuthUser {
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    roles: row.roles,
    departmentId: row.departmentId,
    regionCodes,
    via,
    sessionId,
  }
}

const scopeViews = (codes: string[]) => codes.map((regionCode) => ({ regionCode, regionLevel: regionLevelOf(regionCode) }))

function toUserView(p: Platform, row: UserRow, regionCodes: string[]): UserView {
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    roles: row.roles,
    departmentId: row.departmentId,
    scopes: scopeViews(regionCodes),
    disabled: row.disabled,
    phoneMasked: row.phoneEnc ? maskPhone(p.pii.decrypt(row.phoneEnc)) : null,
    createdAt: row.createdAt.toISOString(),
  }
}

/** What the audit log keeps of a user: never the password hash or the phone ciphertext. */
const auditView = (row: UserRow, regionCodes: string[]) => ({
  username: row.username,
  displayName: row.displayName,
  roles: row.roles,
  departmentId: row.departmentId,
  regionCodes,
  disabled: row.disabled,
  hasPhone: row.phoneEnc !== null,
})

export function describeMe(user: AuthUser): MeView {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    roles: user.roles,
    departmentId: user.departmentId,
    scopes: scopeViews(user.regionCodes),
    permissions: permissionsOf(user),
  }
}

/**
 * Check a username and password; on success open a server-side session. Failures count per
 * account name and per IP; a locked key answers LOGIN_LOCKED whatever the password, and the
 * error never says whether the account exists.
 */
export async function loginUser(p: Platform, opts: { username: string; password: string; ip: string; userAgent: string | null }) {
  const now = p.clock.now()
  const userKey = `user:${opts.username.toLowerCase()}`
  const ipKey = `ip:${opts.ip}`
  const locked = await repo.lockedKeys(p.db, [userKey, ipKey], now)
  if (locked.length > 0) {
    const until = locked.map((l) => l.lockedUntil!.getTime()).reduce((a, b) => Math.max(a, b))
    throw new DomainError('LOGIN_LOCKED', `Too many failed attempts; try again after ${new Date(until).toISOString()}`, {
      retryAfter: Math.ceil((until - now.getTime()) / 1000),
    })
  }
  const user = await repo.findUserByUsername(p.db, opts.username)
  const ok = await verifyPassword(opts.password, user?.passwordHash ?? DUMMY_HASH)
  if (!user || !ok || user.disabled) {
    const lockMs = p.config.loginLockMinutes * 60_000
    const max = p.config.loginMaxFailures
    await repo.recordFailure(p.db, userKey, now, { windowMs: THROTTLE_WINDOW_MS, max, lockMs })
    await repo.recordFailure(p.db, ipKey, now, { windowMs: THROTTLE_WINDOW_MS, max: max * IP_FACTOR, lockMs })
    throw new DomainError('INVALID_CREDENTIALS', 'Invalid username or password')
  }
  const token = randomBytes(32).toString('base64url')
  const expiresAt = new Date(now.getTime() + p.config.sessionTtlMinutes * 60_000)
  const session = await p.db.transaction().execute(async (tx) => {
    await repo.clearThrottle(tx, userKey)
    const s = await repo.insertSession(tx, { tokenHash: sha256(token), userId: user.id, expiresAt, createdAt: now, ip: opts.ip, userAgent: opts.userAgent })
    await appendAudit(tx, { userId: user.id, name: user.username, ip: opts.ip }, { action: 'auth.login', entityType: 'session', entityId: s.id }, now)
    return s
  })
  const scopes = (await repo.scopesOf(p.db, [user.id])).get(user.id) ?? []
  return { token, expiresAt: session.expiresAt, user: describeMe(toAuthUser(user, scopes, 'session', session.id)) }
}

/** Revoke the caller's current session. */
export async function logoutUser(p: Platform, opts: { user: AuthUser; actor: Actor }) {
  if (!opts.user.sessionId) return
  const sessionId = opts.user.sessionId
  await p.db.transaction().execute(async (tx) => {
    await repo.revokeSession(tx, sessionId, p.clock.now())
    await appendAudit(tx, opts.actor, { action: 'auth.logout', entityType: 'session', entityId: sessionId })
  })
  await announceUserChanged(p, opts.user.id)
}

/** Resolve a session cookie to its user, or null when unknown, expired or revoked. */
export async function authenticateSession(p: Platform, token: string): Promise<AuthUser | null> {
  const key = `s:${sha256(token)}`
  const now = p.clock.now()
  return credentialCache(p).resolve(key, now.getTime(), async () => {
    const row = await repo.findLiveSession(p.db, key.slice(2), now)
    if (!row) return null
    const scopes = (await repo.scopesOf(p.db, [row.id])).get(row.id) ?? []
    return { user: toAuthUser(row, scopes, 'session', row.sessionId), expiresAt: row.expiresAt.getTime() }
  })
}

/** Resolve a Bearer API token; it acts with its owner's roles and scopes. */
export async function authenticateToken(p: Platform, token: string): Promise<AuthUser | null> {
  const key = `t:${sha256(token)}`
  const now = p.clock.now()
  return credentialCache(p).resolve(key, now.getTime(), async () => {
    const row = await repo.findLiveToken(p.db, key.slice(2))
    if (!row) return null
    // Record use at most once a minute so a busy camera does not write on every request.
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) await repo.touchToken(p.db, row.tokenId, now)
    const scopes = (await repo.scopesOf(p.db, [row.id])).get(row.id) ?? []
    return { user: toAuthUser(row, scopes, 'token', null), expiresAt: null }
  })
}

async function assertDepartmentExists(p: Platform, departmentId: string | null | undefined) {
  if (departmentId && !(await repo.findDepartment(p.db, departmentId))) {
    throw invalid([{ field: 'departmentId', reason: 'no such department' }])
  }
}

function assertHandlerHasDepartment(roles: Role[], departmentId: string | null) {
  if (roles.includes('departmentHandler') && !departmentId) {
    throw invalid([{ field: 'departmentId', reason: 'a department handler must belong to a department' }])
  }
}

/** Create a user with roles, scopes and an optional (encrypted) phone. */
export async function createUser(p: Platform, opts: { actor: Actor; input: CreateUserInput; caller?: AuthUser }): Promise<UserView> {
  if (opts.caller) identityPolicy.assert(opts.caller, 'users.manage')
  const { input } = opts
  const departmentId = input.departmentId ?? null
  assertHandlerHasDepartment(input.roles, departmentId)
  await assertDepartmentExists(p, departmentId)
  const regionCodes = [...new Set((input.scopes ?? []).map((s) => s.regionCode))].sort()
  const passwordHash = await hashPassword(input.password)
  try {
    return await p.db.transaction().execute(async (tx) => {
      const row = await repo.insertUser(tx, {
        username: input.username,
        displayName: input.displayName,
        passwordHash,
        roles: input.roles,
        departmentId,
        phoneEnc: input.phone ? p.pii.encrypt(input.phone) : null,
        phoneHash: input.phone ? p.pii.lookupHash(input.phone) : null,
      })
      await repo.replaceScopes(tx, row.id, regionCodes)
      await appendAudit(tx, opts.actor, { action: 'user.create', entityType: 'user', entityId: row.id, after: auditView(row, regionCodes) })
      return toUserView(p, row, regionCodes)
    })
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError('CONFLICT', `Username ${input.username} is taken`, { errors: [{ field: 'username', reason: 'already taken' }] })
    throw err
  }
}

/** Change a user's profile, roles, scopes, phone, password or disabled flag; disabling or a new password ends their sessions. */
export async function updateUser(p: Platform, opts: { actor: Actor; caller: AuthUser; userId: string; input: UpdateUserInput }): Promise<UserView> {
  identityPolicy.assert(opts.caller, 'users.manage')
  const { input } = opts
  const current = await repo.findUserById(p.db, opts.userId)
  if (!current) throw notFound('User')
  const roles = input.roles ?? current.roles
  const departmentId = input.departmentId === undefined ? current.departmentId : input.departmentId
  assertHandlerHasDepartment(roles, departmentId)
  await assertDepartmentExists(p, departmentId)
  if (opts.caller.id === current.id && (input.disabled || (input.roles && !input.roles.includes('admin')))) {
    throw new DomainError('CONFLICT', 'You cannot disable yourself or remove your own admin role')
  }
  const passwordHash = input.password ? await hashPassword(input.password) : undefined
  const view = await p.db.transaction().execute(async (tx) => {
    const scopesBefore = (await repo.scopesOf(tx, [current.id])).get(current.id) ?? []
    const row = await repo.updateUser(tx, current.id, {
      ...(input.displayName !== undefined ? { displayName: input.displayName } : {}),
      ...(input.roles ? { roles: input.roles } : {}),
      ...(input.departmentId !== undefined ? { departmentId: input.departmentId } : {}),
      ...(input.disabled !== undefined ? { disabled: input.disabled } : {}),
      ...(passwordHash ? { passwordHash } : {}),
      ...(input.phone !== undefined
        ? { phoneEnc: input.phone ? p.pii.encrypt(input.phone) : null, phoneHash: input.phone ? p.pii.lookupHash(input.phone) : null }
        : {}),
    })
    const regionCodes = input.scopes ? [...new Set(input.scopes.map((s) => s.regionCode))].sort() : scopesBefore
    if (input.scopes) await repo.replaceScopes(tx, current.id, regionCodes)
    if (input.disabled || passwordHash) await repo.revokeUserSessions(tx, current.id, p.clock.now())
    await appendAudit(tx, opts.actor, {
      action: 'user.update',
      entityType: 'user',
      entityId: current.id,
      before: auditView(current, scopesBefore),
      after: { ...auditView(row!, regionCodes), passwordChanged: Boolean(passwordHash) },
    })
    return toUserView(p, row!, regionCodes)
  })
  await announceUserChanged(p, current.id)
  return view
}

/** Page through users by username; `phone` finds exact matches through the keyed hash. */
export async function listUsers(p: Platform, opts: { caller: AuthUser; limit: number; cursor?: string; phone?: string; role?: Role; q?: string }) {
  identityPolicy.assert(opts.caller, 'users.read')
  const after = opts.cursor ? Buffer.from(opts.cursor, 'base64url').toString('utf8') : undefined
  const rows = await repo.listUsers(p.db, {
    limit: opts.limit + 1,
    ...(after ? { after } : {}),
    ...(opts.phone ? { phoneHash: p.pii.lookupHash(opts.phone) } : {}),
    ...(opts.role ? { role: opts.role } : {}),
    ...(opts.q ? { q: opts.q } : {}),
  })
  const page = rows.slice(0, opts.limit)
  const scopes = await repo.scopesOf(p.db, page.map((r) => r.id))
  const last = page.at(-1)
  return {
    items: page.map((r) => toUserView(p, r, scopes.get(r.id) ?? [])),
    nextCursor: rows.length > opts.limit && last ? Buffer.from(last.username.toLowerCase()).toString('base64url') : null,
  }
}

export async function getUser(p: Platform, opts: { caller: AuthUser; userId: string }): Promise<UserView> {
  identityPolicy.assert(opts.caller, 'users.read')
  const row = await repo.findUserById(p.db, opts.userId)
  if (!row) throw notFound('User')
  return toUserView(p, row, (await repo.scopesOf(p.db, [row.id])).get(row.id) ?? [])
}

/** Reveal personal fields in clear: needs the unmask permission and a purpose, and is audited. */
export async function unmaskUserPersonalData(p: Platform, opts: { actor: Actor; caller: AuthUser; userId: string; fields: 'phone'[]; purpose: string }) {
  identityPolicy.assert(opts.caller, 'personalData.unmask')
  const row = await repo.findUserById(p.db, opts.userId)
  if (!row) throw notFound('User')
  const phone = row.phoneEnc ? p.pii.decrypt(row.phoneEnc) : null
  await p.db.transaction().execute((tx) =>
    appendAudit(tx, opts.actor, { action: 'personalData.unmask', entityType: 'user', entityId: row.id, after: { fields: opts.fields, purpose: opts.purpose } }),
  )
  return { phone }
}

/** End every session of a user (lost phone, left the job). */
export async function revokeUserSessions(p: Platform, opts: { actor: Actor; caller: AuthUser; userId: string }) {
  identityPolicy.assert(opts.caller, 'users.manage')
  const result = await p.db.transaction().execute(async (tx) => {
    const revoked = await repo.revokeUserSessions(tx, opts.userId, p.clock.now())
    await appendAudit(tx, opts.actor, { action: 'user.revokeSessions', entityType: 'user', entityId: opts.userId, after: { revoked } })
    return { revoked }
  })
  await announceUserChanged(p, opts.userId)
  return result
}

/** Create an API token for the caller; the clear token is returned this once and stored only as a hash. */
export async function createApiToken(p: Platform, opts: { actor: Actor; caller: AuthUser; name: string }) {
  const token = `cg_${randomBytes(32).toString('base64url')}`
  const row = await p.db.transaction().execute(async (tx) => {
    const r = await repo.insertToken(tx, { userId: opts.caller.id, name: opts.name, tokenHash: sha256(token), createdAt: p.clock.now() })
    await appendAudit(tx, opts.actor, { action: 'apiToken.create', entityType: 'apiToken', entityId: r.id, after: { name: opts.name } })
    return r
  })
  return { id: row.id, name: row.name, token }
}

export async function listApiTokens(p: Platform, opts: { caller: AuthUser }) {
  const rows = await repo.listTokens(p.db, opts.caller.id)
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
  }))
}

export async function revokeApiToken(p: Platform, opts: { actor: Actor; caller: AuthUser; tokenId: string }) {
  await p.db.transaction().execute(async (tx) => {
    const row = await repo.revokeToken(tx, opts.caller.id, opts.tokenId, p.clock.now())
    if (!row) throw notFound('API token')
    await appendAudit(tx, opts.actor, { action: 'apiToken.revoke', entityType: 'apiToken', entityId: row.id, after: { name: row.name } })
  })
  await announceUserChanged(p, opts.caller.id)
}

export async function listDepartments(p: Platform, opts: { caller: AuthUser }) {
  identityPolicy.assert(opts.caller, 'departments.read')
  const rows = await repo.listDepartments(p.db)
  return rows.filter((d) => !d.regionCode || isAdmin(opts.caller) || canSee(opts.caller, { regionCode: d.regionCode, departmentId: d.id }))
}

/** A department is visible to users whose scopes cover its region, to its members, and to admins. */
export async function getDepartment(p: Platform, opts: { caller: AuthUser; departmentId: string }) {
  const row = await repo.findDepartment(p.db, opts.departmentId)
  if (!row) throw notFound('Department')
  identityPolicy.assert(opts.caller, 'departments.read', { regionCode: row.regionCode, departmentId: row.id }, 'Department')
  return row
}

export async function updateDepartment(
  p: Platform,
  opts: { actor: Actor; caller: AuthUser; departmentId: string; input: { name?: string; regionCode?: string | null; disabled?: boolean } },
) {
  const before = await getDepartment(p, { caller: opts.caller, departmentId: opts.departmentId })
  identityPolicy.assert(opts.caller, 'departments.manage')
  const updated = await p.db.transaction().execute(async (tx) => {
    const row = (await repo.updateDepartment(tx, before.id, opts.input))!
    await appendAudit(tx, opts.actor, { action: 'department.update', entityType: 'department', entityId: row.id, before, after: row })
    return row
  })
  await announceDepartment(p, updated)
  return updated
}

/** Tell every instance's subscribers (queues, pickers) that a department changed. */
function announceDepartment(p: Platform, d: { id: string; code: string; regionCode: string | null }) {
  return p.bus.publish({ type: 'department.changed', departmentId: d.id, regionCode: d.regionCode, data: { id: d.id, code: d.code } })
}

export async function createDepartment(p: Platform, opts: { actor: Actor; caller?: AuthUser; input: { code: string; name: string; regionCode?: string | null } }) {
  if (opts.caller) identityPolicy.assert(opts.caller, 'departments.manage')
  try {
    const created = await p.db.transaction().execute(async (tx) => {
      const row = await repo.insertDepartment(tx, { code: opts.input.code, name: opts.input.name, regionCode: opts.input.regionCode ?? null })
      await appendAudit(tx, opts.actor, { action: 'department.create', entityType: 'department', entityId: row.id, after: row })
      return row
    })
    await announceDepartment(p, created)
    return created
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError('CONFLICT', `Department code ${opts.input.code} exists`, { errors: [{ field: 'code', reason: 'already exists' }] })
    throw err
  }
}

/**
 * On an empty database create the `admin` user, with ADMIN_PASSWORD or a random password that
 * the caller prints once. Safe to call at every start and from several instances.
 */
export async function bootstrapAdmin(p: Platform): Promise<{ created: boolean; password?: string }> {
  if ((await repo.countUsers(p.db)) > 0) return { created: false }
  const password = p.config.adminPassword ?? randomPassword()
  try {
    await createUser(p, {
      actor: SYSTEM_ACTOR,
      input: { username: 'admin', displayName: '系统管理员', password, roles: ['admin'] },
    })
  } catch (err) {
    if (err instanceof DomainError && err.code === 'CONFLICT') return { created: false }
    throw err
  }
  return { created: true, ...(p.config.adminPassword ? {} : { password }) }
}

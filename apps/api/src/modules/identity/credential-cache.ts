import type { AuthUser } from '../../platform/access.js'
import type { Platform } from '../../platform/platform.js'

/** Announced whenever a user's sessions, tokens, roles or scopes change; every instance drops its cached credentials. */
export const USER_CHANGED = 'identity.userChanged'
/** How long a resolved session or token is trusted without asking the database. */
const TRUST_MS = 10_000
const MAX_ENTRIES = 20_000

interface Entry {
  user: AuthUser
  validUntil: number
}

/**
 * Resolved credentials (by token hash), so a request does not cost two queries. Entries live at
 * most 10 s and never past the session's expiry; a revocation, logout or change of roles/scopes
 * publishes USER_CHANGED, which clears that user's entries on every instance at once.
 */
export class CredentialCache {
  private readonly entries = new Map<string, Entry>()
  /** Look-ups in flight: when an entry expires under load, one query serves every request waiting for it. */
  private readonly loading = new Map<string, Promise<AuthUser | null>>()
  /** Bumped by every drop, so a look-up that started before a change is not cached after it. */
  private generation = 0

  /** The cached user, or the one `load` finds (cached until `expiresAt` or 10 s). */
  resolve(key: string, now: number, load: () => Promise<{ user: AuthUser; expiresAt: number | null } | null>): Promise<AuthUser | null> {
    const hit = this.get(key, now)
    if (hit) return Promise.resolve(hit)
    let pending = this.loading.get(key)
    if (!pending) {
      const generation = this.generation
      pending = load()
        .then((found) => {
          if (found && generation === this.generation) this.set(key, found.user, now, found.expiresAt)
          return found?.user ?? null
        })
        .finally(() => {
          if (this.loading.get(key) === pending) this.loading.delete(key)
        })
      this.loading.set(key, pending)
    }
    return pending
  }

  get(key: string, now: number): AuthUser | null {
    const e = this.entries.get(key)
    if (!e) return null
    if (e.validUntil <= now) {
      this.entries.delete(key)
      return null
    }
    return e.user
  }

  set(key: string, user: AuthUser, now: number, expiresAt: number | null) {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear()
    this.entries.set(key, { user, validUntil: Math.min(now + TRUST_MS, expiresAt ?? Infinity) })
  }

  dropUser(userId: string) {
    for (const [k, e] of this.entries) if (e.user.id === userId) this.entries.delete(k)
    // A request after the change must not join a look-up that started before it.
    this.generation++
    this.loading.clear()
  }
}

const caches = new WeakMap<Platform, CredentialCache>()

export function credentialCache(p: Platform): CredentialCache {
  let c = caches.get(p)
  if (!c) {
    const cache = new CredentialCache()
    p.bus.subscribe((e) => e.type === USER_CHANGED && typeof e.data.userId === 'string' && cache.dropUser(e.data.userId))
    caches.set(p, cache)
    c = cache
  }
  return c
}

/** Tell every instance that a user's credentials or access changed. Call after commit. */
export function announceUserChanged(p: Platform, userId: string) {
  return p.bus.publish({ type: USER_CHANGED, data: { userId } })
}

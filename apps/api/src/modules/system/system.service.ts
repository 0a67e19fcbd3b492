import { sql } from 'kysely'
import { canSee, isAdmin, type AuthUser } from '../../platform/access.js'
import { migrationsApplied } from '../../platform/db/migrate.js'
import type { BusEvent } from '../../platform/events.js'
import type { Platform } from '../../platform/platform.js'

/** Database reachable and every migration applied. */
export async function checkReadiness(p: Platform): Promise<{ ready: boolean; database: string; migrations: boolean }> {
  try {
    await sql`select 1`.execute(p.db)
    const migrations = await migrationsApplied(p.database)
    return { ready: migrations, database: p.database.kind, migrations }
  } catch {
    return { ready: false, database: p.database.kind, migrations: false }
  }
}

/** Whether a stream subscriber may receive an event (DESIGN D7 scopes). */
export function mayReceive(user: AuthUser, event: BusEvent): boolean {
  if (isAdmin(user) || event.broadcast) return true
  return canSee(user, { regionCode: event.regionCode ?? null, departmentId: event.departmentId ?? null })
}

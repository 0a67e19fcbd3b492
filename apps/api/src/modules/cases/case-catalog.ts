import type { Executor } from '../../platform/db/database.js'
import type { Platform } from '../../platform/platform.js'
import { findClass, type MinorClassView } from '../classes/index.js'
import { DEFAULT_CLASS_LIMITS, type ClassLimits } from './case-limits.js'
import { casesRepository as repo, type ClassKind, type DispatchRuleRow } from './cases.repository.js'

/** Announced after class settings or dispatch rules change: every instance drops its copies. */
export const CASE_SETTINGS_CHANGED = 'cases.settingsChanged'
/** The classes module announces its changes under this type. */
const CLASSES_CHANGED = 'classes.changed'
/** A safety net for changes written outside the API (SQL, bulk loaders): nothing is kept longer. */
const MAX_AGE_MS = 60_000

export type ClassSettings = ClassLimits & { defaultDepartmentId: string | null }

/**
 * A per-key cache of read-mostly rows. A load that started before a `clear()` does not store its
 * (possibly stale) result.
 */
class ReadCache<V> {
  private generation = 0
  private readonly entries = new Map<string, { value: V; at: number }>()

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key)
    if (hit && Date.now() - hit.at < MAX_AGE_MS) return hit.value
    const generation = this.generation
    const value = await load()
    if (generation === this.generation) this.entries.set(key, { value, at: Date.now() })
    return value
  }

  clear() {
    this.generation += 1
    this.entries.clear()
  }
}

interface Catalog {
  classes: ReadCache<MinorClassView | null>
  settings: ReadCache<ClassSettings>
  rules: ReadCache<DispatchRuleRow[]>
}

const catalogs = new WeakMap<Platform, Catalog>()

function catalogOf(p: Platform): Catalog {
  let c = catalogs.get(p)
  if (!c) {
    const created: Catalog = { classes: new ReadCache(), settings: new ReadCache(), rules: new ReadCache() }
    p.bus.subscribe((e) => {
      if (e.type === CLASSES_CHANGED) created.classes.clear()
      if (e.type === CASE_SETTINGS_CHANGED) {
        created.settings.clear()
        created.rules.clear()
      }
    })
    catalogs.set(p, created)
    c = created
  }
  return c
}

/**
 * What intake and every workflow action read about a class — the class itself, its stage limits,
 * the dispatch rules — cached per app and loaded on a miss through `db` (pass the transaction:
 * on PGlite nothing else may query while it is open).
 */
export function cachedClass(p: Platform, db: Executor, kind: ClassKind, code: string): Promise<MinorClassView | null> {
  return catalogOf(p).classes.get(`${kind}:${code}`, () => findClass(p, { kind, code, db }))
}

export function cachedClassSettings(p: Platform, db: Executor, classKind: ClassKind, minorClass: string): Promise<ClassSettings> {
  return catalogOf(p).settings.get(`${classKind}:${minorClass}`, async () => {
    const row = await repo.classSettings(db, classKind, minorClass)
    if (!row) return { ...DEFAULT_CLASS_LIMITS, defaultDepartmentId: null }
    return { ...DEFAULT_CLASS_LIMITS, ...row.limits, urgency: row.urgency, closingStandard: row.closingStandard, defaultDepartmentId: row.defaultDepartmentId }
  })
}

export function cachedDispatchRules(p: Platform, db: Executor): Promise<DispatchRuleRow[]> {
  return catalogOf(p).rules.get('all', () => repo.listDispatchRules(db))
}

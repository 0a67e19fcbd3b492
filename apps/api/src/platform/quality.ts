import type { Platform } from './platform.js'

/**
 * The contract between a module that owns data and the data manager (`modules/datasets`):
 * each owning module exposes its quality checks through its `index.ts` in this shape, so the
 * data manager counts and pages offending rows without knowing any other module's tables.
 */

export type QualitySeverity = 'error' | 'warning' | 'info'

/** Region code prefixes the caller sees (`regionPrefix` of each scope); null = everything (admins). */
export interface QualityScope {
  prefixes: string[] | null
}

/** One offending row: its id (also the cursor: pages run in id order), a label, its region, what is wrong. */
export interface QualityRow {
  id: string
  name: string
  regionCode: string | null
  detail: string | null
}

export interface QualityCheck {
  key: string
  severity: QualitySeverity
  count(p: Platform, scope: QualityScope): Promise<number>
  /** Rows with id > after, in id order. */
  page(p: Platform, scope: QualityScope, opts: { after: string | null; limit: number }): Promise<QualityRow[]>
}

/** A check whose rows are computed in memory (geometry): count and page over one list. */
export function listCheck(key: string, severity: QualitySeverity, rows: (p: Platform, scope: QualityScope) => Promise<QualityRow[]>): QualityCheck {
  return {
    key,
    severity,
    count: async (p, scope) => (await rows(p, scope)).length,
    page: async (p, scope, { after, limit }) => (await rows(p, scope)).filter((r) => after === null || r.id > after).slice(0, limit),
  }
}

/** Does a region code lie in the scope? */
export const inQualityScope = (scope: QualityScope, code: string | null) => scope.prefixes === null || (code !== null && scope.prefixes.some((p) => code.startsWith(p)))

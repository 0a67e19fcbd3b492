import type { Platform } from '../../platform/platform.js'
import { listCheck, type QualityCheck, type QualityRow, type QualityScope } from '../../platform/quality.js'
import { locateIndexOf } from '../regions/index.js'
import { componentsQualityRepository as repo } from './quality.repository.js'

/** Days a component may stay damaged or lost with no open case before it counts as stale. */
export const STALE_STATUS_DAYS = 30

/** Components whose point lies in no current grid, or in another grid than the one recorded. */
async function outsideGrid(p: Platform, scope: QualityScope): Promise<QualityRow[]> {
  const [index, candidates] = await Promise.all([locateIndexOf(p), repo.outsideGridCandidates(p.db, scope)])
  const rows: QualityRow[] = []
  for (const c of candidates) {
    const at = index.gridAt(c.lng, c.lat)
    if (at === c.gridCode) continue
    rows.push({ id: c.code, name: c.name, regionCode: c.gridCode, detail: at ? `lies in grid ${at}, recorded in ${c.gridCode}` : `lies in no grid (recorded in ${c.gridCode})` })
  }
  return rows
}

const since = (p: Platform) => new Date(p.clock.now().getTime() - STALE_STATUS_DAYS * 86_400_000)

/** Checks of the components dataset, for the data manager. */
export const componentChecks: QualityCheck[] = [
  listCheck('outside_grid', 'error', outsideGrid),
  {
    key: 'no_responsible_unit',
    severity: 'warning',
    count: (p, scope) => repo.countOf(repo.withoutResponsibleUnit(p.db, scope)),
    page: (p, scope, { after, limit }) => repo.pageOf(repo.withoutResponsibleUnit(p.db, scope), after, limit, () => 'no authority, owner or maintainer unit'),
  },
  {
    key: 'stale_status',
    severity: 'warning',
    count: (p, scope) => repo.countOf(repo.staleStatus(p.db, scope, since(p))),
    page: (p, scope, { after, limit }) =>
      repo.pageOf(repo.staleStatus(p.db, scope, since(p)), after, limit, (r) => `${r.status} since ${r.updatedAt.toISOString().slice(0, 10)} or earlier, no open case`),
  },
  {
    key: 'duplicate_location',
    severity: 'warning',
    count: (p, scope) => repo.countOf(repo.duplicateLocation(p.db, scope)),
    page: (p, scope, { after, limit }) => repo.pageOf(repo.duplicateLocation(p.db, scope), after, limit, (r) => `another in-use component of class ${r.minorClass} at the same point`),
  },
]

export const countComponents = (p: Platform, scope: QualityScope) => repo.count(p.db, scope)
export const lastComponentImport = (p: Platform) => repo.lastImport(p.db)

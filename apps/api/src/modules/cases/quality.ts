import type { Platform } from '../../platform/platform.js'
import type { QualityCheck, QualityScope } from '../../platform/quality.js'
import { casesQualityRepository as repo } from './quality.repository.js'

/** Checks of the cases dataset, for the data manager. */
export const caseChecks: QualityCheck[] = [
  {
    key: 'no_photos',
    severity: 'warning',
    count: (p, scope) => repo.countOf(repo.withoutPhotos(p.db, scope)),
    page: (p, scope, { after, limit }) => repo.pageOf(repo.withoutPhotos(p.db, scope), after, limit),
  },
]

export const countCases = (p: Platform, scope: QualityScope) => repo.count(p.db, scope)

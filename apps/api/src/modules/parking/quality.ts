import type { Platform } from '../../platform/platform.js'
import type { QualityScope } from '../../platform/quality.js'
import { parkingQualityRepository as repo } from './quality.repository.js'

/** Row counts of the parking lots and spaces datasets in the scope, for the data manager. */
export const countParking = (p: Platform, scope: QualityScope) => repo.counts(p.db, scope)

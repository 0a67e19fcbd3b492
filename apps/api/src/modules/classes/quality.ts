import type { Platform } from '../../platform/platform.js'
import { classesQualityRepository as repo } from './quality.repository.js'

/** Row count of the classification dataset (the data manager lists minor classes; majors in the detail). */
export const countClasses = (p: Platform) => repo.counts(p.db)

import { definePolicy } from '../../platform/access.js'

export const componentsPolicy = definePolicy({
  'components.read': ['admin', 'leader', 'operator', 'shiftLeader', 'dispatcher', 'departmentHandler', 'supervisor', 'gridWorker'],
  /** Register and edit components inside one's regions (census upkeep). */
  'components.manage': ['admin', 'operator'],
  /** Bulk import (census loads) and its reports. */
  'components.import': ['admin'],
  'components.export': ['admin', 'leader', 'operator'],
})

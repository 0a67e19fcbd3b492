import { definePolicy } from '../../platform/access.js'

export const identityPolicy = definePolicy({
  'users.read': ['admin'],
  'users.manage': ['admin'],
  'departments.read': ['admin', 'leader', 'operator', 'shiftLeader', 'dispatcher', 'departmentHandler', 'supervisor', 'gridWorker'],
  'departments.manage': ['admin'],
  /** Reading personal data in clear; always with a stated purpose, always audited. */
  'personalData.unmask': ['admin'],
})

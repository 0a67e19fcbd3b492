import { definePolicy } from '../../platform/access.js'

export const auditPolicy = definePolicy({
  'audit.read': ['admin'],
  'audit.verify': ['admin'],
})

import { definePolicy } from '../../platform/access.js'

/**
 * The data manager: admins (everything) and leaders (counts and checks inside their region
 * scopes). Imports and exports stay under each owning module's own permissions.
 */
export const datasetsPolicy = definePolicy({
  'datasets.read': ['admin', 'leader'],
})

import { definePolicy, ROLES } from '../../platform/access.js'

export const classesPolicy = definePolicy({
  /** Everyone signed in reads the classification (residents pick an event class when they report). */
  'classes.read': ROLES,
  'classes.manage': ['admin'],
})

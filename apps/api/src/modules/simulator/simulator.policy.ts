import { definePolicy } from '../../platform/access.js'

export const simulatorPolicy = definePolicy({
  'simulator.read': ['admin'],
  'simulator.control': ['admin'],
})

import { definePolicy, ROLES } from '../../platform/access.js'

const STAFF = ['admin', 'leader', 'operator', 'shiftLeader', 'dispatcher', 'supervisor', 'gridWorker', 'parkingOperator'] as const

export const parkingPolicy = definePolicy({
  /** Lots, their spaces and live free counts are public information for anyone signed in. */
  'parking.lots.read': ROLES,
  /** Create and change lots, spaces, rules, tariffs, gates; issue permits; lift bans (inside one's regions). */
  'parking.lots.manage': ['admin', 'parkingOperator'],
  /** Book, quote, cancel one's own bookings (residents book for visitors with the visitor's plate). */
  'parking.reservations.book': ROLES,
  /** See and cancel every booking of a lot (inside one's regions). */
  'parking.reservations.manage': ['admin', 'parkingOperator'],
  /** Publish and withdraw the availability of one's own shared private space. */
  'parking.spaces.share': ROLES,
  /** Post camera events and decide the manual path (an API token of a parking operator). */
  'parking.gates.write': ['admin', 'parkingOperator'],
  /** Sessions, reviews of flagged sessions, statements of a lot. */
  'parking.sessions.manage': ['admin', 'parkingOperator'],
  /** Turn illegal parking at a lot into a case (operators and their gate API tokens). */
  'parking.violations.report': ['admin', 'parkingOperator'],
  /** Occupancy across the caller's regions (big screen, statistics). */
  'parking.occupancy.read': STAFF,
})

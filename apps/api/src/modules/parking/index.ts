import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { flagOrphanSessions } from './gates.service.js'
import { sampleOccupancy } from './occupancy.service.js'
import { parkingRoutes } from './parking.routes.js'
import { releaseDueReservations } from './reservations.service.js'

/**
 * Parking reservation (停车预约): lots and spaces, shared private spaces, bookings that the
 * database keeps from overlapping, plate-camera gates, sessions, fees and occupancy.
 * Register under the API prefix; it declares its periodic jobs.
 */
export const parkingModule: FastifyPluginAsyncTypebox = async (app) => {
  const p = app.platform
  p.jobs.every('parking.releaseDue', 60_000, async ({ now }) => void (await releaseDueReservations(p, now)))
  p.jobs.every('parking.flagOrphans', 10 * 60_000, async ({ now }) => void (await flagOrphanSessions(p, now)))
  p.jobs.every('parking.sampleOccupancy', 5 * 60_000, async ({ now }) => void (await sampleOccupancy(p, now)))
  await app.register(parkingRoutes)
}

export { parkingPolicy } from './parking.policy.js'
export { OCCUPANCY_EVENT, regionOccupancy } from './occupancy.service.js'
export { countParking } from './quality.js'
export { REVIEW_EVENT } from './gates.service.js'
export { setAssignStrategy, type AssignStrategy } from './reservations.service.js'
export { parsePlate, normalisePlate, type ParsedPlate } from './plates.js'
export { priceStay, quoteBooking, type Tariff } from './pricing.js'

import * as polyclip from 'polyclip-ts'
import type { PolygonCoords } from './types.js'

/**
 * Boolean operations on (multi)polygons, returned as a list of polygons (exterior
 * counter-clockwise, holes clockwise, rings closed — RFC 7946 winding). polyclip-ts works in
 * exact decimal arithmetic: slower than float libraries (~1–3 ms for a community-sized
 * operation) but it does not fail on the near-degenerate inputs that repeated cutting makes.
 * Kept behind this file so another engine can replace it.
 */
type Multi = PolygonCoords[]

export const intersection = (a: Multi, ...b: Multi[]): Multi => (a.length === 0 || b.some((g) => g.length === 0) ? [] : (polyclip.intersection(a, ...b) as Multi))
export const union = (a: Multi, ...b: Multi[]): Multi => polyclip.union(a, ...b) as Multi
export const difference = (a: Multi, ...b: Multi[]): Multi => (a.length === 0 ? [] : (polyclip.difference(a, ...b.filter((g) => g.length > 0)) as Multi))

/** Pure geometry helpers shared by the modules: coordinate systems, area, validation, clipping, point lookup. */
export * from './types.js'
export * from './crs.js'
export * from './measure.js'
export * from './segments.js'
export * from './validate.js'
export * from './clip.js'
export { PolygonIndex, PolygonTester, pointInPolygons } from './polygon-index.js'
export * from './topology.js'

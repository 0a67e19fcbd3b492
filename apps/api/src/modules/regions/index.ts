import { regionsRoutes } from './regions.routes.js'

/**
 * Regions and unit grids: the territory tree, GeoJSON import, automatic division and the
 * point → grid lookup. Other modules locate their reports with `locatePoint` at intake.
 */
export { locatePoint, importRegions, divideCommunity } from './regions.service.js'
export { locateIndexOf, REGIONS_CHANGED, type LocatedPoint, type RegionRef } from './locate-index.js'
export { regionsPolicy, regionAccess } from './regions.policy.js'
export { REGION_LEVELS, type RegionLevel } from './regions.repository.js'
export { IMPORT_TOLERANCES } from './regions.schemas.js'
export { gridChecks, regionChecks, countRegions, topRegions, gridTopology } from './quality.js'

/** Routes under the API prefix. */
export const regionsModule = regionsRoutes

import type { AuthUser } from '../../platform/access.js'
import { invalid } from '../../platform/errors.js'
import { fromWgs84, type Crs } from '../../platform/geo/index.js'
import type { Platform } from '../../platform/platform.js'
import { pointIndexOf } from './cluster-index.js'
import { componentsPolicy as policy } from './components.policy.js'
import { COMPONENTS_CHANGED, parseBBox } from './components.service.js'
import type { ComponentStatus } from './import-rows.js'

/** Most cells one window may ask for (a city-wide window at street zoom is refused, not computed). */
const MAX_CELLS = 40_000

export async function componentClusters(
  p: Platform,
  opts: {
    caller: AuthUser
    query: { bbox: string; zoom: number; cellPx: number; minorClass?: string; majorClass?: string; status?: string; includeRetired: boolean; crs: Crs }
  },
) {
  policy.assert(opts.caller, 'components.read')
  const q = opts.query
  const bbox = parseBBox(q.bbox, q.crs)
  const cell = (q.cellPx * 360) / (256 * 2 ** q.zoom)
  const cells = Math.ceil((bbox[2] - bbox[0]) / cell + 1) * Math.ceil((bbox[3] - bbox[1]) / cell + 1)
  if (cells > MAX_CELLS) throw invalid([{ field: 'bbox', reason: `the window is too large for zoom ${q.zoom} (${cells} cells); zoom out or shrink it` }])
  const index = await pointIndexOf(p, COMPONENTS_CHANGED)
  const result = index.clusters(
    {
      bbox,
      zoom: q.zoom,
      cellPx: q.cellPx,
      includeRetired: q.includeRetired,
      ...(q.minorClass ? { minorClasses: q.minorClass.split(',') } : {}),
      ...(q.majorClass ? { majorClass: q.majorClass } : {}),
      ...(q.status ? { statuses: q.status.split(',') as ComponentStatus[] } : {}),
    },
    opts.caller,
  )
  const out = (lng: number, lat: number) => (q.crs === 'WGS84' ? [lng, lat] : fromWgs84(q.crs, lng, lat))
  return {
    zoom: q.zoom,
    total: result.total,
    asOf: index.builtAt.toISOString(),
    items: result.items.map((c) => {
      const [lng, lat] = out(c.lng, c.lat) as [number, number]
      const bb = c.bbox ? ([...out(c.bbox[0], c.bbox[1]), ...out(c.bbox[2], c.bbox[3])] as [number, number, number, number]) : undefined
      return { ...c, lng, lat, ...(bb ? { bbox: bb } : {}) }
    }),
  }
}

/**
 * Test and benchmark fixtures: a small community with four grids imported through the regions
 * API, and helpers to create lots and spaces over HTTP. Not loaded by the application.
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify'

type Inject = (opts: InjectOptions) => Promise<LightMyRequestResponse>
type Rect = [number, number, number, number]

const ring = ([a, b, c, d]: Rect) => [[a, b], [c, b], [c, d], [a, d], [a, b]]
const box = (code: string, name: string, r: Rect) => ({ type: 'Feature', properties: { code, name }, geometry: { type: 'Polygon', coordinates: [ring(r)] } })

export const DISTRICT = '320102'
export const STREET = '320102001'
export const COMMUNITY = '320102001001'
/** The four grids tile the community 2 × 2; GRID_NW holds LOT_POINT. */
export const GRID_NW = '320102001001001'
export const LOT_POINT = { lng: 118.775, lat: 32.045 }
export const OTHER_GRID_POINT = { lng: 118.785, lat: 32.035 }
/** Outside every grid of the fixture. */
export const NOWHERE = { lng: 100.0, lat: 20.0 }

/** The body of POST /api/v1/regions/import for district → street → community → 4 grids. */
export function communityImport() {
  const features = [
    box(DISTRICT, '玄武区', [118.7, 31.98, 118.86, 32.1]),
    box(STREET, '测试街道', [118.76, 32.02, 118.8, 32.06]),
    box(COMMUNITY, '停车社区', [118.77, 32.03, 118.79, 32.05]),
    box(`${COMMUNITY}001`, '西北网格', [118.77, 32.04, 118.78, 32.05]),
    box(`${COMMUNITY}002`, '东北网格', [118.78, 32.04, 118.79, 32.05]),
    box(`${COMMUNITY}003`, '西南网格', [118.77, 32.03, 118.78, 32.04]),
    box(`${COMMUNITY}004`, '东南网格', [118.78, 32.03, 118.79, 32.04]),
  ]
  return { featureCollection: { type: 'FeatureCollection', features }, mapping: { code: 'code', name: 'name' } }
}

/** Import the fixture community (as an admin). */
export async function importCommunity(inject: Inject, adminCookie: string): Promise<void> {
  const res = await inject({ method: 'POST', url: '/api/v1/regions/import', headers: { cookie: adminCookie }, payload: communityImport() })
  if (res.statusCode !== 200) throw new Error(`regions import failed: ${res.statusCode} ${res.body}`)
}

/** A numbered space list: `prefix` + 01… */
export const spaceList = (prefix: string, n: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({ code: `${prefix}${String(i + 1).padStart(2, '0')}`, ...extra }))

/** Distinct valid blue plates 苏A00001… */
export const plateNo = (i: number) => `苏A${String(i).padStart(5, '0')}`

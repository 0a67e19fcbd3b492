import assert from 'node:assert/strict'
import type { TestApp } from './test-app.js'

type Rect = [minLng: number, minLat: number, maxLng: number, maxLat: number]

/** A closed, counter-clockwise rectangle ring (RFC 7946 exterior). */
export function rect([a, b, c, d]: Rect): number[][][] {
  return [[[a, b], [c, b], [c, d], [a, d], [a, b]]]
}

const feature = (code: string, name: string, level: string, parent: string | null, r: Rect) => ({
  type: 'Feature' as const,
  properties: { code, name, level, parent },
  geometry: { type: 'Polygon', coordinates: rect(r) },
})

/**
 * A small test territory near 新街口 (WGS84): district 320102 with two streets, one community
 * each; community 320102001001 has two grids side by side (…001 west, …002 east) and
 * 320102002001 one grid. Imported through the regions API, as a deployment would.
 */
export const TERRITORY = {
  district: '320102',
  streetA: '320102001',
  streetB: '320102002',
  gridA1: '320102001001001',
  gridA2: '320102001001002',
  gridB1: '320102002001001',
  /** A point inside gridA1, one inside gridA2 and one inside gridB1. */
  inA1: { lng: 118.775, lat: 32.04 },
  inA2: { lng: 118.785, lat: 32.04 },
  inB1: { lng: 118.81, lat: 32.04 },
}

/** The import request body of the test territory. */
export function territoryImport() {
  const features = [
    feature('320102', '玄武区', 'district', null, [118.7, 31.98, 118.86, 32.1]),
    feature('320102001', '测试街道甲', 'street', '320102', [118.76, 32.02, 118.8, 32.06]),
    feature('320102002', '测试街道乙', 'street', '320102', [118.8, 32.02, 118.84, 32.06]),
    feature('320102001001', '甲社区', 'community', '320102001', [118.77, 32.03, 118.79, 32.05]),
    feature('320102002001', '乙社区', 'community', '320102002', [118.8, 32.03, 118.82, 32.05]),
    feature('320102001001001', '甲1网格', 'grid', '320102001001', [118.77, 32.03, 118.78, 32.05]),
    feature('320102001001002', '甲2网格', 'grid', '320102001001', [118.78, 32.03, 118.79, 32.05]),
    feature('320102002001001', '乙1网格', 'grid', '320102002001', [118.8, 32.03, 118.82, 32.05]),
  ]
  return {
    featureCollection: { type: 'FeatureCollection', features },
    mapping: { code: 'code', name: 'name', parent: 'parent', level: 'level' },
    crs: 'WGS84',
  }
}

export async function importTerritory(t: TestApp, adminCookie: string) {
  const res = await t.inject({ method: 'POST', url: '/api/v1/regions/import', headers: { cookie: adminCookie }, payload: territoryImport() })
  assert.equal(res.statusCode, 200, res.body)
  const report = JSON.parse(res.body) as { committed: boolean; summary: { imported: number } }
  assert.ok(report.committed, res.body)
  return report
}

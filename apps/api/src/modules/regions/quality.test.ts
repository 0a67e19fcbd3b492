import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AreaGeometry } from '../../platform/geo/index.js'
import { computeTopology } from './quality.js'

type Rect = [number, number, number, number]
const box = ([a, b, c, d]: Rect): AreaGeometry => ({ type: 'Polygon', coordinates: [[[a, b], [c, b], [c, d], [a, d], [a, b]]] })
const community = (code: string, r: Rect | null) => ({ code, name: code, level: 'community' as const, parentCode: code.slice(0, 9), geometry: r ? box(r) : null })
const grid = (code: string, r: Rect) => ({ code, name: code, level: 'grid' as const, parentCode: code.slice(0, 12), geometry: box(r) })

test('grids that tile their community: no overlap, no gap', () => {
  const t = computeTopology([community('320102001001', [118.77, 32.03, 118.79, 32.05]), grid('320102001001001', [118.77, 32.03, 118.78, 32.05]), grid('320102001001002', [118.78, 32.03, 118.79, 32.05])])
  assert.deepEqual(t, { overlaps: [], gaps: [] })
})

test('an overlapping pair is reported under both grids; a half-covered community is a gap with its area', () => {
  const t = computeTopology([
    community('320102001001', [118.77, 32.03, 118.79, 32.05]),
    grid('320102001001001', [118.77, 32.03, 118.781, 32.05]),
    grid('320102001001002', [118.78, 32.03, 118.79, 32.05]),
    community('320102001002', [118.8, 32.03, 118.82, 32.05]),
    grid('320102001002001', [118.8, 32.03, 118.81, 32.05]),
  ])
  assert.deepEqual(t.overlaps.map((r) => r.id), ['320102001001001', '320102001001002'])
  // 0.001° × 0.02° near 32°N ≈ 94 m × 2,218 m ≈ 209,000 m²
  const area = Number(/overlaps 320102001001002 \(([0-9.]+) m²\)/.exec(t.overlaps[0]!.detail!)![1])
  assert.ok(area > 190_000 && area < 230_000, String(area))
  assert.deepEqual(t.gaps.map((r) => r.id), ['320102001002'])
  const gap = Number(/^([0-9.]+) m² uncovered in 1 place/.exec(t.gaps[0]!.detail!)![1])
  assert.ok(gap > 1_900_000 && gap < 2_300_000, String(gap))
})

test('touching grids and overlaps within the tolerance are not reported; communities without outline get no gap check', () => {
  const t = computeTopology([
    community('320102001001', null),
    grid('320102001001001', [118.77, 32.03, 118.78, 32.05]),
    grid('320102001001002', [118.78, 32.03, 118.79, 32.05]),
    grid('320102001001003', [118.79, 32.03, 118.8, 32.05]),
  ])
  assert.deepEqual(t, { overlaps: [], gaps: [] })
  const tiny = computeTopology([grid('320102001001001', [118.77, 32.03, 118.78, 32.05]), grid('320102001001002', [118.779999999, 32.03, 118.79, 32.05])])
  assert.deepEqual(tiny.overlaps, [], 'a sliver of about 0.2 m² is below the 1 m² tolerance')
})

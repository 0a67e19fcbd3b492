import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkAreaGeometry, multiPolygonArea, PolygonTester, polygonsOf, type PolygonCoords, type Position } from '../../platform/geo/index.js'
import { loadNanjing } from './datasets.js'
import { buildTerritory, clipToConvex, pullInside, voronoiCells } from './territory.js'

const square = (x0: number, y0: number, x1: number, y1: number): PolygonCoords[] => [[[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]]

test('Voronoi cells of points partition the polygon they are clipped to', () => {
  // an L-shaped polygon: the cells of four points cover it exactly once
  const L: PolygonCoords[] = [[[[118.7, 32.0], [118.8, 32.0], [118.8, 32.05], [118.75, 32.05], [118.75, 32.1], [118.7, 32.1], [118.7, 32.0]]]]
  const points: Position[] = [[118.72, 32.02], [118.78, 32.02], [118.72, 32.08], [118.76, 32.04]]
  const cells = voronoiCells(points, L)
  assert.equal(cells.length, 4)
  const total = cells.reduce((s, c) => s + multiPolygonArea(c), 0)
  assert.ok(Math.abs(total / multiPolygonArea(L) - 1) < 1e-9)
  cells.forEach((cell, i) => assert.ok(new PolygonTester(cell).test(points[i]![0], points[i]![1]) > 0, `cell ${i} holds its point`))
})

test('the convex pre-clip keeps everything near the convex ring (so the exact clip is unchanged)', () => {
  const L: PolygonCoords[] = [[[[0, 0], [4, 0], [4, 1], [1, 1], [1, 4], [0, 4], [0, 0]]]]
  const ring: Position[] = [[0.5, 0.5], [3, 0.5], [3, 3], [0.5, 3], [0.5, 0.5]]
  const near = clipToConvex(L, ring, 1e-6)
  const tester = new PolygonTester(near)
  for (const p of [[0.6, 0.6], [2.9, 0.9], [0.9, 2.9]] as Position[]) assert.equal(tester.test(p[0], p[1]), 1)
  assert.equal(new PolygonTester(near).test(2, 2), -1, 'the notch of the L stays out')
})

test('pullInside moves vertices that fell a hair outside the parent onto or inside it, and nothing else', () => {
  const parent = square(0, 0, 1, 1)
  const tester = new PolygonTester(parent)
  const child: PolygonCoords[] = [[[[0.2, 0.2], [1 + 1e-15, 0.2], [1 + 1e-15, 0.8], [0.2, 0.8], [0.2, 0.2]]]]
  const pulled = pullInside(child, tester, [0.5, 0.5], new Set())
  for (const p of pulled[0]![0]!) assert.ok(tester.test(p[0], p[1]) >= 0)
  assert.deepEqual(pulled[0]![0]![0], [0.2, 0.2])
  assert.ok(Math.abs(pulled[0]![0]![1]![0] - 1) < 1e-9)
})

test('the Nanjing territory: 11 real districts, the 103 streets of 2023, valid approximate outlines inside their parents', () => {
  const t = buildTerritory(loadNanjing(), { maxCommunitiesPerStreet: 2 })
  assert.equal(t.city.code, '320100')
  assert.equal(t.districts.length, 11)
  assert.equal(t.streets.length, 103)
  assert.ok(t.streets.every((s) => s.code.length === 9 && s.parentCode === s.code.slice(0, 6) && s.approximate))
  assert.ok(t.communities.every((c) => c.code.length === 12 && c.parentCode === c.code.slice(0, 9) && c.approximate))
  assert.equal(new Set(t.communities.map((c) => c.code)).size, t.communities.length, 'community codes are unique')
  const xinjiekou = t.streets.find((s) => s.name === '新街口街道')!
  assert.equal(xinjiekou.code, '320102003')
  assert.equal(xinjiekou.pointSource, 'street2016')
  const parents = new Map([...t.districts, ...t.streets].map((r) => [r.code, new PolygonTester(polygonsOf(r.geometry))]))
  for (const r of [...t.streets, ...t.communities]) {
    const checked = checkAreaGeometry(r.geometry)
    assert.ok(!checked.issues.some((i) => i.severity === 'error'), `${r.code} ${r.name}: ${checked.issues.map((i) => i.kind).join(', ')}`)
    const parent = parents.get(r.parentCode!)!
    for (const poly of polygonsOf(r.geometry)) for (const ring of poly) for (const [x, y] of ring) assert.ok(parent.test(x, y) >= 0, `${r.code}: a vertex outside ${r.parentCode}`)
  }
  // the streets of a district cover it
  for (const d of t.districts) {
    const streets = t.streets.filter((s) => s.parentCode === d.code)
    const sum = streets.reduce((s, x) => s + multiPolygonArea(polygonsOf(x.geometry)), 0)
    assert.ok(Math.abs(sum / multiPolygonArea(polygonsOf(d.geometry)) - 1) < 1e-6, `${d.name}: streets cover the district`)
  }
})

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import {
  bd09ToWgs84,
  bboxOf,
  checkAreaGeometry,
  convertCoordinates,
  gcj02ToWgs84,
  geometryArea,
  interiorsOverlap,
  outsideArea,
  overlapArea,
  PolygonIndex,
  pointInPolygons,
  ringArea,
  segmentRelation,
  wgs84ToBd09,
  wgs84ToGcj02,
  type AreaGeometry,
  type Position,
} from './index.js'

const dataset = (path: string) => JSON.parse(readFileSync(new URL(`../../../../../datasets/nanjing/${path}`, import.meta.url), 'utf8'))
const square = (x0: number, y0: number, s: number): Position[] => [[x0, y0], [x0 + s, y0], [x0 + s, y0 + s], [x0, y0 + s], [x0, y0]]

describe('geo: coordinate systems', () => {
  test('GCJ-02 and BD-09 round trips stay within a millimetre', () => {
    for (const [lng, lat] of [[118.7786, 32.0415], [116.397, 39.908], [121.4737, 31.2304]] as Position[]) {
      const [gx, gy] = wgs84ToGcj02(lng, lat)
      assert.ok(Math.abs(gx - lng) > 0.001, 'GCJ-02 shifts points in China')
      const [wx, wy] = gcj02ToWgs84(gx, gy)
      assert.ok(Math.abs(wx - lng) < 1e-8 && Math.abs(wy - lat) < 1e-8)
      const [bx, by] = bd09ToWgs84(...wgs84ToBd09(lng, lat))
      assert.ok(Math.abs(bx - lng) < 1e-8 && Math.abs(by - lat) < 1e-8)
    }
    assert.deepEqual(wgs84ToGcj02(2.35, 48.85), [2.35, 48.85], 'no offset outside China')
  })

  test('the Nanjing GCJ-02 district file converts onto the shipped WGS84 file (6-decimal rounding)', () => {
    const gcj = dataset('boundaries/nanjing-districts.gcj02.geojson')
    const wgs = dataset('boundaries/nanjing-districts.wgs84.geojson')
    let worst = 0
    gcj.features.forEach((f: any, i: number) => {
      const converted = convertCoordinates(f.geometry.coordinates, gcj02ToWgs84).flat(Infinity) as number[]
      const expected = wgs.features[i].geometry.coordinates.flat(Infinity) as number[]
      assert.equal(converted.length, expected.length)
      for (let k = 0; k < converted.length; k++) worst = Math.max(worst, Math.abs(converted[k]! - expected[k]!))
    })
    assert.ok(worst < 2e-6, `worst difference ${worst}° (≈ ${(worst * 111_000).toFixed(2)} m)`)
  })
})

describe('geo: area and bbox', () => {
  test('a 1°×1° cell at the equator has its ellipsoidal area', () => {
    // GeographicLib (geodesic edges) gives 12,308,778,361 m²; meridian/parallel edges make ours exact
    const a = ringArea(square(0, 0, 1))
    assert.ok(Math.abs(a - 12_308_778_361) / 12_308_778_361 < 1e-4, String(a))
    assert.ok(ringArea([...square(0, 0, 1)].reverse()) < 0, 'clockwise rings are negative')
  })

  test('holes are subtracted whatever their winding; Nanjing districts sum to ~6,595 km²', () => {
    const outer = square(118, 32, 0.01)
    const hole = square(118.004, 32.004, 0.002)
    const withHole = geometryArea({ type: 'Polygon', coordinates: [outer, hole] })
    assert.ok(Math.abs(withHole - (ringArea(outer) - ringArea(hole))) < 1e-6)
    const districts = dataset('boundaries/nanjing-districts.wgs84.geojson')
    const total = districts.features.reduce((s: number, f: any) => s + geometryArea(f.geometry), 0) / 1e6
    assert.ok(Math.abs(total - 6595) < 15, `${total} km²`)
    assert.deepEqual(bboxOf(outer), [118, 32, 118.01, 32.01])
  })
})

describe('geo: validation and repair', () => {
  const kinds = (g: unknown) => checkAreaGeometry(g).issues.map((i) => `${i.severity}:${i.kind}`)

  test('a clean polygon passes; wrong winding and repeated vertices are repaired as warnings', () => {
    assert.deepEqual(kinds({ type: 'Polygon', coordinates: [square(118, 32, 0.01)] }), [])
    const cw = [...square(118, 32, 0.01)].reverse()
    cw.splice(1, 0, cw[1]!)
    const r = checkAreaGeometry({ type: 'Polygon', coordinates: [cw] })
    assert.deepEqual(r.issues.map((i) => i.kind).sort(), ['duplicate_vertices', 'wrong_winding'])
    assert.ok(r.geometry && ringArea((r.geometry as any).coordinates[0]) > 0)
  })

  test('each error kind is named', () => {
    assert.deepEqual(kinds({ type: 'Point', coordinates: [118, 32] }), ['error:invalid_geometry'])
    assert.deepEqual(kinds({ type: 'Polygon', coordinates: [square(118, 32, 0.01).slice(0, 4)] }), ['error:unclosed_ring'])
    assert.deepEqual(kinds({ type: 'Polygon', coordinates: [[[118, 32], [118.01, 32], [118, 32]]] }), ['error:too_few_points'])
    const bowtie = [[118, 32], [118.01, 32.01], [118.01, 32], [118, 32.02], [118, 32]]
    assert.deepEqual(kinds({ type: 'Polygon', coordinates: [bowtie] }), ['error:self_intersection'])
    assert.deepEqual(kinds({ type: 'Polygon', coordinates: [square(32, 118, 0.01)] }), ['error:outside_china'])
    const holeOutside = [square(118, 32, 0.01), [...square(118.02, 32, 0.001)].reverse()]
    assert.deepEqual(kinds({ type: 'Polygon', coordinates: holeOutside }), ['error:hole_outside'])
    const crossingHole = [square(118, 32, 0.01), [...square(118.005, 32.005, 0.01)].reverse()]
    assert.ok(kinds({ type: 'Polygon', coordinates: crossingHole }).includes('error:self_intersection'))
  })

  test('segment relations are exact', () => {
    assert.equal(segmentRelation([0, 0], [2, 2], [0, 2], [2, 0]), 'proper')
    assert.equal(segmentRelation([0, 0], [2, 0], [1, 0], [3, 0]), 'overlap')
    assert.equal(segmentRelation([0, 0], [2, 0], [2, 0], [3, 1]), 'touch')
    assert.equal(segmentRelation([0, 0], [2, 0], [0, 1], [2, 1]), 'none')
  })
})

describe('geo: point lookup', () => {
  // a 3×3 lattice of squares on a binary grid (so borders are exact), items in code order
  const s = 1 / 1024
  const cells: AreaGeometry[] = []
  for (let row = 0; row < 3; row++) for (let col = 0; col < 3; col++) cells.push({ type: 'Polygon', coordinates: [square(118 + col * s, 32 + row * s, s)] })
  const index = new PolygonIndex(cells)

  test('points inside, on shared borders and corners, and outside', () => {
    assert.equal(index.find(118 + 0.5 * s, 32 + 0.5 * s), 0)
    assert.equal(index.find(118 + 2.5 * s, 32 + 1.5 * s), 5)
    assert.equal(index.find(118 + s, 32 + 0.5 * s), 0, 'shared vertical edge of 0 and 1 → lowest index')
    assert.equal(index.find(118 + 1.5 * s, 32 + s), 1, 'shared horizontal edge of 1 and 4 → lowest index')
    assert.equal(index.find(118 + 2 * s, 32 + 2 * s), 4, 'corner shared by 4, 5, 7, 8 → lowest index')
    assert.equal(index.find(118 + 1.5 * s, 32 + 3 * s), 7, 'outer edge belongs to the cell')
    assert.equal(index.find(118 + 3.5 * s, 32 + 1.5 * s), -1)
    assert.equal(new PolygonIndex([]).find(0, 0), -1)
  })

  test('holes and multipolygon parts', () => {
    const g: AreaGeometry = { type: 'MultiPolygon', coordinates: [[square(0, 0, 10), [...square(2, 2, 2)].reverse()], [square(20, 0, 1)]] }
    const polys = g.coordinates
    assert.equal(pointInPolygons([1, 1], polys), 1)
    assert.equal(pointInPolygons([3, 3], polys), -1, 'inside the hole')
    assert.equal(pointInPolygons([2, 3], polys), 0, 'on the hole edge')
    assert.equal(pointInPolygons([20.5, 0.5], polys), 1)
    assert.equal(pointInPolygons([15, 0.5], polys), -1)
  })
})

describe('geo: topology', () => {
  const sq = (x0: number, y0: number, x1: number, y1: number) => [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] as Position[][]
  test('neighbours sharing an edge do not overlap; rectangles overlapping along collinear edges do', () => {
    assert.equal(overlapArea([sq(118, 32, 118.01, 32.01)], [sq(118.01, 32, 118.02, 32.01)]), 0)
    assert.ok(interiorsOverlap([sq(118, 32, 118.011, 32.01)], [sq(118.01, 32, 118.02, 32.01)]))
    assert.ok(interiorsOverlap([sq(118, 32, 118.01, 32.01)], [sq(118, 32, 118.01, 32.01)]), 'identical')
    const a = overlapArea([sq(118, 32, 118.011, 32.01)], [sq(118.01, 32, 118.02, 32.01)])
    assert.ok(Math.abs(a - ringArea(sq(118.01, 32, 118.011, 32.01)[0]!)) < 1e-3)
  })
  test('outside area of a child', () => {
    assert.equal(outsideArea([sq(118, 32, 118.01, 32.01)], [sq(117, 31, 119, 33)]), 0)
    const out = outsideArea([sq(118, 32, 118.02, 32.01)], [sq(117, 31, 118.01, 33)])
    assert.ok(Math.abs(out - ringArea(sq(118.01, 32, 118.02, 32.01)[0]!)) < 1e-3)
  })
})

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import {
  bboxOf,
  bboxesOverlap,
  difference,
  geometryArea,
  metresPerDegree,
  multiPolygonArea,
  outsideArea,
  overlapArea,
  polygonsOf,
  toAreaGeometry,
  type AreaGeometry,
  union,
  type Position,
} from '../../platform/geo/index.js'
import { chainRoads, divideArea, splitPolygonByLine, type DivideParams, type Division } from './division.js'

const osm = (layer: string) => JSON.parse(readFileSync(new URL(`../../../../../datasets/nanjing/osm/central-nanjing-osm.${layer}.geojson`, import.meta.url), 'utf8')).features as any[]
const areas = osm('areas')
const byName = (name: string): AreaGeometry => areas.find((f) => f.properties.name === name).geometry
/** Public roads of the OSM extract (paths and service ways inside parks would cut them to shreds). */
const ROAD_CLASSES = new Set(['trunk', 'primary', 'secondary', 'tertiary', 'unclassified', 'residential', 'primary_link', 'secondary_link', 'tertiary_link', 'trunk_link'])
const allRoads: Position[][] = osm('lines')
  .filter((f) => ROAD_CLASSES.has(f.properties.highway) && f.geometry.type === 'LineString')
  .map((f) => f.geometry.coordinates)
const roadsNear = (g: AreaGeometry) => allRoads.filter((r) => bboxesOverlap(bboxOf(r), bboxOf(g.coordinates)))

const PARAMS: DivideParams = { targetArea: 10_000, minArea: 5_000, maxArea: 20_000 }

// 莫愁湖公园 with the lake 莫愁湖 cut out: a real polygon with a hole
const park = byName('莫愁湖公园')
const lake = byName('莫愁湖')
const parkWithHole = toAreaGeometry(difference(polygonsOf(park), polygonsOf(lake)))
const concave = areas[142].geometry as AreaGeometry // a C-shaped commercial block near 新街口
const CASES: [string, AreaGeometry][] = [
  ['concave C-shaped block (OSM way 435240924)', concave],
  ['老门东 historic quarter', byName('老门东历史文化街区')],
  ['莫愁湖公园 minus the lake (polygon with a hole)', parkWithHole],
  ['MultiPolygon: 莫愁湖公园 with its hole + 清凉山公园', { type: 'MultiPolygon', coordinates: [...polygonsOf(parkWithHole), ...polygonsOf(byName('清凉山公园'))] }],
]

/** The invariants every division must keep (see docs/REGIONS.md). */
function assertPartition(g: AreaGeometry, d: Division, p: DivideParams) {
  const polys = polygonsOf(g)
  const area = geometryArea(g)
  const total = d.cells.reduce((s, c) => s + c.area, 0)
  assert.ok(Math.abs(total - area) / area < 0.001, `cells sum to ${total} m², community ${area} m²`)
  const boxes = d.cells.map((c) => bboxOf(c.polygons))
  for (let i = 0; i < d.cells.length; i++) {
    const cell = d.cells[i]!
    assert.equal(cell.polygons.length, 1, `cell ${cell.seq} is one polygon`)
    assert.ok(outsideArea(cell.polygons, polys) <= 1, `cell ${cell.seq} lies inside the community`)
    for (let j = i + 1; j < d.cells.length; j++) {
      if (!bboxesOverlap(boxes[i]!, boxes[j]!)) continue
      const o = overlapArea(cell.polygons, d.cells[j]!.polygons)
      assert.ok(o <= 1, `cells ${cell.seq} and ${d.cells[j]!.seq} overlap by ${o} m²`)
    }
    assert.ok(cell.area <= p.maxArea, `cell ${cell.seq}: ${cell.area} m² > maxArea`)
    if (cell.area < p.minArea) {
      // the documented remainder: a piece with no neighbour to join (an island of a MultiPolygon)
      const touches = d.cells.some((o, j) => j !== i && bboxesOverlap(boxes[i]!, boxes[j]!) && union(cell.polygons, o.polygons).length === 1)
      assert.ok(!touches, `cell ${cell.seq} (${cell.area} m²) is below minArea but has neighbours`)
    }
  }
  assertNumbering(d, p.targetArea)
}

/**
 * Numbering rule: take centroids north to south; a row is the run of cells within √target/2 m
 * south of the row's northernmost centroid; rows are numbered north→south, cells in a row
 * west→east.
 */
function assertNumbering(d: Division, targetArea: number) {
  assert.deepEqual(d.cells.map((c) => c.seq), d.cells.map((_, i) => i + 1))
  const gap = Math.sqrt(targetArea) / 2 / metresPerDegree(d.cells[0]!.centroid[1]).lat
  const rows = Math.max(...d.cells.map((c) => c.row))
  for (let r = 1; r <= rows; r++) {
    const cells = d.cells.filter((c) => c.row === r)
    assert.ok(cells.length > 0, `row ${r} is not empty`)
    const seqs = cells.map((c) => c.seq)
    assert.deepEqual(seqs, seqs.map((_, i) => seqs[0]! + i), `row ${r} is numbered consecutively`)
    for (let i = 1; i < cells.length; i++) assert.ok(cells[i]!.centroid[0] >= cells[i - 1]!.centroid[0], `cell ${cells[i]!.seq} is east of ${cells[i - 1]!.seq}`)
    const anchor = Math.max(...cells.map((c) => c.centroid[1]))
    assert.ok(cells.every((c) => anchor - c.centroid[1] <= gap), `row ${r} stays within its band`)
    assert.ok(d.cells.filter((c) => c.row > r).every((c) => anchor - c.centroid[1] > gap), `later rows lie south of row ${r}'s band`)
  }
}

describe('division of real community-sized polygons', () => {
  for (const [name, g] of CASES) {
    test(`${name}: without roads`, () => {
      const d = divideArea(g, PARAMS)
      assert.ok(d.cells.length >= Math.floor(geometryArea(g) / PARAMS.maxArea))
      assertPartition(g, d, PARAMS)
    })
    test(`${name}: with OSM roads`, () => {
      const roads = roadsNear(g)
      const d = divideArea(g, { ...PARAMS, roads })
      assertPartition(g, d, PARAMS)
    })
  }

  test('the cases are what they claim: concave, holed, multi', () => {
    assert.equal(parkWithHole.type, 'Polygon')
    assert.equal((parkWithHole as { coordinates: unknown[] }).coordinates.length, 2, 'park has the lake as a hole')
    const hull = (g: AreaGeometry) => {
      // area of the bbox is an upper bound of the hull; a C shape fills well under 60 % of it
      const [x0, y0, x1, y1] = bboxOf(g.coordinates)
      return geometryArea({ type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] })
    }
    assert.ok(geometryArea(concave) / hull(concave) < 0.6)
  })

  test('roads cut blocks: grid edges follow the road lines', () => {
    const d = divideArea(concave, { ...PARAMS, roads: roadsNear(concave) })
    assert.ok(d.roadCuts >= 3, `${d.roadCuts} road cuts`)
    // every vertex of a road inside the block that made a cut is a vertex of some cell
    const cellVertices = new Set(d.cells.flatMap((c) => c.polygons.flat(2).map((p) => `${p[0]},${p[1]}`)))
    const used = roadsNear(concave).flat().filter((p) => cellVertices.has(`${p[0]},${p[1]}`))
    assert.ok(used.length >= 3, 'cells reuse road vertices')
  })

  test('a community smaller than minArea stays one grid; a small one is not cut', () => {
    const tiny: AreaGeometry = { type: 'Polygon', coordinates: [[[118.78, 32.04], [118.7805, 32.04], [118.7805, 32.0404], [118.78, 32.0404], [118.78, 32.04]]] }
    assert.ok(geometryArea(tiny) < 5_000)
    const d = divideArea(tiny, PARAMS)
    assert.equal(d.cells.length, 1)
    assert.ok(Math.abs(d.cells[0]!.area - geometryArea(tiny)) < 1e-6)
  })

  test('a 1 km × 0.5 km rectangle gives ~50 cells of ~10,000 m² in a clean lattice', () => {
    const k = metresPerDegree(32)
    const w = 1000 / k.lng
    const h = 500 / k.lat
    const rect: AreaGeometry = { type: 'Polygon', coordinates: [[[118.7, 32], [118.7 + w, 32], [118.7 + w, 32 + h], [118.7, 32 + h], [118.7, 32]]] }
    const d = divideArea(rect, PARAMS)
    assert.equal(d.cells.length, 50)
    assert.equal(Math.max(...d.cells.map((c) => c.row)), 5)
    for (const c of d.cells) assert.ok(Math.abs(c.area - 10_000) < 50, `${c.area}`)
    assertPartition(rect, d, PARAMS)
    // seq 1 is the north-west cell, the last the south-east one
    const first = d.cells[0]!.centroid
    const last = d.cells.at(-1)!.centroid
    assert.ok(first[0] < last[0] && first[1] > last[1])
  })
})

describe('road cutting', () => {
  const square: Position[][] = [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]]

  test('a road through a polygon splits it exactly; a dead end does not', () => {
    const halves = splitPolygonByLine(square, [[-1, 1], [2, 1.5], [5, 1]])!
    assert.ok(halves)
    const a = halves.map((h) => multiPolygonArea([h]))
    assert.ok(Math.abs(a[0]! + a[1]! - multiPolygonArea([square])) < 1e-3)
    assert.equal(splitPolygonByLine(square, [[-1, 1], [2, 1.5]]), null)
    assert.equal(splitPolygonByLine(square, [[5, 5], [6, 6]]), null)
  })

  test('a road through a vertex and along an edge, and holes going with their half', () => {
    assert.ok(splitPolygonByLine(square, [[-1, -1], [5, 5]]), 'diagonal through two corners')
    assert.equal(splitPolygonByLine(square, [[0, -1], [0, 5]]), null, 'along the boundary cuts nothing')
    const withHole = [...square, [[3, 3], [3.5, 3], [3.5, 3.5], [3, 3.5], [3, 3]].reverse() as Position[]]
    const halves = splitPolygonByLine(withHole, [[-1, 2], [5, 2]])!
    assert.equal(halves.filter((h) => h.length === 2).length, 1, 'the hole stays in one half')
  })

  test('ways of one road are chained end to end; a crossing road stays separate', () => {
    const chains = chainRoads([
      [[0, 0], [1, 0]],
      [[1, 0], [2, 0.05]],
      [[2, 0.05], [3, 0]],
      [[1, -1], [1, 0]],
    ])
    assert.equal(chains.length, 2)
    assert.deepEqual(chains.find((c) => c.length === 4)!.map((p) => p[0]).sort(), [0, 1, 2, 3])
  })
})

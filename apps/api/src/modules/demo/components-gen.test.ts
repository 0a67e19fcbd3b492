import assert from 'node:assert/strict'
import { test } from 'node:test'
import { distanceMetres, type Position } from '../../platform/geo/index.js'
import { generateComponents, OSM_NOTE, pointsAlong, SYNTHETIC_NOTE } from './components-gen.js'
import { loadNanjing } from './datasets.js'
import { Random } from './random.js'

test('points along a line keep their spacing and their offset from it', () => {
  // ~945 m due east at 32°N
  const line: Position[] = [[118.78, 32.04], [118.79, 32.04]]
  const left = pointsAlong(line, 100, 10, 0)
  assert.equal(left.length, 10)
  for (let i = 1; i < left.length; i++) assert.ok(Math.abs(distanceMetres(left[i - 1]!, left[i]!) - 100) < 0.5)
  assert.ok(left.every((p) => p[1] > 32.04), 'positive offsets are on the left (north of an eastward line)')
  assert.ok(Math.abs(distanceMetres(left[0]!, [118.78, 32.04]) - 10) < 0.1)
  assert.ok(pointsAlong(line, 100, -10, 50).every((p) => p[1] < 32.04))
})

test('the pilot components: OSM bus stops and signals where OSM has them, street furniture along real roads, all inside grids', () => {
  const data = loadNanjing()
  // a stand-in for the pilot grids: a box around 新街口 split in two "grids"
  const gridAt = (lng: number, lat: number) => (lng >= 118.77 && lng <= 118.79 && lat >= 32.035 && lat <= 32.05 ? (lng < 118.78 ? 'W' : 'E') : null)
  const make = () => generateComponents({ roads: data.roads, pois: data.pois, gridAt, rnd: new Random(3) })
  const list = make()
  assert.deepEqual(list, make(), 'the same seed places the same components')
  const by = (code: string) => list.filter((c) => c.minorClass === code)
  assert.ok(by('0203').length > 0 && by('0203').every((c) => c.attributes['站名'] && c.note.startsWith(OSM_NOTE)), 'bus shelters from OSM stops, with their 站名')
  assert.ok(by('0210').length > 0, 'traffic signals from OSM')
  for (const code of ['0118', '0101', '0102', '0103', '0104', '0305', '0402']) assert.ok(by(code).length > 10, `${code} along the roads`)
  assert.ok(list.filter((c) => c.note === SYNTHETIC_NOTE).every((c) => c.dataSource === 'fieldMapping'))
  assert.ok(list.every((c) => gridAt(c.lng, c.lat) === c.gridCode), 'every component lies in the grid it names')
  assert.ok(list.length > 500 && list.length < 8000, `${list.length} components in ~3 km²`)
})

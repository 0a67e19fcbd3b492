import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import type { BusEvent } from '../../platform/events.js'
import { bboxOf, bboxesOverlap, centroidOf, distanceMetres, pointInPolygons, wgs84ToBd09, wgs84ToGcj02, type Position } from '../../platform/geo/index.js'
import { createTestApp, json, type TestApp } from '../../testing/test-app.js'

const dataset = (path: string) => JSON.parse(readFileSync(new URL(`../../../../../datasets/nanjing/${path}`, import.meta.url), 'utf8'))
const NANJING_MAPPING = { code: 'adcode', name: 'name', parent: 'parent.adcode', level: 'level' }
const MAPPING = { code: 'code', name: 'name', parent: 'parent', level: 'level' }

type Rect = [number, number, number, number]
const ring = ([a, b, c, d]: Rect): Position[] => [[a, b], [c, b], [c, d], [a, d], [a, b]]
const feature = (code: string, name: string, geometry: unknown, extra: Record<string, unknown> = {}) => ({ type: 'Feature', properties: { code, name, ...extra }, geometry })
const box = (code: string, name: string, r: Rect) => feature(code, name, { type: 'Polygon', coordinates: [ring(r)] })
const fc = (features: unknown[]) => ({ type: 'FeatureCollection', features })

async function count(t: TestApp, table: 'regions' | 'audit_log' | 'grid_assignments', where = sql`true`) {
  const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where ${where}`.execute(t.database.db)
  return r.rows[0]!.n
}

describe('regions: Nanjing districts, locate, division, reads and people', () => {
  let t: TestApp
  let admin: string
  const events: BusEvent[] = []
  before(async () => {
    t = await createTestApp()
    admin = (await t.userWith({ username: 'root', roles: ['admin'] })).cookie
    t.app.platform.bus.subscribe((e) => events.push(e))
  })
  after(() => t.close())

  const inject = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, cookie = admin) =>
    t.app.inject({ method, url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as object }) })
  const locate = async (lng: number, lat: number, extra = '') => inject('GET', `/api/v1/locate?lng=${lng}&lat=${lat}${extra}`)

  test('the GCJ-02 district file, declared GCJ-02, lands within metres of the WGS84 boundaries', async () => {
    const res = await inject('POST', '/api/v1/regions/import', { featureCollection: dataset('boundaries/nanjing-districts.gcj02.geojson'), mapping: NANJING_MAPPING, crs: 'GCJ-02' })
    assert.equal(res.statusCode, 200, res.body)
    const report = json(res)
    assert.equal(report.committed, true)
    assert.deepEqual(report.summary.byLevel, { district: 11 })
    assert.deepEqual([...new Set(report.problems.map((p: { kind: string }) => p.kind))], ['wrong_winding'], 'Amap rings are clockwise: repaired, reported')
    const wgs = dataset('boundaries/nanjing-districts.wgs84.geojson')
    let worst = 0
    for (const f of wgs.features) {
      const stored = json(await inject('GET', `/api/v1/regions/${f.properties.adcode}?geometry=true`))
      assert.equal(stored.parentCode, null, 'no city 320100 in the database: a district may stand alone')
      const rings = (g: { type: string; coordinates: unknown[] }) => (g.type === 'Polygon' ? g.coordinates : g.coordinates.flat(1)) as Position[][]
      const a = rings(stored.geometry)
      const b = rings(f.geometry)
      a.forEach((r, i) => {
        const other = [...b[i]!].reverse() // stored counter-clockwise, the file clockwise
        r.forEach((p, k) => (worst = Math.max(worst, distanceMetres(p, other[k]!))))
      })
    }
    assert.ok(worst < 3, `worst vertex is ${worst.toFixed(2)} m from the WGS84 file`)
  })

  test('landmarks resolve to their district', async () => {
    // WGS84; each at least ~400 m inside its district polygon (OSM positions where the extract has them)
    const landmarks: [string, Position, string][] = [
      ['玄武湖', [118.7945, 32.0745], '玄武区'],
      ['中山陵', [118.843, 32.066], '玄武区'],
      ['夫子庙 (OSM)', [118.7839632, 32.0224887], '秦淮区'],
      ['朝天宫 (OSM)', [118.7700995, 32.0366702], '秦淮区'],
      ['南京大学鼓楼校区', [118.7745, 32.0567], '鼓楼区'],
      ['南京南站', [118.7924, 31.9711], '雨花台区'],
      ['奥体中心', [118.7284, 32.0107], '建邺区'],
      ['南京禄口国际机场', [118.862, 31.742], '江宁区'],
      ['燕子矶', [118.8075, 32.1515], '栖霞区'],
      ['浦口火车站', [118.7225, 32.1106], '浦口区'],
      ['六合 (雄州)', [118.822, 32.322], '六合区'],
      ['溧水 (永阳)', [119.028, 31.651], '溧水区'],
      ['高淳 (淳溪)', [118.876, 31.327], '高淳区'],
    ]
    for (const [name, [lng, lat], district] of landmarks) {
      const res = await locate(lng, lat)
      assert.equal(res.statusCode, 200, `${name}: ${res.body}`)
      const body = json(res)
      assert.equal(body.district?.name, district, name)
      assert.equal(body.grid, null, 'no grids yet: the district is the deepest region')
    }
  })

  test('points outside Nanjing get a 404 problem; strict=true wants a grid', async () => {
    for (const [lng, lat] of [[121.47, 31.23], [118.51, 31.67], [116.397, 39.908]] as Position[]) {
      const res = await locate(lng, lat)
      assert.equal(res.statusCode, 404)
      assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
      assert.equal(json(res).code, 'NOT_FOUND')
      assert.match(json(res).detail, /in no grid/)
    }
    assert.equal((await locate(118.7945, 32.0745, '&strict=true')).statusCode, 404)
  })

  test('locate takes GCJ-02 and BD-09 positions (Amap, Baidu)', async () => {
    const wgs: Position = [118.7839632, 32.0224887]
    for (const [crs, p] of [['GCJ-02', wgs84ToGcj02(...wgs)], ['BD-09', wgs84ToBd09(...wgs)]] as const) {
      const body = json(await locate(p[0], p[1], `&crs=${crs}`))
      assert.equal(body.district.name, '秦淮区', crs)
      assert.ok(distanceMetres(body.wgs84, wgs) < 0.01)
    }
  })

  const COMMUNITY = '320104001001'
  const osmArea = (name: string) => dataset('osm/central-nanjing-osm.areas.geojson').features.find((f: any) => f.properties.name === name).geometry
  const bailuzhou = osmArea('白鹭洲公园')

  test('a street without outline and communities below it; a community outside its district, or invalid, is refused', async () => {
    const features = [
      feature('320104001', '测试街道', null, { level: 'street' }),
      feature(COMMUNITY, '白鹭洲社区', bailuzhou),
      feature('320104001002', '清凉山社区', osmArea('清凉山公园')), // 清凉山 is in 鼓楼, not 秦淮
      feature('320104001003', '老门东社区', osmArea('老门东历史文化街区')), // the OSM outline touches itself
    ]
    const dry = json(await inject('POST', '/api/v1/regions/import', { featureCollection: fc(features), mapping: MAPPING, dryRun: true }))
    assert.equal(dry.committed, false)
    const outside = dry.problems.find((p: { kind: string }) => p.kind === 'not_inside_parent')
    assert.equal(outside.index, 2)
    assert.equal(outside.severity, 'error')
    assert.ok(outside.area > 100_000, 'the whole park lies outside 秦淮区')
    const touching = dry.problems.filter((p: { kind: string }) => p.kind === 'self_intersection')
    assert.deepEqual([...new Set(touching.map((p: { index: number }) => p.index))], [3])
    assert.ok(distanceMetres(touching[0].at, [118.78045, 32.01547]) < 5, 'the report says where')
    const ok = await inject('POST', '/api/v1/regions/import', { featureCollection: fc(features.slice(0, 2)), mapping: MAPPING })
    assert.equal(ok.statusCode, 200, ok.body)
    assert.equal(json(ok).summary.imported, 2)
    assert.equal(json(await locate(118.7905, 32.0150)).community?.code ?? null, null, 'a point of 秦淮 outside the community')
  })

  let preview: any
  test('divide: preview writes nothing, commit writes the grids, a second commit needs replace', async () => {
    const res = await inject('POST', `/api/v1/regions/${COMMUNITY}/divide`, {})
    assert.equal(res.statusCode, 200, res.body)
    preview = json(res)
    const s = preview.stats
    assert.equal(preview.committed, false)
    assert.ok(s.cells >= 8 && s.cells <= 34, `${s.cells} cells`)
    assert.ok(Math.abs(s.totalArea - s.communityArea) / s.communityArea < 0.001)
    assert.ok(s.minArea >= 5000 && s.maxArea <= 20000)
    assert.deepEqual(
      preview.cells.features.map((f: any) => f.properties.code),
      preview.cells.features.map((_: unknown, i: number) => `${COMMUNITY}${String(i + 1).padStart(3, '0')}`),
    )
    assert.equal(await count(t, 'regions', sql`level = 'grid'`), 0)

    events.length = 0
    const committed = json(await inject('POST', `/api/v1/regions/${COMMUNITY}/divide`, { commit: true }))
    assert.equal(committed.committed, true)
    assert.equal(await count(t, 'regions', sql`level = 'grid' and parent_code = ${COMMUNITY}`), s.cells)
    assert.ok(events.some((e) => e.type === 'regions.changed' && e.regionCode === COMMUNITY), 'announced after commit')
    assert.equal(await count(t, 'audit_log', sql`action = 'regions.divide'`), 1)

    const again = await inject('POST', `/api/v1/regions/${COMMUNITY}/divide`, { commit: true })
    assert.equal(again.statusCode, 409)
    assert.equal(json(again).code, 'CONFLICT')
  })

  test('locate finds the new grids at once; a point on a shared border goes to exactly one grid, the lowest code', async () => {
    const geo = json(await inject('GET', `/api/v1/regions/${COMMUNITY}/geojson?depth=1`))
    const grids = geo.features.filter((f: any) => f.properties.level === 'grid')
    assert.equal(grids.length, preview.stats.cells)
    // a vertex shared by several grids
    const owners = new Map<string, string[]>()
    for (const g of grids) for (const p of new Set((g.geometry.coordinates.flat() as Position[]).map((q) => `${q[0]},${q[1]}`))) owners.set(p, [...(owners.get(p) ?? []), g.properties.code])
    const [shared, codes] = [...owners].find(([, c]) => c.length >= 3) ?? [...owners].find(([, c]) => c.length >= 2)!
    const [lng, lat] = shared.split(',').map(Number) as [number, number]
    const hit = json(await locate(lng, lat))
    assert.equal(hit.grid.code, [...codes].sort()[0], `border point of ${codes.join(', ')}`)
    assert.equal(hit.community.code, COMMUNITY)
    assert.deepEqual(hit.street, { code: '320104001', name: '测试街道' })
    assert.equal(hit.district.name, '秦淮区')
    // interior points: each grid's centroid, where it lies inside the grid, is found in that grid
    let checked = 0
    for (const g of grids) {
      const c = centroidOf([g.geometry.coordinates])
      if (pointInPolygons(c, [g.geometry.coordinates]) <= 0) continue
      assert.equal(json(await locate(c[0], c[1])).grid.code, g.properties.code)
      checked++
    }
    assert.ok(checked >= grids.length / 2)
  })

  test('divide with OSM roads, replacing the grids; assignments of replaced grids end', async () => {
    const lines = dataset('osm/central-nanjing-osm.lines.geojson').features.filter(
      (f: any) => f.properties.highway && !['footway', 'path', 'steps', 'service', 'cycleway', 'pedestrian'].includes(f.properties.highway) && bboxesOverlap(bboxOf(f.geometry.coordinates), bboxOf(bailuzhou.coordinates)),
    )
    const worker = await t.userWith({ username: 'gw-old', roles: ['gridWorker'] })
    const grid = `${COMMUNITY}001`
    assert.equal((await inject('PUT', `/api/v1/grids/${grid}/people`, { primary: worker.id, helpers: [] })).statusCode, 200)
    const res = await inject('POST', `/api/v1/regions/${COMMUNITY}/divide`, { roads: fc(lines), commit: true, replace: true })
    assert.equal(res.statusCode, 200, res.body)
    const body = json(res)
    assert.equal(body.replaced, preview.stats.cells)
    assert.ok(Math.abs(body.stats.totalArea - body.stats.communityArea) / body.stats.communityArea < 0.001)
    assert.equal(await count(t, 'grid_assignments', sql`assigned_to is null and grid_code like ${`${COMMUNITY}%`}`), 0)
    assert.equal((await sql`select 1 from user_scopes where user_id = ${worker.id}`.execute(t.database.db)).rows.length, 0, 'the scope went with the assignment')
  })

  test('reads: list paging by code, children, GeoJSON export in GCJ-02, statistics', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: any = json(await inject('GET', `/api/v1/regions?limit=7${cursor ? `&cursor=${cursor}` : ''}`))
      seen.push(...page.items.map((r: { code: string }) => r.code))
      cursor = page.nextCursor
    } while (cursor)
    assert.equal(seen.length, await count(t, 'regions'))
    assert.deepEqual(seen, [...seen].sort())
    const districts = json(await inject('GET', '/api/v1/regions?level=district&limit=100'))
    assert.equal(districts.items.length, 11)
    assert.equal(districts.items[0].geometry, undefined, 'lists carry no geometry')
    assert.deepEqual(json(await inject('GET', `/api/v1/regions?q=${encodeURIComponent('秦淮')}`)).items.map((r: { code: string }) => r.code), ['320104'])

    const children = json(await inject('GET', `/api/v1/regions/320104/children`))
    assert.deepEqual(children.items.map((r: { code: string }) => r.code), ['320104001'])
    assert.equal(children.items[0].hasGeometry, false)

    const wgs = json(await inject('GET', `/api/v1/regions/${COMMUNITY}/geojson?depth=0`))
    const gcj = json(await inject('GET', `/api/v1/regions/${COMMUNITY}/geojson?depth=0&crs=GCJ-02`))
    assert.equal(wgs.features.length, 1)
    const p = wgs.features[0].geometry.coordinates[0][0]
    assert.ok(distanceMetres(gcj.features[0].geometry.coordinates[0][0], wgs84ToGcj02(p[0], p[1])) < 0.001)

    const stats = json(await inject('GET', `/api/v1/regions/320104/stats`))
    const grids = await count(t, 'regions', sql`level = 'grid'`)
    assert.deepEqual(stats.descendants, { street: 1, community: 1, grid: grids })
    assert.equal(stats.children, 1)
    assert.equal(stats.grids, grids)
    assert.ok(stats.gridCoverage > 0 && stats.gridCoverage < 0.01)
  })

  test('scopes: a grid worker sees the grid, the names of the regions above it, and nothing else', async () => {
    const grid = `${COMMUNITY}002`
    const { cookie } = await t.userWith({ username: 'scoped', roles: ['gridWorker'], regionCodes: [grid] })
    const list = json(await inject('GET', '/api/v1/regions?limit=100', undefined, cookie))
    assert.deepEqual(list.items.map((r: { code: string }) => r.code), ['320104', '320104001', COMMUNITY, grid])
    assert.deepEqual(list.items.map((r: { access: string }) => r.access), ['ancestor', 'ancestor', 'ancestor', 'full'])
    assert.equal(list.items[0].area, null, 'ancestors by name only')
    const district = json(await inject('GET', '/api/v1/regions/320104?geometry=true', undefined, cookie))
    assert.equal(district.geometry, null)
    assert.equal((await inject('GET', '/api/v1/regions/320102', undefined, cookie)).statusCode, 404)
    assert.equal((await inject('GET', '/api/v1/regions/320104/stats', undefined, cookie)).statusCode, 404)
    assert.equal((await inject('GET', `/api/v1/regions/${grid}/geojson`, undefined, cookie)).statusCode, 200)
    assert.deepEqual(json(await inject('GET', `/api/v1/regions/${COMMUNITY}/children`, undefined, cookie)).items.map((r: { code: string }) => r.code), [grid])
    // writes are for admins
    assert.equal((await inject('POST', `/api/v1/regions/${COMMUNITY}/divide`, {}, cookie)).statusCode, 403)
    assert.equal((await inject('POST', '/api/v1/regions/import', { featureCollection: fc([]), mapping: MAPPING }, cookie)).statusCode, 403)
    // residents may locate but not browse
    const resident = await t.userWith({ username: 'resident1', roles: ['resident'] })
    assert.equal((await inject('GET', '/api/v1/locate?lng=118.7945&lat=32.0745', undefined, resident.cookie)).statusCode, 200)
    assert.equal((await inject('GET', '/api/v1/regions', undefined, resident.cookie)).statusCode, 403)
  })

  test('people: a primary and helpers per grid, scopes kept in step, history, one primary only', async () => {
    const grid = `${COMMUNITY}003`
    const sup = await t.userWith({ username: 'sup1', roles: ['supervisor'] })
    const gw1 = await t.userWith({ username: 'gw1', roles: ['gridWorker'] })
    const gw2 = await t.userWith({ username: 'gw2', roles: ['gridWorker'] })
    const op = await t.userWith({ username: 'op1', roles: ['operator'] })
    const put = (body: unknown, cookie = admin) => inject('PUT', `/api/v1/grids/${grid}/people`, body, cookie)

    assert.equal((await put({ primary: op.id, helpers: [] })).statusCode, 400, 'an operator is not a grid worker')
    assert.equal((await put({ primary: sup.id, helpers: [sup.id] })).statusCode, 400)
    assert.equal((await put({ primary: sup.id, helpers: [] }, gw1.cookie)).statusCode, 404, 'outside the caller’s scope')

    let people = json(await put({ primary: sup.id, helpers: [gw1.id] }))
    assert.equal(people.primary.username, 'sup1')
    assert.deepEqual(people.helpers.map((h: { username: string }) => h.username), ['gw1'])
    const me = json(await inject('GET', '/api/v1/me', undefined, gw1.cookie))
    assert.deepEqual(me.scopes, [{ regionCode: grid, regionLevel: 'grid' }])

    // gw1 becomes primary, sup1 leaves, gw2 helps
    people = json(await put({ primary: gw1.id, helpers: [gw2.id] }))
    assert.equal(people.primary.username, 'gw1')
    assert.deepEqual(people.helpers.map((h: { username: string }) => h.username), ['gw2'])
    assert.deepEqual(people.history.map((h: { username: string; role: string }) => `${h.username}:${h.role}`).sort(), ['gw1:helper', 'sup1:primary'])
    assert.equal(people.history[0].endedBy, 'root')
    assert.equal(json(await inject('GET', '/api/v1/me', undefined, sup.cookie)).scopes.length, 0, 'sup1 lost the grid scope')
    assert.equal((await inject('GET', `/api/v1/grids/${grid}/people`, undefined, gw2.cookie)).statusCode, 200, 'gw2 now sees the grid')

    // the database itself refuses a second active primary
    await assert.rejects(
      sql`insert into grid_assignments (grid_code, user_id, role, assigned_from) values (${grid}, ${gw2.id}::uuid, 'primary', now())`.execute(t.database.db),
      /grid_assignments_one_primary|duplicate key/,
    )
    assert.equal((await inject('GET', `/api/v1/grids/${COMMUNITY}/people`)).statusCode, 404, 'a community is not a grid')
  })
})

describe('regions import: validation report and all-or-nothing', () => {
  let t: TestApp
  let admin: string
  before(async () => {
    t = await createTestApp()
    admin = (await t.userWith({ username: 'root', roles: ['admin'] })).cookie
  })
  after(() => t.close())

  const importFc = (features: unknown[], extra: Record<string, unknown> = {}) =>
    t.app.inject({ method: 'POST', url: '/api/v1/regions/import', headers: { cookie: admin }, payload: { featureCollection: fc(features), mapping: MAPPING, ...extra } })

  // a district, a street and a community near 新街口, with two grids that overlap and leave a strip uncovered
  const district = box('320102', '玄武区', [118.7, 31.98, 118.86, 32.1])
  const street = box('320102001', '测试街道', [118.76, 32.02, 118.8, 32.06])
  const community = box('320102001001', '测试社区', [118.77, 32.03, 118.79, 32.05])
  const gridW = box('320102001001001', '西网格', [118.77, 32.03, 118.781, 32.049])
  const gridE = box('320102001001002', '东网格', [118.78, 32.03, 118.79, 32.049])

  test('every problem kind is reported with its feature index', async () => {
    await importFc([box('320105', '建邺区', [118.6, 31.9, 118.7, 32.05])]) // so that 320105 exists
    const bowtie = [[118.77, 32.03], [118.78, 32.04], [118.78, 32.03], [118.77, 32.045], [118.77, 32.03]]
    const features = [
      district, // 0
      street, // 1
      community, // 2
      gridW, // 3
      gridE, // 4: overlaps 3; the two leave 32.049–32.05 uncovered
      feature('320102002', '未闭合', { type: 'Polygon', coordinates: [ring([118.8, 32.0, 118.81, 32.01]).slice(0, 4)] }), // 5
      feature('320102003', '自相交', { type: 'Polygon', coordinates: [bowtie] }), // 6
      feature('320102004', '顺时针', { type: 'Polygon', coordinates: [ring([118.81, 32.0, 118.82, 32.01]).reverse()] }), // 7: repaired
      feature('320102005', '经纬颠倒', { type: 'Polygon', coordinates: [ring([32.0, 118.8, 32.01, 118.81])] }), // 8
      box('320102001', '重复', [118.76, 32.02, 118.8, 32.06]), // 9
      box('320105', '建邺区', [118.6, 31.9, 118.7, 32.05]), // 10
      box('320102001002', '出界社区', [118.9, 32.2, 118.91, 32.21]), // 11: outside its street and district
      box('32010200', '位数不对', [118.77, 32.03, 118.78, 32.04]), // 12
      box('320109001', '无上级', [118.77, 32.03, 118.78, 32.04]), // 13
      box('32010200100101', '旧码网格', [118.77, 32.03, 118.78, 32.04]), // 14: 14 digits, not allowed here
      feature('320102006', '', { type: 'Polygon', coordinates: [ring([118.83, 32.0, 118.84, 32.01])] }), // 15
      feature('320102001001003', '无图形网格', null), // 16
    ]
    const res = await importFc(features, { dryRun: true })
    assert.equal(res.statusCode, 200, res.body)
    const report = json(res)
    const at = (kind: string) => report.problems.filter((p: { kind: string }) => p.kind === kind).map((p: { index: number | null }) => p.index)
    assert.deepEqual(at('grid_overlap'), [4])
    assert.deepEqual(at('unclosed_ring'), [5])
    assert.deepEqual(at('self_intersection'), [6])
    assert.deepEqual(at('wrong_winding'), [7])
    assert.deepEqual(at('outside_china'), [8])
    assert.deepEqual(at('duplicate_code'), [9])
    assert.deepEqual(at('code_exists'), [10])
    assert.deepEqual(at('not_inside_parent'), [11])
    assert.deepEqual(at('invalid_code'), [12, 14])
    assert.deepEqual(at('parent_missing'), [13])
    assert.deepEqual(at('missing_name'), [15])
    assert.deepEqual(at('invalid_geometry'), [16])
    assert.deepEqual(at('grid_gap'), [null])
    const overlap = report.problems.find((p: { kind: string }) => p.kind === 'grid_overlap')
    assert.deepEqual(overlap.related, [3])
    assert.ok(overlap.area > 150_000 && overlap.area < 250_000, `overlap ${overlap.area} m²`)
    const gap = report.problems.find((p: { kind: string }) => p.kind === 'grid_gap')
    assert.equal(gap.code, '320102001001')
    assert.deepEqual(gap.related, [3, 4])
    assert.ok(gap.area > 150_000 && gap.area < 250_000, `gap ${gap.area} m²`)
    assert.equal(report.problems.find((p: { kind: string }) => p.kind === 'wrong_winding').severity, 'warning')
    assert.equal(report.committed, false)
    assert.equal(await count(t, 'regions'), 1, 'a dry run writes nothing')
  })

  test('all-or-nothing: one bad feature and nothing is written', async () => {
    const before = { regions: await count(t, 'regions'), audit: await count(t, 'audit_log') }
    const fixedE = box('320102001001002', '东网格', [118.781, 32.03, 118.79, 32.05])
    const fixedW = box('320102001001001', '西网格', [118.77, 32.03, 118.781, 32.05])
    const res = await importFc([district, street, community, fixedW, fixedE, box('320102002', '出界街道', [119.5, 32.5, 119.6, 32.6])])
    assert.equal(res.statusCode, 400)
    const problem = json(res)
    assert.equal(problem.code, 'VALIDATION_FAILED')
    assert.deepEqual(problem.errors.map((e: { field: string }) => e.field), ['features.5'])
    assert.equal(problem.report.summary.errors, 1)
    assert.deepEqual({ regions: await count(t, 'regions'), audit: await count(t, 'audit_log') }, before)

    // keep-valid imports the five good features
    const kept = json(await importFc([district, street, community, fixedW, fixedE, box('320102002', '出界街道', [119.5, 32.5, 119.6, 32.6])], { mode: 'keep-valid' }))
    assert.equal(kept.committed, true)
    assert.equal(kept.summary.imported, 5)
    assert.equal(kept.summary.rejected, 1)
    assert.equal(await count(t, 'regions'), before.regions + 5)
    const audit = await sql<{ after: any }>`select after from audit_log where action = 'regions.import' order by id desc limit 1`.execute(t.database.db)
    assert.equal(audit.rows[0]!.after.imported, 5)
    assert.equal(audit.rows[0]!.after.geometry, undefined, 'the audit row summarises, without geometry')
  })

  test('keep-valid drops the children of a rejected feature; 14-digit CJ/T 213 grid codes are stored as 15 digits', async () => {
    const res = json(
      await importFc(
        [
          box('320102009', '', [118.8, 32.06, 118.81, 32.07]),
          box('320102009001', '其下社区', [118.8, 32.06, 118.81, 32.07]),
          feature('32010200100101', '旧码网格', { type: 'Polygon', coordinates: [ring([118.77, 32.03, 118.775, 32.035])] }, { level: 'grid' }),
        ],
        { mode: 'keep-valid', legacyGridCodes: true },
      ),
    )
    const kinds = res.problems.map((p: { index: number; kind: string }) => `${p.index}:${p.kind}`)
    assert.ok(kinds.includes('1:parent_rejected'), kinds.join(' '))
    // the legacy code is understood as the 15-digit grid imported above
    assert.ok(kinds.includes('2:code_exists'), kinds.join(' '))
    assert.equal(res.problems.find((p: { index: number }) => p.index === 2).code, '320102001001001')
    const legacy = json(
      await importFc([box('320102001002', '第二社区', [118.76, 32.02, 118.77, 32.03]), feature('32010200100201', '旧码网格', { type: 'Polygon', coordinates: [ring([118.76, 32.02, 118.77, 32.03])] }, { level: 'grid' })], { legacyGridCodes: true }),
    )
    assert.equal(legacy.committed, true, JSON.stringify(legacy.problems))
    const row = await sql`select code, source_code, district_code from regions where source_code is not null`.execute(t.database.db)
    assert.deepEqual(row.rows, [{ code: '320102001002001', sourceCode: '32010200100201', districtCode: '320102' }])
  })

  test('the database refuses codes that do not nest, whatever the service does', async () => {
    await assert.rejects(
      sql`insert into regions (code, name, level, parent_code) values ('320102009001', 'x', 'community', '320102001')`.execute(t.database.db),
      /regions_parent_prefix|check constraint/,
    )
    await assert.rejects(sql`insert into regions (code, name, level) values ('320102001', 'x', 'district')`.execute(t.database.db), /regions_code_length|check constraint/)
  })
})

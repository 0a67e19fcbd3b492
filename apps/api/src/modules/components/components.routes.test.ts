import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { SYSTEM_ACTOR } from '../../platform/audit.js'
import { createTestApp, json, type TestApp } from '../../testing/test-app.js'
import { createDepartment } from '../identity/index.js'
import { findComponentByCode, nearestComponents, setComponentStatus } from './index.js'
import { centreOf, gridOf, seedTerritory } from './testing-fixtures.js'

const C1 = '320102001001'
const C2 = '320102001002'
const C3 = '320104001001'

describe('components: registry, codes, attributes, history, scopes, queries', () => {
  let t: TestApp
  let admin: string
  let deptId: string
  before(async () => {
    t = await createTestApp()
    await seedTerritory(t.app.platform)
    admin = (await t.userWith({ username: 'root', roles: ['admin'] })).cookie
    deptId = (await createDepartment(t.app.platform, { actor: SYSTEM_ACTOR, input: { code: 'WATER', name: '水务局' } })).id
  })
  after(() => t.close())

  const post = (payload: object, cookie = admin) => t.inject({ method: 'POST', url: '/api/v1/components', headers: { cookie }, payload })
  const get = (url: string, cookie = admin) => t.inject({ method: 'GET', url, headers: { cookie } })
  const patch = (code: string, payload: object, cookie = admin) => t.inject({ method: 'PATCH', url: `/api/v1/components/${code}`, headers: { cookie }, payload })

  test('register a component: code from district + class + sequence, grid and ancestors resolved, history and audit written', async () => {
    const [lng, lat] = centreOf(C1, 0, 0)
    const res = await post({ minorClass: '0102', lng, lat, location: '测试路1号', maintainerDeptId: deptId, dataSource: 'survey', installDate: '2020-05-01', attributes: { 材质: '铸铁' } })
    assert.equal(res.statusCode, 201, res.body)
    const c = json(res)
    assert.equal(c.code, '3201020102000001')
    assert.equal(c.name, '污水井盖', 'the name defaults to the class name')
    assert.deepEqual([c.majorClass, c.majorClassName, c.minorClass], ['01', '公用设施', '0102'])
    assert.equal(c.gridCode, gridOf(C1, 0, 0))
    assert.deepEqual([c.communityCode, c.streetCode, c.districtCode], [C1, '320102001', '320102'])
    assert.deepEqual(c.geometry, { type: 'Point', coordinates: [lng, lat] })
    assert.deepEqual([c.status, c.currency, c.version], ['intact', 'inUse', 1])
    const detail = json(await get(`/api/v1/components/${c.code}`))
    assert.equal(detail.history.length, 1)
    assert.equal(detail.history[0].action, 'create')
    assert.deepEqual(detail.history[0].changes.location, [null, '测试路1号'])
    const audit = json(await get('/api/v1/audit?entityType=component&limit=10'))
    assert.ok(audit.items.some((a: any) => a.action === 'component.create' && a.entityId === c.code))
  })

  test('50 concurrent creations get gap-free, unique codes per (district, class)', async () => {
    const [x1, y1] = centreOf(C2, 1, 1)
    const [x2, y2] = centreOf(C3, 2, 2)
    const results = await Promise.all([
      ...Array.from({ length: 50 }, (_, i) => post({ minorClass: '0102', lng: x1, lat: y1, location: `并发${i}` })),
      ...Array.from({ length: 20 }, () => post({ minorClass: '0102', lng: x2, lat: y2 })),
      ...Array.from({ length: 20 }, () => post({ minorClass: '0105', lng: x1, lat: y1 })),
    ])
    for (const r of results) assert.equal(r.statusCode, 201, r.body)
    const codes = results.map((r) => json(r).code as string)
    assert.equal(new Set(codes).size, codes.length, 'unique')
    const seqs = (prefix: string) =>
      codes
        .filter((c) => c.startsWith(prefix))
        .map((c) => Number(c.slice(10)))
        .sort((a, b) => a - b)
    // 320102/0102 had 000001 already; the 50 new ones are exactly 2…51
    assert.deepEqual(seqs('3201020102'), Array.from({ length: 50 }, (_, i) => i + 2))
    assert.deepEqual(seqs('3201040102'), Array.from({ length: 20 }, (_, i) => i + 1))
    assert.deepEqual(seqs('3201020105'), Array.from({ length: 20 }, (_, i) => i + 1))
  })

  test('a failed creation does not consume a number', async () => {
    const [lng, lat] = centreOf(C1, 1, 0)
    const bad = await post({ minorClass: '0203', lng, lat, attributes: {} })
    assert.equal(bad.statusCode, 400)
    const ok = json(await post({ minorClass: '0203', lng, lat, attributes: { 站名: '梅园新村站' } }))
    assert.equal(ok.code, '3201020203000001')
  })

  test('class attributes are enforced on create and update', async () => {
    const [lng, lat] = centreOf(C1, 2, 0)
    const missing = await post({ minorClass: '0203', lng, lat })
    assert.equal(missing.statusCode, 400)
    assert.deepEqual(json(missing).errors, [{ field: 'attributes.站名', reason: 'required' }])
    const wrong = await post({ minorClass: '0203', lng, lat, attributes: { 站名: 12, 颜色: '红' } })
    assert.deepEqual(json(wrong).errors.map((e: any) => e.field).sort(), ['attributes.站名', 'attributes.颜色'])
    const count = await post({ minorClass: '0126', lng, lat, attributes: { 数目: 'many' } })
    assert.equal(json(count).errors[0].reason, 'must be a number')
    const ok = json(await post({ minorClass: '0126', lng, lat, attributes: { 数目: 8 } }))
    assert.equal(ok.attributes['数目'], 8)
    const badUpdate = await patch(ok.code, { attributes: { 数目: true } })
    assert.equal(badUpdate.statusCode, 400)
    const goodUpdate = await patch(ok.code, { attributes: { 数目: 10 } })
    assert.equal(json(goodUpdate).attributes['数目'], 10)
  })

  test('a class in use cannot be deleted, only retired; a retired class takes no new components', async () => {
    const del = await t.inject({ method: 'DELETE', url: '/api/v1/classes/component/0105', headers: { cookie: admin } })
    assert.equal(del.statusCode, 409)
    assert.match(json(del).detail, /retire/)
    assert.equal((await t.inject({ method: 'PATCH', url: '/api/v1/classes/component/0105', headers: { cookie: admin }, payload: { retired: true } })).statusCode, 200)
    const [lng, lat] = centreOf(C1, 0, 1)
    const refused = await post({ minorClass: '0105', lng, lat })
    assert.equal(refused.statusCode, 400)
    assert.match(json(refused).errors[0].reason, /retired/)
    const existing = json(await get('/api/v1/components?minorClass=0105&limit=1')).items[0]
    assert.equal((await patch(existing.code, { status: 'damaged' })).statusCode, 200, 'components of a retired class can still be updated')
    await t.inject({ method: 'PATCH', url: '/api/v1/classes/component/0105', headers: { cookie: admin }, payload: { retired: false } })
  })

  test('updates write field-level history; a stale version is refused; a move re-locates the grid', async () => {
    const [lng, lat] = centreOf(C1, 0, 2)
    const c = json(await post({ minorClass: '0101', lng, lat }))
    const r1 = json(await patch(c.code, { status: 'damaged', note: '井盖破损', version: 1 }))
    assert.deepEqual([r1.status, r1.version], ['damaged', 2])
    const stale = await patch(c.code, { status: 'lost', version: 1 })
    assert.equal(stale.statusCode, 409)
    assert.equal(json(stale).code, 'VERSION_CONFLICT')
    const [x2, y2] = centreOf(C1, 1, 2)
    const moved = json(await patch(c.code, { lng: x2, lat: y2 }))
    assert.equal(moved.gridCode, gridOf(C1, 1, 2))
    assert.equal(moved.code, c.code, 'the code stays')
    const same = json(await patch(c.code, { status: 'damaged' }))
    assert.equal(same.version, 3, 'no change, no new version')
    const outside = await patch(c.code, { lng: 118.9, lat: 32.1 })
    assert.equal(outside.statusCode, 400)
    assert.match(json(outside).errors[0].reason, /in no grid/)
    const history = json(await get(`/api/v1/components/${c.code}`)).history
    assert.deepEqual(
      history.map((h: any) => [h.action, Object.keys(h.changes ?? {}).sort()]),
      [
        ['update', ['geometry', 'gridCode']],
        ['update', ['note', 'status']],
        ['create', history[2].action === 'create' ? Object.keys(history[2].changes).sort() : []],
      ],
    )
    assert.deepEqual(history[1].changes.status, ['intact', 'damaged'])
    assert.equal(history[1].actorName, 'root')
  })

  test('geometry: lines and polygons get a representative point and bbox; bad geometry and points outside China are refused', async () => {
    const [x, y] = centreOf(C2, 0, 0)
    const line = json(await post({ minorClass: '0211', geometry: { type: 'LineString', coordinates: [[x - 0.0003, y], [x + 0.0003, y]] } }))
    assert.equal(line.geometry.type, 'LineString')
    assert.ok(Math.abs(line.lng - x) < 1e-7 && Math.abs(line.lat - y) < 1e-7, 'the middle of the line')
    line.bbox.forEach((v: number, i: number) => assert.ok(Math.abs(v - [x - 0.0003, y, x + 0.0003, y][i]!) < 1e-9))
    const poly = json(await post({ minorClass: '0405', geometry: { type: 'Polygon', coordinates: [[[x - 0.0002, y - 0.0002], [x + 0.0002, y - 0.0002], [x + 0.0002, y + 0.0002], [x - 0.0002, y + 0.0002], [x - 0.0002, y - 0.0002]]] } }))
    assert.equal(poly.gridCode, gridOf(C2, 0, 0))
    const bad = await post({ minorClass: '0405', geometry: { type: 'Polygon', coordinates: [[[x, y], [x + 0.001, y + 0.001], [x + 0.001, y], [x, y + 0.001], [x, y]]] } })
    assert.equal(bad.statusCode, 400)
    assert.match(json(bad).errors[0].reason, /invalid polygon/)
    const paris = await post({ minorClass: '0101', lng: 2.35, lat: 48.85 })
    assert.match(json(paris).errors[0].reason, /outside China/)
  })

  test('GCJ-02 input lands at the right WGS84 position (梅园新村社区 centre, datasets/nanjing/divisions)', async () => {
    // lon_gcj02, lat_gcj02 → lon_wgs84, lat_wgs84 of row 320102002001, converted by an independent tool (gcoord)
    const res = await post({ minorClass: '0101', lng: 118.802529, lat: 32.043332, crs: 'GCJ-02' })
    assert.equal(res.statusCode, 201, res.body)
    const c = json(res)
    assert.ok(Math.abs(c.lng - 118.797348) < 2e-6 && Math.abs(c.lat - 32.045405) < 2e-6, `${c.lng}, ${c.lat}`)
    assert.equal(c.gridCode, gridOf(C1, 2, 1))
    const back = json(await get(`/api/v1/components/${c.code}?crs=GCJ-02`))
    assert.ok(Math.abs(back.lng - 118.802529) < 1e-6 && Math.abs(back.lat - 32.043332) < 1e-6)
  })

  test('region scopes: a community operator sees and edits only their components (404 outside, 403 creating outside)', async () => {
    const op = await t.userWith({ username: 'operator-c2', roles: ['operator'], regionCodes: [C2] })
    const handler = await t.userWith({ username: 'water-handler', roles: ['departmentHandler'], departmentId: deptId })
    const inC1 = '3201020102000001'
    assert.equal((await get(`/api/v1/components/${inC1}`, op.cookie)).statusCode, 404)
    assert.equal((await patch(inC1, { status: 'lost' }, op.cookie)).statusCode, 404)
    const listed = json(await get('/api/v1/components?limit=500', op.cookie)).items
    assert.ok(listed.length > 0 && listed.every((c: any) => c.communityCode === C2))
    const [lng, lat] = centreOf(C1, 1, 1)
    assert.equal((await post({ minorClass: '0101', lng, lat }, op.cookie)).statusCode, 403)
    // the maintaining department sees its component wherever it is
    const seen = await get(`/api/v1/components/${inC1}`, handler.cookie)
    assert.equal(seen.statusCode, 200, seen.body)
    assert.equal((await patch(inC1, { status: 'lost' }, handler.cookie)).statusCode, 403, 'visible but not editable by a handler')
  })

  test('list filters and cursor pagination', async () => {
    const all: string[] = []
    let cursor: string | null = null
    do {
      const page: any = json(await get(`/api/v1/components?limit=7${cursor ? `&cursor=${cursor}` : ''}`))
      all.push(...page.items.map((c: any) => c.code))
      cursor = page.nextCursor
    } while (cursor)
    assert.deepEqual(all, [...all].sort(), 'stable code order')
    assert.equal(new Set(all).size, all.length)
    const byRegion = json(await get(`/api/v1/components?region=320104&limit=500`)).items
    assert.equal(byRegion.length, 20)
    const byGrid = json(await get(`/api/v1/components?grid=${gridOf(C2, 1, 1)}&minorClass=0105&limit=500`)).items
    assert.equal(byGrid.length, 20)
    const damaged = json(await get('/api/v1/components?status=damaged,lost')).items
    assert.ok(damaged.length >= 1 && damaged.every((c: any) => ['damaged', 'lost'].includes(c.status)))
    const text = json(await get(`/api/v1/components?q=${encodeURIComponent('并发4')}&limit=100`)).items
    assert.deepEqual(text.map((c: any) => c.location).sort(), ['并发4', '并发40', '并发41', '并发42', '并发43', '并发44', '并发45', '并发46', '并发47', '并发48', '并发49'])
    const byDept = json(await get(`/api/v1/components?dept=${deptId}&deptRole=maintainer`)).items
    assert.deepEqual(byDept.map((c: any) => c.code), ['3201020102000001'])
    const [x, y] = centreOf(C3, 2, 2)
    const box = json(await get(`/api/v1/components?bbox=${x - 0.0001},${y - 0.0001},${x + 0.0001},${y + 0.0001}&limit=100`)).items
    assert.equal(box.length, 20)
    assert.equal((await get('/api/v1/components?cursor=bm9wZQ')).statusCode, 400)
  })

  test('nearest: the closest of a class within the radius, by exact distance; lines measured to the line', async () => {
    const [x, y] = centreOf(C1, 0, 0)
    const res = json(await get(`/api/v1/components/nearest?lng=${x + 0.0001}&lat=${y}&minorClass=0102&radius=50`))
    assert.equal(res.items.length, 1)
    assert.equal(res.items[0].code, '3201020102000001')
    assert.ok(Math.abs(res.items[0].distance - 9.45) < 0.1, `distance ${res.items[0].distance}`)
    const none = json(await get(`/api/v1/components/nearest?lng=${x + 0.001}&lat=${y}&minorClass=0102&radius=50`))
    assert.deepEqual(none.items, [])
    const [lx, ly] = centreOf(C2, 0, 0)
    const line = json(await get(`/api/v1/components/nearest?lng=${lx + 0.0002}&lat=${ly + 0.0002}&minorClass=0211&radius=50`))
    assert.ok(Math.abs(line.items[0].distance - 22.2) < 0.3, `to the line, not its middle: ${line.items[0].distance}`)
    const several = json(await get(`/api/v1/components/nearest?lng=${lx}&lat=${ly}&radius=30&limit=5`)).items
    assert.deepEqual(several.map((c: any) => c.minorClass).sort(), ['0211', '0405'])
    // GCJ-02 query point
    const gcj = await nearestComponents(t.app.platform, { lng: 118.802529, lat: 32.043332, crs: 'GCJ-02', minorClasses: ['0101'], radius: 5 })
    assert.equal(gcj.length, 1)
  })

  test('stats by class and status for a region', async () => {
    const s = json(await get('/api/v1/components/stats?region=320104'))
    assert.equal(s.total, 20)
    assert.deepEqual(s.byClass.map((c: any) => [c.minorClass, c.name, c.total]), [['0102', '污水井盖', 20]])
    const all = json(await get('/api/v1/components/stats'))
    assert.equal(all.total, all.byStatus.intact + all.byStatus.damaged + all.byStatus.lost + all.byStatus.occupied)
    assert.ok(all.byStatus.damaged >= 1)
  })

  test('clusters: counts per cell add up, single components carry their code, scopes apply', async () => {
    const bbox = '118.795,32.044,118.804,32.047'
    const far = json(await get(`/api/v1/components/clusters?bbox=${bbox}&zoom=12`))
    const total = json(await get('/api/v1/components/stats')).byCurrency.inUse
    assert.equal(far.total, total)
    assert.equal(far.items.reduce((a: number, c: any) => a + c.count, 0), total)
    assert.equal(far.items.length, 1, 'one cell at city zoom')
    const near = json(await get(`/api/v1/components/clusters?bbox=${bbox}&zoom=20`))
    assert.equal(near.items.reduce((a: number, c: any) => a + c.count, 0), total)
    const single = near.items.find((c: any) => c.code === '3201020102000001')
    assert.equal(single?.count, 1)
    const op = await t.login('operator-c2')
    const scoped = json(await get(`/api/v1/components/clusters?bbox=${bbox}&zoom=12`, op))
    assert.equal(scoped.total, json(await get('/api/v1/components/stats', op)).byCurrency.inUse)
    assert.ok(scoped.total < total)
    // a change is seen by the next query (small index: rebuilt before answering)
    const [lng, lat] = centreOf(C1, 2, 2)
    await post({ minorClass: '0101', lng, lat })
    assert.equal(json(await get(`/api/v1/components/clusters?bbox=${bbox}&zoom=12`)).total, total + 1)
    assert.equal((await get(`/api/v1/components/clusters?bbox=100,20,120,40&zoom=18`)).statusCode, 400, 'too many cells')
  })

  test('setComponentStatus inside a caller transaction, with history from the case module', async () => {
    const p = t.app.platform
    const change = await p.db.transaction().execute((tx) => setComponentStatus(p, { tx, actor: { userId: null, name: 'case-bot' }, code: '3201040102000001', status: 'damaged', reason: 'case 1' }))
    assert.deepEqual(change, { code: '3201040102000001', gridCode: gridOf(C3, 2, 2), before: 'intact', after: 'damaged' })
    const c = await findComponentByCode(p, { code: '3201040102000001' })
    assert.equal(c?.status, 'damaged')
    const h = json(await get('/api/v1/components/3201040102000001')).history[0]
    assert.deepEqual([h.source, h.actorName, h.changes.status], ['case', 'case-bot', ['intact', 'damaged']])
    // rolled back with the caller's transaction
    await assert.rejects(
      p.db.transaction().execute(async (tx) => {
        await setComponentStatus(p, { tx, actor: { userId: null, name: 'case-bot' }, code: '3201040102000002', status: 'lost' })
        throw new Error('case write failed')
      }),
    )
    assert.equal((await findComponentByCode(p, { code: '3201040102000002' }))?.status, 'intact')
  })
})

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { ManualClock } from '../../platform/clock.js'
import { createTestApp, json, type TestApp } from '../../testing/test-app.js'
import { importTerritory, rect, TERRITORY } from '../../testing/territory.js'

/**
 * The data manager on the test territory (district 320102; community 320102001001 with grids
 * A1 and A2 side by side, community 320102002001 with grid B1). First everything is clean and
 * every check counts zero; then bad rows are planted — through the API where the API allows
 * them, in SQL where it (rightly) refuses them — and each check must find exactly those rows.
 */

interface Dataset {
  name: string
  count: number
  scoped: boolean
  breakdown: Record<string, number> | null
  lastImport: { at: string; by: string | null; rows: number | null; outcome: string; id: string | null } | null
  checks: { key: string; severity: string; count: number }[]
  import: string | null
  exports: { format: string; href: string }[]
}

function multipart(file: { name: string; content: Buffer }) {
  const boundary = `----cg${randomBytes(8).toString('hex')}`
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${file.name}"\r\ncontent-type: application/octet-stream\r\n\r\n`),
    file.content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ])
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

describe('datasets: counts, last imports, quality checks with drill-through, scopes', () => {
  let t: TestApp
  let admin: { id: string; cookie: string }
  let leaderA: { id: string; cookie: string }
  let leaderB: { id: string; cookie: string }
  let supervisor: { id: string; cookie: string }
  let roads: string
  const comp: Record<string, string> = {}
  const cases: Record<string, string> = {}

  const get = (url: string, cookie = admin.cookie) => t.inject({ method: 'GET', url, headers: { cookie } })
  const post = (url: string, payload: object, cookie = admin.cookie) => t.inject({ method: 'POST', url, headers: { cookie }, payload })
  async function datasets(cookie = admin.cookie): Promise<Record<string, Dataset>> {
    const res = await get('/api/v1/datasets?refresh=true', cookie)
    assert.equal(res.statusCode, 200, res.body)
    return Object.fromEntries((json(res).items as Dataset[]).map((d) => [d.name, d]))
  }
  const checkCounts = (all: Record<string, Dataset>) =>
    Object.fromEntries(Object.values(all).flatMap((d) => d.checks.map((c) => [`${d.name}.${c.key}`, c.count] as const)).filter(([, n]) => n > 0))
  async function rows(name: string, key: string, cookie = admin.cookie, limit = 50) {
    const out: { id: string; name: string; regionCode: string | null; detail: string | null; link: string | null }[] = []
    let cursor: string | null = null
    do {
      const res = await get(`/api/v1/datasets/${name}/checks/${key}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, cookie)
      assert.equal(res.statusCode, 200, res.body)
      const page = json(res)
      out.push(...page.items)
      cursor = page.nextCursor
    } while (cursor)
    return out
  }
  async function component(name: string, lng: number, lat: number, extra: object = { maintainerDeptId: roads }) {
    const res = await post('/api/v1/components', { minorClass: '0102', name, lng, lat, ...extra })
    assert.equal(res.statusCode, 201, res.body)
    return json(res).code as string
  }
  async function report(description: string, where = TERRITORY.inA1) {
    const res = await post('/api/v1/cases', { source: 'hotline', classKind: 'event', minorClass: '0102', ...where, description })
    assert.equal(res.statusCode, 201, res.body)
    return json(res).case.id as string
  }
  /** Move a component's point in SQL (the API would re-locate it). */
  async function moveTo(code: string, lng: number, lat: number) {
    await sql`update components set lng = ${lng}, lat = ${lat}, min_lng = ${lng}, max_lng = ${lng}, min_lat = ${lat}, max_lat = ${lat},
      geometry = case when geometry is null then null else jsonb_build_object('type', 'Point', 'coordinates', jsonb_build_array(${lng}::float8, ${lat}::float8)) end
      where code = ${code}`.execute(t.database.db)
  }
  async function insertRegion(code: string, name: string, level: 'community' | 'grid', parent: string, r: [number, number, number, number]) {
    const geometry = JSON.stringify({ type: 'Polygon', coordinates: rect(r) })
    await sql`insert into regions (code, name, level, parent_code, geometry, area_m2, min_lng, min_lat, max_lng, max_lat)
      values (${code}, ${name}, ${level}, ${parent}, ${geometry}::jsonb, 1000, ${r[0]}, ${r[1]}, ${r[2]}, ${r[3]})`.execute(t.database.db)
  }

  before(async () => {
    t = await createTestApp()
    admin = await t.userWith({ username: 'root', roles: ['admin'] })
    await importTerritory(t, admin.cookie)
    roads = json(await post('/api/v1/departments', { code: 'ROADS', name: '道路养护所', regionCode: TERRITORY.district })).id
    await t.userWith({ username: 'roads.1', roles: ['departmentHandler'], departmentId: roads })
    leaderA = await t.userWith({ username: 'leader.a', roles: ['leader'], regionCodes: [TERRITORY.streetA] })
    leaderB = await t.userWith({ username: 'leader.b', roles: ['leader'], regionCodes: [TERRITORY.streetB] })
    supervisor = await t.userWith({ username: 'sup.a', roles: ['supervisor'], regionCodes: [TERRITORY.gridA1, TERRITORY.gridA2] })
    const supB = await t.userWith({ username: 'sup.b', roles: ['supervisor'], regionCodes: [TERRITORY.gridB1] })
    for (const [grid, who] of [[TERRITORY.gridA1, supervisor.id], [TERRITORY.gridA2, supervisor.id], [TERRITORY.gridB1, supB.id]] as const) {
      const res = await t.inject({ method: 'PUT', url: `/api/v1/grids/${grid}/people`, headers: { cookie: admin.cookie }, payload: { primary: who, helpers: [] } })
      assert.equal(res.statusCode, 200, res.body)
    }
    const limits = Object.fromEntries(['register', 'dispatch', 'handle', 'check', 'close'].map((s) => [s, { amount: 4, unit: 'workingHours' }]))
    assert.equal((await t.inject({ method: 'PUT', url: '/api/v1/case-settings/event/0102', headers: { cookie: admin.cookie }, payload: { limits, urgency: 'normal', closingStandard: '清理干净', defaultDepartmentId: roads } })).statusCode, 200)
    comp.a1 = await component('甲1井盖', TERRITORY.inA1.lng, TERRITORY.inA1.lat)
    comp.a2 = await component('甲2井盖', TERRITORY.inA2.lng, TERRITORY.inA2.lat)
    comp.b1 = await component('乙1井盖', TERRITORY.inB1.lng, TERRITORY.inB1.lat)
    cases.withPhoto = await report('有照片的案件')
    // a photo is only a hash to this check: give the clean case one in SQL
    await sql`update cases set photos = ${JSON.stringify(['0'.repeat(64)])}::jsonb where id = ${cases.withPhoto}`.execute(t.database.db)
  })
  after(() => t.close())

  test('clean data: every dataset with its count, the territory import as last import, every check at zero', async () => {
    const all = await datasets()
    assert.deepEqual(Object.keys(all), ['regions', 'grids', 'components', 'classes', 'departments', 'users', 'cases', 'parkingLots', 'parkingSpaces'])
    assert.equal(all.regions!.count, 5, 'district, two streets, two communities')
    assert.equal(all.grids!.count, 3)
    assert.equal(all.components!.count, 3)
    assert.equal(all.cases!.count, 1)
    assert.equal(all.departments!.count, 1)
    assert.equal(all.users!.count, 6)
    assert.equal(all.parkingLots!.count, 0)
    assert.ok(all.classes!.count > 50, 'the seeded classification')
    assert.equal(all.classes!.breakdown!.minors, all.classes!.count)
    assert.ok(all.classes!.breakdown!.majors! >= 6, 'the standard major classes')
    assert.equal(all.regions!.scoped, false)
    assert.deepEqual(checkCounts(all), {}, 'nothing wrong yet')
    assert.deepEqual(all.grids!.checks.map((c) => c.key), ['overlap', 'gap', 'no_primary'])
    assert.deepEqual(all.components!.checks.map((c) => c.key), ['outside_grid', 'no_responsible_unit', 'stale_status', 'duplicate_location'])
    assert.equal(all.regions!.lastImport!.rows, 8)
    assert.equal(all.regions!.lastImport!.by, 'root')
    assert.equal(all.regions!.lastImport!.outcome, 'succeeded')
    assert.equal(all.classes!.lastImport!.by, 'system')
    assert.equal(all.components!.lastImport, null, 'no bulk import yet')
    assert.equal(all.users!.lastImport, null)
    assert.deepEqual(all.regions!.exports.map((e) => e.href), ['/api/v1/regions/320102/geojson?depth=4'])
    assert.deepEqual(all.components!.exports.map((e) => e.format), ['csv', 'xlsx', 'geojson'])
    assert.equal(all.components!.import, 'components')
    assert.equal(all.grids!.import, 'regions')
  })

  test('a supervisor may not open the data manager; unknown datasets and checks are 404', async () => {
    assert.equal((await get('/api/v1/datasets', supervisor.cookie)).statusCode, 403)
    assert.equal((await get('/api/v1/datasets/cases/checks/no_photos', supervisor.cookie)).statusCode, 403)
    assert.equal((await get('/api/v1/datasets/cases/checks/nonsense')).statusCode, 404)
    assert.equal((await get('/api/v1/datasets/nonsense/checks/no_photos')).statusCode, 404)
    assert.equal((await t.inject({ method: 'GET', url: '/api/v1/datasets' })).statusCode, 401)
  })

  test('planted rows: each check finds exactly them, with links to their pages', async () => {
    // grids: a third grid in community A overlapping both A1 and A2; a new community in street B half covered
    await insertRegion('320102001001003', '甲3网格', 'grid', TERRITORY.streetA + '001', [118.775, 32.035, 118.785, 32.045])
    await insertRegion('320102002002', '丙社区', 'community', TERRITORY.streetB, [118.82, 32.03, 118.84, 32.05])
    await insertRegion('320102002002001', '丙1网格', 'grid', '320102002002', [118.82, 32.03, 118.83, 32.05])
    await t.app.platform.bus.publish({ type: 'regions.changed', broadcast: true, data: { planted: true } })

    // components: one moved out of every grid, one moved into A2 while recorded in A1, one without units,
    // one damaged for 40 days with no case, one damaged as long but with an open case, a registered twin
    await moveTo(comp.a1!, 118.95, 32.0)
    comp.wrongGrid = await component('错格井盖', TERRITORY.inA1.lng + 0.001, TERRITORY.inA1.lat)
    await moveTo(comp.wrongGrid, TERRITORY.inA2.lng + 0.001, TERRITORY.inA2.lat)
    comp.noUnit = await component('无主井盖', TERRITORY.inA2.lng, TERRITORY.inA2.lat + 0.001, {})
    comp.stale = await component('久坏井盖', TERRITORY.inA2.lng, TERRITORY.inA2.lat + 0.002)
    comp.handled = await component('在修井盖', TERRITORY.inA2.lng, TERRITORY.inA2.lat + 0.003)
    comp.fresh = await component('新坏井盖', TERRITORY.inA2.lng, TERRITORY.inA2.lat + 0.004)
    await sql`update components set status = 'damaged', updated_at = now() - interval '40 days' where code in (${comp.stale}, ${comp.handled})`.execute(t.database.db)
    await sql`update components set status = 'damaged' where code = ${comp.fresh}`.execute(t.database.db)
    cases.aboutHandled = await report('井盖破损在修')
    await sql`update cases set component_code = ${comp.handled}, photos = ${JSON.stringify(['1'.repeat(64)])}::jsonb where id = ${cases.aboutHandled}`.execute(t.database.db)
    comp.twin = await component('乙1井盖(重复)', TERRITORY.inB1.lng, TERRITORY.inB1.lat)

    // cases: two without photos (one in street B), one voided without photos (does not count)
    cases.noPhotoA = await report('没有照片的案件')
    cases.noPhotoB = await report('乙街道没有照片', TERRITORY.inB1)
    cases.voided = await report('作废的案件')
    await sql`update cases set state = 'voided' where id = ${cases.voided}`.execute(t.database.db)

    // people: an operator without any scope; a department nobody works in
    const lonely = await t.userWith({ username: 'op.lost', roles: ['operator'] })
    const empty = json(await post('/api/v1/departments', { code: 'EMPTY', name: '空部门', regionCode: TERRITORY.district })).id as string

    const all = await datasets()
    assert.deepEqual(checkCounts(all), {
      'grids.overlap': 3,
      'grids.gap': 1,
      'grids.no_primary': 2,
      'components.outside_grid': 2,
      'components.no_responsible_unit': 1,
      'components.stale_status': 1,
      'components.duplicate_location': 2,
      'cases.no_photos': 2,
      'users.no_scope': 1,
      'departments.no_members': 1,
    })

    const overlap = await rows('grids', 'overlap')
    assert.deepEqual(overlap.map((r) => r.id), [TERRITORY.gridA1, TERRITORY.gridA2, '320102001001003'])
    assert.match(overlap[2]!.detail!, /overlaps 320102001001001 \([0-9.]+ m²\), 320102001001002/)
    assert.equal(overlap[0]!.link, `/regions?code=${TERRITORY.gridA1}`)
    const gap = await rows('grids', 'gap')
    assert.deepEqual(gap.map((r) => r.id), ['320102002002'])
    assert.match(gap[0]!.detail!, /m² uncovered in 1 place/)
    assert.deepEqual((await rows('grids', 'no_primary')).map((r) => r.id), ['320102001001003', '320102002002001'])

    const outside = await rows('components', 'outside_grid')
    assert.deepEqual(outside.map((r) => r.id).sort(), [comp.a1, comp.wrongGrid].sort())
    assert.match(outside.find((r) => r.id === comp.a1)!.detail!, /lies in no grid/)
    assert.match(outside.find((r) => r.id === comp.wrongGrid)!.detail!, new RegExp(`lies in grid ${TERRITORY.gridA2}, recorded in ${TERRITORY.gridA1}`))
    assert.equal(outside[0]!.link, `/components/${outside[0]!.id}`)
    assert.deepEqual((await rows('components', 'no_responsible_unit')).map((r) => r.id), [comp.noUnit])
    const stale = await rows('components', 'stale_status')
    assert.deepEqual(stale.map((r) => r.id), [comp.stale])
    assert.match(stale[0]!.detail!, /damaged since/)
    assert.deepEqual((await rows('components', 'duplicate_location')).map((r) => r.id), [comp.b1, comp.twin].sort())

    const noPhotos = await rows('cases', 'no_photos')
    assert.deepEqual(noPhotos.map((r) => r.id), [cases.noPhotoA, cases.noPhotoB].sort())
    assert.ok(noPhotos.every((r) => r.link === `/cases/${r.id}`))
    assert.deepEqual((await rows('users', 'no_scope')).map((r) => r.id), [lonely.id])
    assert.deepEqual((await rows('departments', 'no_members')).map((r) => r.id), [empty])

    // paging: one row a page walks the same rows in the same order
    assert.deepEqual((await rows('grids', 'overlap', admin.cookie, 1)).map((r) => r.id), overlap.map((r) => r.id))
    assert.deepEqual((await rows('cases', 'no_photos', admin.cookie, 1)).map((r) => r.id), noPhotos.map((r) => r.id))

    // fixing the data clears the check (the topology cache follows the rows)
    await sql`delete from regions where code = '320102001001003'`.execute(t.database.db)
    assert.deepEqual(await rows('grids', 'overlap'), [])
  })

  test('a leader sees counts and rows of their own street only', async () => {
    const a = await datasets(leaderA.cookie)
    const b = await datasets(leaderB.cookie)
    assert.equal(a.regions!.scoped, true)
    assert.equal(a.grids!.count, 2, 'A1 and A2')
    assert.equal(b.grids!.count, 2, 'B1 and the planted 丙1')
    assert.equal(a.regions!.count, 2, 'street A and its community')
    assert.equal(a.cases!.count, 4)
    assert.equal(b.cases!.count, 1)
    const count = (d: Record<string, Dataset>, name: string, key: string) => d[name]!.checks.find((c) => c.key === key)!.count
    assert.equal(count(a, 'cases', 'no_photos'), 1)
    assert.equal(count(b, 'cases', 'no_photos'), 1)
    assert.equal(count(a, 'grids', 'gap'), 0)
    assert.equal(count(b, 'grids', 'gap'), 1)
    assert.equal(count(a, 'components', 'duplicate_location'), 0)
    assert.equal(count(b, 'components', 'duplicate_location'), 2)
    assert.deepEqual((await rows('cases', 'no_photos', leaderB.cookie)).map((r) => r.id), [cases.noPhotoB])
    assert.deepEqual(a.regions!.exports.map((e) => e.href), [`/api/v1/regions/${TERRITORY.streetA}/geojson?depth=4`])
    assert.equal(a.classes!.scoped, false)
  })

  test('a bulk component import becomes the last import of components, with its outcome', async () => {
    const body = multipart({ name: 'empty.csv', content: Buffer.from('code,name\n') })
    const res = await t.inject({ method: 'POST', url: '/api/v1/components/imports', headers: { cookie: admin.cookie, ...body.headers }, payload: body.payload })
    assert.equal(res.statusCode, 202, res.body)
    const id = json(res).id as string
    let record = json(await get(`/api/v1/components/imports/${id}`))
    for (let i = 0; i < 600 && ['pending', 'reading', 'applying'].includes(record.status); i++) {
      await new Promise((r) => setTimeout(r, 100))
      record = json(await get(`/api/v1/components/imports/${id}`))
    }
    const last = (await datasets()).components!.lastImport!
    assert.ok(['rejected', 'failed'].includes(record.status), `an empty file does not import (${record.status}: ${record.message})`)
    assert.equal(last.outcome, record.status)
    assert.equal(last.id, id)
    assert.equal(last.by, 'root')
    assert.equal(last.rows, 0)
  })
})

describe('datasets: the overview is shared per scope for a minute, and a refresh recounts', () => {
  const clock = new ManualClock('2026-11-28T02:00:00Z')
  let t: TestApp
  let admin: { id: string; cookie: string }
  const overview = async (query = '', cookie = admin.cookie) => {
    const res = await t.inject({ method: 'GET', url: `/api/v1/datasets${query}`, headers: { cookie } })
    assert.equal(res.statusCode, 200, res.body)
    const body = json(res) as { items: Dataset[]; computedAt: string }
    return { users: body.items.find((d) => d.name === 'users')!.count, computedAt: body.computedAt }
  }

  before(async () => {
    t = await createTestApp({ clock })
    admin = await t.userWith({ username: 'root', roles: ['admin'] })
  })
  after(() => t.close())

  test('a plain read within the minute shares the result; refresh and expiry recount; a leader has their own', async () => {
    const first = await overview()
    assert.deepEqual(first, { users: 1, computedAt: '2026-11-28T02:00:00.000Z' })
    await t.userWith({ username: 'second', roles: ['operator'] })
    clock.advance(30_000)
    assert.deepEqual(await overview(), first, 'the same counts and time within the minute')
    const leader = await t.userWith({ username: 'leader', roles: ['leader'], regionCodes: ['320102'] })
    assert.deepEqual(await overview('', leader.cookie), { users: 1, computedAt: '2026-11-28T02:00:30.000Z' }, 'another scope computes its own (the leader is the one user in 320102)')
    assert.deepEqual(await overview('?refresh=true'), { users: 3, computedAt: '2026-11-28T02:00:30.000Z' })
    await t.userWith({ username: 'fourth', roles: ['operator'] })
    clock.advance(59_000)
    assert.equal((await overview()).users, 3, 'still within the minute of the refresh')
    clock.advance(2_000)
    assert.deepEqual(await overview(), { users: 4, computedAt: '2026-11-28T02:01:31.000Z' }, 'older than a minute: recounted')
  })

  test('a malformed refresh is a problem and computes nothing', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/v1/datasets?refresh=soon', headers: { cookie: admin.cookie } })
    assert.equal(res.statusCode, 400)
    assert.match(String(res.headers['content-type']), /application\/problem\+json/)
  })
})

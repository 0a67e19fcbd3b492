import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import ExcelJS from 'exceljs'
import { sql } from 'kysely'
import { SYSTEM_ACTOR } from '../../platform/audit.js'
import type { BusEvent } from '../../platform/events.js'
import { createTestApp, json, type TestApp } from '../../testing/test-app.js'
import { createDepartment } from '../identity/index.js'
import { createImport, IMPORT_PROGRESS } from './index.js'
import { recoverImports } from './imports.service.js'
import { importsRepository, stagingTable } from './imports.repository.js'
import { centreOf, gridOf, seedTerritory } from './testing-fixtures.js'

const C1 = '320102001001'
const C2 = '320102001002'
const C3 = '320104001001'

/** A multipart/form-data body with a "file" part and text fields. */
function multipart(file: { name: string; content: Buffer }, fields: Record<string, string> = {}) {
  const boundary = `----cg${randomBytes(8).toString('hex')}`
  const parts: Buffer[] = []
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`))
  parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${file.name}"\r\ncontent-type: application/octet-stream\r\n\r\n`))
  parts.push(file.content, Buffer.from(`\r\n--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

/** A digest of the whole registry and its counters: equal digests, equal registries. */
async function registryDigest(t: TestApp): Promise<string> {
  const r = await sql<{ d: string | null; n: number }>`
    select md5(coalesce(string_agg(c::text, '|' order by c.code), '')) || ':' || (select md5(coalesce(string_agg(k::text, '|' order by k.district_code, k.minor_class), '')) from component_code_counters k) as d,
      count(*) as n
    from components c`.execute(t.database.db)
  return `${r.rows[0]!.n}:${r.rows[0]!.d}`
}

async function waitImport(t: TestApp, cookie: string, id: string) {
  for (let i = 0; i < 600; i++) {
    const v = json(await t.inject({ method: 'GET', url: `/api/v1/components/imports/${id}`, headers: { cookie } }))
    if (['succeeded', 'rejected', 'failed'].includes(v.status)) return v
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('import did not finish')
}

async function upload(t: TestApp, cookie: string, file: { name: string; content: Buffer }, opts: Record<string, string> = {}) {
  const body = multipart(file, opts)
  const res = await t.inject({ method: 'POST', url: '/api/v1/components/imports', headers: { cookie, ...body.headers }, payload: body.payload })
  assert.equal(res.statusCode, 202, res.body)
  return waitImport(t, cookie, json(res).id)
}

async function errorRows(t: TestApp, cookie: string, id: string): Promise<{ row: number; column: string; value: string; reason: string }[]> {
  const res = await t.inject({ method: 'GET', url: `/api/v1/components/imports/${id}/errors.csv`, headers: { cookie } })
  assert.equal(res.statusCode, 200)
  assert.match(res.headers['content-type'] as string, /text\/csv/)
  const lines = res.body.replace(/^\uFEFF/, '').trim().split('\n')
  assert.equal(lines[0], 'row,column,value,reason')
  return lines.slice(1).map((l) => {
    const cells = l.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, '').replace(/^"(.*)"$/s, '$1').replaceAll('""', '"'))
    return { row: Number(cells[0]), column: cells[1]!, value: cells[2]!, reason: cells[3]! }
  })
}

describe('components import: CSV with bad rows, modes, upsert, CRS, progress', () => {
  let t: TestApp
  let admin: string
  const events: BusEvent[] = []
  before(async () => {
    t = await createTestApp()
    await seedTerritory(t.app.platform)
    admin = (await t.userWith({ username: 'root', roles: ['admin'] })).cookie
    await createDepartment(t.app.platform, { actor: SYSTEM_ACTOR, input: { code: 'ROADS', name: '市政局' } })
    t.app.platform.bus.subscribe((e) => events.push(e))
    // one component registered through the API before any import
    const [lng, lat] = centreOf(C1, 1, 1)
    const res = await t.inject({ method: 'POST', url: '/api/v1/components', headers: { cookie: admin }, payload: { minorClass: '0102', lng, lat } })
    assert.equal(res.statusCode, 201)
  })
  after(() => t.close())

  const [gx, gy] = centreOf(C1, 0, 0)
  const [hx, hy] = centreOf(C2, 2, 2)
  const badFile = () =>
    Buffer.concat([
      Buffer.from('\uFEFFcode,name,minorClass,lng,lat,location,status,maintainerDept,数目,站名\n'),
      Buffer.from(`,,0102,${gx},${gy},好路1号,完好,ROADS,,\n`), // 2 ok
      Buffer.from(`,,公交站亭,${hx},${hy},好路2号,,,,梅园新村站\n`), // 3 ok (class by name)
      Buffer.from(`,,0102,abc,${gy},坏坐标,,,,\n`), // 4 bad coordinates
      Buffer.from(`,,9999,${gx},${gy},未知小类,,,,\n`), // 5 unknown class
      Buffer.from(`3201020101900001,,0101,${gx},${gy},旧编码,,,,\n`), // 6 ok (a code from an older system)
      Buffer.from(`3201020101900001,,0101,${hx},${hy},重复编码,,,,\n`), // 7 duplicate code in the file
      Buffer.from(`,,0102,118.9,32.1,网格外,,,,\n`), // 8 in no grid
      Buffer.from(`,,0126,${gx},${gy},健身,,,many,\n`), // 9 wrong attribute value
      Buffer.from(`,名称`), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from(`,0102,${gx},${gy},坏编码,,,,\n`), // 10 invalid UTF-8
      Buffer.from(`,,0101,${hx},${hy},好路3号,破损,,,\n`), // 11 ok
      Buffer.from(`,,0203,${hx},${hy},缺站名,,,,\n`), // 12 required attribute missing
    ])
  const BAD_ROWS = [4, 5, 7, 8, 9, 10, 12]

  test('all-or-nothing: exactly the bad rows are reported and nothing changes', async () => {
    const before = await registryDigest(t)
    const imp = await upload(t, admin, { name: 'census.csv', content: badFile() })
    assert.equal(imp.status, 'rejected')
    assert.deepEqual([imp.progress.rowsRead, imp.rowsValid, imp.rowsInvalid, imp.created], [11, 4, 7, 0])
    const errors = await errorRows(t, admin, imp.id)
    assert.deepEqual([...new Set(errors.map((e) => e.row))], BAD_ROWS)
    const by = (row: number) => errors.filter((e) => e.row === row)
    assert.deepEqual(by(4).map((e) => [e.column, e.reason]), [['lng', 'longitude is not a number']])
    assert.deepEqual(by(5).map((e) => [e.column, e.value, e.reason]), [['minorClass', '9999', 'unknown class']])
    assert.deepEqual(by(7).map((e) => [e.column, e.value, e.reason]), [['code', '3201020101900001', 'duplicate code: already in row 6']])
    assert.match(by(8)[0]!.reason, /in no grid/)
    assert.deepEqual(by(9).map((e) => [e.column, e.value, e.reason]), [['数目', 'many', 'must be a number']])
    assert.equal(by(10)[0]!.column, 'name')
    assert.match(by(10)[0]!.reason, /encoding/)
    assert.deepEqual(by(12).map((e) => [e.column, e.reason]), [['站名', 'required']])
    assert.equal(await registryDigest(t), before, 'registry and code counters unchanged')
    const tables = await sql<{ n: number }>`select count(*) as n from pg_tables where tablename like 'component_staging_%'`.execute(t.database.db)
    assert.equal(Number(tables.rows[0]!.n), 0, 'staging table dropped')
  })

  test('keep-valid: the valid rows are imported with gap-free codes; the report is the same', async () => {
    const imp = await upload(t, admin, { name: 'census.csv', content: badFile() }, { mode: 'keep-valid' })
    assert.equal(imp.status, 'succeeded', imp.message)
    assert.deepEqual([imp.created, imp.updated, imp.rowsInvalid], [4, 0, 7])
    assert.deepEqual([...new Set((await errorRows(t, admin, imp.id)).map((e) => e.row))], BAD_ROWS)
    const list = json(await t.inject({ method: 'GET', url: '/api/v1/components?limit=100', headers: { cookie: admin } })).items
    const byLoc = new Map(list.map((c: any) => [c.location, c]))
    // the API had taken 3201020102000001; the import continues the sequence
    assert.equal((byLoc.get('好路1号') as any).code, '3201020102000002')
    assert.equal((byLoc.get('好路1号') as any).maintainerDeptId !== null, true)
    assert.equal((byLoc.get('好路2号') as any).code, '3201020203000001')
    assert.deepEqual((byLoc.get('好路2号') as any).attributes, { 站名: '梅园新村站' })
    assert.equal((byLoc.get('旧编码') as any).code, '3201020101900001')
    // a new code in the class of the carried-over one continues after it
    assert.equal((byLoc.get('好路3号') as any).code, '3201020101900002')
    assert.equal((byLoc.get('好路3号') as any).status, 'damaged')
    const detail = json(await t.inject({ method: 'GET', url: '/api/v1/components/3201020102000002', headers: { cookie: admin } }))
    assert.deepEqual(detail.history.map((h: any) => [h.action, h.source, h.importId]), [['create', 'import', imp.id]])
    const audit = json(await t.inject({ method: 'GET', url: '/api/v1/audit?entityType=componentImport', headers: { cookie: admin } }))
    assert.equal(audit.items[0].entityId, imp.id)
  })

  test('progress events carry the import id and rows done', () => {
    const progress = events.filter((e) => e.type === IMPORT_PROGRESS)
    assert.ok(progress.length >= 2)
    assert.ok(progress.some((e) => e.data.status === 'reading' && e.data.rowsRead === 11))
    assert.ok(progress.some((e) => e.data.status === 'applying'))
    assert.ok(events.some((e) => e.type === 'components.import.finished' && e.data.status === 'succeeded'))
  })

  test('existing codes update (upsert) with field-level history; unchanged rows are counted', async () => {
    const [nx, ny] = centreOf(C1, 2, 2)
    const csv = [
      '标识码,部件状态,位置描述,经度,纬度',
      '3201020102000002,破损,好路1号,,', // status changes; no location given: kept
      `3201020101900001,完好,旧编码新址,${nx},${ny}`, // moves to another grid
      '3201020203000001,,好路2号,,', // nothing changes
    ].join('\n')
    const imp = await upload(t, admin, { name: 'update.csv', content: Buffer.from(csv) })
    assert.equal(imp.status, 'succeeded', imp.message)
    assert.deepEqual([imp.created, imp.updated, imp.unchanged], [0, 2, 1])
    const a = json(await t.inject({ method: 'GET', url: '/api/v1/components/3201020102000002', headers: { cookie: admin } }))
    assert.equal(a.status, 'damaged')
    assert.equal(a.gridCode, gridOf(C1, 0, 0))
    assert.equal(a.maintainerDeptId !== null, true, 'a column the file does not have is kept')
    assert.deepEqual(a.history[0].changes, { status: ['intact', 'damaged'] })
    assert.equal(a.history[0].source, 'import')
    const b = json(await t.inject({ method: 'GET', url: '/api/v1/components/3201020101900001', headers: { cookie: admin } }))
    assert.equal(b.gridCode, gridOf(C1, 2, 2))
    assert.deepEqual(Object.keys(b.history[0].changes).sort(), ['geometry', 'gridCode', 'location'])
  })

  test('a mapping names the columns; GCJ-02 coordinates land at the right WGS84 position', async () => {
    const csv = ['编号,类别,X坐标,Y坐标,备注说明', ',上水井盖,118.802529,32.043332,梅园新村中心'].join('\n')
    const imp = await upload(t, admin, { name: 'gcj.csv', content: Buffer.from(csv) }, {
      crs: 'GCJ-02',
      mapping: JSON.stringify({ minorClass: '类别', lng: 'X坐标', lat: 'Y坐标', note: '备注说明' }),
    })
    assert.equal(imp.status, 'succeeded', imp.message)
    const c = json(await t.inject({ method: 'GET', url: '/api/v1/components?minorClass=0101&limit=100', headers: { cookie: admin } })).items.find((x: any) => x.note === '梅园新村中心')
    // datasets/nanjing/divisions: 梅园新村社区 GCJ-02 118.802529, 32.043332 = WGS84 118.797348, 32.045405 (gcoord)
    assert.ok(Math.abs(c.lng - 118.797348) < 2e-6 && Math.abs(c.lat - 32.045405) < 2e-6, `${c.lng}, ${c.lat}`)
    assert.equal(c.gridCode, gridOf(C1, 2, 1))
  })

  test('GBK-encoded CSV is read when declared', async () => {
    const [x, y] = centreOf(C3, 0, 0)
    // 秦淮路 in GBK (Node can decode GBK but not encode it)
    const gbk = Buffer.concat([Buffer.from(`minorClass,lng,lat,location\n0305,${x},${y},`), Buffer.from([0xc7, 0xd8, 0xbb, 0xb4, 0xc2, 0xb7]), Buffer.from('\n')])
    const imp = await upload(t, admin, { name: 'gbk.csv', content: gbk }, { encoding: 'gbk' })
    assert.equal(imp.status, 'succeeded', imp.message)
    const c = json(await t.inject({ method: 'GET', url: '/api/v1/components?minorClass=0305', headers: { cookie: admin } })).items[0]
    assert.equal(c.location, '秦淮路')
  })

  test('tabs, line breaks, backslashes and quotes in cells arrive unchanged (the batch travels as COPY text)', async () => {
    const [x, y] = centreOf(C3, 1, 1)
    const name = 'C:\\站\\名 "甲"'
    const location = '路\t1号\n北侧\\N'
    const station = '站\\名\\n"乙"'
    const q = (v: string) => `"${v.replaceAll('"', '""')}"`
    const csv = `minorClass,name,lng,lat,location,站名\n0203,${q(name)},${x},${y},${q(location)},${q(station)}\n0203,,${x},${y},,普通站\n`
    const imp = await upload(t, admin, { name: 'escapes.csv', content: Buffer.from(csv) })
    assert.equal(imp.status, 'succeeded', imp.message)
    const rows = await sql<{ name: string; location: string | null; attributes: Record<string, string> }>`
      select name, location, attributes from components where import_id = ${imp.id} order by code`.execute(t.database.db)
    assert.deepEqual(
      rows.rows.map((r) => [r.name, r.location, r.attributes.站名]),
      [
        [name, location, station],
        ['公交站亭', null, '普通站'],
      ],
    )
  })

  test('the reaper marks an import with a stale heartbeat failed and removes its staging table and spool', async () => {
    const p = t.app.platform
    const id = await createImport(p, { actor: SYSTEM_ACTOR, input: { format: 'csv', fileName: 'x.csv', fileSize: 1, mode: 'all-or-nothing', crs: 'WGS84', encoding: 'utf-8', mapping: {} } })
    await importsRepository.createStaging(p.db, id)
    mkdirSync(join(p.config.dataDir, 'imports'), { recursive: true })
    const spool = join(p.config.dataDir, 'imports', `${id}.spool`)
    writeFileSync(spool, 'x')
    await importsRepository.updateImport(p.db, id, { status: 'reading', heartbeatAt: new Date(Date.now() - 60_000) })
    assert.deepEqual(await recoverImports(p, { all: false }), [], 'a heartbeat a minute old is alive')
    await importsRepository.updateImport(p.db, id, { heartbeatAt: new Date(Date.now() - 10 * 60_000) })
    assert.deepEqual(await recoverImports(p, { all: false }), [id])
    const v = json(await t.inject({ method: 'GET', url: `/api/v1/components/imports/${id}`, headers: { cookie: admin } }))
    assert.equal(v.status, 'failed')
    assert.ok(!(await importsRepository.stagingTables(p.db)).includes(stagingTable(id)))
    assert.equal(existsSync(spool), false)
  })

  test('bad options and files are refused before anything runs', async () => {
    const noFile = multipart({ name: 'x.csv', content: Buffer.from('a') })
    const wrongMode = await t.inject({ method: 'POST', url: '/api/v1/components/imports?mode=sometimes', headers: { cookie: admin, ...noFile.headers }, payload: noFile.payload })
    assert.equal(wrongMode.statusCode, 400)
    const badMapping = multipart({ name: 'x.csv', content: Buffer.from('a') }, { mapping: '{"colour":"c"}' })
    const r2 = await t.inject({ method: 'POST', url: '/api/v1/components/imports', headers: { cookie: admin, ...badMapping.headers }, payload: badMapping.payload })
    assert.equal(json(r2).errors[0].field, 'mapping.colour')
    const unknownType = multipart({ name: 'x.bin', content: Buffer.from('a') })
    assert.equal((await t.inject({ method: 'POST', url: '/api/v1/components/imports', headers: { cookie: admin, ...unknownType.headers }, payload: unknownType.payload })).statusCode, 400)
    const op = await t.userWith({ username: 'op1', roles: ['operator'], regionCodes: [C1] })
    const forbidden = multipart({ name: 'x.csv', content: Buffer.from('a') })
    assert.equal((await t.inject({ method: 'POST', url: '/api/v1/components/imports', headers: { cookie: op.cookie, ...forbidden.headers }, payload: forbidden.payload })).statusCode, 403)
    const empty = await upload(t, admin, { name: 'empty.csv', content: Buffer.from('code,name\n') })
    assert.equal(empty.status, 'rejected')
  })
})

describe('components export/import round trips (XLSX, GeoJSON, CSV) into a fresh registry', () => {
  let a: TestApp
  let b: TestApp
  let ca: string
  let cb: string
  before(async () => {
    ;[a, b] = [await createTestApp(), await createTestApp()]
    for (const t of [a, b]) {
      await seedTerritory(t.app.platform)
      await createDepartment(t.app.platform, { actor: SYSTEM_ACTOR, input: { code: 'PARKS', name: '园林局' } })
    }
    ca = (await a.userWith({ username: 'root', roles: ['admin'] })).cookie
    cb = (await b.userWith({ username: 'root', roles: ['admin'] })).cookie
    const post = (payload: object) => a.inject({ method: 'POST', url: '/api/v1/components', headers: { cookie: ca }, payload })
    const dept = json(await a.inject({ method: 'GET', url: '/api/v1/departments', headers: { cookie: ca } })).items[0].id
    const [x, y] = centreOf(C2, 1, 1)
    for (const r of [
      { minorClass: '0203', lng: x, lat: y, attributes: { 站名: '大行宫站' }, location: '中山东路, "北侧"', status: 'occupied', ownerDeptId: dept, installDate: '2019-03-01', note: '=1+1 not a formula' },
      { minorClass: '0126', lng: x + 0.0002, lat: y, attributes: { 数目: 12 }, dataSource: 'fieldMapping' },
      { minorClass: '0211', geometry: { type: 'LineString', coordinates: [[x - 0.0003, y - 0.0003], [x + 0.0003, y - 0.0003], [x + 0.0003, y]] } },
      { minorClass: '0405', geometry: { type: 'Polygon', coordinates: [[[x, y + 0.0001], [x + 0.0003, y + 0.0001], [x + 0.0003, y + 0.0004], [x, y + 0.0004], [x, y + 0.0001]]] } },
      { minorClass: '0102', ...Object.fromEntries(['lng', 'lat'].map((k, i) => [k, centreOf(C3, 1, 1)[i]])), currency: 'retired' },
    ]) {
      const res = await post(r)
      assert.equal(res.statusCode, 201, res.body)
    }
  })
  after(async () => {
    await a.close()
    await b.close()
  })

  const exportOf = async (t: TestApp, cookie: string, format: string, extra = '') => {
    const res = await t.inject({ method: 'GET', url: `/api/v1/components/export?format=${format}${extra}`, headers: { cookie } })
    assert.equal(res.statusCode, 200, res.body)
    return res.rawPayload
  }
  const comparable = async (t: TestApp, cookie: string) =>
    json(await t.inject({ method: 'GET', url: '/api/v1/components?limit=100', headers: { cookie } })).items.map((c: any) => {
      const { version: _v, createdAt: _c, updatedAt: _u, importId: _i, ownerDeptId, ...rest } = c
      return { ...rest, owner: ownerDeptId ? 'set' : null }
    })

  for (const format of ['xlsx', 'geojson', 'csv'] as const) {
    test(`${format}: export → import into an empty registry gives the same components; importing it again changes nothing`, async () => {
      const file = await exportOf(a, ca, format)
      if (format === 'xlsx') {
        const wb = new ExcelJS.Workbook()
        await wb.xlsx.load(file as unknown as ArrayBuffer)
        assert.equal(wb.worksheets[0]!.rowCount, 6)
      }
      const first = await upload(b, cb, { name: `components.${format}`, content: file })
      assert.equal(first.status, 'succeeded', first.message)
      assert.deepEqual([first.created, first.rowsInvalid], [5, 0])
      assert.deepEqual(await comparable(b, cb), await comparable(a, ca))
      const again = await upload(a, ca, { name: `components.${format}`, content: file })
      assert.deepEqual([again.status, again.created, again.updated, again.unchanged], ['succeeded', 0, 0, 5])
      // reset b for the next format
      await sql`truncate components, component_changes, component_code_counters`.execute(b.database.db)
    })
  }

  test('export filters by region and class and converts to GCJ-02 on request', async () => {
    const geo = JSON.parse((await exportOf(a, ca, 'geojson', `&region=${C3}`)).toString())
    assert.deepEqual(geo.features.map((f: any) => f.properties.minorClass), ['0102'])
    const gcj = JSON.parse((await exportOf(a, ca, 'geojson', '&minorClass=0203&crs=GCJ-02')).toString())
    const wgs = JSON.parse((await exportOf(a, ca, 'geojson', '&minorClass=0203')).toString())
    const [gx, gy] = gcj.features[0].geometry.coordinates
    const [wx, wy] = wgs.features[0].geometry.coordinates
    assert.ok(gx - wx > 0.004 && gy - wy < -0.001, 'GCJ-02 is shifted about +0.005° lng, −0.002° lat in Nanjing')
  })
})

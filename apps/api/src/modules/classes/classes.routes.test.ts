import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, json, type TestApp } from '../../testing/test-app.js'
import { findClass, seedClasses } from './index.js'

describe('classes: seeded standard classification, local classes, retirement', () => {
  let t: TestApp
  let admin: string
  let operator: string
  before(async () => {
    t = await createTestApp()
    admin = (await t.userWith({ username: 'root', roles: ['admin'] })).cookie
    operator = (await t.userWith({ username: 'operator1', roles: ['operator'], regionCodes: ['320102'] })).cookie
  })
  after(() => t.close())

  const get = (url: string, cookie = operator) => t.inject({ method: 'GET', url, headers: { cookie } })
  const send = (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, cookie = admin) =>
    t.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) })

  test('the standard classification is seeded at first start, with class attributes', async () => {
    const components = json(await get('/api/v1/classes?kind=component')).items
    const events = json(await get('/api/v1/classes?kind=event')).items
    assert.equal(components.length, 83)
    assert.equal(events.length, 88)
    const cover = components.find((c: any) => c.code === '0102')
    assert.equal(cover.name, '污水井盖')
    assert.equal(cover.majorName, '公用设施')
    assert.deepEqual(cover.attributes.map((a: any) => a.name), ['材质'])
    const shelter = json(await get('/api/v1/classes/component/0203'))
    assert.deepEqual(shelter.attributes, [{ name: '站名', type: 'string', required: true, description: 'Stop name (StopName)' }])
    const majors = json(await get('/api/v1/classes/majors?kind=component')).items
    assert.deepEqual(majors.map((m: any) => m.code), ['01', '02', '03', '04', '05', '06'])
    // the same minor code exists in both kinds
    assert.equal(json(await get('/api/v1/classes/event/0102')).name, '暴露垃圾')
  })

  test('seeding again changes nothing (idempotent, once per database)', async () => {
    const again = await seedClasses(t.app.platform)
    assert.equal(again.seeded, false)
    assert.equal(json(await get('/api/v1/classes?kind=component')).items.length, 83)
  })

  test('an administrator adds a local major and minor class with attributes; codes stay unique', async () => {
    const major = await send('POST', '/api/v1/classes/majors', { kind: 'component', code: '21', name: '扩展部件' })
    assert.equal(major.statusCode, 201)
    assert.equal(json(major).local, true)
    const minor = await send('POST', '/api/v1/classes', {
      kind: 'component',
      code: '2101',
      name: '防蚊闸',
      attributes: [
        { name: '型号', type: 'enum', required: true, values: ['A型', 'B型'] },
        { name: '口径', type: 'number' },
      ],
    })
    assert.equal(minor.statusCode, 201, minor.body)
    assert.deepEqual(json(minor).attributes[1], { name: '口径', type: 'number', required: false })
    const dup = await send('POST', '/api/v1/classes', { kind: 'component', code: '2101', name: '重复' })
    assert.equal(dup.statusCode, 409)
    assert.equal(json(dup).code, 'CONFLICT')
    const dupMajor = await send('POST', '/api/v1/classes/majors', { kind: 'component', code: '01', name: '重复' })
    assert.equal(dupMajor.statusCode, 409)
    const orphan = await send('POST', '/api/v1/classes', { kind: 'component', code: '2201', name: '无大类' })
    assert.equal(orphan.statusCode, 400)
    assert.equal(json(orphan).errors[0].field, 'code')
    const badDefs = await send('POST', '/api/v1/classes', { kind: 'component', code: '2102', name: '坏定义', attributes: [{ name: '型号', type: 'enum', required: false }] })
    assert.equal(badDefs.statusCode, 400)
    assert.equal(json(badDefs).errors[0].field, 'attributes.0.values')
    const found = await findClass(t.app.platform, { kind: 'component', code: '2101' })
    assert.equal(found?.majorName, '扩展部件')
    assert.equal(await findClass(t.app.platform, { kind: 'event', code: '2101' }), null)
  })

  test('only administrators edit the classification; everyone signed in reads it', async () => {
    assert.equal((await send('POST', '/api/v1/classes', { kind: 'event', code: '0601', name: 'x' }, operator)).statusCode, 403)
    assert.equal((await send('PATCH', '/api/v1/classes/component/0101', { name: 'x' }, operator)).statusCode, 403)
    assert.equal((await get('/api/v1/classes/component/0101')).statusCode, 200)
    assert.equal((await t.inject({ method: 'GET', url: '/api/v1/classes' })).statusCode, 401)
  })

  test('retiring hides a class from lists unless asked; retiring a major retires its minors', async () => {
    const res = await send('PATCH', '/api/v1/classes/component/2101', { retired: true, name: '防蚊闸（旧）' })
    assert.equal(res.statusCode, 200)
    assert.equal(json(res).retired, true)
    const listed = json(await get('/api/v1/classes?kind=component&major=21')).items
    assert.equal(listed.length, 0)
    const all = json(await get('/api/v1/classes?kind=component&major=21&includeRetired=true')).items
    assert.deepEqual(all.map((c: any) => [c.code, c.name, c.retired]), [['2101', '防蚊闸（旧）', true]])
    await send('PATCH', '/api/v1/classes/component/2101', { retired: false })
    await send('PATCH', '/api/v1/classes/majors/component/21', { retired: true })
    assert.equal(json(await get('/api/v1/classes/component/2101')).retired, true, 'a minor of a retired major counts as retired')
    await send('PATCH', '/api/v1/classes/majors/component/21', { retired: false })
  })

  test('deleting: an unused minor class goes; a major class with minors stays (409)', async () => {
    const majorWithMinor = await send('DELETE', '/api/v1/classes/majors/component/21')
    assert.equal(majorWithMinor.statusCode, 409)
    assert.equal((await send('DELETE', '/api/v1/classes/component/2101')).statusCode, 204)
    assert.equal((await get('/api/v1/classes/component/2101')).statusCode, 404)
    assert.equal((await send('DELETE', '/api/v1/classes/majors/component/21')).statusCode, 204)
    assert.equal((await send('DELETE', '/api/v1/classes/component/2101')).statusCode, 404)
  })

  test('every change is audited', async () => {
    const audit = json(await get('/api/v1/audit?entityType=minorClass&limit=50', admin))
    const actions = new Set(audit.items.map((a: any) => a.action))
    for (const a of ['class.create', 'class.update', 'class.delete']) assert.ok(actions.has(a), `${a} in ${[...actions].join(',')}`)
  })
})

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { ManualClock } from '../../platform/clock.js'
import { createTestApp, json, type TestApp } from '../../testing/test-app.js'
import { importTerritory, TERRITORY } from '../../testing/territory.js'

// A real 1×1 PNG for photo evidence.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')

describe('cases: intake, the whole workflow, deadlines, duplicates, idempotency, scopes', () => {
  // Monday 2026-11-30 09:00 in Shanghai; working windows 08:30–12:00 and 13:30–17:30.
  const clock = new ManualClock('2026-11-30T01:00:00Z')
  let t: TestApp
  const who: Record<string, { id: string; cookie: string }> = {}
  let roads: string
  let water: string
  let photo: string

  before(async () => {
    t = await createTestApp({ clock, env: { SESSION_TTL_MINUTES: String(60 * 24 * 20) } })
    who.admin = await t.userWith({ username: 'root', roles: ['admin'] })
    await importTerritory(t, who.admin.cookie)
    roads = json(await t.inject({ method: 'POST', url: '/api/v1/departments', headers: { cookie: who.admin.cookie }, payload: { code: 'ROADS', name: '道路养护所' } })).id
    water = json(await t.inject({ method: 'POST', url: '/api/v1/departments', headers: { cookie: who.admin.cookie }, payload: { code: 'WATER', name: '排水公司' } })).id
    const A = [TERRITORY.streetA]
    who.supervisor = await t.userWith({ username: 'sup.a', roles: ['supervisor'], regionCodes: [TERRITORY.gridA1, TERRITORY.gridA2] })
    who.operator = await t.userWith({ username: 'op.a', roles: ['operator'], regionCodes: A })
    who.leader = await t.userWith({ username: 'shift.a', roles: ['shiftLeader'], regionCodes: A })
    who.dispatcher = await t.userWith({ username: 'disp.a', roles: ['dispatcher'], regionCodes: A })
    who.dispatcher2 = await t.userWith({ username: 'disp.a2', roles: ['dispatcher'], regionCodes: A })
    who.roads = await t.userWith({ username: 'roads.1', roles: ['departmentHandler'], departmentId: roads })
    who.water = await t.userWith({ username: 'water.1', roles: ['departmentHandler'], departmentId: water })
    who.resident = await t.userWith({ username: 'resident.1', roles: ['resident'] })
    who.otherStreet = await t.userWith({ username: 'op.b', roles: ['operator', 'shiftLeader', 'dispatcher'], regionCodes: [TERRITORY.streetB] })
    // 暴露垃圾 (event 0102): register 1 h, dispatch 1 h, handle 4 working hours, check 2 h, close 1 h.
    const limits = { register: h(1), dispatch: h(1), handle: h(4), check: h(2), close: h(1) }
    const set = await t.inject({ method: 'PUT', url: '/api/v1/case-settings/event/0102', headers: { cookie: who.admin.cookie }, payload: { limits, urgency: 'normal', closingStandard: '垃圾清运干净', defaultDepartmentId: roads } })
    assert.equal(set.statusCode, 200, set.body)
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const form = new FormData()
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'evidence.png')
    const up = await fetch(`http://127.0.0.1:${(t.app.server.address() as { port: number }).port}/api/v1/files`, { method: 'POST', body: form, headers: { cookie: who.supervisor.cookie } })
    photo = ((await up.json()) as { sha256: string }).sha256
  })
  after(() => t.close())

  const h = (amount: number) => ({ amount, unit: 'workingHours' as const })
  const at = (local: string) => clock.set(new Date(`${local}+08:00`))

  async function report(user: keyof typeof who, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    return t.inject({
      method: 'POST',
      url: '/api/v1/cases',
      headers: { cookie: who[user]!.cookie, ...headers },
      payload: { classKind: 'event', minorClass: '0102', ...TERRITORY.inA1, description: '路边暴露垃圾一堆', photos: [photo], ...body },
    })
  }
  async function get(id: string, user: keyof typeof who = 'admin') {
    return t.inject({ method: 'GET', url: `/api/v1/cases/${id}`, headers: { cookie: who[user]!.cookie } })
  }
  /** Act with the case's current version; returns the response. */
  async function act(user: keyof typeof who, id: string, action: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    const current = json(await get(id))
    return t.inject({ method: 'POST', url: `/api/v1/cases/${id}/${action}`, headers: { cookie: who[user]!.cookie, ...headers }, payload: { version: current.case.version, ...body } })
  }
  async function ok(user: keyof typeof who, id: string, action: string, body: Record<string, unknown> = {}) {
    const res = await act(user, id, action, body)
    assert.equal(res.statusCode, 200, `${action}: ${res.body}`)
    return json(res)
  }

  test('a supervisor report is located, numbered and goes to the shift leader; the full life ends closed', async () => {
    at('2026-11-30T09:00:00')
    const res = await report('supervisor')
    assert.equal(res.statusCode, 201, res.body)
    const c = json(res).case
    assert.match(c.number, /^2026113000001$/)
    assert.equal(c.gridCode, TERRITORY.gridA1)
    assert.equal(c.streetCode, TERRITORY.streetA)
    assert.equal(c.districtCode, TERRITORY.district)
    assert.equal(c.state, 'pendingRegister')
    assert.equal(c.stage, 'register')
    assert.equal(c.stageDeadline, new Date('2026-11-30T10:00:00+08:00').toISOString())
    assert.equal(c.proposedDepartmentId, roads, 'the class default department is proposed')
    assert.deepEqual(c.actions, [], 'a supervisor has nothing to do on it now')

    at('2026-11-30T09:10:00')
    const registered = await ok('leader', c.id, 'register')
    assert.equal(registered.state, 'registered')
    assert.equal(registered.stageDeadline, new Date('2026-11-30T10:10:00+08:00').toISOString())
    assert.ok(registered.actions.includes('void') && !registered.actions.includes('dispatch'), 'the shift leader may void but not dispatch')
    const dispatched = await ok('dispatcher', c.id, 'dispatch', { departmentId: roads })
    assert.equal(dispatched.state, 'dispatched')
    assert.equal(dispatched.departmentId, roads)
    assert.equal(dispatched.stageDeadline, new Date('2026-11-30T14:40:00+08:00').toISOString(), '4 working hours with lunch')

    const noPhoto = await act('roads', c.id, 'handled', {})
    assert.equal(noPhoto.statusCode, 400)
    assert.equal(json(noPhoto).errors[0].field, 'photos')
    at('2026-11-30T11:00:00')
    await ok('roads', c.id, 'accept')
    await ok('roads', c.id, 'handled', { photos: [photo], comment: '已清运' })
    await ok('operator', c.id, 'requestCheck')
    at('2026-11-30T11:30:00')
    const checked = await ok('supervisor', c.id, 'check', { checkOutcome: 'passed', photos: [photo] })
    assert.equal(checked.state, 'checked')
    const closed = await ok('leader', c.id, 'close')
    assert.equal(closed.state, 'closed')
    assert.equal(closed.publicStatus, 'fixed')
    assert.deepEqual(closed.timings.map((x: { stage: string; onTime: boolean }) => [x.stage, x.onTime]), [
      ['register', true],
      ['dispatch', true],
      ['handle', true],
      ['check', true],
      ['close', true],
    ])
    const detail = json(await get(c.id))
    assert.deepEqual(detail.timeline.map((e: { action: string }) => e.action), ['report', 'register', 'dispatch', 'accept', 'handled', 'requestCheck', 'check', 'close'])
    const audit = await sql<{ n: number }>`select count(*)::int as n from audit_log where entity_type = 'case' and entity_id = ${c.id}`.execute(t.database.db)
    assert.equal(audit.rows[0]!.n, 8)
  })

  test('a public report is verified on site before it is registered; the reporter sees a masked, anonymous view', async () => {
    at('2026-11-30T14:00:00')
    const res = await report('resident', { anonymous: true, ...TERRITORY.inA2 })
    assert.equal(res.statusCode, 201, res.body)
    const c = json(res).case
    assert.equal(c.source, 'public')
    assert.equal(c.state, 'reported')
    await ok('operator', c.id, 'requestVerify')
    await ok('supervisor', c.id, 'verify', { verifyOutcome: 'confirmed' })
    const registered = await ok('leader', c.id, 'register')
    assert.equal(registered.state, 'registered')
    const mine = json(await t.inject({ method: 'GET', url: '/api/v1/cases?view=all', headers: { cookie: who.resident!.cookie } }))
    assert.deepEqual(mine.items.map((x: { id: string }) => x.id), [c.id], 'a resident sees only their own reports')
    const seen = json(await get(c.id, 'resident'))
    assert.equal(seen.case.publicStatus, 'inProgress')
    assert.ok(seen.timeline.every((e: { actorName: string }) => e.actorName === ''), 'officials are not named to the public')
  })

  test('a hotline call stores the caller encrypted, shows it masked, and unmasks it only with a purpose', async () => {
    const res = await report('operator', { reporter: { name: '张三', phone: '13912345678' }, description: '热线：小区门口垃圾' })
    assert.equal(res.statusCode, 201, res.body)
    const c = json(res).case
    assert.equal(c.source, 'hotline')
    assert.deepEqual(c.reporter, { name: '张*', phone: '139****5678', anonymous: false })
    const raw = await sql<{ reporterPhoneEnc: string }>`select reporter_phone_enc from cases where id = ${c.id}`.execute(t.database.db)
    assert.ok(!raw.rows[0]!.reporterPhoneEnc.includes('13912345678'))
    const refused = await t.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/personal-data`, headers: { cookie: who.leader!.cookie }, payload: { purpose: '回访核实处置结果' } })
    assert.equal(refused.statusCode, 403)
    const clear = await t.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/personal-data`, headers: { cookie: who.admin!.cookie }, payload: { purpose: '回访核实处置结果' } })
    assert.deepEqual(json(clear), { name: '张三', phone: '13912345678' })
  })

  test('a department returns a case that is not its remit; it is dispatched again elsewhere', async () => {
    const c = json(await report('supervisor')).case
    await ok('leader', c.id, 'register')
    await ok('dispatcher', c.id, 'dispatch', { departmentId: roads })
    const wrongDept = await act('water', c.id, 'handled', { photos: [photo] })
    assert.equal(wrongDept.statusCode, 404, 'another department cannot even see it')
    const returned = await ok('roads', c.id, 'return', { reason: '属排水管网，不归道路' })
    assert.equal(returned.state, 'returned')
    const noReason = await act('dispatcher', c.id, 'dispatch', { departmentId: water })
    assert.equal(noReason.statusCode, 400, 'overriding the proposed department needs a reason')
    const again = await ok('dispatcher', c.id, 'dispatch', { departmentId: water, reason: '改派排水公司' })
    assert.equal(again.departmentId, water)
    assert.equal((await act('roads', c.id, 'accept')).statusCode, 404, 'the first department no longer sees it')
    await ok('water', c.id, 'accept')
  })

  test('an extension asked before the deadline pauses the clock; approval moves the deadline, denial resumes it', async () => {
    at('2026-12-01T09:00:00')
    const c = json(await report('supervisor')).case
    await ok('leader', c.id, 'register')
    const d = await ok('dispatcher', c.id, 'dispatch', { departmentId: roads })
    assert.equal(d.stageDeadline, new Date('2026-12-01T14:30:00+08:00').toISOString())
    at('2026-12-01T10:00:00')
    const asked = await ok('roads', c.id, 'extendRequest', { reason: '需要调配吊车', extension: { amount: 1, unit: 'workingDays' } })
    assert.equal(asked.extensionPending, true)
    assert.equal(asked.stageDeadline, null)
    const tasks = json(await t.inject({ method: 'GET', url: '/api/v1/cases?view=tasks', headers: { cookie: who.leader!.cookie } }))
    assert.ok(tasks.items.some((x: { id: string }) => x.id === c.id), 'the shift leader has the request in their queue')
    at('2026-12-01T11:00:00')
    const approved = await ok('leader', c.id, 'extendApprove', { extension: { amount: 1, unit: 'workingDays' } })
    // 1 h used; 4 h + 7.5 h limit; 10.5 h left from 11:00 Tuesday → Wednesday 15:30.
    assert.equal(approved.stageDeadline, new Date('2026-12-02T15:30:00+08:00').toISOString())

    const c2 = json(await report('supervisor')).case
    await ok('leader', c2.id, 'register')
    await ok('dispatcher', c2.id, 'dispatch', { departmentId: roads })
    at('2026-12-01T11:30:00')
    await ok('roads', c2.id, 'extendRequest', { reason: '材料', extension: { amount: 2, unit: 'workingHours' } })
    at('2026-12-01T13:30:00')
    const denied = await ok('leader', c2.id, 'extendDeny', { reason: '可以按时完成' })
    // Dispatched at 11:00; 30 min used before the request; 3.5 h left from 13:30 → 17:00.
    assert.equal(denied.stageDeadline, new Date('2026-12-01T17:00:00+08:00').toISOString())
    assert.equal(denied.extensionPending, false)
  })

  test('suspension (挂账) stops the clock until resumed; rework sends the case back with its clock running on', async () => {
    at('2026-12-02T09:00:00')
    const c = json(await report('supervisor')).case
    await ok('leader', c.id, 'register')
    await ok('dispatcher', c.id, 'dispatch', { departmentId: roads })
    at('2026-12-02T10:00:00')
    const s = await ok('leader', c.id, 'suspend', { reason: '需市政立项改造', reviewDate: '2026-12-20' })
    assert.equal(s.state, 'suspended')
    assert.equal(s.publicStatus, 'longTerm')
    at('2026-12-09T10:00:00')
    const r = await ok('leader', c.id, 'resume')
    assert.equal(r.state, 'dispatched')
    assert.equal(r.stageDeadline, new Date('2026-12-09T14:30:00+08:00').toISOString(), 'the week suspended does not count')

    at('2026-12-09T11:00:00')
    await ok('roads', c.id, 'handled', { photos: [photo] })
    await ok('operator', c.id, 'requestCheck')
    at('2026-12-09T13:30:00')
    await ok('supervisor', c.id, 'check', { checkOutcome: 'failed', photos: [photo] })
    const closeFailed = await act('leader', c.id, 'close')
    assert.equal(closeFailed.statusCode, 409)
    assert.equal(json(closeFailed).code, 'CASE_TRANSITION_NOT_ALLOWED')
    const rework = await ok('leader', c.id, 'rework', { reason: '仍有残留' })
    assert.equal(rework.state, 'handling')
    // 2 h used (09:00–10:00, 10:00–11:00 after resume… 1 h + 1 h); 2 h left from 13:30 → 15:30.
    assert.equal(rework.stageDeadline, new Date('2026-12-09T15:30:00+08:00').toISOString())
  })

  test('void, merge of a duplicate and reopen within the window', async () => {
    at('2026-12-03T09:00:00')
    const a = json(await report('supervisor', { description: '主案件' })).case
    const second = json(await report('supervisor', { description: '同一堆垃圾' }))
    assert.ok(second.duplicates.some((d: { id: string }) => d.id === a.id), 'a report 0 m away is proposed as a duplicate')
    const dupList = json(await t.inject({ method: 'GET', url: `/api/v1/cases/${second.case.id}/duplicates`, headers: { cookie: who.operator!.cookie } }))
    assert.ok(dupList.items.some((d: { id: string }) => d.id === a.id))
    const merged = await ok('operator', second.case.id, 'merge', { primaryCaseId: a.id })
    assert.equal(merged.state, 'merged')
    assert.equal(merged.primaryCaseId, a.id)
    assert.ok(json(await get(a.id)).timeline.some((e: { action: string }) => e.action === 'mergedInto'))

    await ok('leader', a.id, 'register')
    const voided = await ok('leader', a.id, 'void', { reason: '重复立案' })
    assert.equal(voided.state, 'voided')

    const b = json(await report('supervisor', { ...TERRITORY.inA2 })).case
    await ok('leader', b.id, 'register')
    await ok('dispatcher', b.id, 'dispatch', { departmentId: roads })
    await ok('roads', b.id, 'handled', { photos: [photo] })
    await ok('operator', b.id, 'requestCheck')
    await ok('supervisor', b.id, 'check', { checkOutcome: 'passed', photos: [photo] })
    await ok('leader', b.id, 'close')
    at('2026-12-10T09:00:00')
    const reopened = await ok('leader', b.id, 'reopen', { reason: '居民反映再次堆放' })
    assert.equal(reopened.state, 'registered')
    assert.equal(reopened.closedAt, null)
  })

  test('a component fault proposes the maintainer, marks the component damaged when filed and intact when closed', async () => {
    const created = await t.inject({
      method: 'POST',
      url: '/api/v1/components',
      headers: { cookie: who.admin!.cookie },
      payload: { minorClass: '0101', ...TERRITORY.inA2, name: '上水井盖 甲2-1', maintainerDeptId: water, authorityDeptId: roads },
    })
    assert.equal(created.statusCode, 201, created.body)
    const code = json(created).code
    const statusOf = async () => json(await t.inject({ method: 'GET', url: `/api/v1/components/${code}`, headers: { cookie: who.admin!.cookie } })).status
    assert.equal(await statusOf(), 'intact')
    const wrongClass = await report('supervisor', { classKind: 'component', minorClass: '0102', componentCode: code })
    assert.equal(wrongClass.statusCode, 400)
    const res = await report('supervisor', { classKind: 'component', minorClass: '0101', componentCode: code, description: '井盖破损', ...TERRITORY.inA2 })
    assert.equal(res.statusCode, 201, res.body)
    const c = json(res).case
    assert.equal(c.componentCode, code)
    assert.equal(c.proposedDepartmentId, water, 'the maintainer (养护单位) is proposed')
    await ok('leader', c.id, 'register')
    assert.equal(await statusOf(), 'damaged')
    await ok('dispatcher', c.id, 'dispatch', { departmentId: water })
    await ok('water', c.id, 'handled', { photos: [photo] })
    await ok('operator', c.id, 'requestCheck')
    await ok('supervisor', c.id, 'check', { checkOutcome: 'passed', photos: [photo] })
    await ok('leader', c.id, 'close')
    assert.equal(await statusOf(), 'intact')
  })

  test('a photo taken 5 km away is flagged beside the reported place; one without EXIF is not', async () => {
    const sharp = (await import('sharp')).default
    const far = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#345' } })
      .jpeg()
      .withExif({ IFD2: { DateTimeOriginal: '2026:12:03 08:00:00' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '32/1 2/1 2400/100', GPSLongitudeRef: 'E', GPSLongitude: '118/1 49/1 4800/100' } })
      .toBuffer()
    const form = new FormData()
    form.append('file', new Blob([far], { type: 'image/jpeg' }), 'far.jpg')
    const up = await fetch(`http://127.0.0.1:${(t.app.server.address() as { port: number }).port}/api/v1/files`, { method: 'POST', body: form, headers: { cookie: who.supervisor!.cookie } })
    const farSha = ((await up.json()) as { sha256: string }).sha256
    at('2026-12-03T09:00:00')
    const c = json(await report('supervisor', { photos: [farSha, photo] })).case
    const checks = json(await get(c.id)).photoChecks
    const farCheck = checks.find((x: { sha256: string }) => x.sha256 === farSha)
    assert.equal(farCheck.flagged, true)
    assert.deepEqual(farCheck.reasons, ['farFromReportedPlace'])
    assert.ok(farCheck.distanceM > 4000 && farCheck.distanceM < 6000, String(farCheck.distanceM))
    assert.equal(farCheck.takenAt, new Date('2026-12-03T08:00:00+08:00').toISOString())
    const plain = checks.find((x: { sha256: string }) => x.sha256 === photo)
    assert.deepEqual([plain.flagged, plain.distanceM], [false, null])
  })

  test('two dispatchers at once: one wins, the other gets 409 with the current state', async () => {
    const c = json(await report('supervisor')).case
    await ok('leader', c.id, 'register')
    const version = json(await get(c.id)).case.version
    const [r1, r2] = await Promise.all(
      ['dispatcher', 'dispatcher2'].map((u) =>
        t.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/dispatch`, headers: { cookie: who[u]!.cookie }, payload: { version, departmentId: roads } }),
      ),
    )
    assert.deepEqual([r1!.statusCode, r2!.statusCode].sort(), [200, 409])
    const loser = [r1!, r2!].find((r) => r.statusCode === 409)!
    assert.equal(json(loser).code, 'VERSION_CONFLICT')
    assert.equal(json(loser).currentState, 'dispatched')
    const events = await sql<{ n: number }>`select count(*)::int as n from case_events where case_id = ${c.id} and action = 'dispatch'`.execute(t.database.db)
    assert.equal(events.rows[0]!.n, 1)
  })

  test('100 retries of one submission with one Idempotency-Key create one case', async () => {
    const before = await sql<{ n: number }>`select count(*)::int as n from cases`.execute(t.database.db)
    const key = 'field-app-7f3a-0001'
    const results = await Promise.all(Array.from({ length: 100 }, () => report('supervisor', { description: '离线重发' }, { 'idempotency-key': key })))
    assert.ok(results.every((r) => r.statusCode === 201), results.find((r) => r.statusCode !== 201)?.body)
    assert.equal(new Set(results.map((r) => json(r).case.id)).size, 1)
    assert.equal(results.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 99)
    const afterCount = await sql<{ n: number }>`select count(*)::int as n from cases`.execute(t.database.db)
    assert.equal(afterCount.rows[0]!.n, before.rows[0]!.n + 1)
    const reused = await report('supervisor', { description: '另一件事' }, { 'idempotency-key': key })
    assert.equal(reused.statusCode, 422)
    assert.equal(json(reused).code, 'IDEMPOTENCY_KEY_REUSED')

    const c = json(results[0]!).case
    await ok('leader', c.id, 'register')
    const v = json(await get(c.id)).case.version
    const tries = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/dispatch`, headers: { cookie: who.dispatcher!.cookie, 'idempotency-key': 'dispatch-1' }, payload: { version: v, departmentId: roads } }),
      ),
    )
    assert.ok(tries.every((r) => r.statusCode === 200), 'retried actions replay the first result')
    const events = await sql<{ n: number }>`select count(*)::int as n from case_events where case_id = ${c.id} and action = 'dispatch'`.execute(t.database.db)
    assert.equal(events.rows[0]!.n, 1)
  })

  test('concurrent reports get distinct numbers of the day, each with its event and numbered audit row; a new dispatch rule applies at once', async () => {
    // More at once than the PostgreSQL test pool has connections (20) and than a block of numbers (20).
    const N = 60
    const results = await Promise.all(Array.from({ length: N }, (_, i) => report('supervisor', { description: `并发上报 ${i}` })))
    assert.ok(results.every((r) => r.statusCode === 201), results.find((r) => r.statusCode !== 201)?.body)
    const cases = results.map((r) => json(r).case as { id: string; number: string; reportedAt: string })
    const day = cases[0]!.number.slice(0, 8)
    assert.ok(cases.every((c) => /^\d{13}$/.test(c.number) && c.number.startsWith(day)))
    assert.equal(new Set(cases.map((c) => c.number)).size, N, 'no number is given twice')
    const rows = await sql<{ number: string; events: number; audit: string | null }>`
      select c.number, (select count(*)::int from case_events e where e.case_id = c.id and e.action = 'report') as events,
        (select a.after ->> 'number' from audit_log a where a.entity_type = 'case' and a.entity_id = c.id::text and a.action = 'case.report') as audit
      from cases c where c.id = any(${cases.map((c) => c.id)}::uuid[])`.execute(t.database.db)
    assert.equal(rows.rows.length, N)
    assert.ok(rows.rows.every((r) => r.events === 1 && r.audit === r.number), 'one report event and an audit row naming the number')

    // The dispatch rules are cached by intake; adding one is seen by the very next report.
    const rule = await t.inject({ method: 'POST', url: '/api/v1/dispatch-rules', headers: { cookie: who.admin!.cookie }, payload: { classKind: 'event', minorClass: '0102', regionCode: TERRITORY.streetA, departmentId: water } })
    assert.equal(rule.statusCode, 201, rule.body)
    const next = json(await report('supervisor', { description: '规则之后' })).case
    assert.equal(next.proposedDepartmentId, water)
    await sql`delete from dispatch_rules`.execute(t.database.db)
    await t.inject({ method: 'PUT', url: '/api/v1/case-settings/event/0102', headers: { cookie: who.admin!.cookie }, payload: { limits: { register: h(1), dispatch: h(1), handle: h(4), check: h(2), close: h(1) }, urgency: 'normal', closingStandard: '垃圾清运干净', defaultDepartmentId: roads } })
    assert.equal(json(await report('supervisor', { description: '规则删除后' })).case.proposedDepartmentId, roads)
  })

  test('a user of another street cannot see or act on the case (404); bad input changes nothing', async () => {
    const c = json(await report('supervisor')).case
    assert.equal((await get(c.id, 'otherStreet')).statusCode, 404)
    const acted = await t.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/register`, headers: { cookie: who.otherStreet!.cookie }, payload: { version: 1 } })
    assert.equal(acted.statusCode, 404)
    const list = json(await t.inject({ method: 'GET', url: '/api/v1/cases?view=all&limit=200', headers: { cookie: who.otherStreet!.cookie } }))
    assert.equal(list.items.length, 0)
    const count = await sql<{ n: number }>`select count(*)::int as n from cases`.execute(t.database.db)
    const outside = await report('supervisor', { lng: 118.9, lat: 32.2 })
    assert.equal(outside.statusCode, 400)
    assert.match(json(outside).detail, /outside every unit grid/)
    const unknownClass = await report('supervisor', { minorClass: '0199' })
    assert.equal(unknownClass.statusCode, 400)
    assert.equal(json(unknownClass).errors[0].field, 'minorClass')
    const badPhoto = await report('supervisor', { photos: ['0'.repeat(64)] })
    assert.equal(badPhoto.statusCode, 400)
    const asResident = await report('resident', { source: 'hotline' })
    assert.equal(asResident.statusCode, 403)
    const after = await sql<{ n: number }>`select count(*)::int as n from cases`.execute(t.database.db)
    assert.equal(after.rows[0]!.n, count.rows[0]!.n)
  })

  test('queues: each role sees what waits for it, overdue first; lists page with a stable cursor', async () => {
    const dispatcherTasks = json(await t.inject({ method: 'GET', url: '/api/v1/cases?view=tasks&limit=200', headers: { cookie: who.dispatcher!.cookie } }))
    assert.ok(dispatcherTasks.items.length > 0)
    assert.ok(dispatcherTasks.items.every((x: { state: string }) => ['registered', 'returned'].includes(x.state)))
    const rank = { red: 0, yellow: 1, green: 2 } as const
    const ranks = dispatcherTasks.items.map((x: { light: keyof typeof rank }) => rank[x.light])
    assert.deepEqual(ranks, [...ranks].sort())
    const handlerTasks = json(await t.inject({ method: 'GET', url: '/api/v1/cases?view=tasks&limit=200', headers: { cookie: who.roads!.cookie } }))
    assert.ok(handlerTasks.items.every((x: { departmentId: string; state: string }) => x.departmentId === roads && ['dispatched', 'handling'].includes(x.state)))

    const all: string[] = []
    let cursor: string | null = null
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = json(
        await t.inject({ method: 'GET', url: `/api/v1/cases?view=all&limit=4${cursor ? `&cursor=${cursor}` : ''}`, headers: { cookie: who.admin!.cookie } }),
      )
      all.push(...page.items.map((x) => x.id))
      cursor = page.nextCursor
    } while (cursor)
    const total = await sql<{ n: number }>`select count(*)::int as n from cases`.execute(t.database.db)
    assert.equal(all.length, total.rows[0]!.n)
    assert.equal(new Set(all).size, all.length)
    const search = json(await t.inject({ method: 'GET', url: `/api/v1/cases?view=all&q=${encodeURIComponent('热线')}`, headers: { cookie: who.admin!.cookie } }))
    assert.equal(search.items.length, 1)
  })

  test('the filtered list exports as CSV and XLSX with every matching case', async () => {
    const csv = await t.inject({ method: 'GET', url: '/api/v1/cases/export?format=csv&state=closed', headers: { cookie: who.admin!.cookie } })
    assert.equal(csv.statusCode, 200)
    assert.match(String(csv.headers['content-type']), /text\/csv/)
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\n')
    assert.equal(lines[0], 'number,state,stage,light,source,minorClass,description,address,lng,lat,gridCode,districtCode,departmentId,stageDeadline,reportedAt,registeredAt,dispatchedAt,handledAt,closedAt')
    const closed = await sql<{ number: string }>`select number from cases where state = 'closed' order by number`.execute(t.database.db)
    assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]).sort(), closed.rows.map((r) => r.number))
    const xlsx = await t.inject({ method: 'GET', url: '/api/v1/cases/export?format=xlsx', headers: { cookie: who.otherStreet!.cookie } })
    assert.equal(xlsx.statusCode, 200)
    const ExcelJS = (await import('exceljs')).default
    const book = new ExcelJS.Workbook()
    await book.xlsx.load(xlsx.rawPayload as never)
    assert.equal(book.getWorksheet('cases')!.rowCount, 1, 'another street exports only the header')
  })
})

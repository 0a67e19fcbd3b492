import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { BrowserContextOptions, Page } from 'playwright-core'
import { TERRITORY } from '../apps/api/src/testing/territory.js'
import { ADMIN_PASSWORD, startJourney, type Journey, type JourneyPage } from './support.js'
import { importTestTerritory, png, signIn, type ApiClient } from './journey-kit.js'

const PASSWORD = 'journey-pass-2026'
const WAIT = { timeout: 30_000 }
const PHONE = { width: 390, height: 844 }
/** Who plays each part (usernames need 3+ characters). */
const U = { sup: 'sup.a', op: 'op.a', lead: 'lead.a', disp: 'disp.a', roads: 'roads.1' } as const
type Who = keyof typeof U

/**
 * A case's whole life across five people, each in their own browser: a supervisor reports from
 * the field app with a photo and GPS; the shift leader registers; the dispatcher accepts the
 * proposed department; the department's handler reports it handled with an after-photo; the
 * operator sends it to check; the supervisor checks it on site; the shift leader closes it.
 * Every one of them sees the case arrive in their queue live (no reload). Then the supervisor's
 * phone loses the network, reports anyway, and the report is delivered once when it is back.
 */
describe('journey: a case from the street to closed, live across roles; a report through a network loss', () => {
  let j: Journey
  let admin: ApiClient
  const people: Record<string, JourneyPage> = {}
  const description = `路边暴露垃圾一堆（e2e ${Date.now()}）`
  let caseId = ''
  let offlineNumber = ''

  before(async () => {
    j = await startJourney()
    admin = await signIn(j.url, 'admin', ADMIN_PASSWORD)
    await importTestTerritory(j.url, admin)
    const dept = await admin.call('POST', '/departments', { code: 'ROADS', name: '道路养护所' })
    assert.equal(dept.status, 201, JSON.stringify(dept.body))
    const roads = dept.body.id as string
    const h = (amount: number) => ({ amount, unit: 'workingHours' })
    const settings = await admin.call('PUT', '/case-settings/event/0102', {
      limits: { register: h(1), dispatch: h(1), handle: h(4), check: h(2), close: h(1) },
      urgency: 'normal',
      closingStandard: '垃圾清运干净',
      defaultDepartmentId: roads,
    })
    assert.equal(settings.status, 200, JSON.stringify(settings.body))
    const users: [Who, string, string[], Record<string, unknown>][] = [
      ['sup', '监督员小王', ['supervisor'], { scopes: [{ regionCode: TERRITORY.gridA1 }] }],
      ['op', '受理员小李', ['operator'], { scopes: [{ regionCode: TERRITORY.streetA }] }],
      ['lead', '值班长老张', ['shiftLeader'], { scopes: [{ regionCode: TERRITORY.streetA }] }],
      ['disp', '派遣员小赵', ['dispatcher'], { scopes: [{ regionCode: TERRITORY.streetA }] }],
      ['roads', '养护所小陈', ['departmentHandler'], { departmentId: roads }],
    ]
    for (const [username, displayName, roles, extra] of users) {
      const r = await admin.call('POST', '/users', { username: U[username], displayName, password: PASSWORD, roles, ...extra })
      assert.equal(r.status, 201, JSON.stringify(r.body))
    }
  })
  after(async () => {
    for (const p of Object.values(people)) await p.context.close().catch(() => undefined)
    await j?.close()
  })

  async function open(name: Who, opts: { phone?: boolean } = {}) {
    const options: BrowserContextOptions = opts.phone
      ? {
          viewport: PHONE,
          isMobile: true,
          hasTouch: true,
          locale: 'zh-CN',
          geolocation: { longitude: TERRITORY.inA1.lng, latitude: TERRITORY.inA1.lat, accuracy: 8 },
          permissions: ['geolocation'],
        }
      : {}
    people[name] = await j.signedInPage(U[name], PASSWORD, options)
    return people[name].page
  }

  /** The page has not reloaded since `markLoaded` (so what appeared came live). */
  const markLoaded = (page: Page) => page.evaluate(() => ((window as unknown as { __journey: number }).__journey = 1))
  const notReloaded = async (page: Page) => assert.equal(await page.evaluate(() => (window as unknown as { __journey?: number }).__journey), 1, 'the page was reloaded')

  /** Wait for the case to arrive live in this console queue, open it, take an action through its dialog. */
  async function actFromQueue(page: Page, action: string, fill?: (dialog: Page) => Promise<void>, shot?: string) {
    const row = page.locator(`tr[data-row-key="${caseId}"]`)
    await row.waitFor(WAIT)
    await notReloaded(page)
    await j.screenshot(page, `cases-${shot ?? action}-queue`)
    await row.click()
    await page.waitForURL(new RegExp(`/cases/${caseId}$`))
    await page.getByTestId(`action-${action}`).click()
    await page.getByRole('dialog').waitFor()
    if (fill) await fill(page)
    await page.waitForTimeout(300) // let the dialog's opening animation finish for the screenshot
    await j.screenshot(page, `cases-${shot ?? action}-dialog`)
    await page.getByTestId('action-submit').click()
    await page.getByRole('dialog').waitFor({ state: 'hidden', ...WAIT })
  }

  async function caseState() {
    const r = await admin.call('GET', `/cases/${caseId}`)
    return r.body.case.state as string
  }

  async function backToQueue(page: Page) {
    await page.getByRole('link', { name: /返回案件列表/ }).click()
    await page.getByTestId('case-queue-tasks').waitFor()
    await markLoaded(page)
  }

  test('everyone signs in; the supervisor lands on the field app with a GPS fix in their grid', async () => {
    const sup = await open('sup', { phone: true })
    await sup.waitForURL(/\/field/)
    await sup.getByTestId('field-coords').waitFor(WAIT)
    await sup.getByTestId('field-grid').filter({ hasText: '甲1网格' }).waitFor(WAIT)
    for (const name of ['lead', 'op', 'disp', 'roads'] as const) {
      const page = await open(name)
      await page.getByRole('menuitem', { name: /案件/ }).click()
      await page.getByTestId('case-queue-tasks').waitFor()
      await markLoaded(page)
    }
    // A console user does not see the field app in the menu; nobody but the intake roles sees intake.
    assert.equal(await people.disp!.page.getByRole('menuitem', { name: /现场/ }).count(), 0)
    assert.equal(await people.disp!.page.getByTestId('case-new').count(), 0)
    assert.equal(await people.op!.page.getByTestId('case-new').count(), 1)
  })

  test('the supervisor reports with a photo; the shift leader sees it arrive and registers it', async () => {
    const sup = people.sup!.page
    await sup.getByTestId('field-report-photo').setInputFiles({ name: 'before.png', mimeType: 'image/png', buffer: png([120, 90, 40]) })
    await sup.getByTestId('field-report-photo-previews').locator('img').waitFor()
    await sup.getByTestId('field-class').click()
    await sup.keyboard.type('暴露垃圾')
    await sup.keyboard.press('Enter')
    await sup.getByTestId('field-description').fill(description)
    await sup.getByTestId('field-address').fill('中山路 100 号门口')
    await j.screenshot(sup, 'cases-field-report')
    await sup.getByTestId('field-report-submit').click()
    await sup.getByTestId('field-tab-outbox').click()
    const item = sup.locator('[data-testid="outbox-item"]', { hasText: description })
    await item.and(sup.locator('[data-state="sent"]')).waitFor(WAIT)
    await j.screenshot(sup, 'cases-field-outbox-sent')
    const found = await admin.call('GET', `/cases?view=all&q=${encodeURIComponent(description)}`)
    assert.equal(found.body.items.length, 1)
    const c = found.body.items[0]
    caseId = c.id
    assert.equal(c.state, 'pendingRegister')
    assert.equal(c.gridCode, TERRITORY.gridA1)
    assert.equal(c.source, 'supervisor')
    assert.equal(c.photos.length, 1)

    const lead = people.lead!.page
    await actFromQueue(lead, 'register')
    await lead.locator('[data-state="registered"]').first().waitFor(WAIT)
    assert.equal(await caseState(), 'registered')
    await j.screenshot(lead, 'cases-detail-registered')
    await backToQueue(lead)
  })

  test('the dispatcher sees it arrive and dispatches it to the proposed department', async () => {
    const disp = people.disp!.page
    await actFromQueue(disp, 'dispatch', async (p) => {
      // The proposed department (the class default) is preselected.
      await p.getByRole('dialog').getByText('道路养护所').first().waitFor()
    })
    await disp.locator('[data-state="dispatched"]').first().waitFor(WAIT)
    const c = (await admin.call('GET', `/cases/${caseId}`)).body.case
    assert.equal(c.state, 'dispatched')
    assert.equal(c.departmentId, c.proposedDepartmentId)
  })

  test('the handler sees it arrive and reports it handled with an after-photo', async () => {
    const roads = people.roads!.page
    await actFromQueue(roads, 'handled', async (p) => {
      await p.getByTestId('action-photos').locator('input[type=file]').setInputFiles({ name: 'after.png', mimeType: 'image/png', buffer: png([40, 160, 60]) })
      await p.getByTestId('action-photos').locator('.ant-upload-list-item-done, .ant-upload-list-item:not(.ant-upload-list-item-uploading)').first().waitFor(WAIT)
      await p.getByTestId('action-comment').fill('已清运完毕')
    })
    await roads.locator('[data-state="handled"]').first().waitFor(WAIT)
    const c = (await admin.call('GET', `/cases/${caseId}`)).body.case
    assert.equal(c.state, 'handled')
    assert.equal(c.photos.length, 2, 'the after-photo is on the case')
    await j.screenshot(roads, 'cases-detail-handled')
  })

  test('the operator sees it arrive and requests the check', async () => {
    const op = people.op!.page
    await actFromQueue(op, 'requestCheck')
    await op.locator('[data-state="checking"]').first().waitFor(WAIT)
    assert.equal(await caseState(), 'checking')
  })

  test('the supervisor sees the check task arrive in the field app and checks it on site', async () => {
    const sup = people.sup!.page
    await sup.getByTestId('field-tab-tasks').click()
    await markLoaded(sup)
    const card = sup.getByTestId(`field-task-${caseId}`)
    await card.waitFor(WAIT)
    await notReloaded(sup)
    await sup.getByTestId(`field-check-photo-${caseId}`).setInputFiles({ name: 'check.png', mimeType: 'image/png', buffer: png([200, 200, 210]) })
    await card.getByText('核查通过').first().click()
    await j.screenshot(sup, 'cases-field-check')
    await card.getByTestId('field-check-submit').click()
    // Answered: the task leaves the list once the server has it.
    await card.waitFor({ state: 'detached', ...WAIT })
    assert.equal(await caseState(), 'checked')
  })

  test('the shift leader sees it come back and closes it', async () => {
    const lead = people.lead!.page
    await actFromQueue(lead, 'close', undefined, 'close')
    await lead.locator('[data-state="closed"]').first().waitFor(WAIT)
    const detail = (await admin.call('GET', `/cases/${caseId}`)).body
    assert.equal(detail.case.state, 'closed')
    assert.deepEqual(
      detail.timeline.map((e: { action: string }) => e.action),
      ['report', 'register', 'dispatch', 'handled', 'requestCheck', 'check', 'close'],
    )
    await lead.getByTestId('case-timeline').waitFor()
    await j.screenshot(lead, 'cases-detail-closed')
    for (const [name, p] of Object.entries(people)) assert.deepEqual(p.errors, [], `${name}: page errors`)
  })

  test('offline: a report made without network waits on the phone and is delivered exactly once', async () => {
    const { page: sup, context } = people.sup!
    const offlineText = `离线时上报的占道经营（e2e ${Date.now()}）`
    await sup.getByTestId('field-tab-report').click()
    await context.setOffline(true)
    await sup.getByTestId('field-offline-banner').waitFor(WAIT)
    await sup.getByTestId('field-report-photo').setInputFiles({ name: 'offline.png', mimeType: 'image/png', buffer: png([10, 20, 200]) })
    await sup.getByTestId('field-class').click()
    await sup.keyboard.type('暴露垃圾')
    await sup.keyboard.press('Enter')
    await sup.getByTestId('field-description').fill(offlineText)
    await sup.getByTestId('field-report-submit').click()
    await sup.getByTestId('field-tab-outbox').click()
    const item = sup.locator('[data-testid="outbox-item"]', { hasText: offlineText })
    await item.and(sup.locator('[data-state="pending"]')).waitFor(WAIT)
    // Stays pending while offline (retries fail without reaching the server).
    await sup.waitForTimeout(2500)
    assert.equal(await item.getAttribute('data-state'), 'pending')
    await j.screenshot(sup, 'cases-field-offline-pending')
    const none = await admin.call('GET', `/cases?view=all&q=${encodeURIComponent(offlineText)}`)
    assert.equal(none.body.items.length, 0, 'nothing reached the server while offline')

    await context.setOffline(false)
    await item.and(sup.locator('[data-state="sent"]')).waitFor(WAIT)
    await j.screenshot(sup, 'cases-field-offline-delivered')
    // Give any stray retry time to happen: still one case.
    await sup.waitForTimeout(3000)
    const one = await admin.call('GET', `/cases?view=all&q=${encodeURIComponent(offlineText)}`)
    assert.equal(one.body.items.length, 1, 'delivered exactly once')
    assert.equal(one.body.items[0].photos.length, 1)
    assert.deepEqual(people.sup!.errors, [])
    offlineNumber = one.body.items[0].number
  })

  test('hotline intake: the operator picks the place on the grid map, files the call, is shown the duplicate, finds and exports it', async () => {
    const op = people.op!.page
    await op.getByRole('menuitem', { name: /案件/ }).click()
    await op.getByTestId('case-new').click()
    await op.waitForURL(/\/cases\/new$/)
    const map = op.getByTestId('intake-map')
    await map.locator(`[data-grid="${TERRITORY.gridA2}"]`).waitFor(WAIT)
    // A click on the east grid picks a point there.
    await map.locator(`[data-grid="${TERRITORY.gridA2}"] path`).click()
    await op.getByTestId('intake-located').filter({ hasText: '甲2网格' }).waitFor(WAIT)
    // Typed coordinates win: the caller is at the supervisor's spot.
    await op.getByTestId('intake-lng').fill(String(TERRITORY.inA1.lng))
    await op.getByTestId('intake-lat').fill(String(TERRITORY.inA1.lat))
    await op.getByTestId('intake-located').filter({ hasText: '甲1网格' }).waitFor(WAIT)
    await op.getByTestId('intake-class').click()
    await op.keyboard.type('暴露垃圾')
    await op.keyboard.press('Enter')
    await op.getByTestId('intake-description').fill('热线：市民反映路边有垃圾堆放')
    await op.getByTestId('intake-caller-name').fill('张三')
    await op.getByTestId('intake-caller-phone').fill('13912345678')
    await j.screenshot(op, 'cases-intake-form')
    await op.getByTestId('intake-submit').click()
    const dups = op.getByTestId('intake-duplicates')
    await dups.getByText(offlineNumber).waitFor(WAIT)
    await j.screenshot(op, 'cases-intake-created')
    const filed = await admin.call('GET', `/cases?view=all&q=${encodeURIComponent('市民反映路边有垃圾堆放')}`)
    assert.equal(filed.body.items.length, 1)
    assert.equal(filed.body.items[0].source, 'hotline')
    assert.equal(filed.body.items[0].gridCode, TERRITORY.gridA1)
    assert.equal(filed.body.items[0].reporter.phone, '139****5678')

    // The "all" list filters by text, and exports what it shows.
    await op.getByRole('menuitem', { name: /案件/ }).click()
    await op.getByRole('tab', { name: '全部' }).click()
    await op.getByTestId('case-filters').getByPlaceholder('描述或地址').fill('市民反映')
    await op.getByTestId('case-filters-apply').click()
    // Live reloads (the intake's own events arrive around now) must not bring back the unfiltered list.
    await op.waitForFunction(() => {
      const rows = document.querySelectorAll('[data-testid="case-queue-all"] tbody tr.ant-table-row')
      return rows.length === 1 && rows[0]!.textContent!.includes('市民反映')
    }, undefined, WAIT)
    await j.screenshot(op, 'cases-all-filtered')
    const href = await op.getByTestId('case-export-csv').getAttribute('href')
    const csv = await op.request.get(`${j.url}${href}`)
    assert.equal(csv.status(), 200)
    const text = await csv.text()
    assert.match(text, /市民反映路边有垃圾堆放/)
    assert.doesNotMatch(text, /离线时上报/)
    assert.deepEqual(people.op!.errors, [])
  })
})

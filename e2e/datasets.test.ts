import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { BrowserContext, Page } from 'playwright-core'
import { ADMIN_PASSWORD, startJourney, type Journey } from './support.js'
import { importTestTerritory, signIn, type ApiClient } from './journey-kit.js'

const WAIT = { timeout: 30_000 }

describe('journey: the data manager shows counts and checks, drills through to a bad row and exports', () => {
  let j: Journey
  let context: BrowserContext
  let page: Page
  let admin: ApiClient
  let caseId: string
  let caseNumber: string
  let errors: string[] = []

  before(async () => {
    j = await startJourney()
    admin = await signIn(j.url, 'admin', ADMIN_PASSWORD)
    await importTestTerritory(j.url, admin)
    const dept = await admin.call('POST', '/departments', { code: 'ROADS', name: '道路养护所' })
    assert.ok([200, 201].includes(dept.status), JSON.stringify(dept.body))
    const limits = Object.fromEntries(['register', 'dispatch', 'handle', 'check', 'close'].map((s) => [s, { amount: 4, unit: 'workingHours' }]))
    const settings = await admin.call('PUT', '/case-settings/event/0102', { limits, urgency: 'normal', closingStandard: '清理干净', defaultDepartmentId: dept.body.id })
    assert.equal(settings.status, 200, JSON.stringify(settings.body))
    // the planted bad row: a hotline case nobody photographed
    const created = await admin.call('POST', '/cases', { source: 'hotline', classKind: 'event', minorClass: '0102', lng: 118.775, lat: 32.04, description: '热线反映垃圾堆放，无照片' })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    caseId = created.body.case.id
    caseNumber = created.body.case.number
    ;({ context, page, errors } = await j.signedInPage('admin', ADMIN_PASSWORD))
  })
  after(async () => {
    await context?.close().catch(() => undefined)
    await j?.close()
  })

  test('the data manager lists every dataset with its count, and the case check in red', async () => {
    await page.goto(`${j.url}/data`)
    await page.getByTestId('count-grids').waitFor(WAIT)
    assert.equal(await page.getByTestId('count-grids').innerText(), '3')
    assert.equal(await page.getByTestId('count-regions').innerText(), '5')
    assert.equal(await page.getByTestId('count-cases').innerText(), '1')
    const check = page.getByTestId('check-cases-no_photos')
    assert.match(await check.innerText(), /无照片\s*1/)
    const colour = await check.locator('.ant-tag').evaluate((el) => getComputedStyle(el).color)
    const [r, g, b] = (colour.match(/[0-9]+/g) ?? []).map(Number)
    assert.ok(r! > 150 && g! < 100 && b! < 100, `a non-zero check is red (${colour})`)
    assert.match(await page.getByTestId('check-grids-overlap').innerText(), /网格重叠\s*0/)
    await j.screenshot(page, 'datasets-overview')
  })

  test('the check opens its offending rows; a row opens its own page', async () => {
    await page.getByTestId('check-cases-no_photos').click()
    await page.waitForURL(/\/data\/cases\/no_photos$/, WAIT)
    await page.getByTestId('check-row-link').first().waitFor(WAIT)
    assert.equal(await page.getByTestId('check-count').innerText(), '1')
    assert.equal(await page.getByTestId('check-row-link').count(), 1)
    assert.equal(await page.getByTestId('check-row-link').innerText(), caseNumber)
    await j.screenshot(page, 'datasets-drill-through')
    await page.getByTestId('check-row-link').click()
    await page.waitForURL((u) => u.pathname === `/cases/${caseId}`, WAIT)
    await page.getByTestId('case-description').waitFor(WAIT)
    assert.equal(await page.getByTestId('case-description').innerText(), '热线反映垃圾堆放，无照片')
    await j.screenshot(page, 'datasets-row-opened')
  })

  test('an export runs with its progress and downloads the file', async () => {
    await page.goto(`${j.url}/data`)
    await page.getByTestId('export-cases-csv').waitFor(WAIT)
    const [download] = await Promise.all([page.waitForEvent('download', WAIT), page.getByTestId('export-cases-csv').click()])
    assert.match(download.suggestedFilename(), /^cases-.*\.csv$/)
    const progress = page.getByTestId('export-progress')
    await progress.getByText(/导出完成/).waitFor(WAIT)
    const stream = await download.createReadStream()
    const chunks: Buffer[] = []
    for await (const c of stream) chunks.push(c as Buffer)
    const csv = Buffer.concat(chunks).toString('utf8')
    assert.ok(csv.includes(caseNumber), 'the exported CSV holds the case')
    assert.deepEqual(errors, [])
  })
})

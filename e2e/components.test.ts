import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { BrowserContext, Page } from 'playwright-core'
import { TERRITORY } from '../apps/api/src/testing/territory.js'
import { importTestTerritory, signIn, type ApiClient } from './journey-kit.js'
import { ADMIN_PASSWORD, startJourney, type Journey } from './support.js'

const WAIT = { timeout: 60_000 }

/**
 * Three manhole covers (0101 上水井盖) at least 300 m apart inside grid 甲1 (320102001001001,
 * 118.77–118.78 × 32.03–32.05), and a bus shelter (0203, which requires 站名). The first file's
 * second row names class 9999, which does not exist.
 */
const csv = (secondClass: string) =>
  [
    'name,minorClass,lng,lat,location,站名',
    '旅程井盖甲,0101,118.7715,32.0330,中山路东侧,',
    `旅程井盖乙,${secondClass},118.7760,32.0400,中山路西侧,`,
    '旅程站亭,0203,118.7785,32.0470,新街口北,新街口北站',
  ].join('\n') + '\n'

describe('journey: an admin imports components with a bad row, reads the error report, fixes it, finds a component on the map and opens its history', () => {
  let j: Journey
  let context: BrowserContext
  let page: Page
  let admin: ApiClient
  let errors: string[] = []
  const dir = mkdtempSync(join(tmpdir(), 'civicgrid-e2e-components-'))

  before(async () => {
    j = await startJourney()
    admin = await signIn(j.url, 'admin', ADMIN_PASSWORD)
    await importTestTerritory(j.url, admin)
    ;({ context, page, errors } = await j.signedInPage('admin', ADMIN_PASSWORD))
  })
  after(async () => {
    await context?.close().catch(() => undefined)
    await j?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  async function importFile(path: string) {
    await page.locator('[data-testid=import-file] input[type=file]').setInputFiles(path)
    await page.getByTestId('import-chosen').waitFor(WAIT)
    await page.getByTestId('import-next').click()
    // all-or-nothing is the default mode; the columns are matched by name
    await page.getByTestId('import-start').click()
    await page.getByTestId('import-result').waitFor(WAIT)
    return page.getByTestId('import-outcome').getAttribute('data-status')
  }

  test('the first file is rejected: the error report shows row 3 (class 9999) and nothing was imported', async () => {
    await page.goto(`${j.url}/components`)
    await page.getByTestId('open-import').click(WAIT)
    await page.getByTestId('import-page').waitFor(WAIT)
    const bad = join(dir, 'census-bad.csv')
    writeFileSync(bad, csv('9999'))
    assert.equal(await importFile(bad), 'rejected')
    const problems = page.getByTestId('import-problems')
    const row = problems.locator('tbody tr', { hasText: '9999' })
    await row.first().waitFor(WAIT)
    assert.equal(await problems.locator('tbody tr').count(), 1, await problems.innerText())
    const cells = await row.first().locator('td').allInnerTexts()
    assert.deepEqual(cells.slice(0, 3), ['3', 'minorClass', '9999'], cells.join(' | '))
    assert.match(cells[3]!, /class/, cells.join(' | '))
    // the report is also downloadable as CSV
    const href = await page.getByTestId('error-report-download').getAttribute('href')
    assert.match(href ?? '', /^\/api\/v1\/components\/imports\/[0-9a-f-]+\/errors\.csv$/)
    const report = await fetch(`${j.url}${href}`, { headers: { cookie: admin.cookie } })
    assert.match(await report.text(), /^\uFEFF?row,column,value,reason\n3,minorClass,9999,/)
    const list = await admin.call('GET', '/components')
    assert.equal(list.body.items.length, 0, 'all-or-nothing: the registry is unchanged')
    await j.screenshot(page, 'components-import-report')
  })

  test('fixed, the file imports: three components with codes from the (district, class) sequence', async () => {
    await page.getByTestId('import-again').click()
    const good = join(dir, 'census-good.csv')
    writeFileSync(good, csv('0101'))
    assert.equal(await importFile(good), 'succeeded')
    const result = await page.getByTestId('import-result').innerText()
    assert.match(result, /新增\s*3/, result)
    const list = await admin.call('GET', '/components?q=旅程')
    assert.deepEqual(list.body.items.map((c: { code: string }) => c.code).sort(), ['3201020101000001', '3201020101000002', '3201020203000001'])
  })

  test('the registry lists them; the map of the grid shows each as a point; its detail has units, attributes and the history', async () => {
    // a later change, so the history has a field-level entry besides the import
    const patched = await admin.call('PATCH', '/components/3201020101000002', { status: 'damaged', location: '中山路西侧人行道' })
    assert.equal(patched.status, 200, JSON.stringify(patched.body))

    await page.goto(`${j.url}/components?region=${TERRITORY.gridA1}`)
    const table = page.getByTestId('components-table')
    await table.locator('tbody tr', { hasText: '3201020101000002' }).waitFor(WAIT)
    assert.equal(await table.locator('tbody tr.ant-table-row').count(), 3)
    const map = page.getByTestId('components-map')
    const point = map.locator('g[data-point="3201020101000002"]')
    await point.waitFor(WAIT)
    assert.equal(await map.locator('g[data-point^="3201020"]').count(), 3, 'at grid zoom each component is its own point')
    await j.screenshot(page, 'components-registry')

    // the text filter narrows the list
    await page.getByTestId('filter-text').locator('input').fill('站亭')
    await page.getByTestId('filter-text').locator('input').press('Enter')
    await table.locator('tbody tr.ant-table-row', { hasText: '3201020203000001' }).waitFor(WAIT)
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=components-table] tbody tr.ant-table-row').length === 1, undefined, WAIT)

    await point.click()
    await page.getByTestId('component-detail').waitFor(WAIT)
    assert.equal(new URL(page.url()).pathname, '/components/3201020101000002')
    assert.match(await page.getByTestId('component-code').innerText(), /3201020101000002/)
    const history = page.getByTestId('component-history')
    await history.locator('tbody tr').nth(1).waitFor(WAIT)
    const text = await history.innerText()
    assert.match(text, /状态[:：]\s*完好 → 破损/, text)
    assert.match(text, /位置描述[:：]\s*中山路西侧 → 中山路西侧人行道/, text)
    assert.match(text, /导入/, text)
    assert.match(await page.getByTestId('component-attributes').innerText(), /材质/)
    await j.screenshot(page, 'components-detail')

    // the bus shelter keeps its class attribute
    await page.goto(`${j.url}/components/3201020203000001`)
    await page.getByTestId('component-attributes').waitFor(WAIT)
    assert.match(await page.getByTestId('component-attributes').innerText(), /站名[\s\S]*新街口北站/)
    assert.deepEqual(errors, [])
  })
})

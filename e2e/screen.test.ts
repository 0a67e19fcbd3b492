import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { BrowserContext, Page } from 'playwright-core'
import { CLI } from '../apps/api/src/testing/processes.js'
import { signIn, type ApiClient } from './journey-kit.js'
import { ARTIFACTS, startJourney, type Journey } from './support.js'

const PASSWORD = 'screen-demo-pass-2026'
const WAIT = { timeout: 60_000 }
const CITY = '320100'
/** 鼓楼区: holds the small demo's pilot community (慈悲社), so it has streets, cases and grids. */
const GULOU = '320106'

/** `civicgrid seed demo --size small` into the journey's data directory / database, before the server starts. */
function seedSmallDemo(env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'seed', 'demo', '--size', 'small'], {
      env: { PATH: process.env.PATH ?? '', DEMO_PASSWORD: PASSWORD, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`seed demo exited with ${code}:\n${out}`))))
  })
}

async function mapState(page: Page) {
  const el = page.getByTestId('screen-map')
  return {
    region: await el.getAttribute('data-region'),
    shapes: Number(await el.getAttribute('data-shapes')),
    anchors: JSON.parse((await el.getAttribute('data-anchors')) ?? '{}') as Record<string, [number, number]>,
  }
}

/** Wait until the map shows `code` and has placed a click anchor for each of its shapes. */
async function waitForMap(page: Page, code: string) {
  await page.waitForFunction(
    (c) => {
      const el = document.querySelector('[data-testid="screen-map"]')
      if (!el || el.getAttribute('data-region') !== c) return false
      const n = Number(el.getAttribute('data-shapes'))
      return n > 0 && Object.keys(JSON.parse(el.getAttribute('data-anchors') ?? '{}')).length === n
    },
    code,
    WAIT,
  )
  return mapState(page)
}

/** Click the map canvas where the child region `code` is drawn (its label anchor). */
async function clickRegion(page: Page, code: string) {
  const { anchors } = await mapState(page)
  const at = anchors[code]
  assert.ok(at, `no anchor for ${code} in ${JSON.stringify(anchors)}`)
  const box = await page.getByTestId('screen-map').boundingBox()
  assert.ok(box)
  await page.mouse.click(box.x + at[0], box.y + at[1])
}

const kpi = async (page: Page, key: string) => Number(await page.getByTestId(`kpi-${key}`).getAttribute('data-value'))

/**
 * The big screen on the small Nanjing demo: KPI cards and the map of Nanjing's 11 districts;
 * clicking 鼓楼区 on the map drills into its streets; a case reported there through the API shows
 * up in the live feed and moves the "reported today" card without a page load; the breadcrumb goes
 * back to the city; a PNG snapshot downloads; English switch; the printable summary renders (and
 * prints to PDF).
 */
describe('journey: the big screen', () => {
  let j: Journey
  let context: BrowserContext
  let page: Page
  let operator: ApiClient
  let errors: string[] = []
  let loads = 0

  before(async () => {
    j = await startJourney({}, seedSmallDemo)
    operator = await signIn(j.url, 'operator', PASSWORD)
    ;({ context, page, errors } = await j.signedInPage('leader', PASSWORD, { viewport: { width: 1920, height: 1080 } }))
  })
  after(async () => {
    await context?.close().catch(() => undefined)
    await j?.close()
  })

  test('the screen loads with the demo data and shows Nanjing by district', async () => {
    await page.goto(`${j.url}/screen`)
    await page.getByTestId('kpi-reported').waitFor(WAIT)
    const map = await waitForMap(page, CITY)
    assert.equal(map.shapes, 11, 'Nanjing has 11 districts')
    assert.ok(map.anchors[GULOU], '鼓楼区 is on the map')
    assert.equal(await page.getByTestId('screen-breadcrumb').innerText(), '南京市')
    assert.match(await page.getByTestId('screen-title').innerText(), /南京市/)
    // the demo has a history: the trend and the class breakdown are drawn, the rankings filled
    assert.equal(await page.locator('[data-testid="panel-trend"] canvas').count() > 0, true)
    assert.equal(await page.locator('[data-testid="panel-classes"] canvas').count() > 0, true)
    assert.ok((await page.locator('[data-testid="screen-regions"] tbody tr').count()) > 0)
    // the live feed starts with the latest case events of the demo (GET /stats/feed), not empty
    await page.locator('[data-testid="screen-feed"] li').first().waitFor(WAIT)
    assert.ok((await page.locator('[data-testid="screen-feed"] li').count()) > 1)
    // the canvas fits the window exactly: no scrollbars
    const overflow = await page.evaluate(() => ({ w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight }))
    assert.deepEqual(overflow, { w: 1920, h: 1080 })
    await j.screenshot(page, 'screen-city')
  })

  test('clicking a district on the map drills into its streets', async () => {
    await clickRegion(page, GULOU)
    const gulou = await waitForMap(page, GULOU)
    assert.ok(gulou.shapes > 1, 'several streets')
    for (const code of Object.keys(gulou.anchors)) assert.match(code, /^320106\d{3}$/, 'the shapes are 鼓楼区 streets')
    assert.equal((await page.getByTestId('screen-breadcrumb').innerText()).replace(/\s+/g, ''), '南京市›鼓楼区')
    assert.match(await page.getByTestId('screen-title').innerText(), /鼓楼区/)
    // the panels follow the region: the region ranking lists streets now
    await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid="screen-regions"] tbody td')).some((td) => /街道/.test(td.textContent ?? '')), null, WAIT)
    await j.screenshot(page, 'screen-district')
  })

  test('a case reported through the API appears in the live feed and moves the KPI card, without a reload', async (t) => {
    page.on('load', () => loads++)
    await page.evaluate(() => {
      ;(window as unknown as { screenMarker: string }).screenMarker = 'still here'
    })
    const before = await kpi(page, 'reported')
    // where the demo's latest case is: a grid of the pilot, in the district on screen
    const recent = await operator.call('GET', '/cases?limit=1')
    assert.equal(recent.status, 200, JSON.stringify(recent.body))
    const { lng, lat, districtCode } = recent.body.items[0] as { lng: number; lat: number; districtCode: string }
    assert.equal(districtCode, GULOU, 'the small demo reports in 鼓楼区 only')

    const created = await operator.call('POST', '/cases', { source: 'hotline', classKind: 'event', minorClass: '0102', lng, lat, description: '大屏旅程：路边暴露垃圾', address: '大屏旅程' })
    const sent = Date.now()
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const number = created.body.case.number as string

    await page.locator(`[data-testid="screen-feed"] li[data-number="${number}"]`).waitFor(WAIT)
    const inFeed = Date.now() - sent
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="kpi-reported"]')?.getAttribute('data-value')) === n, before + 1, WAIT)
    const onCard = Date.now() - sent
    // Timings are recorded, not asserted (no timing thresholds in tests): the issue asks for ≤ 2 s.
    t.diagnostic(`case ${number}: in the live feed after ${inFeed} ms, KPI card moved after ${onCard} ms`)
    writeFileSync(join(ARTIFACTS, 'screen-live-latency.json'), JSON.stringify({ number, inFeedMs: inFeed, kpiCardMs: onCard }, null, 2))
    assert.equal(await page.getByTestId('kpi-reported-value').innerText(), String(before + 1))
    assert.match(await page.locator(`[data-testid="screen-feed"] li[data-number="${number}"]`).innerText(), /新上报/)

    // no navigation: the same document, never reloaded
    assert.equal(loads, 0)
    assert.equal(await page.evaluate(() => (window as unknown as { screenMarker?: string }).screenMarker), 'still here')
    await j.screenshot(page, 'screen-live')
    copyFileSync(join(ARTIFACTS, 'screen-live.png'), join(ARTIFACTS, 'screen.png'))
  })

  test('the breadcrumb goes back up to the city', async () => {
    await page.getByTestId('screen-breadcrumb').getByRole('button', { name: '南京市' }).click()
    const city = await waitForMap(page, CITY)
    assert.equal(city.shapes, 11)
    assert.equal(await page.getByTestId('screen-breadcrumb').innerText(), '南京市')
    assert.match(await page.getByTestId('screen-title').innerText(), /南京市/)
  })

  test('the snapshot button downloads the screen as a PNG', async () => {
    const [download] = await Promise.all([page.waitForEvent('download', WAIT), page.getByTestId('screen-snapshot').click()])
    assert.match(download.suggestedFilename(), /^civicgrid-screen-320100-.*\.png$/)
    const path = join(ARTIFACTS, 'screen-snapshot.png')
    await download.saveAs(path)
    const png = readFileSync(path)
    assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'a PNG')
    assert.equal(png.readUInt32BE(16), 1920, 'width')
    assert.equal(png.readUInt32BE(20), 1080, 'height')
  })

  test('the screen switches to English', async () => {
    await page.getByTestId('lang-switch').getByText('English').click()
    await page.getByText('Reported today').waitFor(WAIT)
    assert.match(await page.getByTestId('screen-title').innerText(), /city operations/)
    await j.screenshot(page, 'screen-en')
    await page.getByTestId('lang-switch').getByText('中文').click()
    await page.getByText('今日上报').waitFor(WAIT)
  })

  test('the printable summary renders with its charts and tables, and prints on A4', async () => {
    const summary = await context.newPage()
    summary.on('pageerror', (e) => errors.push(e.message))
    await summary.goto(`${j.url}/screen/summary?period=day&region=${CITY}`)
    await summary.getByTestId('summary').waitFor(WAIT)
    assert.match(await summary.getByTestId('summary-title').innerText(), /南京市/)
    assert.equal(await summary.locator('[data-testid="summary-kpis"] tbody tr').count(), 7)
    await summary.locator('[data-testid="summary-trend"] svg').first().waitFor(WAIT)
    await summary.locator('[data-testid="summary-map"] svg').first().waitFor(WAIT)
    await j.screenshot(summary, 'screen-summary')
    await summary.emulateMedia({ media: 'print' })
    const pdf = await summary.pdf({ format: 'A4', printBackground: true, path: join(ARTIFACTS, 'screen-summary.pdf') })
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-')
    await summary.close()
    assert.deepEqual(errors, [])
  })
})

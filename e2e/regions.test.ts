import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { BrowserContext, Page } from 'playwright-core'
import { ADMIN_PASSWORD, startJourney, type Journey } from './support.js'
import { signIn } from './journey-kit.js'

const WAIT = { timeout: 30_000 }
type Rect = [number, number, number, number]
const ring = ([a, b, c, d]: Rect) => [[[a, b], [c, b], [c, d], [a, d], [a, b]]]
const feature = (code: string, name: string, level: string, parent: string | null, r: Rect) => ({
  type: 'Feature',
  properties: { code, name, level, parent },
  geometry: { type: 'Polygon', coordinates: ring(r) },
})

/** District → street → community near 新街口; the community is small (~13 ha) so a division gives about a dozen grids. */
const DISTRICT: Rect = [118.7, 31.98, 118.86, 32.1]
const STREET: Rect = [118.76, 32.02, 118.8, 32.06]
const COMMUNITY_OK: Rect = [118.77, 32.03, 118.774, 32.033]
/** The deliberate problem: the community reaches far outside its street. */
const COMMUNITY_BAD: Rect = [118.77, 32.03, 118.83, 32.05]
const collection = (community: Rect) =>
  JSON.stringify({
    type: 'FeatureCollection',
    features: [
      feature('320102', '玄武区', 'district', null, DISTRICT),
      feature('320102001', '旅程街道', 'street', '320102', STREET),
      feature('320102001001', '旅程社区', 'community', '320102001', community),
    ],
  })

describe('journey: an admin imports regions through the wizard, divides a community and finds a new grid on the map', () => {
  let j: Journey
  let context: BrowserContext
  let page: Page
  let errors: string[] = []

  before(async () => {
    j = await startJourney()
    ;({ context, page, errors } = await j.signedInPage('admin', ADMIN_PASSWORD))
  })
  after(async () => {
    await context?.close().catch(() => undefined)
    await j?.close()
  })

  test('import: the dry run reports the problem; fixed, it imports', async () => {
    await page.goto(`${j.url}/regions`)
    await page.getByTestId('open-import').click(WAIT)
    await page.getByTestId('import-text').fill(collection(COMMUNITY_BAD))
    await page.getByTestId('import-next').click()
    // Mapping is guessed from the property names (code, name, parent, level).
    await page.getByTestId('import-dry-run').click()
    const problems = page.getByTestId('import-problems')
    await problems.locator('tbody tr', { hasText: '320102001001' }).first().waitFor(WAIT)
    const rowText = await problems.locator('tbody tr', { hasText: '320102001001' }).first().innerText()
    assert.match(rowText, /错误/, rowText)
    assert.equal(await page.getByTestId('import-commit').isDisabled(), true, 'an all-or-nothing import with errors cannot be committed')
    await j.screenshot(page, 'regions-import-report')

    await page.getByTestId('import-edit').click()
    await page.getByTestId('import-text').fill(collection(COMMUNITY_OK))
    await page.getByTestId('import-next').click()
    await page.getByTestId('import-dry-run').click()
    await page.getByTestId('import-commit').waitFor(WAIT)
    await page.waitForFunction(() => !(document.querySelector('[data-testid=import-commit]') as HTMLButtonElement | null)?.disabled, undefined, WAIT)
    await page.getByTestId('import-commit').click()
    await page.getByTestId('import-committed').waitFor(WAIT)
    assert.match(await page.getByTestId('import-committed').innerText(), /3/)
    await page.getByTestId('import-close').click()
  })

  test('navigate the tree and the map down to the community, preview a division and commit it', async () => {
    await page.getByTestId('region-tree').getByText('玄武区 320102').click(WAIT)
    await page.getByTestId('region-code').filter({ hasText: /^320102$/ }).waitFor(WAIT)
    const map = page.getByTestId('region-map')
    await map.locator('g[data-region="320102001"]').click(WAIT)
    await page.getByTestId('region-code').filter({ hasText: /^320102001$/ }).waitFor(WAIT)
    await map.locator('g[data-region="320102001001"]').click(WAIT)
    await page.getByTestId('region-code').filter({ hasText: /^320102001001$/ }).waitFor(WAIT)

    await page.getByTestId('divide-preview').click(WAIT)
    await page.getByTestId('divide-stats').waitFor(WAIT)
    const cells = await map.locator('g[data-cell]').count()
    assert.ok(cells >= 5, `preview draws the cells (${cells})`)
    await j.screenshot(page, 'regions-divide-preview')
    await page.getByTestId('divide-commit').click()
    await page.getByTestId('divide-committed').waitFor(WAIT)
    await map.locator('g[data-region^="320102001001"]').first().waitFor(WAIT)
    assert.equal(await map.locator('g[data-region]').count(), cells, 'the committed grids are drawn as the community’s children')
  })

  test('a new grid is found by clicking on the map; its code shows; a supervisor is made its primary person', async () => {
    const admin = await signIn(j.url, 'admin', ADMIN_PASSWORD)
    const sup = await admin.call('POST', '/users', { username: 'sup.r', displayName: '监督员小周', password: 'journey-pass-2026', roles: ['supervisor'], scopes: [{ regionCode: '320102' }] })
    assert.equal(sup.status, 201, JSON.stringify(sup.body))
    const map = page.getByTestId('region-map')
    const grid = map.locator('g[data-region]').nth(2)
    const code = await grid.getAttribute('data-region')
    assert.match(code ?? '', /^320102001001\d{3}$/)
    await grid.click()
    await page.getByTestId('region-code').filter({ hasText: new RegExp(`^${code}$`) }).waitFor(WAIT)
    await page.getByTestId('grid-people').waitFor(WAIT)
    await page.getByTestId('people-primary').click()
    await page.locator('.ant-select-item-option', { hasText: '监督员小周' }).click(WAIT)
    await page.getByTestId('people-save').click()
    await page.getByTestId('grid-people').locator('td', { hasText: '监督员小周 (sup.r)' }).first().waitFor(WAIT)
    const people = await admin.call('GET', `/grids/${code}/people`)
    assert.equal(people.body.primary?.username, 'sup.r', JSON.stringify(people.body))
    await j.screenshot(page, 'regions-grid')
    assert.deepEqual(errors, [])
  })
})

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ADMIN_PASSWORD, startJourney, type Journey } from './support.js'

describe('journey: a fresh install — sign in as admin, look around, switch language', () => {
  let j: Journey
  before(async () => {
    j = await startJourney()
  })
  after(() => j?.close())

  test('readyz is 200 and the API docs render', async () => {
    assert.equal((await fetch(`${j.url}/readyz`)).status, 200)
    const { page, context } = await j.newPage()
    await page.goto(`${j.url}/api/docs/`)
    await page.getByText('civicgrid API').first().waitFor({ timeout: 30_000 })
    await j.screenshot(page, 'foundation-api-docs')
    await context.close()
  })

  test('the admin signs in, sees the layout, switches to English and back', async () => {
    const { page, context, errors } = await j.newPage()
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    await page.goto(j.url)
    await page.waitForURL(/\/login/)
    await page.getByTestId('login-username').fill('admin')
    await page.getByTestId('login-password').fill('wrong-password')
    await page.getByTestId('login-submit').click()
    await page.getByTestId('login-error').waitFor()
    await page.getByTestId('login-password').fill(ADMIN_PASSWORD)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('app-layout').waitFor()
    await page.getByRole('menuitem', { name: /案件/ }).waitFor()
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN')
    await j.screenshot(page, 'foundation-layout-zh')

    await page.getByTestId('lang-switch').getByText('English').click()
    await page.getByRole('menuitem', { name: /Cases/ }).waitFor()
    assert.equal(await page.locator('html').getAttribute('lang'), 'en')
    await j.screenshot(page, 'foundation-layout-en')

    // The choice survives a reload.
    await page.reload()
    await page.getByRole('menuitem', { name: /Cases/ }).waitFor()
    await page.getByTestId('lang-switch').getByText('中文').click()
    await page.getByRole('menuitem', { name: /案件/ }).waitFor()

    await page.getByTestId('user-menu').click()
    await page.getByText(/我的/).first().click()
    await page.waitForURL(/\/me$/)
    await page.getByText('系统管理员').first().waitFor()
    assert.deepEqual(errors.filter((e) => !/401/.test(e)), [])
    await context.close()
  })
})

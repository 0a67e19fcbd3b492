import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { createServerTestDatabase, TEST_DATABASE_URL } from '../apps/api/src/testing/test-db.js'
import { ARTIFACTS } from './support.js'

const root = new URL('..', import.meta.url).pathname
const WAIT = { timeout: 60_000 }
const CITY = '320100'

/** What `npm start` printed: the admin's and the demo accounts' credentials, and where it listens. */
interface Printed {
  url: string
  admin: { username: string; password: string }
  demoPassword: string
  accounts: string[]
}

/** Read the credentials the way a newcomer does: from the start-up output (nothing hard-coded). */
function parseStartOutput(out: string): Printed {
  const url = /ready at (http:\/\/\S+)/.exec(out)?.[1]
  const admin = /created user "admin", password: (\S+)/.exec(out)?.[1]
  const demoPassword = /demo accounts \(password, shown once: (\S+)\):/.exec(out)?.[1]
  const list = out.slice(out.indexOf('demo accounts ('))
  const accounts = [...list.matchAll(/^ {4}(\S+) +演示/gm)].map((m) => m[1]!)
  assert.ok(url && admin && demoPassword && accounts.length > 0, `start-up output without the accounts:\n${out}`)
  return { url, admin: { username: 'admin', password: admin }, demoPassword, accounts }
}

/**
 * `npm start` (scripts/start.mjs) on a fresh data directory — or, with TEST_DATABASE_URL, a fresh
 * database with DEMO=true — with no passwords given, so it seeds the demo and prints generated
 * ones. WEB_DIST points at the console already built, so the script serves it rather than
 * rebuilding it. Its own process group, so stopping it stops the server it started.
 */
async function npmStart(): Promise<{ child: ChildProcess; printed: Printed; output: () => string; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'civicgrid-readme-'))
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', WEB_DIST: join(root, 'apps/web/dist') }
  let drop = async () => {}
  if (TEST_DATABASE_URL) {
    const db = await createServerTestDatabase(TEST_DATABASE_URL)
    env.DATABASE_URL = db.url
    env.DEMO = 'true' // with a server database the demo is opt-in
    drop = db.drop
  }
  const child = spawn(process.execPath, [join(root, 'scripts/start.mjs')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM')
    await exited
    await drop()
    rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    await new Promise<void>((resolve, reject) => {
      // generous: the first start creates the database and seeds the demo on a shared machine
      const timer = setTimeout(() => reject(new Error(`npm start was not ready in 5 minutes:\n${out}`)), 300_000)
      child.stdout!.on('data', () => {
        if (/ready at http:/.test(out)) {
          clearTimeout(timer)
          resolve()
        }
      })
      void exited.then((code) => {
        clearTimeout(timer)
        reject(new Error(`npm start exited with ${code}:\n${out}`))
      })
    })
  } catch (err) {
    await stop()
    throw err
  }
  return { child, printed: parseStartOutput(out), output: () => out, stop }
}

async function signInPage(page: Page, base: string, username: string, password: string) {
  await page.goto(`${base}/login`)
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-submit').click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

const kpi = async (page: Page, key: string) => Number(await page.getByTestId(`kpi-${key}`).getAttribute('data-value'))
const KPIS = ['reported', 'registered', 'dispatched', 'closed', 'overdue', 'suspended'] as const
const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false })

/**
 * The README's journey: `npm start` on nothing → the demo city seeds itself and prints the
 * accounts → a printed account signs in → the big screen shows Nanjing with its 11 districts and
 * a history → an admin switches the demo simulator on in the console → the screen's counters
 * move within 30 s → simulator off.
 */
describe('journey: the README — npm start lands in a living Nanjing', () => {
  let app: Awaited<ReturnType<typeof npmStart>>
  let browser: Browser
  let screenContext: BrowserContext
  let screen: Page
  let adminContext: BrowserContext
  let admin: Page
  const errors: string[] = []

  before(async () => {
    assert.ok(existsSync(join(root, 'apps/web/dist/index.html')), 'the console is built (npm run build)')
    mkdirSync(ARTIFACTS, { recursive: true })
    app = await npmStart()
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
    screenContext = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' })
    screen = await screenContext.newPage()
    screen.on('pageerror', (e) => errors.push(e.message))
    adminContext = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
    admin = await adminContext.newPage()
    admin.on('pageerror', (e) => errors.push(e.message))
  })
  after(async () => {
    // never leave the simulator running against a server that is going away
    if (admin) {
      const box = admin.getByTestId('simulator-card').getByRole('switch')
      if (await box.isChecked().catch(() => false)) await box.click().catch(() => undefined)
    }
    await browser?.close()
    await app?.stop()
  })

  test('npm start seeds the demo and prints accounts for every role', (t) => {
    const { printed } = app
    for (const u of ['leader', 'operator', 'shift', 'dispatcher', 'supervisor1', 'resident1']) assert.ok(printed.accounts.includes(u), `${u} is printed`)
    assert.match(app.output(), /demo: done in [0-9.]+ s/)
    // the seed's phases as it printed them (recorded, not asserted: no timing thresholds in tests)
    t.diagnostic(app.output().split('\n').filter((l) => /^demo: (?!cases …)/.test(l)).join(' | '))
  })

  test('a printed account signs in and the big screen shows Nanjing by district, with a history', async () => {
    await signInPage(screen, app.printed.url, 'leader', app.printed.demoPassword)
    await screen.goto(`${app.printed.url}/screen`)
    await screen.getByTestId('kpi-reported').waitFor(WAIT)
    await screen.waitForFunction(
      (c) => {
        const el = document.querySelector('[data-testid="screen-map"]')
        return el?.getAttribute('data-region') === c && Number(el.getAttribute('data-shapes')) > 0
      },
      CITY,
      WAIT,
    )
    assert.equal(Number(await screen.getByTestId('screen-map').getAttribute('data-shapes')), 11, 'the 11 districts of Nanjing')
    assert.match(await screen.getByTestId('screen-title').innerText(), /南京市/)
    const values = Object.fromEntries(await Promise.all(KPIS.map(async (k) => [k, await kpi(screen, k)] as const)))
    assert.ok(Object.values(values).some((n) => n > 0), `living counters: ${JSON.stringify(values)}`)
    assert.ok((await screen.locator('[data-testid="screen-regions"] tbody tr').count()) > 0, 'the region ranking has rows')
    await shot(screen, 'readme-screen')
  })

  test('an admin switches the simulator on in the console and the counters move within 30 s', async (t) => {
    await signInPage(admin, app.printed.url, app.printed.admin.username, app.printed.admin.password)
    await admin.goto(`${app.printed.url}/`)
    const card = admin.getByTestId('simulator-card')
    await card.waitFor(WAIT)
    // started without DEMO_PASSWORD: the console asks for the demo password printed at the start
    await card.locator('input[type="password"]').fill(app.printed.demoPassword)
    const before = Object.fromEntries(await Promise.all(KPIS.map(async (k) => [k, await kpi(screen, k)] as const)))
    const sw = card.getByRole('switch')
    await sw.click()
    await admin.waitForFunction(() => (document.querySelector('[data-testid="simulator-card"] [role="switch"]') as HTMLInputElement | null)?.checked === true, null, WAIT)
    const on = Date.now()
    await shot(admin, 'readme-simulator-on')
    // within 30 s of simulated work the screen's "reported today" grows (the screen updates itself, no reload)
    await screen.waitForFunction((n) => Number(document.querySelector('[data-testid="kpi-reported"]')?.getAttribute('data-value')) > n, before.reported!, { timeout: 30_000 })
    t.diagnostic(`reported today ${before.reported} → ${await kpi(screen, 'reported')} after ${Date.now() - on} ms of simulation`)
    await screen.waitForTimeout(Math.max(0, 30_000 - (Date.now() - on)))
    const afterwards = Object.fromEntries(await Promise.all(KPIS.map(async (k) => [k, await kpi(screen, k)] as const)))
    t.diagnostic(`after 30 s: ${JSON.stringify(before)} → ${JSON.stringify(afterwards)}`)
    assert.ok(afterwards.reported! > before.reported!, 'reports arrived')
    await shot(screen, 'readme-screen-live')
    await card.getByText(/已上报 [1-9]/).waitFor(WAIT)
    await sw.click()
    await admin.waitForFunction(() => (document.querySelector('[data-testid="simulator-card"] [role="switch"]') as HTMLInputElement | null)?.checked === false, null, WAIT)
    assert.deepEqual(errors, [])
  })
})

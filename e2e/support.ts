import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core'
import { startServerProcess } from '../apps/api/src/testing/processes.js'
import { createServerTestDatabase, TEST_DATABASE_URL } from '../apps/api/src/testing/test-db.js'
import { signInPage } from './journey-kit.js'

const root = new URL('..', import.meta.url).pathname
export const ARTIFACTS = join(root, 'test-results')
export const ADMIN_PASSWORD = 'e2e-admin-password'

/** Build the console if it has not been built (the same step `npm start` takes). */
function ensureWebBuilt() {
  if (existsSync(join(root, 'apps/web/dist/index.html'))) return
  const r = spawnSync('npm', ['run', 'build', '-w', 'apps/web'], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) throw new Error('web build failed')
}

export interface JourneyPage {
  context: BrowserContext
  page: Page
  errors: string[]
}

export interface Journey {
  url: string
  browser: Browser
  /** A page in its own browser context (desktop 1440 × 900, zh-CN unless `opts` say otherwise); `errors` collects the page's uncaught errors. */
  newPage(opts?: BrowserContextOptions): Promise<JourneyPage>
  /** `newPage`, then signed in as the user (lands wherever the console sends them). */
  signedInPage(username: string, password: string, opts?: BrowserContextOptions): Promise<JourneyPage>
  screenshot(page: Page, name: string): Promise<void>
  close(): Promise<void>
}

/**
 * A real server process on a fresh data directory (embedded DB, or a fresh database on the
 * test PostgreSQL) and Debian's Chromium driven by playwright-core.
 */
export async function startJourney(
  env: Record<string, string> = {},
  /** Runs before the server starts, with the environment it will get (e.g. to seed the demo through the CLI). */
  prepare?: (serverEnv: Record<string, string>) => void | Promise<void>,
): Promise<Journey> {
  ensureWebBuilt()
  mkdirSync(ARTIFACTS, { recursive: true })
  const dataDir = mkdtempSync(join(tmpdir(), 'civicgrid-e2e-'))
  let drop = async () => {}
  const dbEnv: Record<string, string> = {}
  if (TEST_DATABASE_URL) {
    const db = await createServerTestDatabase(TEST_DATABASE_URL)
    dbEnv.DATABASE_URL = db.url
    drop = db.drop
  }
  const serverEnv = { DATA_DIR: dataDir, ADMIN_PASSWORD, SECRET_KEY: 'e2e-secret-0123456789abcdefghijklmnop', ...dbEnv, ...env }
  await prepare?.(serverEnv)
  const server = await startServerProcess(serverEnv)
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  async function newPage(opts: BrowserContextOptions = {}): Promise<JourneyPage> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', ...opts })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    return { context, page, errors }
  }
  return {
    url: server.url,
    browser,
    newPage,
    async signedInPage(username, password, opts) {
      const p = await newPage(opts)
      await signInPage(p.page, server.url, username, password)
      return p
    },
    async screenshot(page, name) {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false })
    },
    async close() {
      await browser.close()
      server.child.kill('SIGTERM')
      await server.exited
      await drop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

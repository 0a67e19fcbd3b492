// Helpers for browser journeys that need a deployment set up through the API first: a tiny
// fetch client signed in as some user, the test territory, small PNGs, and sign-in in a page.
import assert from 'node:assert/strict'
import { deflateSync } from 'node:zlib'
import type { Page } from 'playwright-core'
import type { TestApp } from '../apps/api/src/testing/test-app.js'
import { importTerritory } from '../apps/api/src/testing/territory.js'

export interface ApiClient {
  cookie: string
  call<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>
}

/** Sign in over HTTP and return a client that sends the session cookie. */
export async function signIn(base: string, username: string, password: string): Promise<ApiClient> {
  const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  assert.equal(res.status, 200, await res.text())
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!
  return {
    cookie,
    async call(method, path, body, headers = {}) {
      const r = await fetch(`${base}/api/v1${path}`, {
        method,
        headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await r.text()
      return { status: r.status, body: text ? JSON.parse(text) : undefined }
    },
  }
}

/** Import the shared test territory (apps/api/src/testing/territory.ts) through the regions API of a running server. */
export async function importTestTerritory(base: string, admin: ApiClient) {
  const viaHttp = {
    async inject(o: { method: string; url: string; headers: Record<string, string>; payload: unknown }) {
      const r = await fetch(`${base}${o.url}`, { method: o.method, headers: { ...o.headers, 'content-type': 'application/json' }, body: JSON.stringify(o.payload) })
      return { statusCode: r.status, body: await r.text() }
    },
  }
  return importTerritory(viaHttp as unknown as TestApp, admin.cookie)
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf: Buffer): number {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}

/** A small solid-colour PNG (distinct colours give distinct files in the content-addressed store). */
export function png(rgb: [number, number, number], size = 8): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // truecolour
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: size }, () => rgb).flat())])
  const raw = Buffer.concat(Array.from({ length: size }, () => row))
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

/** Sign in through the login page. */
export async function signInPage(page: Page, base: string, username: string, password: string) {
  await page.goto(`${base}/login`)
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-submit').click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

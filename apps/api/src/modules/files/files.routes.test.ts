import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { createTestApp, type TestApp } from '../../testing/test-app.js'

// A real 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')
const JPEG_HEAD = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01])

describe('files: content-addressed uploads checked by content and size', () => {
  let t: TestApp
  let base: string
  let cookie: string
  before(async () => {
    t = await createTestApp({ env: { UPLOAD_LIMIT: '4096' } })
    cookie = (await t.userWith({ username: 'field-sup', roles: ['supervisor'] })).cookie
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`
  })
  after(() => t.close())

  const upload = (bytes: Buffer, name: string, type: string) => {
    const form = new FormData()
    form.append('file', new Blob([bytes], { type }), name)
    return fetch(`${base}/api/v1/files`, { method: 'POST', body: form, headers: { cookie } })
  }

  test('a PNG is stored under its SHA-256 and can be downloaded byte for byte', async () => {
    const res = await upload(PNG, 'photo.png', 'image/png')
    assert.equal(res.status, 201)
    const body = (await res.json()) as { sha256: string; contentType: string; size: number; url: string }
    assert.equal(body.sha256, createHash('sha256').update(PNG).digest('hex'))
    assert.equal(body.contentType, 'image/png')
    assert.equal(body.size, PNG.length)
    assert.ok(existsSync(join(t.config.dataDir, 'files', body.sha256.slice(0, 2), body.sha256)))
    const again = await upload(PNG, 'same.png', 'image/png')
    assert.equal(again.status, 201, 'the same bytes again are accepted and deduplicated')
    const rows = await sql<{ n: number }>`select count(*)::int as n from files`.execute(t.database.db)
    assert.equal(rows.rows[0]!.n, 1)
    const down = await fetch(`${base}${body.url}`, { headers: { cookie } })
    assert.equal(down.status, 200)
    assert.equal(down.headers.get('content-type'), 'image/png')
    assert.deepEqual(Buffer.from(await down.arrayBuffer()), PNG)
  })

  test('a photo’s EXIF time (camera local time, tenant zone) and GPS position are read; a thumbnail is made once', async () => {
    const sharp = (await import('sharp')).default
    const jpeg = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#7a9' } })
      .jpeg()
      .withExif({ IFD2: { DateTimeOriginal: '2026:11:30 08:55:00' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '32/1 2/1 2400/100', GPSLongitudeRef: 'E', GPSLongitude: '118/1 46/1 3000/100' } })
      .toBuffer()
    const res = await upload(jpeg, 'field.jpg', 'image/jpeg')
    assert.equal(res.status, 201)
    const { sha256 } = (await res.json()) as { sha256: string }
    const meta = await sql<{ meta: { takenAt: string; lng: number; lat: number } }>`select meta from files where sha256 = ${sha256}`.execute(t.database.db)
    assert.equal(meta.rows[0]!.meta.takenAt, '2026-11-30T00:55:00.000Z', '08:55 in Shanghai')
    assert.ok(Math.abs(meta.rows[0]!.meta.lng - 118.775) < 1e-6 && Math.abs(meta.rows[0]!.meta.lat - 32.04) < 1e-6)
    const thumb = await fetch(`${base}/api/v1/files/${sha256}/thumbnail`, { headers: { cookie } })
    assert.equal(thumb.status, 200)
    assert.equal(thumb.headers.get('content-type'), 'image/jpeg')
    const info = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()
    assert.equal(info.width, 320)
    const again = await fetch(`${base}/api/v1/files/${sha256}/thumbnail`, { headers: { cookie } })
    assert.equal(again.status, 200)
    const files = await sql<{ n: number }>`select count(*)::int as n from files`.execute(t.database.db)
    assert.equal(files.rows[0]!.n, 2, 'the thumbnail is a blob, not a second upload record')
  })

  test('a text file named .png is refused by content (415) and leaves nothing behind', async () => {
    const res = await upload(Buffer.from('<script>alert(1)</script>'), 'evil.png', 'image/png')
    assert.equal(res.status, 415)
    const problem = (await res.json()) as { code: string }
    assert.equal(problem.code, 'UNSUPPORTED_MEDIA_TYPE')
    const tmp = join(t.config.dataDir, 'files', 'tmp')
    assert.deepEqual(existsSync(tmp) ? readdirSync(tmp) : [], [])
  })

  test('a file over the limit is refused with 413', async () => {
    const count = async () => (await sql<{ n: number }>`select count(*)::int as n from files`.execute(t.database.db)).rows[0]!.n
    const before = await count()
    const big = Buffer.concat([JPEG_HEAD, Buffer.alloc(8000, 1)])
    const res = await upload(big, 'big.jpg', 'image/jpeg')
    assert.equal(res.status, 413)
    assert.equal(await count(), before)
  })

  test('uploads and downloads need a signed-in user; unknown files are 404', async () => {
    const form = new FormData()
    form.append('file', new Blob([PNG]), 'a.png')
    assert.equal((await fetch(`${base}/api/v1/files`, { method: 'POST', body: form })).status, 401)
    assert.equal((await fetch(`${base}/api/v1/files/${'0'.repeat(64)}`, { headers: { cookie } })).status, 404)
  })
})

import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { loadConfig } from '../../config.js'
import { runCli } from '../../testing/processes.js'

describe('civicgrid simulate is a client: it needs no server secret', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'civicgrid-simulate-'))
  after(() => rmSync(dataDir, { recursive: true, force: true }))

  test('without SECRET_KEY it creates no secret.key in the data directory', () => {
    // nothing listens on port 9 (discard): the simulator fails to sign in and exits 1
    const r = runCli(['simulate', '--url', 'http://127.0.0.1:9', '--password', 'demo-password-1', '--duration', '1s'], { DATA_DIR: dataDir, LOG_LEVEL: 'silent' })
    assert.equal(r.status, 1, r.stderr)
    assert.match(r.stderr, /civicgrid simulate:/)
    assert.equal(existsSync(join(dataDir, 'secret.key')), false, 'no secret.key written')
  })

  test('loadConfig: serverSecret false leaves the secret empty; the server default still creates it', () => {
    const client = loadConfig({ DATA_DIR: dataDir, DEMO_PASSWORD: 'demo-password-1' }, { serverSecret: false })
    assert.equal(client.secretKey, '')
    assert.equal(client.demoPassword, 'demo-password-1')
    assert.equal(existsSync(join(dataDir, 'secret.key')), false)
    const server = loadConfig({ DATA_DIR: dataDir })
    assert.ok(server.secretKey.length >= 32)
    assert.equal(existsSync(join(dataDir, 'secret.key')), true)
  })
})

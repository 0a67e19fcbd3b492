import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openDatabase } from '../platform/db/database.js'
import { createServerTestDatabase, TEST_DATABASE_URL } from './test-db.js'

export const CLI = fileURLToPath(new URL('../../bin/civicgrid.mjs', import.meta.url))

/** Run the civicgrid CLI to completion with only the given environment (plus PATH). */
export function runCli(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 120_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/**
 * Where a CLI test's commands write: a fresh data directory, and with TEST_DATABASE_URL a fresh
 * server database. Call `setup` in `before` and `teardown` in `after`; `env` is what `runCli` needs.
 */
export function cliTarget(prefix: string) {
  const dataDir = mkdtempSync(join(tmpdir(), prefix))
  const env: Record<string, string> = { DATA_DIR: dataDir, SECRET_KEY: 'cli-test-secret-0123456789abcdefghijk', LOG_LEVEL: 'silent' }
  let drop = async () => {}
  return {
    env,
    async setup() {
      if (!TEST_DATABASE_URL) return
      const created = await createServerTestDatabase(TEST_DATABASE_URL)
      env.DATABASE_URL = created.url
      drop = created.drop
    },
    async teardown() {
      await drop()
      rmSync(dataDir, { recursive: true, force: true })
    },
    /** The same database the CLI writes, opened in this process (close it before the next CLI run on PGlite). */
    open: () => openDatabase(env.DATABASE_URL ? { kind: 'postgres', url: env.DATABASE_URL } : { kind: 'pglite', dataDir }),
  }
}

/** Start `civicgrid serve` on a free port and resolve once it listens. */
export async function startServerProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'warn', JOBS: 'false', DEMO: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    // Generous: CI machines are shared and a cold tsx start is slow. A server that never got
    // ready is killed, or it would outlive the test and hold its data directory.
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`server did not start:\n${out}`))
    }, 180_000)
    const onData = () => {
      const m = /ready at (http:\/\/[^\s]+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    }
    child.stdout!.on('data', onData)
    void exited.then((code) => reject(new Error(`server exited with ${code}:\n${out}`)))
  })
  return { child, url, output: () => out, exited }
}

#!/usr/bin/env node
// `npm start`: build the web console once if it is missing or older than its sources, then serve.
// With WEB_DIST set the console is served from there as it is (nothing is built).
// SIGTERM is passed on to the server, which finishes its requests and closes the database; Ctrl-C
// reaches the server from the terminal itself, so this script only waits for it to exit.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const web = join(root, 'apps/web')
const built = join(web, 'dist/index.html')

function newest(dir) {
  let t = 0
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue
    const p = join(dir, name)
    const s = statSync(p)
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs)
  }
  return t
}

if (!process.env.WEB_DIST && (!existsSync(built) || statSync(built).mtimeMs < newest(join(web, 'src')))) {
  console.log('civicgrid: building the web console (once)…')
  const r = spawnSync('npm', ['run', 'build', '-w', 'apps/web'], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
// glibc gives threads (the import's reader thread, libuv's pool) malloc arenas of their own that
// keep freed memory: two arenas hold the server's peak during a 1M-row import at 450 MB instead of
// 537 with PostgreSQL, 615 instead of 731 embedded (docs/BENCHMARKS.md). Set before the server
// starts, as glibc reads it once; yours wins.
const env = { MALLOC_ARENA_MAX: '2', ...process.env }
const server = spawn(process.execPath, [join(root, 'apps/api/bin/civicgrid.mjs'), 'serve', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env })
process.on('SIGTERM', () => server.kill('SIGTERM'))
process.on('SIGINT', () => {})
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))

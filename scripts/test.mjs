#!/usr/bin/env node
// Runs the test suites with node's test runner (TypeScript through tsx).
//   npm test                 unit + integration (embedded DB, or TEST_DATABASE_URL/DATABASE_URL) + browser journeys
//   npm test -- --no-e2e     without the browser journeys
//   npm test -- --e2e        only the browser journeys
//   npm test -- FILTER...    only test files whose path contains a FILTER
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const args = process.argv.slice(2)
const onlyE2e = args.includes('--e2e')
const noE2e = args.includes('--no-e2e')
const filters = args.filter((a) => !a.startsWith('--'))

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) find(path, out)
    else if (name.endsWith('.test.ts')) out.push(relative(root, path))
  }
  return out
}

const suites = onlyE2e ? [] : find(join(root, 'apps'))
let journeys = noE2e ? [] : find(join(root, 'e2e'))
if (journeys.length > 0 && !existsSync('/usr/bin/chromium')) {
  console.log('# browser journeys SKIPPED: /usr/bin/chromium is missing (apt-get install chromium); .ci/run installs it')
  journeys = []
}
const files = [...suites, ...journeys].filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort()
if (files.length === 0) {
  console.log('no test files matched')
  process.exit(1)
}
const db = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded PGlite'
console.log(`# ${files.length} test files against ${db}`)
const result = spawnSync(
  process.execPath,
  // A test that hangs fails by name after 10 minutes instead of using up CI's time.
  ['--import', 'tsx', '--test', `--test-concurrency=${Math.max(2, availableParallelism())}`, '--test-timeout=600000', '--test-reporter=spec', ...files],
  { stdio: 'inherit', cwd: root, env: { ...process.env, NODE_ENV: 'test' } },
)
process.exit(result.status ?? 1)

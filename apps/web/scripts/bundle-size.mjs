// Prints the gzip size of the JS each route needs on first load and fails the build when a
// first route (login, dashboard, cases queue and detail, field app) exceeds the console budget in DESIGN §6,
// or the big screen (ECharts) exceeds its own.
// Reads dist/.vite/manifest.json (build.manifest): a route's JS = the entry chunk, the route's
// lazy chunks, and everything they import statically (modulepreloaded together).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUDGET_KB = 500;
const SCREEN_BUDGET_KB = 700;
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8'));

// Route → lazy modules it renders (see src/app/router.tsx). `budget: true` = a first route.
const ROUTES = [
  { name: 'login (/login)', modules: ['src/features/auth/LoginPage.tsx'], budget: true },
  { name: 'dashboard (/)', modules: ['src/app/AppLayout.tsx', 'src/features/dashboard/DashboardPage.tsx'], budget: true },
  { name: 'placeholder (/community…)', modules: ['src/app/AppLayout.tsx', 'src/features/dashboard/PlaceholderPage.tsx'] },
  { name: 'regions (/regions)', modules: ['src/app/AppLayout.tsx', 'src/features/regions/RegionsPage.tsx'] },
  { name: 'data manager (/data)', modules: ['src/app/AppLayout.tsx', 'src/features/datasets/DataManagerPage.tsx'] },
  { name: 'data check rows', modules: ['src/app/AppLayout.tsx', 'src/features/datasets/CheckRowsPage.tsx'] },
  { name: 'components (/components)', modules: ['src/app/AppLayout.tsx', 'src/features/components/pages.ts'], budget: true },
  { name: 'component import, classes', modules: ['src/app/AppLayout.tsx', 'src/features/components/adminPages.ts'], budget: true },
  // Cases: the queue is the first route of operators, dispatchers and handlers; the field app
  // the first route of supervisors on a phone.
  { name: 'cases queue (/cases)', modules: ['src/app/AppLayout.tsx', 'src/features/cases/CasesPage.tsx'], budget: true },
  { name: 'case detail (/cases/:id)', modules: ['src/app/AppLayout.tsx', 'src/features/cases/CaseDetailPage.tsx'], budget: true },
  { name: 'case intake (/cases/new)', modules: ['src/app/AppLayout.tsx', 'src/features/cases/NewCasePage.tsx'] },
  { name: 'field app (/field)', modules: ['src/features/field/FieldPage.tsx'], budget: true },
  { name: 'parking console', modules: ['src/app/AppLayout.tsx', 'src/features/parking/ParkingConsolePage.tsx'] },
  // The resident's phone pages: the first route of a resident who parks.
  { name: 'parking (/parking/m)', modules: ['src/features/parking/ParkingMobilePage.tsx'], budget: true },
  { name: 'me (/me)', modules: ['src/app/AppLayout.tsx', 'src/features/me/MePage.tsx'] },
  { name: 'admin users', modules: ['src/app/AppLayout.tsx', 'src/features/admin/UsersPage.tsx'] },
  { name: 'admin audit', modules: ['src/app/AppLayout.tsx', 'src/features/admin/AuditPage.tsx'] },
  // The big screen and its printable summary carry ECharts: their own, larger budget (DESIGN §6).
  { name: 'big screen (/screen)', modules: ['src/features/screen/ScreenPage.tsx'], budget: SCREEN_BUDGET_KB },
  { name: 'screen summary', modules: ['src/features/screen/SummaryPage.tsx'], budget: SCREEN_BUDGET_KB },
];

const gzCache = new Map();
function gzipBytes(file) {
  if (!gzCache.has(file)) gzCache.set(file, gzipSync(readFileSync(join(dist, file))).length);
  return gzCache.get(file);
}

/** Manifest keys reachable from `key` through static imports (dynamic imports load later). */
function closure(key, seen = new Set()) {
  if (seen.has(key)) return seen;
  const chunk = manifest[key];
  if (!chunk) throw new Error(`bundle-size: ${key} not in manifest (router changed? update ROUTES)`);
  seen.add(key);
  for (const dep of chunk.imports ?? []) closure(dep, seen);
  return seen;
}

function measure(keys) {
  const files = new Set();
  for (const k of keys) for (const dep of closure(k)) files.add(manifest[dep].file);
  const js = [...files].filter((f) => f.endsWith('.js'));
  return { files: js.length, kb: js.reduce((n, f) => n + gzipBytes(f), 0) / 1024 };
}

const entries = Object.keys(manifest).filter((k) => manifest[k].isEntry);
const entry = measure(entries);
const kb = (n) => `${n.toFixed(1).padStart(7)} KB`;
console.log(`\nJS needed on first load (gzip), budget ${BUDGET_KB} KB for first routes:`);
console.log(`  ${'entry (shell)'.padEnd(24)} ${kb(entry.kb)}  ${entry.files} files`);

let failed = false;
for (const r of ROUTES) {
  const missing = r.modules.filter((m) => !manifest[m]);
  if (missing.length) {
    console.log(`  ${r.name.padEnd(24)}   (not built: ${missing.join(', ')})`);
    if (r.budget) failed = true;
    continue;
  }
  const m = measure([...entries, ...r.modules]);
  const limit = r.budget === true ? BUDGET_KB : r.budget;
  const over = Boolean(limit) && m.kb > limit;
  failed ||= over;
  const verdict = limit ? `${over ? '  OVER BUDGET' : '  ok'}${limit !== BUDGET_KB ? ` (budget ${limit} KB)` : ''}` : '';
  console.log(`  ${r.name.padEnd(24)} ${kb(m.kb)}  ${m.files} files${verdict}`);
}

if (failed) {
  console.error(`\nbundle-size: a route is over its budget (first routes ${BUDGET_KB} KB gzip, the big screen ${SCREEN_BUDGET_KB} KB) or missing`);
  process.exit(1);
}

/**
 * The Nanjing demo city (docs/DEMO.md): `seedDemo` fills an empty territory — real districts
 * and streets, approximate street/community outlines, a pilot around 新街口 divided into unit
 * grids along real roads, departments, settings, accounts, components and 30 days of cases.
 * Used by `civicgrid seed demo` and by `serve` on an empty embedded database (DEMO=true).
 */
import type { SeedDemoResult } from './demo.service.js'

export { seedDemo, hasRegions, PILOT_BOX, type SeedDemoOptions, type SeedDemoResult, type DemoSize } from './demo.service.js'

/** The lines printed at start: what was made, the accounts and their password. */
export function formatDemoSummary(r: SeedDemoResult): string {
  const c = r.counts
  const width = Math.max(...r.accounts.map((a) => a.username.length))
  const lines = [
    `  civicgrid demo (seed ${r.seed}, ${r.size}): Nanjing — ${c.districts} districts, ${c.streets} streets, ${c.communities} communities (approximate outlines);`,
    `  pilot ${r.pilot.map((p) => p.name).join('、')}: ${c.grids} grids, ${c.components} components, ${c.cases} cases from ${r.from.slice(0, 10)} to ${r.to.slice(0, 10)} (${c.open} open).`,
    `  demo accounts (${r.passwordGenerated ? 'password, shown once' : 'password from DEMO_PASSWORD'}: ${r.passwordGenerated ? r.password : '********'}):`,
    ...r.accounts.map((a) => `    ${a.username.padEnd(width)}  ${a.displayName} — ${a.note}`),
  ]
  return lines.join('\n')
}
export { seedScale, SCALE, type SeedScaleOptions, type SeedScaleResult } from './scale.js'
export { Simulator, parseRate, parseDuration, type SimulatorOptions, type SimulatorStats } from './simulator.js'

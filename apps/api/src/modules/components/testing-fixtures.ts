import { SYSTEM_ACTOR } from '../../platform/audit.js'
import type { Platform } from '../../platform/platform.js'
import { importRegions } from '../regions/index.js'

/**
 * A small synthetic territory for component tests, made through the regions import:
 *   district 320102 — street 320102001 — communities 320102001001 (west) and 320102001002 (east)
 *   district 320104 — street 320104001 — community 320104001001
 * Each community is a 3 × 3 block of 0.001° grids (about 94 m × 111 m) starting at its
 * south-west corner; everything lies in [118.795, 118.804] × [32.044, 32.047] (WGS84), around
 * the centre point of 梅园新村社区 in datasets/nanjing/divisions (a known GCJ-02 ↔ WGS84 pair).
 */
export const TERRITORY = {
  bbox: [118.795, 32.044, 118.804, 32.047] as [number, number, number, number],
  communities: [
    { code: '320102001001', x: 118.795 },
    { code: '320102001002', x: 118.798 },
    { code: '320104001001', x: 118.801 },
  ],
  y: 32.044,
  step: 0.001,
}

const rect = (x1: number, y1: number, x2: number, y2: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [x1, y1],
      [x2, y1],
      [x2, y2],
      [x1, y2],
      [x1, y1],
    ],
  ],
})
const r7 = (v: number) => Math.round(v * 1e7) / 1e7

/** The grid code of the cell at (col, row) of a community (row 0 = north, numbered west→east, north→south). */
export const gridOf = (community: string, col: number, row: number) => `${community}${String(row * 3 + col + 1).padStart(3, '0')}`

/** The centre of that grid cell (WGS84). */
export function centreOf(community: string, col: number, row: number): [number, number] {
  const c = TERRITORY.communities.find((x) => x.code === community)!
  const s = TERRITORY.step
  return [r7(c.x + (col + 0.5) * s), r7(TERRITORY.y + (2 - row + 0.5) * s)]
}

/** The test territory as a GeoJSON FeatureCollection (properties code and name). */
export function territoryFeatures(): { type: 'FeatureCollection'; features: { type: 'Feature' }[] } {
  const s = TERRITORY.step
  const y = TERRITORY.y
  const features: object[] = []
  const feature = (code: string, name: string, geometry: object) => features.push({ type: 'Feature', properties: { code, name }, geometry })
  feature('320102', '测试玄武区', rect(118.795, y, 118.801, r7(y + 3 * s)))
  feature('320104', '测试秦淮区', rect(118.801, y, 118.804, r7(y + 3 * s)))
  feature('320102001', '测试街道', rect(118.795, y, 118.801, r7(y + 3 * s)))
  feature('320104001', '测试秦淮街道', rect(118.801, y, 118.804, r7(y + 3 * s)))
  for (const c of TERRITORY.communities) {
    feature(c.code, `社区${c.code.slice(-3)}`, rect(c.x, y, r7(c.x + 3 * s), r7(y + 3 * s)))
    for (let row = 0; row < 3; row++) {
      for (let col = 0; col < 3; col++) {
        const x1 = r7(c.x + col * s)
        const y1 = r7(y + (2 - row) * s)
        feature(gridOf(c.code, col, row), `网格${row * 3 + col + 1}`, rect(x1, y1, r7(x1 + s), r7(y1 + s)))
      }
    }
  }
  return { type: 'FeatureCollection', features: features as { type: 'Feature' }[] }
}

export async function seedTerritory(p: Platform): Promise<void> {
  const report = await importRegions(p, {
    actor: SYSTEM_ACTOR,
    input: {
      featureCollection: territoryFeatures(),
      mapping: { code: 'code', name: 'name' },
      crs: 'WGS84',
      dryRun: false,
      mode: 'all-or-nothing',
      legacyGridCodes: false,
      approximate: false,
      containmentTolerance: 0.005,
      areaTolerance: 1,
    },
  })
  if (!report.committed) throw new Error(`test territory not imported: ${JSON.stringify(report.problems.filter((x) => x.severity === 'error').slice(0, 5))}`)
}

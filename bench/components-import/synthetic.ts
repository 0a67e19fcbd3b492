// Synthetic territory and component census for the component benchmarks.
//
// Territory: district 320102 cut into 10 streets × 10 communities, each community a 10 × 10
// block of 0.001° unit grids: 10,000 grids (about 100 m × 110 m each) covering 0.1° × 0.1°
// south-west of (118.70, 31.95), WGS84.
// Census: `rows` components spread uniformly over the territory, over 30 common classes,
// with locations, statuses, data sources, a maintaining unit and the class attributes the
// seeded classification declares (站名 for bus shelters, 数目 for fitness equipment, …).
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'

export const ORIGIN = { x: 118.7, y: 31.95 }
export const STEP = 0.001
export const SIDE = 100 // grids per side

const r7 = (v: number) => Math.round(v * 1e7) / 1e7
const rect = (x1: number, y1: number, x2: number, y2: number) => ({
  type: 'Polygon',
  coordinates: [[[r7(x1), r7(y1)], [r7(x2), r7(y1)], [r7(x2), r7(y2)], [r7(x1), r7(y2)], [r7(x1), r7(y1)]]],
})

/** The regions of the territory as one FeatureCollection (district, streets, communities, grids). */
export function territory() {
  const features: object[] = []
  const f = (code: string, name: string, geometry: object) => features.push({ type: 'Feature', properties: { code, name }, geometry })
  const { x, y } = ORIGIN
  const top = y + SIDE * STEP
  f('320102', '基准区', rect(x, y, x + SIDE * STEP, top))
  for (let s = 0; s < 10; s++) {
    // a street is a column of 10 communities; grids are numbered west→east, north→south
    const sx = x + s * 10 * STEP
    const street = `320102${String(s + 1).padStart(3, '0')}`
    f(street, `街道${s + 1}`, rect(sx, y, sx + 10 * STEP, top))
    for (let c = 0; c < 10; c++) {
      const cy = top - (c + 1) * 10 * STEP
      const community = `${street}${String(c + 1).padStart(3, '0')}`
      f(community, `社区${s + 1}-${c + 1}`, rect(sx, cy, sx + 10 * STEP, cy + 10 * STEP))
      for (let row = 0; row < 10; row++) {
        for (let col = 0; col < 10; col++) {
          const gx = sx + col * STEP
          const gy = cy + (9 - row) * STEP
          f(`${community}${String(row * 10 + col + 1).padStart(3, '0')}`, `网格${row * 10 + col + 1}`, rect(gx, gy, gx + STEP, gy + STEP))
        }
      }
    }
  }
  return { type: 'FeatureCollection', features }
}

const CLASSES = [
  '0101', '0102', '0103', '0104', '0105', '0106', '0107', '0111', '0116', '0117',
  '0118', '0119', '0123', '0126', '0132', '0136', '0203', '0209', '0210', '0212',
  '0213', '0301', '0305', '0307', '0401', '0402', '0403', '0407', '0501', '0602',
]
const STATUSES = ['完好', '完好', '完好', '完好', '完好', '完好', '破损', '丢失', '占用']
const SOURCES = ['实测', '实测', '调绘', '地形图', '其它']

/** A deterministic pseudo-random sequence (mulberry32). */
function rng(seed: number) {
  return () => {
    seed |= 0
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Write `rows` components as CSV (UTF-8, Chinese headers as a census office would send them). */
export async function writeCensusCsv(path: string, rows: number, opts: { dept?: string; seed?: number } = {}): Promise<void> {
  const out = createWriteStream(path)
  const rand = rng(opts.seed ?? 42)
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain')
  }
  await write('小类,经度,纬度,位置描述,部件状态,数据来源,养护单位,安装日期,站名,数目,材质\n')
  let buf = ''
  for (let i = 0; i < rows; i++) {
    const cls = CLASSES[Math.floor(rand() * CLASSES.length)]!
    const lng = r7(ORIGIN.x + 0.00001 + rand() * (SIDE * STEP - 0.00002))
    const lat = r7(ORIGIN.y + 0.00001 + rand() * (SIDE * STEP - 0.00002))
    const road = Math.floor(rand() * 300)
    const status = STATUSES[Math.floor(rand() * STATUSES.length)]!
    const source = SOURCES[Math.floor(rand() * SOURCES.length)]!
    const year = 2005 + Math.floor(rand() * 20)
    const date = `${year}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`
    const stop = cls === '0203' ? `第${road}路站` : ''
    const count = cls === '0126' ? String(1 + Math.floor(rand() * 20)) : ''
    // 材质 is declared for the 01 classes except 0120–0121, 0124–0126 and 0131–0137
    const n = Number(cls)
    const hasMaterial = cls.startsWith('01') && !(n >= 120 && n <= 121) && !(n >= 124 && n <= 126) && !(n >= 131 && n <= 137)
    const material = hasMaterial && rand() < 0.5 ? '铸铁' : ''
    buf += `${cls},${lng},${lat},基准区第${road}路${i % 997}号,${status},${source},${opts.dept ?? ''},${date},${stop},${count},${material}\n`
    if (buf.length > 1 << 16) {
      await write(buf)
      buf = ''
    }
  }
  await write(buf)
  out.end()
  await once(out, 'finish')
}

/** A random point inside the territory (for query benchmarks). */
export function randomPoint(rand: () => number): [number, number] {
  return [r7(ORIGIN.x + rand() * SIDE * STEP), r7(ORIGIN.y + rand() * SIDE * STEP)]
}
export { rng, CLASSES }

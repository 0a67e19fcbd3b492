import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { AttributeDef } from './attributes.js'

export const SEED_FILE = resolve(import.meta.dirname, '../../../../../datasets/standards/classification.json')
export const SEED_NAME = 'datasets/standards/classification.json'

export interface SeedRow {
  kind: 'component' | 'event'
  bigCode: string
  bigName: string
  smallCode: string
  smallName: string
  source?: string
}

const text = (d: Omit<AttributeDef, 'type' | 'required'>, required = false): AttributeDef => ({ ...d, type: 'string', required })

/**
 * Class-specific attributes of the standard component classes, as CJ/T 214 field names used in
 * public implementations show them (research/grid-standards.md §3.4, com.lilo.model.PartField):
 * 材质 for the 01 classes except 0120–0121, 0124–0126 and 0131–0137; 经营范围 for 0125;
 * 数目 for 0126; 规格 for 0403; 雕塑名称 for 0406; 工地名称 for 0602; 站名 for 0203. 站名 is
 * the one declared required (a bus shelter is known by its stop); cities edit all of this.
 */
export function standardAttributes(kind: string, code: string): AttributeDef[] {
  if (kind !== 'component') return []
  const n = Number(code)
  const defs: AttributeDef[] = []
  if (code.startsWith('01') && !((n >= 120 && n <= 121) || (n >= 124 && n <= 126) || (n >= 131 && n <= 137))) {
    defs.push(text({ name: '材质', description: 'Material, e.g. 铸铁, 复合材料 (CJ/T 214 Material)' }))
  }
  if (code === '0125') defs.push(text({ name: '经营范围', description: 'Trade scope (TradeScope)' }))
  if (code === '0126') defs.push({ name: '数目', type: 'number', required: false, description: 'Number of fitness devices (Num)' })
  if (code === '0403') defs.push(text({ name: '规格', description: 'Shape and size (Spec)' }))
  if (code === '0406') defs.push(text({ name: '雕塑名称', description: 'Sculpture name (SculptName)' }))
  if (code === '0602') defs.push(text({ name: '工地名称', description: 'Construction site name (SiteName)' }))
  if (code === '0203') defs.push(text({ name: '站名', description: 'Stop name (StopName)' }, true))
  return defs
}

export function readSeed(file = SEED_FILE): { rows: SeedRow[]; checksum: string } {
  const raw = readFileSync(file)
  const doc = JSON.parse(raw.toString('utf8')) as { rows: SeedRow[] }
  return { rows: doc.rows, checksum: createHash('sha256').update(raw).digest('hex') }
}

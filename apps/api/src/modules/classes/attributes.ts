import type { FieldError } from '../../platform/errors.js'

/**
 * Class-specific attributes (pure). A minor class declares its extra attributes — 站名 for a
 * bus shelter, 材质 for a manhole cover — and every write of a thing of that class is checked
 * against the declaration. Values are stored as JSON: strings, numbers, booleans, enum values
 * as strings, dates as `YYYY-MM-DD`.
 */
export const ATTRIBUTE_TYPES = ['string', 'number', 'boolean', 'enum', 'date'] as const
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number]

export interface AttributeDef {
  /** The key in `attributes` (and the column header on import), e.g. 站名. */
  name: string
  type: AttributeType
  required: boolean
  /** Allowed values of an enum. */
  values?: string[]
  description?: string
}

export type AttributeValue = string | number | boolean
export type AttributeValues = Record<string, AttributeValue>

export const MAX_ATTRIBUTES = 50
export const MAX_STRING_LENGTH = 500
const NAME = /^[^\s.][^.]{0,49}$/u
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** A real calendar date written YYYY-MM-DD. */
export function isIsoDate(s: string): boolean {
  const m = DATE.exec(s)
  if (!m) return false
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3])
}

/** Problems with a class's attribute declarations (names, types, enum values). */
export function validateAttributeDefs(defs: AttributeDef[], field = 'attributes'): FieldError[] {
  const errors: FieldError[] = []
  if (defs.length > MAX_ATTRIBUTES) errors.push({ field, reason: `at most ${MAX_ATTRIBUTES} attributes` })
  const seen = new Set<string>()
  defs.forEach((d, i) => {
    const f = `${field}.${i}`
    if (typeof d.name !== 'string' || !NAME.test(d.name) || d.name.trim() !== d.name) {
      errors.push({ field: `${f}.name`, reason: 'a name of 1–50 characters without dots or surrounding spaces' })
    } else if (seen.has(d.name)) errors.push({ field: `${f}.name`, reason: `duplicate attribute ${d.name}` })
    else seen.add(d.name)
    if (!ATTRIBUTE_TYPES.includes(d.type)) errors.push({ field: `${f}.type`, reason: `one of ${ATTRIBUTE_TYPES.join(', ')}` })
    if (d.type === 'enum') {
      if (!d.values || d.values.length === 0) errors.push({ field: `${f}.values`, reason: 'an enum needs its allowed values' })
      else if (new Set(d.values).size !== d.values.length) errors.push({ field: `${f}.values`, reason: 'values must be distinct' })
      else if (d.values.some((v) => typeof v !== 'string' || v.length === 0 || v.length > 100)) errors.push({ field: `${f}.values`, reason: 'values are strings of 1–100 characters' })
    } else if (d.values !== undefined) errors.push({ field: `${f}.values`, reason: 'only an enum has values' })
  })
  return errors
}

/** Why `value` is not a valid value of `def`, or null when it is. */
function problemWith(def: AttributeDef, value: unknown): string | null {
  switch (def.type) {
    case 'string':
      if (typeof value !== 'string') return 'must be text'
      if (value.length === 0) return 'must not be empty'
      return value.length > MAX_STRING_LENGTH ? `at most ${MAX_STRING_LENGTH} characters` : null
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number'
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false'
    case 'enum':
      return typeof value === 'string' && def.values!.includes(value) ? null : `must be one of ${def.values!.join(', ')}`
    case 'date':
      return typeof value === 'string' && isIsoDate(value) ? null : 'must be a date YYYY-MM-DD'
  }
}

/**
 * Check the attribute values of a thing of class `minorClass`: required ones present, each of
 * its declared type, and none undeclared. An empty list means valid.
 */
export function validateAttributes(minorClass: { attributes: AttributeDef[] }, attrs: Record<string, unknown> | null | undefined, field = 'attributes'): FieldError[] {
  const errors: FieldError[] = []
  const values = attrs ?? {}
  const defs = new Map(minorClass.attributes.map((d) => [d.name, d]))
  for (const [name, value] of Object.entries(values)) {
    const def = defs.get(name)
    if (!def) {
      errors.push({ field: `${field}.${name}`, reason: 'not an attribute of this class' })
      continue
    }
    if (value === null || value === undefined) {
      if (def.required) errors.push({ field: `${field}.${name}`, reason: 'required' })
      continue
    }
    const problem = problemWith(def, value)
    if (problem) errors.push({ field: `${field}.${name}`, reason: problem })
  }
  for (const def of minorClass.attributes) {
    if (def.required && !(def.name in values)) errors.push({ field: `${field}.${def.name}`, reason: 'required' })
  }
  return errors
}

const TRUE = new Set(['true', '1', 'yes', 'y', '是', '有', 't'])
const FALSE = new Set(['false', '0', 'no', 'n', '否', '无', 'f'])

/**
 * Turn one text cell (CSV/XLSX import) into a typed value of `def`. Returns undefined for an
 * empty cell and a string reason when the text cannot be a value of that type; the result is
 * then checked by `validateAttributes` like any other write.
 */
export function parseAttributeText(def: AttributeDef, text: string): AttributeValue | undefined | { error: string } {
  const s = text.trim()
  if (s === '') return undefined
  switch (def.type) {
    case 'number': {
      const n = Number(s.replaceAll(',', ''))
      return Number.isFinite(n) ? n : { error: 'must be a number' }
    }
    case 'boolean': {
      const l = s.toLowerCase()
      if (TRUE.has(l)) return true
      if (FALSE.has(l)) return false
      return { error: 'must be true or false' }
    }
    case 'date': {
      const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s)
      const iso = m ? `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}` : s
      return isIsoDate(iso) ? iso : { error: 'must be a date YYYY-MM-DD' }
    }
    default:
      return s
  }
}

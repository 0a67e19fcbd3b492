/**
 * Stage time limits of an event/component class (立结案标准): what each minor class carries in a
 * deployment (issue 5, item 1). Plain data + a validator; the classification table stores it.
 */
import type { FieldError } from '../../platform/errors.js'
import { LIMIT_UNITS, type Limit } from './work-calendar.js'

/** The timed stages of a case, in order (grid-standards §4.1). Each has its own limit. */
export const CASE_STAGES = ['register', 'dispatch', 'handle', 'check', 'close'] as const
export type CaseStage = (typeof CASE_STAGES)[number]

/**
 * The tiers commonly quoted in national practice (grid-standards §4.4, tagged [I]): offered as
 * presets in the console, never assumed by the code.
 */
export const LIMIT_PRESETS = {
  halfHour: { amount: 0.5, unit: 'workingHours' },
  oneHour: { amount: 1, unit: 'workingHours' },
  twoHours: { amount: 2, unit: 'workingHours' },
  fourHours: { amount: 4, unit: 'workingHours' },
  oneDay: { amount: 1, unit: 'workingDays' },
  threeDays: { amount: 3, unit: 'workingDays' },
  fiveDays: { amount: 5, unit: 'workingDays' },
  twentyDays: { amount: 20, unit: 'workingDays' },
} as const satisfies Record<string, Limit>
export type LimitPreset = keyof typeof LIMIT_PRESETS

/** 一般 / 紧急 / 特急. Emergencies are usually timed in natural hours (7×24). */
export const URGENCY_LEVELS = ['normal', 'urgent', 'emergency'] as const
export type Urgency = (typeof URGENCY_LEVELS)[number]

/** What a deployment sets for one minor class. */
export interface ClassLimits {
  register: Limit
  dispatch: Limit
  handle: Limit
  check: Limit
  close: Limit
  urgency: Urgency
  /** 结案标准, e.g. "彻底清理，无残留". Shown to the handler and the checking supervisor. */
  closingStandard: string
  /** Department proposed by auto-dispatch when no rule of class × region applies. */
  defaultDepartmentCode?: string
}

/**
 * A starting point for a new class, not a standard: 立案 and 派遣 within half an hour (太原:
 * 非紧急 ≤ 30 min), handling within one working day, 核查 within an hour (太原: 1 h).
 */
export const DEFAULT_CLASS_LIMITS: ClassLimits = {
  register: LIMIT_PRESETS.halfHour,
  dispatch: LIMIT_PRESETS.halfHour,
  handle: LIMIT_PRESETS.oneDay,
  check: LIMIT_PRESETS.oneHour,
  close: LIMIT_PRESETS.halfHour,
  urgency: 'normal',
  closingStandard: '问题已处置，现场复核无误',
}

/** Upper bounds that catch typos (400 days instead of 4) without constraining real limits. */
const MAX_AMOUNT: Record<Limit['unit'], number> = { workingHours: 2000, workingDays: 250, naturalHours: 8760 }

/** Field errors of an untrusted limits config (from the API, an import or the database); [] = valid. */
export function validateClassLimits(input: unknown): FieldError[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [{ field: '', reason: 'must be an object' }]
  const o = input as Record<string, unknown>
  const errors: FieldError[] = []
  for (const stage of CASE_STAGES) errors.push(...validateLimit(o[stage], stage))
  if (!URGENCY_LEVELS.includes(o.urgency as Urgency)) {
    errors.push({ field: 'urgency', reason: `must be one of ${URGENCY_LEVELS.join(', ')}` })
  }
  if (typeof o.closingStandard !== 'string' || o.closingStandard.trim() === '') {
    errors.push({ field: 'closingStandard', reason: 'required' })
  } else if (o.closingStandard.length > 2000) {
    errors.push({ field: 'closingStandard', reason: 'at most 2000 characters' })
  }
  const dept = o.defaultDepartmentCode
  if (dept !== undefined && dept !== null && (typeof dept !== 'string' || !/^\S{1,64}$/.test(dept))) {
    errors.push({ field: 'defaultDepartmentCode', reason: 'must be a code of 1–64 non-space characters' })
  }
  const known = new Set<string>([...CASE_STAGES, 'urgency', 'closingStandard', 'defaultDepartmentCode'])
  for (const key of Object.keys(o)) if (!known.has(key)) errors.push({ field: key, reason: 'unknown property' })
  return errors
}

/** Field errors of one `Limit` (`field` prefixes the error names, e.g. `handle.amount`). */
export function validateLimit(input: unknown, field: string): FieldError[] {
  if (typeof input !== 'object' || input === null) return [{ field, reason: 'required' }]
  const { amount, unit } = input as Record<string, unknown>
  if (!LIMIT_UNITS.includes(unit as Limit['unit'])) {
    return [{ field: `${field}.unit`, reason: `must be one of ${LIMIT_UNITS.join(', ')}` }]
  }
  const max = MAX_AMOUNT[unit as Limit['unit']]
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0 || amount > max) {
    return [{ field: `${field}.amount`, reason: `must be a number > 0 and ≤ ${max}` }]
  }
  // Deadlines are kept to the minute; 0.25 h is fine, 0.001 h is a typo.
  const minutes = unit === 'workingDays' ? amount * 4 : amount * 60
  if (!Number.isInteger(Math.round(minutes * 1e6) / 1e6)) {
    return [{ field: `${field}.amount`, reason: unit === 'workingDays' ? 'must be a multiple of 0.25 day' : 'must be whole minutes' }]
  }
  return []
}

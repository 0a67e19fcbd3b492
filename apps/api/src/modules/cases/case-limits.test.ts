import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CASE_STAGES, DEFAULT_CLASS_LIMITS, LIMIT_PRESETS, validateClassLimits } from './case-limits.js'

test('presets are the common tiers, and the default class limits are valid', () => {
  assert.deepEqual(
    Object.values(LIMIT_PRESETS).map((l) => `${l.amount} ${l.unit}`),
    ['0.5 workingHours', '1 workingHours', '2 workingHours', '4 workingHours', '1 workingDays', '3 workingDays', '5 workingDays', '20 workingDays'],
  )
  assert.deepEqual(validateClassLimits(DEFAULT_CLASS_LIMITS), [])
  assert.deepEqual(validateClassLimits({ ...DEFAULT_CLASS_LIMITS, urgency: 'emergency', handle: { amount: 2, unit: 'naturalHours' }, defaultDepartmentCode: 'D-WATER' }), [])
  assert.deepEqual(CASE_STAGES, ['register', 'dispatch', 'handle', 'check', 'close'])
})

test('validateClassLimits names every bad field', () => {
  assert.deepEqual(validateClassLimits(null), [{ field: '', reason: 'must be an object' }])
  const errors = validateClassLimits({
    register: { amount: 0.5, unit: 'workingHours' },
    dispatch: { amount: 30, unit: 'minutes' },
    handle: { amount: -1, unit: 'workingDays' },
    check: { amount: 0.001, unit: 'workingHours' },
    urgency: 'asap',
    closingStandard: '  ',
    defaultDepartmentCode: 'has space',
    colour: 'red',
  })
  assert.deepEqual(
    errors.map((e) => e.field),
    ['dispatch.unit', 'handle.amount', 'check.amount', 'close', 'urgency', 'closingStandard', 'defaultDepartmentCode', 'colour'],
  )
  assert.deepEqual(validateClassLimits({ ...DEFAULT_CLASS_LIMITS, handle: { amount: 400, unit: 'workingDays' } }), [
    { field: 'handle.amount', reason: 'must be a number > 0 and ≤ 250' },
  ])
  assert.deepEqual(validateClassLimits({ ...DEFAULT_CLASS_LIMITS, handle: { amount: 0.3, unit: 'workingDays' } }), [
    { field: 'handle.amount', reason: 'must be a multiple of 0.25 day' },
  ])
})

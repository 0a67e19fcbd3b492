import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { canSee, definePolicy, regionCovers, regionLevelOf, type AuthUser } from './access.js'
import { DomainError } from './errors.js'

const user = (over: Partial<AuthUser>): AuthUser => ({
  id: 'u',
  username: 'u',
  displayName: 'u',
  roles: ['operator'],
  departmentId: null,
  regionCodes: [],
  via: 'session',
  sessionId: null,
  ...over,
})

describe('region scopes', () => {
  test('codes nest by prefix; city and province codes cover their districts', () => {
    assert.ok(regionCovers('320102', '320102001003004'))
    assert.ok(regionCovers('320102001', '320102001003'))
    assert.ok(!regionCovers('320102001', '320102002003'))
    assert.ok(regionCovers('320100', '320115'))
    assert.ok(!regionCovers('320100', '320215'))
    assert.ok(regionCovers('320000', '320215001'))
    assert.equal(regionLevelOf('320100'), 'city')
    assert.equal(regionLevelOf('320102'), 'district')
    assert.equal(regionLevelOf('320102001'), 'street')
    assert.equal(regionLevelOf('320102001001'), 'community')
    assert.equal(regionLevelOf('320102001001001'), 'grid')
  })

  test('a user sees things in their scopes or their department; admins see all', () => {
    const streetOp = user({ regionCodes: ['320102001'] })
    assert.ok(canSee(streetOp, { regionCode: '320102001002' }))
    assert.ok(!canSee(streetOp, { regionCode: '320102002002' }))
    assert.ok(!canSee(streetOp, {}))
    const handler = user({ roles: ['departmentHandler'], departmentId: 'd1' })
    assert.ok(canSee(handler, { regionCode: '320104', departmentId: 'd1' }))
    assert.ok(!canSee(handler, { regionCode: '320104', departmentId: 'd2' }))
    assert.ok(canSee(user({ roles: ['admin'] }), { regionCode: '999999' }))
  })

  test('a policy answers 404 outside the scope and 403 for a forbidden action inside it', () => {
    const policy = definePolicy({ 'things.read': ['operator', 'leader'], 'things.delete': ['leader'] })
    const op = user({ regionCodes: ['320102001'] })
    const outside = () => policy.assert(op, 'things.read', { regionCode: '320105001001' })
    assert.throws(outside, (e: DomainError) => e.code === 'NOT_FOUND' && e.status === 404)
    policy.assert(op, 'things.read', { regionCode: '320102001001' })
    const forbidden = () => policy.assert(op, 'things.delete', { regionCode: '320102001001' })
    assert.throws(forbidden, (e: DomainError) => e.code === 'FORBIDDEN' && e.status === 403)
  })
})

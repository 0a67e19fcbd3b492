import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createPersonalDataCipher, maskIdNumber, maskName, maskPhone } from './personal-data.js'

describe('personal data protection', () => {
  const secret = 'k'.repeat(40)

  test('masks phones, ID numbers and names in the national display formats', () => {
    assert.equal(maskPhone('13800138000'), '138****8000')
    assert.equal(maskPhone('138 0013 8000'), '138****8000')
    assert.equal(maskIdNumber('110101199003071234'), '110***********1234')
    assert.equal(maskName('张三'), '张*')
    assert.equal(maskName('欧阳娜娜'), '欧***')
    assert.equal(maskName('王'), '王')
  })

  test('encrypts with a random IV: same value, different ciphertexts, both decrypt', () => {
    const c = createPersonalDataCipher(secret)
    const a = c.encrypt('13800138000')
    const b = c.encrypt('13800138000')
    assert.notEqual(a, b)
    assert.ok(!a.includes('13800138000'))
    assert.equal(c.decrypt(a), '13800138000')
    assert.equal(c.decrypt(b), '13800138000')
  })

  test('the lookup hash is stable, keyed and ignores spacing', () => {
    const c = createPersonalDataCipher(secret)
    assert.equal(c.lookupHash('138 0013 8000'), c.lookupHash('13800138000'))
    assert.notEqual(createPersonalDataCipher('x'.repeat(40)).lookupHash('13800138000'), c.lookupHash('13800138000'))
  })

  test('tampered ciphertext is refused (GCM authentication)', () => {
    const c = createPersonalDataCipher(secret)
    const stored = c.encrypt('110101199003071234')
    const [v, k, body] = stored.split('.')
    const raw = Buffer.from(body!, 'base64url')
    raw[raw.length - 1]! ^= 1
    assert.throws(() => c.decrypt(`${v}.${k}.${raw.toString('base64url')}`))
  })

  test('after a key rotation old values still decrypt through SECRET_KEY_PREVIOUS', () => {
    const old = createPersonalDataCipher(secret)
    const stored = old.encrypt('13912345678')
    const rotated = createPersonalDataCipher('n'.repeat(40), [secret])
    assert.equal(rotated.decrypt(stored), '13912345678')
    assert.notEqual(rotated.encrypt('x').split('.')[1], stored.split('.')[1])
    assert.throws(() => createPersonalDataCipher('n'.repeat(40)).decrypt(stored), /Unknown personal data key/)
  })
})

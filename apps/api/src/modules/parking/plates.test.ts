import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { normalisePlate, parsePlate, PROVINCES, sameExceptProvince, type PlateColour } from './plates.js'

describe('plates: valid samples of every kind', () => {
  const valid: [string, PlateColour, string, string, boolean][] = [
    // input, camera colour, normalised, kind, newEnergy
    ['京A12345', 'unknown', '京A12345', 'regular', false],
    ['粤B·12345', 'blue', '粤B12345', 'regular', false],
    ['京AF0236', 'blue', '京AF0236', 'regular', false],
    ['苏A 8B9C7', 'yellow', '苏A8B9C7', 'regular', false],
    ['沪AD12345', 'green', '沪AD12345', 'nevSmall', true],
    ['浙BFA1234', 'unknown', '浙BFA1234', 'nevSmall', true],
    ['甘G23459F', 'yellowGreen', '甘G23459F', 'nevLarge', true],
    ['粤ＢＫ１２３４５', 'unknown', '粤BK12345', 'nevSmall', true], // full-width input, newer NEV letter K
    ['琼e-12345', 'unknown', '琼E12345', 'regular', false],
  ]
  for (const [input, colour, plate, kind, nev] of valid) {
    test(`${input} → ${plate} (${kind})`, () => {
      const r = parsePlate(input, colour)
      assert.equal(r.status, 'valid', JSON.stringify(r))
      if (r.status !== 'valid') return
      assert.equal(r.plate, plate)
      assert.equal(r.kind, kind)
      assert.equal(r.newEnergy, nev)
    })
  }

  test('all 31 province abbreviations are accepted', () => {
    assert.equal([...PROVINCES].length, 31)
    for (const p of PROVINCES) assert.equal(parsePlate(`${p}A12345`).status, 'valid', p)
  })

  test('colour: unknown is inferred from the format; yellow and yellow-green are large vehicles', () => {
    const blue = parsePlate('京A12345')
    const green = parsePlate('沪AD12345')
    const yellow = parsePlate('京A12345', 'yellow')
    const yg = parsePlate('甘G23459F')
    assert.ok(blue.status === 'valid' && blue.colour === 'blue' && !blue.large)
    assert.ok(green.status === 'valid' && green.colour === 'green' && !green.large)
    assert.ok(yellow.status === 'valid' && yellow.large)
    assert.ok(yg.status === 'valid' && yg.colour === 'yellowGreen' && yg.large)
  })

  test('a colour that does not fit the format is kept and flagged', () => {
    const r = parsePlate('沪AD12345', 'blue')
    assert.ok(r.status === 'valid' && r.colourMismatch)
  })

  test('D/F are the GA 36-2018 letters; newer letters are accepted but marked', () => {
    const strict = parsePlate('沪AD12345')
    const newer = parsePlate('沪AA12345')
    assert.ok(strict.status === 'valid' && strict.nevStrict)
    assert.ok(newer.status === 'valid' && !newer.nevStrict)
  })
})

describe('plates: repairs of LPR readings', () => {
  test('O→0 and I→1 in serial positions', () => {
    const r = parsePlate('苏A1O2I5')
    assert.ok(r.status === 'valid')
    assert.equal(r.plate, '苏A10215')
    assert.deepEqual(r.repairs, ['O→0', 'I→1'])
  })
  test('repair of a new-energy plate', () => {
    const r = parsePlate('沪ADI234O')
    assert.ok(r.status === 'valid')
    assert.equal(r.plate, '沪AD12340')
  })
  test('normalisation drops separators, widths and case', () => {
    assert.equal(normalisePlate(' 京a·1２3-45 '), '京A12345')
  })
})

describe('plates: invalid samples', () => {
  const invalid: [string, RegExp][] = [
    ['京A1234', /7 .* or 8/],
    ['京AD123456', /not 9/],
    ['BJ12345', /province/],
    ['A京12345', /province/],
    ['港A12345', /not a province/],
    ['京112345', /authority letter/],
    ['京A123456', /new-energy serial/], // 8 characters but no D/F
    ['京AZ12345', /new-energy serial/], // Z is not a new-energy letter
    ['京A12#45', /serial/],
    ['京AD1234X', /new-energy serial/],
  ]
  for (const [input, reason] of invalid) {
    test(`${input} is invalid`, () => {
      const r = parsePlate(input)
      assert.equal(r.status, 'invalid', JSON.stringify(r))
      assert.match((r as { reason: string }).reason, reason)
    })
  }
})

describe('plates: special plates go to the manual path', () => {
  const special: [string, PlateColour, 'special' | 'unplated'][] = [
    ['京A1234警', 'white', 'special'],
    ['京A1234警', 'unknown', 'special'],
    ['使123456', 'black', 'special'],
    ['沪A1234领', 'black', 'special'],
    ['京A1234学', 'yellow', 'special'],
    ['鲁B1234挂', 'yellow', 'special'],
    ['粤Z1234港', 'black', 'special'],
    ['粤Z1234澳', 'black', 'special'],
    ['京A1234应急', 'unknown', 'special'],
    ['WJ京12345', 'white', 'special'],
    ['京A12345', 'white', 'special'],
    ['无牌', 'unknown', 'unplated'],
    ['', 'unknown', 'unplated'],
  ]
  for (const [input, colour, reason] of special) {
    test(`${input || '(empty)'} (${colour}) → manual, ${reason}`, () => {
      const r = parsePlate(input, colour)
      assert.equal(r.status, 'manual')
      assert.equal((r as { reason: string }).reason, reason)
    })
  }
})

describe('plates: province misread', () => {
  test('same serial and authority, different province', () => {
    assert.equal(sameExceptProvince('苏A12345', '皖A12345'), true)
    assert.equal(sameExceptProvince('苏A12345', '苏A12345'), false)
    assert.equal(sameExceptProvince('苏A12345', '皖B12345'), false)
    assert.equal(sameExceptProvince('沪AD12345', '浙AD12345'), true)
    assert.equal(sameExceptProvince('沪AD12345', '浙A12345'), false)
  })
})

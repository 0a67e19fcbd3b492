import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { parseAttributeText, validateAttributeDefs, validateAttributes, type AttributeDef } from './attributes.js'

const busShelter = {
  attributes: [
    { name: '站名', type: 'string', required: true },
    { name: '线路数', type: 'number', required: false },
    { name: '有顶棚', type: 'boolean', required: false },
    { name: '材质', type: 'enum', required: false, values: ['不锈钢', '铝合金'] },
    { name: '建成日期', type: 'date', required: false },
  ] satisfies AttributeDef[],
}

describe('class attributes', () => {
  test('valid values pass', () => {
    assert.deepEqual(validateAttributes(busShelter, { 站名: '新街口站', 线路数: 12, 有顶棚: true, 材质: '不锈钢', 建成日期: '2020-02-29' }), [])
  })

  test('a required attribute must be present and not null', () => {
    assert.deepEqual(validateAttributes(busShelter, {}), [{ field: 'attributes.站名', reason: 'required' }])
    assert.deepEqual(validateAttributes(busShelter, { 站名: null }), [{ field: 'attributes.站名', reason: 'required' }])
    assert.deepEqual(validateAttributes(busShelter, null), [{ field: 'attributes.站名', reason: 'required' }])
  })

  test('each type is enforced, and undeclared attributes are refused', () => {
    const errors = validateAttributes(busShelter, { 站名: '', 线路数: '12', 有顶棚: 'yes', 材质: '木头', 建成日期: '2021-02-29', 颜色: '红' })
    assert.deepEqual(
      errors.map((e) => e.field),
      ['attributes.站名', 'attributes.线路数', 'attributes.有顶棚', 'attributes.材质', 'attributes.建成日期', 'attributes.颜色'],
    )
    assert.match(errors[3]!.reason, /不锈钢, 铝合金/)
    assert.equal(errors[5]!.reason, 'not an attribute of this class')
    assert.deepEqual(validateAttributes(busShelter, { 站名: 'x', 线路数: Number.NaN }), [{ field: 'attributes.线路数', reason: 'must be a number' }])
  })

  test('declarations: names unique, enum needs values, only enums have values', () => {
    assert.deepEqual(validateAttributeDefs(busShelter.attributes), [])
    const errors = validateAttributeDefs([
      { name: 'a', type: 'string', required: false },
      { name: 'a', type: 'number', required: false },
      { name: 'b', type: 'enum', required: false },
      { name: 'c', type: 'string', required: false, values: ['x'] },
      { name: 'd.e', type: 'string', required: false },
      { name: 'f', type: 'colour' as never, required: false },
    ])
    assert.deepEqual(
      errors.map((e) => e.field),
      ['attributes.1.name', 'attributes.2.values', 'attributes.3.values', 'attributes.4.name', 'attributes.5.type'],
    )
  })

  test('text cells from imports are parsed into typed values', () => {
    const [name, lines, roof, material, built] = busShelter.attributes
    assert.equal(parseAttributeText(name!, '  新街口 '), '新街口')
    assert.equal(parseAttributeText(name!, '   '), undefined)
    assert.equal(parseAttributeText(lines!, '1,024'), 1024)
    assert.deepEqual(parseAttributeText(lines!, 'twelve'), { error: 'must be a number' })
    assert.equal(parseAttributeText(roof!, '是'), true)
    assert.equal(parseAttributeText(roof!, 'FALSE'), false)
    assert.deepEqual(parseAttributeText(roof!, 'maybe'), { error: 'must be true or false' })
    assert.equal(parseAttributeText(material!, '木头'), '木头', 'enum membership is checked by validateAttributes')
    assert.equal(parseAttributeText(built!, '2020/3/7'), '2020-03-07')
    assert.equal(parseAttributeText(built!, '2020年3月7日'), '2020-03-07')
    assert.deepEqual(parseAttributeText(built!, '2020-13-01'), { error: 'must be a date YYYY-MM-DD' })
  })
})

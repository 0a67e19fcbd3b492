import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { CodeSpaceExhausted, resolveCodes, spoolBytes } from './spool.js'

const text = (b: Uint8Array) => new TextDecoder().decode(b)

describe('spool batches as bytes: codes written in place', () => {
  test('each line’s placeholder (group prefix + offset) becomes prefix + base + offset; nothing else changes', () => {
    const lines = ['3201020101000001\t0101\t井盖 \\t tab\t{"材质":"铸铁"}', '3201020101000002\t0101\t井盖二\t\\N', '3201050202000001\t0202\t路灯\t\\N']
    const bytes = spoolBytes(lines)
    resolveCodes(bytes, new Map([['3201020101', 41], ['3201050202', 0]]))
    assert.deepEqual(text(bytes).split('\n'), ['3201020101000042\t0101\t井盖 \\t tab\t{"材质":"铸铁"}', '3201020101000043\t0101\t井盖二\t\\N', '3201050202000001\t0202\t路灯\t\\N', ''])
  })

  test('a code past 999999 is refused; an unknown group is an error', () => {
    assert.throws(() => resolveCodes(spoolBytes(['3201020101000002\tx']), new Map([['3201020101', 999_998]])), CodeSpaceExhausted)
    assert.doesNotThrow(() => resolveCodes(spoolBytes(['3201020101000001\tx']), new Map([['3201020101', 999_998]])))
    assert.throws(() => resolveCodes(spoolBytes(['3201020101000001\tx']), new Map()), /no code block/)
  })

  test('an empty batch is an empty buffer', () => {
    assert.equal(spoolBytes([]).length, 0)
  })
})

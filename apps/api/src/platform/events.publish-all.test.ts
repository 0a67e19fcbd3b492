import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { openTestDatabase } from '../testing/test-db.js'
import type { Database } from './db/database.js'
import { EventBus, type BusEvent } from './events.js'

describe('event bus: publishAll (one NOTIFY statement for many events)', () => {
  let database: Database
  const buses: EventBus[] = []
  before(async () => {
    database = await openTestDatabase()
  })
  after(async () => {
    for (const b of buses) await b.stop()
    await database.close()
  })

  test('delivers every event once, in order, here and (server mode) on another instance', async () => {
    const a = new EventBus(database)
    const b = new EventBus(database)
    buses.push(a, b)
    await a.start()
    await b.start()
    const here: BusEvent[] = []
    const there: BusEvent[] = []
    a.subscribe((e) => here.push(e))
    b.subscribe((e) => there.push(e))
    const sent = await a.publishAll([1, 2, 3].map((n) => ({ type: 'test.batch', regionCode: null, data: { n } })))
    assert.deepEqual(here.map((e) => e.data.n), [1, 2, 3])
    assert.deepEqual(sent.map((e) => e.id), here.map((e) => e.id))
    if (database.kind === 'postgres') {
      for (let i = 0; i < 200 && there.length < 3; i++) await new Promise((r) => setTimeout(r, 10))
      assert.deepEqual(there.map((e) => e.data.n), [1, 2, 3])
      assert.deepEqual(there.map((e) => e.id), sent.map((e) => e.id))
    } else {
      assert.equal(there.length, 0, 'embedded: one process, nothing to send')
    }
    await new Promise((r) => setTimeout(r, 50))
    assert.equal(here.length, 3, 'an instance ignores its own NOTIFYs')
  })

  test('an event too large for NOTIFY is refused before anything is delivered (server mode)', async () => {
    const a = new EventBus(database)
    const got: BusEvent[] = []
    a.subscribe((e) => got.push(e))
    const big = { type: 'test.big', data: { blob: 'x'.repeat(9000) } }
    if (database.kind === 'postgres') {
      await assert.rejects(a.publishAll([{ type: 'test.small', data: {} }, big]), /too large for NOTIFY/)
      assert.equal(got.length, 0)
    } else {
      await a.publishAll([big])
      assert.equal(got.length, 1)
    }
  })
})

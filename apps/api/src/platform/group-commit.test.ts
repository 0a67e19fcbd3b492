import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { GroupCommit, type Outcome } from './group-commit.js'

const tick = () => new Promise((r) => setImmediate(r))

describe('group commit', () => {
  test('items submitted together go in one batch; each gets its own result, in order', async () => {
    const batches: number[][] = []
    const g = new GroupCommit<number, number>({
      maxBatch: 100,
      concurrency: 1,
      run: async (items) => {
        batches.push(items)
        return items.map((x) => ({ ok: true, value: x * 10 }))
      },
    })
    const results = await Promise.all([1, 2, 3, 4].map((x) => g.submit(x)))
    assert.deepEqual(results, [10, 20, 30, 40])
    assert.deepEqual(batches, [[1, 2, 3, 4]])
    assert.deepEqual(g.stats, { batches: 1, items: 4, split: 0, largest: 4 })
  })

  test('while a batch is written the next one fills up; never more batches in flight than allowed, never more than maxBatch items', async () => {
    let inFlight = 0
    let maxInFlight = 0
    const batches: number[][] = []
    let release!: () => void
    let gate = new Promise<void>((r) => (release = r))
    const g = new GroupCommit<number, number>({
      maxBatch: 3,
      concurrency: 2,
      run: async (items) => {
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        batches.push(items)
        await gate
        inFlight--
        return items.map((x) => ({ ok: true, value: x }))
      },
    })
    const all = Array.from({ length: 10 }, (_, i) => g.submit(i))
    await tick()
    await tick()
    assert.equal(inFlight, 2)
    release()
    gate = Promise.resolve()
    assert.deepEqual(await Promise.all(all), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert.ok(maxInFlight <= 2)
    assert.ok(batches.every((b) => b.length <= 3 && b.length > 0))
    assert.deepEqual(batches.flat(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'arrival order kept')
  })

  test('an item refused inside the batch fails alone', async () => {
    const g = new GroupCommit<number, number>({
      maxBatch: 10,
      concurrency: 1,
      run: async (items) => items.map((x): Outcome<number> => (x === 2 ? { ok: false, error: new Error('no twos') } : { ok: true, value: x })),
    })
    const settled = await Promise.allSettled([1, 2, 3].map((x) => g.submit(x)))
    assert.deepEqual(
      settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message)),
      [1, 'no twos', 3],
    )
  })

  test('a batch that throws is retried item by item: only the bad item gets the error', async () => {
    const calls: number[][] = []
    const g = new GroupCommit<number, number>({
      maxBatch: 10,
      concurrency: 1,
      run: async (items) => {
        calls.push(items)
        if (items.includes(13)) throw new Error('statement failed')
        return items.map((x) => ({ ok: true, value: x }))
      },
    })
    const settled = await Promise.allSettled([11, 12, 13, 14].map((x) => g.submit(x)))
    assert.deepEqual(
      settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message)),
      [11, 12, 'statement failed', 14],
    )
    assert.deepEqual(calls, [[11, 12, 13, 14], [11], [12], [13], [14]])
    assert.equal(g.stats.split, 1)
  })

  test('a run that returns the wrong number of outcomes is an error, not a silent loss', async () => {
    const g = new GroupCommit<number, number>({ maxBatch: 10, concurrency: 1, run: async () => [] })
    await assert.rejects(g.submit(1), /0 outcomes for 1 items/)
  })

  test('an idle queue starts at once; lingerMs waits for a fuller batch', async () => {
    const sizes: number[] = []
    const g = new GroupCommit<number, number>({
      maxBatch: 10,
      concurrency: 1,
      lingerMs: 30,
      run: async (items) => {
        sizes.push(items.length)
        return items.map((x) => ({ ok: true, value: x }))
      },
    })
    const first = g.submit(1)
    setTimeout(() => void g.submit(2), 5)
    await first
    assert.deepEqual(sizes, [2])
  })
})

import type { Executor } from '../../platform/db/database.js'
import type { Platform } from '../../platform/platform.js'
import { casesRepository as repo } from './cases.repository.js'

/**
 * Case numbers are `YYYYMMDD` (tenant date) + a 5-digit sequence per district and day; the
 * database's UNIQUE (district_code, number) is the guarantee.
 *
 * On PostgreSQL an instance reserves numbers in blocks of `BLOCK` with one committed statement on
 * its own connection (never inside an intake transaction, so the day's counter row is never held
 * by a running intake) and hands them out from memory. Numbers are unique and increase within an
 * instance; across instances they interleave, and a block's unused tail is lost when the day ends
 * or the instance stops — **gaps are expected**, duplicates impossible.
 *
 * On the embedded database (one connection, one transaction at a time) there is no concurrency to
 * avoid: the intake statement itself takes the next number from the counter (no gaps unless the
 * transaction rolls back), and this returns null.
 */
export const BLOCK = 20

interface Block {
  next: number
  last: number
}

const blocks = new WeakMap<Platform, Map<string, Block | Promise<Block>>>()

export async function reserveCaseNumber(p: Platform, districtCode: string, day: string): Promise<number | null> {
  if (p.database.kind !== 'postgres') return null
  let mine = blocks.get(p)
  if (!mine) blocks.set(p, (mine = new Map()))
  const key = `${districtCode}|${day}`
  for (;;) {
    const current = mine.get(key)
    if (current && !(current instanceof Promise)) {
      if (current.next <= current.last) return current.next++
      mine.delete(key)
      continue
    }
    if (current) {
      await current.catch(() => undefined)
      continue
    }
    // One refill per key at a time; the others wait for it. Drop the blocks of earlier days.
    for (const k of mine.keys()) if (k.startsWith(`${districtCode}|`) && k !== key) mine.delete(k)
    const refill = reserveBlock(p.db, districtCode, day)
    mine.set(key, refill)
    try {
      mine.set(key, await refill)
    } catch (err) {
      mine.delete(key)
      throw err
    }
  }
}

async function reserveBlock(db: Executor, districtCode: string, day: string): Promise<Block> {
  const last = await repo.reserveNumbers(db, districtCode, day, BLOCK)
  return { next: last - BLOCK + 1, last }
}

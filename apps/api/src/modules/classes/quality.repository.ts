import { sql } from 'kysely'
import type { Executor } from '../../platform/db/database.js'

/** SQL of the data manager's classification figures (see docs/DATASETS.md). */
export const classesQualityRepository = {
  /** Major and minor classes (component and event), retired ones included. */
  async counts(db: Executor): Promise<{ majors: number; minors: number }> {
    const [a, b] = await Promise.all([
      db.selectFrom('majorClasses').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
      db.selectFrom('minorClasses').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
    ])
    return { majors: Number(a.n), minors: Number(b.n) }
  },
}

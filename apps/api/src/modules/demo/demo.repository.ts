/**
 * SQL of the demo's case history written in bulk (history-batch.ts): what intake reads
 * (class settings, dispatch rules, components) and multi-row inserts of the rows the case
 * services would have written one by one.
 */
import { sql, type Insertable, type Selectable } from 'kysely'
import type { Executor } from '../../platform/db/database.js'
import type { DB } from '../../platform/db/schema.js'

export type BatchCase = Omit<Selectable<DB['cases']>, 'updatedAt'>
export type BatchCaseEvent = Omit<Insertable<DB['caseEvents']>, 'id'>
export type BatchNotification = Omit<Insertable<DB['caseNotifications']>, 'id'>
export type BatchAudit = Omit<Insertable<DB['auditLog']>, 'id' | 'seq' | 'prevHash' | 'hash'>
export interface BatchComponentChange {
  componentCode: string
  at: Date
  actorId: string | null
  actorName: string
  source: 'case'
  importId: null
  action: 'update'
  changes: Record<string, [unknown, unknown]>
}
export type DispatchRule = Pick<Selectable<DB['dispatchRules']>, 'classKind' | 'minorClass' | 'regionCode' | 'departmentId' | 'priority'>

const json = (v: unknown) => JSON.stringify(v) as never
/** Rows per INSERT: well under PostgreSQL's 65,535 parameters for the widest table (cases, ~45 columns). */
const CHUNK = 500

async function inChunks<T>(rows: readonly T[], write: (chunk: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += CHUNK) await write(rows.slice(i, i + CHUNK))
}

export const demoRepository = {
  classSettings(db: Executor) {
    return db.selectFrom('caseClassSettings').select(['classKind', 'minorClass', 'limits', 'urgency', 'closingStandard', 'defaultDepartmentId']).execute()
  },

  /** In the cases module's order (creation), which breaks ties between equally specific rules. */
  dispatchRules(db: Executor): Promise<DispatchRule[]> {
    return db.selectFrom('dispatchRules').select(['classKind', 'minorClass', 'regionCode', 'departmentId', 'priority']).orderBy('createdAt').execute()
  },

  componentStates(db: Executor) {
    return db.selectFrom('components').select(['code', 'status', 'gridCode', 'maintainerDeptId', 'authorityDeptId', 'version']).execute()
  },

  /** In report order: a merged case's primary is always inserted before it (or in the same statement). */
  async insertCases(tx: Executor, rows: readonly BatchCase[]) {
    await inChunks(rows, (chunk) =>
      tx
        .insertInto('cases')
        .values(chunk.map((r) => ({ ...r, photos: json(r.photos), clocks: json(r.clocks), timings: json(r.timings) })))
        .execute(),
    )
  },

  async insertCaseEvents(tx: Executor, rows: readonly BatchCaseEvent[]) {
    await inChunks(rows, (chunk) => tx.insertInto('caseEvents').values(chunk.map((e) => ({ ...e, input: json(e.input ?? {}), photos: json(e.photos) }))).execute())
  },

  async insertNotifications(tx: Executor, rows: readonly BatchNotification[]) {
    await inChunks(rows, (chunk) => tx.insertInto('caseNotifications').values(chunk).execute())
  },

  /** Status, version and last change of the components the cases touched, and their history rows. */
  async updateComponents(tx: Executor, components: readonly { code: string; status: string; version: number; updatedAt: Date; updatedBy: string | null }[], changes: readonly BatchComponentChange[]) {
    await inChunks(components, async (chunk) => {
      const values = chunk.map((c) => sql`(${c.code}::text, ${c.status}::text, ${c.version}::int, ${c.updatedAt}::timestamptz, ${c.updatedBy}::uuid)`)
      await sql`update components c set status = v.status, version = v.version, updated_at = v.updated_at, updated_by = v.updated_by
        from (values ${sql.join(values)}) v (code, status, version, updated_at, updated_by) where c.code = v.code`.execute(tx)
    })
    await inChunks(changes, (chunk) => tx.insertInto('componentChanges').values(chunk.map((c) => ({ ...c, changes: json(c.changes) }))).execute())
  },

  async insertAudit(tx: Executor, rows: readonly BatchAudit[]) {
    await inChunks(rows, (chunk) => tx.insertInto('auditLog').values(chunk).execute())
  },

  async setCaseNumberCounters(tx: Executor, rows: readonly { districtCode: string; day: string; last: number }[]) {
    await inChunks(rows, (chunk) =>
      tx
        .insertInto('caseNumberCounters')
        .values(chunk)
        .onConflict((oc) => oc.columns(['districtCode', 'day']).doUpdateSet({ last: sql`greatest(case_number_counters.last, excluded.last)` }))
        .execute(),
    )
  },
}

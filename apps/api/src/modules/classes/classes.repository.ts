import type { Generated } from 'kysely'
import type { Executor } from '../../platform/db/database.js'
import type { AttributeDef } from './attributes.js'

export const CLASS_KINDS = ['component', 'event'] as const
export type ClassKind = (typeof CLASS_KINDS)[number]

declare module '../../platform/db/schema.js' {
  interface DB {
    majorClasses: {
      kind: ClassKind
      code: string
      name: string
      retired: Generated<boolean>
      local: Generated<boolean>
      createdAt: Generated<Date>
      updatedAt: Generated<Date>
    }
    minorClasses: {
      kind: ClassKind
      code: string
      majorCode: string
      name: string
      retired: Generated<boolean>
      local: Generated<boolean>
      /** jsonb: written as a JSON string, read back as an array */
      attributes: Generated<AttributeDef[] | string>
      source: string | null
      createdAt: Generated<Date>
      updatedAt: Generated<Date>
    }
    classSeeds: { name: string; checksum: string; appliedAt: Generated<Date> }
  }
}

export interface MajorClassRow {
  kind: ClassKind
  code: string
  name: string
  retired: boolean
  local: boolean
}

export interface MinorClassRow {
  kind: ClassKind
  code: string
  majorCode: string
  majorName: string
  majorRetired: boolean
  name: string
  retired: boolean
  local: boolean
  attributes: AttributeDef[]
  source: string | null
  updatedAt: Date
}

const majorColumns = ['kind', 'code', 'name', 'retired', 'local'] as const

function minorQuery(db: Executor) {
  return db
    .selectFrom('minorClasses as m')
    .innerJoin('majorClasses as j', (join) => join.onRef('j.kind', '=', 'm.kind').onRef('j.code', '=', 'm.majorCode'))
    .select([
      'm.kind',
      'm.code',
      'm.majorCode',
      'j.name as majorName',
      'j.retired as majorRetired',
      'm.name',
      'm.retired',
      'm.local',
      'm.attributes',
      'm.source',
      'm.updatedAt',
    ])
}

const asMinor = (r: Omit<MinorClassRow, 'attributes'> & { attributes: AttributeDef[] | string }): MinorClassRow => ({
  ...r,
  attributes: typeof r.attributes === 'string' ? (JSON.parse(r.attributes) as AttributeDef[]) : r.attributes,
})

export const classesRepository = {
  listMajors(db: Executor, opts: { kind?: ClassKind; includeRetired: boolean }): Promise<MajorClassRow[]> {
    let q = db.selectFrom('majorClasses').select(majorColumns).orderBy('kind').orderBy('code')
    if (opts.kind) q = q.where('kind', '=', opts.kind)
    if (!opts.includeRetired) q = q.where('retired', '=', false)
    return q.execute()
  },

  findMajor(db: Executor, kind: ClassKind, code: string): Promise<MajorClassRow | undefined> {
    return db.selectFrom('majorClasses').select(majorColumns).where('kind', '=', kind).where('code', '=', code).executeTakeFirst()
  },

  insertMajor(db: Executor, row: { kind: ClassKind; code: string; name: string; local: boolean }): Promise<MajorClassRow> {
    return db.insertInto('majorClasses').values(row).returning(majorColumns).executeTakeFirstOrThrow()
  },

  updateMajor(db: Executor, kind: ClassKind, code: string, patch: { name?: string; retired?: boolean }): Promise<MajorClassRow | undefined> {
    return db
      .updateTable('majorClasses')
      .set({ ...patch, updatedAt: new Date() })
      .where('kind', '=', kind)
      .where('code', '=', code)
      .returning(majorColumns)
      .executeTakeFirst()
  },

  async deleteMajor(db: Executor, kind: ClassKind, code: string): Promise<boolean> {
    const r = await db.deleteFrom('majorClasses').where('kind', '=', kind).where('code', '=', code).executeTakeFirst()
    return Number(r.numDeletedRows) > 0
  },

  async countMinors(db: Executor, kind: ClassKind, majorCode: string): Promise<number> {
    const r = await db
      .selectFrom('minorClasses')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', kind)
      .where('majorCode', '=', majorCode)
      .executeTakeFirstOrThrow()
    return Number(r.n)
  },

  async listMinors(db: Executor, opts: { kind?: ClassKind; major?: string; includeRetired: boolean; q?: string }): Promise<MinorClassRow[]> {
    let q = minorQuery(db).orderBy('m.kind').orderBy('m.code')
    if (opts.kind) q = q.where('m.kind', '=', opts.kind)
    if (opts.major) q = q.where('m.majorCode', '=', opts.major)
    if (!opts.includeRetired) q = q.where('m.retired', '=', false).where('j.retired', '=', false)
    if (opts.q) q = q.where((eb) => eb.or([eb('m.name', 'ilike', `%${opts.q}%`), eb('m.code', 'like', `${opts.q}%`)]))
    return (await q.execute()).map(asMinor)
  },

  async findMinor(db: Executor, kind: ClassKind, code: string): Promise<MinorClassRow | undefined> {
    const r = await minorQuery(db).where('m.kind', '=', kind).where('m.code', '=', code).executeTakeFirst()
    return r && asMinor(r)
  },

  async insertMinor(
    db: Executor,
    row: { kind: ClassKind; code: string; majorCode: string; name: string; local: boolean; attributes: AttributeDef[]; source: string | null },
  ): Promise<void> {
    await db
      .insertInto('minorClasses')
      .values({ ...row, attributes: JSON.stringify(row.attributes) })
      .execute()
  },

  async updateMinor(db: Executor, kind: ClassKind, code: string, patch: { name?: string; retired?: boolean; attributes?: AttributeDef[] }): Promise<boolean> {
    const { attributes, ...rest } = patch
    const r = await db
      .updateTable('minorClasses')
      .set({ ...rest, ...(attributes ? { attributes: JSON.stringify(attributes) } : {}), updatedAt: new Date() })
      .where('kind', '=', kind)
      .where('code', '=', code)
      .executeTakeFirst()
    return Number(r.numUpdatedRows) > 0
  },

  async deleteMinor(db: Executor, kind: ClassKind, code: string): Promise<boolean> {
    const r = await db.deleteFrom('minorClasses').where('kind', '=', kind).where('code', '=', code).executeTakeFirst()
    return Number(r.numDeletedRows) > 0
  },

  /** Record a seed as applied; false when it already was (possibly by another instance just now). */
  async claimSeed(db: Executor, name: string, checksum: string): Promise<boolean> {
    const r = await db.insertInto('classSeeds').values({ name, checksum }).onConflict((oc) => oc.column('name').doNothing()).returning('name').executeTakeFirst()
    return r !== undefined
  },

  async insertSeedMajors(db: Executor, rows: { kind: ClassKind; code: string; name: string }[]): Promise<void> {
    if (rows.length === 0) return
    await db
      .insertInto('majorClasses')
      .values(rows)
      .onConflict((oc) => oc.columns(['kind', 'code']).doNothing())
      .execute()
  },

  async insertSeedMinors(db: Executor, rows: { kind: ClassKind; code: string; majorCode: string; name: string; attributes: AttributeDef[]; source: string | null }[]): Promise<void> {
    if (rows.length === 0) return
    await db
      .insertInto('minorClasses')
      .values(rows.map((r) => ({ ...r, attributes: JSON.stringify(r.attributes) })))
      .onConflict((oc) => oc.columns(['kind', 'code']).doNothing())
      .execute()
  },
}

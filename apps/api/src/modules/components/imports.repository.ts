import { sql } from 'kysely'
import type { Database, Executor, Tx } from '../../platform/db/database.js'
import { UNFINISHED, type ImportStatus } from './components.repository.js'
import type { StagedRow } from './import-rows.js'
import { resolveCodes, SPOOL_COLUMNS, SPOOL_TYPES } from './spool.js'
import { copyText } from './spool.js'

/**
 * SQL of imports: the per-import staging table (unlogged; COPY on PGlite, unnest batches on a
 * server), the import record and its errors, and the set-based apply that turns staged rows
 * into components in one transaction.
 */
/** A Point's GeoJSON from a row's lng/lat (for comparisons and history; points are stored without it). */
const POINT = (t: string) => sql.raw(`jsonb_build_object('type', 'Point', 'coordinates', jsonb_build_array(${t}.lng, ${t}.lat))`)

/** Field i (1-based) of a split spool line as SQL: \\N is null; text values undo COPY's escapes. */
function spoolField(i: number, type: string): string {
  const v = `s.f[${i}]`
  if (!['text', 'jsonb', 'text[]'].includes(type)) return `nullif(${v}, '\\N')`
  const unescaped = `replace(replace(replace(replace(replace(${v}, '\\\\', chr(1)), '\\t', chr(9)), '\\n', chr(10)), '\\r', chr(13)), chr(1), '\\')`
  return `(case when ${v} = '\\N' then null when strpos(${v}, '\\') = 0 then ${v} else ${unescaped} end)`
}

export const stagingTable = (importId: string) => `component_staging_${importId.replaceAll('-', '')}`

const STAGING_COLUMNS = [
  ['row_no', 'integer'],
  ['code', 'text collate "C"'],
  ['district_code', 'text collate "C"'],
  ['minor_class', 'text collate "C"'],
  ['name', 'text'],
  ['default_name', 'text'],
  ['geometry', 'jsonb'],
  ['lng', 'double precision'],
  ['lat', 'double precision'],
  ['min_lng', 'double precision'],
  ['min_lat', 'double precision'],
  ['max_lng', 'double precision'],
  ['max_lat', 'double precision'],
  ['grid_code', 'text collate "C"'],
  ['location', 'text'],
  ['status', 'text'],
  ['currency', 'text'],
  ['authority_dept_id', 'uuid'],
  ['owner_dept_id', 'uuid'],
  ['maintainer_dept_id', 'uuid'],
  ['data_source', 'text'],
  ['install_date', 'date'],
  ['photos', 'text[]'],
  ['attributes', 'jsonb'],
  ['note', 'text'],
] as const

function values(s: StagedRow): (string | number | null)[] {
  const p = s.placed
  const geometry = p && p.geometry.type !== 'Point' ? JSON.stringify(p.geometry) : null
  return [
    s.rowNo,
    s.code,
    s.districtCode,
    s.minorClass,
    s.name,
    s.className,
    geometry,
    p ? p.point[0] : null,
    p ? p.point[1] : null,
    p ? p.bbox[0] : null,
    p ? p.bbox[1] : null,
    p ? p.bbox[2] : null,
    p ? p.bbox[3] : null,
    s.gridCode,
    s.location,
    s.status,
    s.currency,
    s.authorityDeptId,
    s.ownerDeptId,
    s.maintainerDeptId,
    s.dataSource,
    s.installDate,
    s.photos ? `{${s.photos.join(',')}}` : null,
    s.attributes ? JSON.stringify(s.attributes) : null,
    s.note,
  ]
}

function tsvField(v: string | number | null): string {
  return typeof v === 'number' ? String(v) : copyText(v)
}

export function tsvLine(r: StagedRow): string {
  return values(r).map(tsvField).join('\t') + '\n'
}

const columnList = STAGING_COLUMNS.map(([c]) => c).join(', ')

export const importsRepository = {
  async createStaging(db: Executor, importId: string): Promise<void> {
    const ddl = STAGING_COLUMNS.map(([c, t]) => `${c} ${t}`).join(', ')
    await sql.raw(`create unlogged table if not exists ${stagingTable(importId)} (${ddl})`).execute(db)
  },

  async dropStaging(db: Executor, importId: string): Promise<void> {
    await sql.raw(`drop table if exists ${stagingTable(importId)}`).execute(db)
  },

  /** Staging tables on the database (for the reaper). */
  async stagingTables(db: Executor): Promise<string[]> {
    const r = await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = current_schema() and tablename like 'component\\_staging\\_%'`.execute(db)
    return r.rows.map((x) => x.name)
  },

  /**
   * Append staged rows (those with a code of their own) inside the import's transaction.
   * PGlite: COPY from an in-memory blob (the transaction holds PGlite's one connection, so this
   * runs inside it). Server: one INSERT … SELECT FROM unnest(arrays) per batch.
   */
  async stage(database: Database, tx: Tx, importId: string, rows: StagedRow[]): Promise<void> {
    if (rows.length === 0) return
    const table = stagingTable(importId)
    if (database.pglite) {
      await database.pglite.query(`copy ${table} (${columnList}) from '/dev/blob'`, [], { blob: new Blob(rows.map(tsvLine)) })
      return
    }
    const cols: (string | number | null)[][] = STAGING_COLUMNS.map(() => [])
    for (const r of rows) values(r).forEach((v, i) => cols[i]!.push(v))
    const params = STAGING_COLUMNS.map(([c, t], i) => {
      const base = t.split(' ')[0]!
      const arrayType = base === 'integer' || base === 'double' ? (base === 'double' ? 'float8' : 'int4') : 'text'
      return { c, t: base === 'double' ? 'double precision' : base, arr: sql`${cols[i]}::${sql.raw(arrayType)}[]` }
    })
    await sql`insert into ${sql.table(table)} (${sql.raw(columnList)})
      select ${sql.join(params.map((x) => sql`${sql.ref(`u.${x.c}`)}::${sql.raw(x.t)}`))}
      from unnest(${sql.join(params.map((x) => x.arr))}) as u(${sql.raw(columnList)})`.execute(tx)
  },

  insertImport(
    db: Executor,
    row: { id: string; status: ImportStatus; format: 'csv' | 'xlsx' | 'geojson'; fileName: string | null; fileSize: number | null; mode: 'all-or-nothing' | 'keep-valid'; crs: string; encoding: string; mapping: Record<string, string>; createdBy: string | null; instanceId: string; at: Date },
  ) {
    const { at, mapping, ...rest } = row
    return db
      .insertInto('componentImports')
      .values({ ...rest, mapping: JSON.stringify(mapping), createdAt: at, heartbeatAt: at })
      .execute()
  },

  async updateImport(
    db: Executor,
    id: string,
    patch: Partial<{
      status: ImportStatus
      rowsRead: number
      rowsValid: number
      rowsInvalid: number
      bytesRead: number
      created: number
      updated: number
      unchanged: number
      errorsTruncated: boolean
      message: string | null
      heartbeatAt: Date
      startedAt: Date
      finishedAt: Date
    }>,
  ): Promise<void> {
    await db.updateTable('componentImports').set(patch).where('id', '=', id).execute()
  },

  findImport(db: Executor, id: string) {
    return db.selectFrom('componentImports').selectAll().where('id', '=', id).executeTakeFirst()
  },

  listImports(db: Executor, opts: { limit: number; before?: Date }) {
    let q = db.selectFrom('componentImports').selectAll().orderBy('createdAt', 'desc').limit(opts.limit)
    if (opts.before) q = q.where('createdAt', '<', opts.before)
    return q.execute()
  },

  async insertErrors(db: Executor, importId: string, errors: { row: number; column: string; value: string; reason: string }[]): Promise<void> {
    for (let i = 0; i < errors.length; i += 1000) {
      const batch = errors.slice(i, i + 1000)
      await db
        .insertInto('componentImportErrors')
        .values(batch.map((e) => ({ importId, rowNo: e.row, columnName: e.column, value: e.value.slice(0, 500), reason: e.reason })))
        .execute()
    }
  },

  errorsPage(db: Executor, importId: string, opts: { afterRow: number; limit: number }) {
    return db
      .selectFrom('componentImportErrors')
      .select(['rowNo', 'columnName', 'value', 'reason'])
      .where('importId', '=', importId)
      .where('rowNo', '>', opts.afterRow)
      .orderBy('rowNo')
      .limit(opts.limit)
      .execute()
  },

  errorsOfRow(db: Executor, importId: string, rowNo: number) {
    return db.selectFrom('componentImportErrors').select(['rowNo', 'columnName', 'value', 'reason']).where('importId', '=', importId).where('rowNo', '=', rowNo).execute()
  },

  async unfinishedImports(db: Executor): Promise<string[]> {
    return (await db.selectFrom('componentImports').select('id').where('status', 'in', UNFINISHED).execute()).map((r) => r.id)
  },

  async dropTable(db: Executor, table: string): Promise<void> {
    if (!/^component_staging_[0-9a-f]{32}$/.test(table)) throw new Error(`not a staging table: ${table}`)
    await sql.raw(`drop table if exists ${table}`).execute(db)
  },

  /** Imports left unfinished by a process that is gone: heartbeat older than `staleBefore` (or any, at an embedded start). */
  async abandonedImports(db: Executor, staleBefore: Date | null): Promise<string[]> {
    let q = db.selectFrom('componentImports').select('id').where('status', 'in', UNFINISHED)
    if (staleBefore) q = q.where('heartbeatAt', '<', staleBefore)
    return (await q.execute()).map((r) => r.id)
  },

  // The apply, inside one transaction.

  /** Rows with a code that is not in the registry yet and no location: they cannot be created. */
  async newCodesWithoutLocation(tx: Tx, importId: string): Promise<{ rowNo: number; code: string }[]> {
    const r = await sql<{ rowNo: number; code: string }>`
      select s.row_no, s.code from ${sql.table(stagingTable(importId))} s
      where s.code is not null and s.lng is null and not exists (select 1 from components c where c.code = s.code)
      order by s.row_no`.execute(tx)
    return r.rows
  },

  async deleteStagedRows(tx: Tx, importId: string, rowNos: number[]): Promise<void> {
    if (rowNos.length === 0) return
    await sql`delete from ${sql.table(stagingTable(importId))} where row_no = any(${rowNos}::int[])`.execute(tx)
  },

  /** Keep counters at or above the sequence of every explicit code of the import. */
  async raiseCountersForExplicitCodes(tx: Tx, importId: string): Promise<void> {
    await sql`
      insert into component_code_counters (district_code, minor_class, last_seq)
      select left(s.code, 6), s.minor_class, max(right(s.code, 6)::int) from ${sql.table(stagingTable(importId))} s
      where s.code is not null group by 1, 2
      on conflict (district_code, minor_class) do update set last_seq = greatest(component_code_counters.last_seq, excluded.last_seq)`.execute(tx)
  },

  /**
   * Lock the counters of (district, class) groups for the rest of the transaction and return
   * their current last number (the base of this import's block); missing counters start at 0.
   */
  async lockCounters(tx: Tx, keys: string[]): Promise<Map<string, number>> {
    const r = await sql<{ districtCode: string; minorClass: string; lastSeq: number }>`
      insert into component_code_counters (district_code, minor_class, last_seq)
      select d, m, 0 from unnest(${keys.map((k) => k.slice(0, 6))}::text[], ${keys.map((k) => k.slice(6))}::text[]) as u(d, m)
      on conflict (district_code, minor_class) do update set last_seq = component_code_counters.last_seq
      returning district_code, minor_class, last_seq`.execute(tx)
    return new Map(r.rows.map((x) => [x.districtCode + x.minorClass, x.lastSeq]))
  },

  /** Advance locked counters past this import's blocks (base + n); above 999999 fails the check. */
  async finishBlocks(tx: Tx, blocks: { key: string; last: number }[]): Promise<void> {
    if (blocks.length === 0) return
    await sql`
      update component_code_counters k set last_seq = v.last
      from unnest(${blocks.map((b) => b.key.slice(0, 6))}::text[], ${blocks.map((b) => b.key.slice(6))}::text[], ${blocks.map((b) => b.last)}::int[]) as v(d, m, last)
      where k.district_code = v.d and k.minor_class = v.m`.execute(tx)
  },

  /** Staged rows with a new code inside a block this import allocated (base, base + n]. */
  async codesInAllocatedBlocks(tx: Tx, importId: string, blocks: { key: string; base: number; n: number }[]): Promise<{ rowNo: number; code: string }[]> {
    if (blocks.length === 0) return []
    const r = await sql<{ rowNo: number; code: string }>`
      select s.row_no, s.code from ${sql.table(stagingTable(importId))} s
      join unnest(${blocks.map((b) => b.key)}::text[], ${blocks.map((b) => b.base)}::int[], ${blocks.map((b) => b.n)}::int[]) as v(k, base, n)
        on left(s.code, 10) = v.k and right(s.code, 6)::int > v.base and right(s.code, 6)::int <= v.base + v.n
      where not exists (select 1 from components c where c.code = s.code)
      order by s.row_no`.execute(tx)
    return r.rows
  },

  /**
   * Update the components whose code the import names, writing one history row per changed
   * component with {field: [before, after]}; fields the file does not have keep their value.
   */
  async applyUpdates(
    tx: Tx,
    importId: string,
    opts: { given: Set<string>; at: Date; actorId: string | null; actorName: string },
  ): Promise<{ matched: number; updated: number }> {
    const g = (field: string, column: string) => (opts.given.has(field) ? sql.raw(`s.${column}`) : sql.raw(`c.${column}`))
    const S = sql.table(stagingTable(importId))
    const matched = await sql<{ n: number }>`select count(*) as n from ${S} s join components c on c.code = s.code`.execute(tx)
    const pairs: [string, string][] = [
      ['name', 'name'],
      ['geometry', 'geometry'],
      ['gridCode', 'grid_code'],
      ['location', 'location'],
      ['status', 'status'],
      ['currency', 'currency'],
      ['authorityDeptId', 'authority_dept_id'],
      ['ownerDeptId', 'owner_dept_id'],
      ['maintainerDeptId', 'maintainer_dept_id'],
      ['dataSource', 'data_source'],
      ['installDate', 'install_date'],
      ['photos', 'photos'],
      ['attributes', 'attributes'],
      ['note', 'note'],
    ]
    const changes = sql.join(
      pairs.map(([key, col]) => sql`${key}::text, case when nv.${sql.raw(col)} is distinct from nv.${sql.raw(`o_${col}`)} then jsonb_build_array(to_jsonb(nv.${sql.raw(`o_${col}`)}), to_jsonb(nv.${sql.raw(col)})) end`),
    )
    const r = await sql<{ code: string }>`
      with nv as (
        select c.code,
          coalesce(s.name, c.name) as name,
          case when s.lng is null then c.geometry else s.geometry end as shape,
          case when s.lng is null then coalesce(c.geometry, ${POINT('c')})
               else coalesce(s.geometry, ${POINT('s')}) end as geometry,
          coalesce(s.lng, c.lng) as lng, coalesce(s.lat, c.lat) as lat,
          coalesce(s.min_lng, c.min_lng) as min_lng, coalesce(s.min_lat, c.min_lat) as min_lat,
          coalesce(s.max_lng, c.max_lng) as max_lng, coalesce(s.max_lat, c.max_lat) as max_lat,
          coalesce(s.grid_code, c.grid_code) as grid_code,
          ${g('location', 'location')} as location,
          coalesce(s.status, c.status) as status,
          coalesce(s.currency, c.currency) as currency,
          ${g('authorityDept', 'authority_dept_id')} as authority_dept_id,
          ${g('ownerDept', 'owner_dept_id')} as owner_dept_id,
          ${g('maintainerDept', 'maintainer_dept_id')} as maintainer_dept_id,
          coalesce(s.data_source, c.data_source) as data_source,
          ${g('installDate', 'install_date')} as install_date,
          ${opts.given.has('photos') ? sql`coalesce(s.photos, '{}')` : sql`c.photos`} as photos,
          c.attributes || coalesce(s.attributes, '{}'::jsonb) as attributes,
          ${g('note', 'note')} as note,
          c.name as o_name, coalesce(c.geometry, ${POINT('c')}) as o_geometry, c.grid_code as o_grid_code, c.location as o_location, c.status as o_status,
          c.currency as o_currency, c.authority_dept_id as o_authority_dept_id, c.owner_dept_id as o_owner_dept_id,
          c.maintainer_dept_id as o_maintainer_dept_id, c.data_source as o_data_source, c.install_date as o_install_date,
          c.photos as o_photos, c.attributes as o_attributes, c.note as o_note
        from ${S} s join components c on c.code = s.code
      ),
      ch as (select nv.*, jsonb_strip_nulls(jsonb_build_object(${changes})) as changes from nv),
      hist as (
        insert into component_changes (component_code, at, actor_id, actor_name, source, import_id, action, changes)
        select ch.code, ${opts.at}, ${opts.actorId}, ${opts.actorName}, 'import', ${importId}, 'update', ch.changes from ch where ch.changes <> '{}'::jsonb
      )
      update components c set
        name = ch.name, geometry = ch.shape, lng = ch.lng, lat = ch.lat, min_lng = ch.min_lng, min_lat = ch.min_lat,
        max_lng = ch.max_lng, max_lat = ch.max_lat, grid_code = ch.grid_code, location = ch.location, status = ch.status,
        currency = ch.currency, authority_dept_id = ch.authority_dept_id, owner_dept_id = ch.owner_dept_id,
        maintainer_dept_id = ch.maintainer_dept_id, data_source = ch.data_source, install_date = ch.install_date,
        photos = ch.photos, attributes = ch.attributes, note = ch.note,
        version = c.version + 1, updated_at = ${opts.at}, updated_by = ${opts.actorId}
      from ch where c.code = ch.code and ch.changes <> '{}'::jsonb
      returning c.code`.execute(tx)
    return { matched: Number(matched.rows[0]!.n), updated: r.rows.length }
  },

  /**
   * Load a batch of new components inside the import's transaction. `spool` is the reading
   * thread's batch: spool lines as UTF-8 bytes (see spool.ts); `bases` the last number before
   * each (district, class) group's block. The codes are written into the bytes in place, then
   * PGlite COPYs the buffer as it is (no copy through a Blob). A server gets it as ONE bytea
   * parameter (binary: node-postgres sends a Buffer as it is) and PostgreSQL splits it and casts
   * the fields itself — the JS side builds no strings or per-row arrays (they were most of the
   * process's memory growth, measured in docs/BENCHMARKS.md). The split line is computed once
   * per row (`offset 0` keeps the planner from inlining string_to_array into every field, which
   * split each line ~25 times).
   */
  async copyComponents(database: Database, tx: Tx, spool: Uint8Array, bases: Map<string, number>): Promise<void> {
    if (spool.length === 0) return
    resolveCodes(spool, bases)
    const columns = SPOOL_COLUMNS.join(', ')
    if (database.pglite) {
      // the transaction holds PGlite's one connection: this runs inside it. PGlite reads the
      // blob with arrayBuffer() only; a view on part of a buffer is cut to its own first.
      const buffer = spool.byteOffset === 0 && spool.byteLength === spool.buffer.byteLength ? spool.buffer : spool.slice().buffer
      const blob = { arrayBuffer: async () => buffer } as unknown as Blob
      await database.pglite.query(`copy components (${columns}) from '/dev/blob'`, [], { blob })
      return
    }
    const fields = SPOOL_COLUMNS.map((c, k) => sql.raw(`${spoolField(k + 1, SPOOL_TYPES[c])}::${SPOOL_TYPES[c]}`))
    const bytes = Buffer.from(spool.buffer, spool.byteOffset, spool.byteLength)
    await sql`insert into components (${sql.raw(columns)})
      select ${sql.join(fields)}
      from (select string_to_array(l, E'\t') as f from unnest(string_to_array(convert_from(${bytes}::bytea, 'UTF8'), E'\n')) as l where l <> '' offset 0) as s`.execute(tx)
  },

  /** Insert staged rows whose code is not registered yet (codes carried over from another system). */
  async insertExplicitNew(tx: Tx, importId: string, opts: { at: Date; actorId: string | null }): Promise<number> {
    const S = sql.table(stagingTable(importId))
    const r = await sql`
      insert into components (code, minor_class, name, geometry, lng, lat, min_lng, min_lat, max_lng, max_lat, grid_code, location,
        status, currency, authority_dept_id, owner_dept_id, maintainer_dept_id, data_source, photos, install_date, attributes, note,
        import_id, created_at, created_by, updated_at, updated_by)
      select s.code, s.minor_class, coalesce(s.name, s.default_name), s.geometry,
        s.lng, s.lat, s.min_lng, s.min_lat, s.max_lng, s.max_lat, s.grid_code, s.location,
        coalesce(s.status, 'intact'), coalesce(s.currency, 'inUse'), s.authority_dept_id, s.owner_dept_id, s.maintainer_dept_id,
        coalesce(s.data_source, 'other'), coalesce(s.photos, '{}'), s.install_date, coalesce(s.attributes, '{}'::jsonb), s.note,
        ${importId}, ${opts.at}, ${opts.actorId}, ${opts.at}, ${opts.actorId}
      from ${S} s
      where not exists (select 1 from components c where c.code = s.code)`.execute(tx)
    return Number(r.numAffectedRows ?? 0)
  },

  async componentCount(tx: Tx): Promise<number> {
    // the planner's estimate is enough to choose between index maintenance strategies
    const r = await sql<{ n: number }>`select greatest(reltuples, 0)::bigint as n from pg_class where oid = 'components'::regclass`.execute(tx)
    return Number(r.rows[0]?.n ?? 0)
  },

  /** The secondary indexes of components (name and definition), to drop and rebuild around a bulk insert. */
  async secondaryIndexes(tx: Tx): Promise<{ name: string; def: string }[]> {
    const r = await sql<{ name: string; def: string }>`
      select indexname as name, indexdef as def from pg_indexes
      where schemaname = current_schema() and tablename = 'components' and indexname <> 'components_pkey' order by indexname`.execute(tx)
    return r.rows
  },

  async dropIndex(tx: Tx, name: string): Promise<void> {
    await sql`drop index ${sql.id(name)}`.execute(tx)
  },

  /** The foreign keys of components (name and definition), to drop and re-add (validating once) around a bulk insert. */
  async foreignKeys(tx: Tx): Promise<{ name: string; def: string }[]> {
    const r = await sql<{ name: string; def: string }>`
      select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
      where conrelid = 'components'::regclass and contype = 'f' order by conname`.execute(tx)
    return r.rows
  },

  async dropConstraint(tx: Tx, name: string): Promise<void> {
    await sql`alter table components drop constraint ${sql.id(name)}`.execute(tx)
  },

  async addConstraint(tx: Tx, name: string, def: string): Promise<void> {
    await sql`alter table components add constraint ${sql.id(name)} ${sql.raw(def)}`.execute(tx)
  },

  async analyzeStaging(tx: Tx, importId: string): Promise<void> {
    await sql`analyze ${sql.table(stagingTable(importId))}`.execute(tx)
  },

  async runDdl(tx: Tx, ddl: string): Promise<void> {
    await sql.raw(ddl).execute(tx)
  },

  async analyze(db: Executor): Promise<void> {
    await sql`analyze components`.execute(db)
  },
}

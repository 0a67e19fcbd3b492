import type { Crs } from '../../platform/geo/index.js'
import { isIsoDate, parseAttributeText, validateAttributes, type AttributeValue, type ClassCatalog, type MinorClassView } from '../classes/index.js'
import { placeGeometry, placePoint, type PlacedGeometry } from './component-geometry.js'

/**
 * One imported row (pure): which column feeds which field, and the checks that turn a record
 * of a CSV/XLSX sheet or a GeoJSON feature into a row ready for staging — or into the list of
 * its problems (row, column, value, reason) for the error report.
 */
export const IMPORT_FIELDS = [
  'code',
  'name',
  'minorClass',
  'lng',
  'lat',
  'geometry',
  'location',
  'status',
  'currency',
  'authorityDept',
  'ownerDept',
  'maintainerDept',
  'dataSource',
  'installDate',
  'photos',
  'note',
] as const
export type ImportField = (typeof IMPORT_FIELDS)[number]

export const STATUSES = ['intact', 'damaged', 'lost', 'occupied'] as const
export const CURRENCIES = ['inUse', 'retired'] as const
export const DATA_SOURCES = ['survey', 'topographicMap', 'fieldMapping', 'other'] as const
export type ComponentStatus = (typeof STATUSES)[number]
export type Currency = (typeof CURRENCIES)[number]
export type DataSource = (typeof DATA_SOURCES)[number]

export const STATUS_LABELS: Record<ComponentStatus, string> = { intact: '完好', damaged: '破损', lost: '丢失', occupied: '占用' }
export const CURRENCY_LABELS: Record<Currency, string> = { inUse: '在用', retired: '作废' }
export const DATA_SOURCE_LABELS: Record<DataSource, string> = { survey: '实测', topographicMap: '地形图', fieldMapping: '调绘', other: '其它' }

const invert = <K extends string>(labels: Record<K, string>, extra: Record<string, K> = {}) => {
  const m = new Map<string, K>()
  for (const [k, v] of Object.entries(labels) as [K, string][]) {
    m.set(k.toLowerCase(), k)
    m.set(v, k)
  }
  for (const [k, v] of Object.entries(extra)) m.set(k, v)
  return m
}
const STATUS_BY_TEXT = invert(STATUS_LABELS)
const CURRENCY_BY_TEXT = invert(CURRENCY_LABELS, { 'in use': 'inUse', 现势: 'inUse', 有效: 'inUse', 废弃: 'retired' })
const SOURCE_BY_TEXT = invert(DATA_SOURCE_LABELS, { 其他: 'other', 测量: 'survey' })

/**
 * Header names recognised without a mapping: our own export columns, CJ/T 214 field names as
 * used by other systems (ObjCode, DeptCode1…) and the usual Chinese headers.
 */
const ALIASES: Record<ImportField, string[]> = {
  code: ['code', 'componentcode', 'objcode', 'objid', '标识码', '部件标识码', '部件编码', '编码'],
  name: ['name', 'objname', '部件名称', '名称'],
  minorClass: ['minorclass', 'class', 'smallclass', '小类', '小类代码', '部件小类', '部件类别'],
  lng: ['lng', 'lon', 'long', 'longitude', 'x', '经度'],
  lat: ['lat', 'latitude', 'y', '纬度'],
  geometry: ['geometry', 'shape', 'geojson', '几何', '空间数据'],
  location: ['location', 'locatedsc', 'address', '位置描述', '位置', '地址'],
  status: ['status', 'objstate', '部件状态', '状态'],
  currency: ['currency', 'objuptodat', '现势性'],
  authorityDept: ['authoritydept', 'authoritydeptcode', 'deptcode1', '主管部门', '主管部门代码'],
  ownerDept: ['ownerdept', 'ownerdeptcode', 'deptcode2', '权属单位', '权属单位代码'],
  maintainerDept: ['maintainerdept', 'maintainerdeptcode', 'deptcode3', '养护单位', '养护单位代码'],
  dataSource: ['datasource', '数据来源'],
  installDate: ['installdate', 'ordate', '安装日期', '初始时间', '建设日期'],
  photos: ['photos', 'picture', '照片', '部件照片'],
  note: ['note', 'remark', '备注'],
}
const ALIAS_TO_FIELD = new Map<string, ImportField>()
for (const [field, names] of Object.entries(ALIASES) as [ImportField, string[]][]) for (const n of names) ALIAS_TO_FIELD.set(n, field)

/** Export-only columns that an import of an exported file ignores. */
const IGNORED = new Set(['minorclassname', 'majorclass', 'majorclassname', 'gridcode', 'streetcode', 'communitycode', 'districtcode', 'version', 'createdat', 'updatedat', 'bbox', 'distance'])

/** An explicit mapping: field (or `attributes.<name>`) → the source column (header or property) that feeds it. */
export type ColumnMapping = Partial<Record<ImportField | `attributes.${string}`, string>>

export type ColumnTarget = { field: ImportField } | { attribute: string } | null

/**
 * Decide what each source column feeds: the explicit mapping first, then known headers,
 * `attributes.X` / `attr:X` columns, and finally bare headers naming an attribute some class
 * declares. Anything else is ignored (and listed as such).
 */
export class ColumnResolver {
  private readonly cache = new Map<string, ColumnTarget>()
  private readonly explicit = new Map<string, ColumnTarget>()
  readonly ignored = new Set<string>()
  readonly fields = new Set<ImportField>()

  constructor(
    mapping: ColumnMapping,
    private readonly attributeNames: Set<string>,
  ) {
    for (const [target, column] of Object.entries(mapping)) {
      if (!column) continue
      if (target.startsWith('attributes.')) this.explicit.set(column, { attribute: target.slice('attributes.'.length) })
      else if ((IMPORT_FIELDS as readonly string[]).includes(target)) this.explicit.set(column, { field: target as ImportField })
    }
  }

  /** Fields a mapping names that are not real fields (reported before reading). */
  static unknownTargets(mapping: ColumnMapping): string[] {
    return Object.keys(mapping).filter((t) => !t.startsWith('attributes.') && !(IMPORT_FIELDS as readonly string[]).includes(t))
  }

  /** The source column that feeds a field, once seen. */
  columnOf(field: ImportField): string | null {
    for (const [column, t] of this.cache) if (t && 'field' in t && t.field === field) return column
    return null
  }

  private readonly plans = new WeakMap<string[], ColumnPlan>()

  /** The plan of a header (cached per header array: a sheet's rows share theirs). */
  planFor(header: string[]): ColumnPlan {
    let plan = this.plans.get(header)
    if (plan) return plan
    plan = { header, fieldIndex: new Array(IMPORT_FIELDS.length).fill(-1), fieldColumns: [], attributes: [] }
    header.forEach((column, index) => {
      const t = this.targetOf(column)
      if (!t) return
      if ('field' in t) {
        const f = IMPORT_FIELDS.indexOf(t.field)
        if (plan!.fieldIndex[f]! >= 0) return // the first column of a field wins
        plan!.fieldIndex[f] = index
        plan!.fieldColumns.push({ index, field: f })
      } else plan!.attributes.push({ index, name: t.attribute })
    })
    this.plans.set(header, plan)
    return plan
  }

  targetOf(column: string): ColumnTarget {
    let t = this.cache.get(column)
    if (t !== undefined) return t
    t = this.resolve(column)
    this.cache.set(column, t)
    if (!t) this.ignored.add(column)
    else if ('field' in t) this.fields.add(t.field)
    return t
  }

  private resolve(column: string): ColumnTarget {
    const explicit = this.explicit.get(column)
    if (explicit) return explicit
    // a column the explicit mapping sends elsewhere is not also read by its own name
    const key = column.trim().toLowerCase()
    const field = ALIAS_TO_FIELD.get(key)
    if (field && ![...this.explicit.values()].some((v) => v && 'field' in v && v.field === field)) return { field }
    if (key.startsWith('attributes.')) return { attribute: column.trim().slice('attributes.'.length) }
    if (key.startsWith('attr:')) return { attribute: column.trim().slice('attr:'.length) }
    if (IGNORED.has(key)) return null
    if (this.attributeNames.has(column.trim())) return { attribute: column.trim() }
    return null
  }
}

/** What the rest of the import needs to check a row: classes, departments, grids, CRS. */
export interface RowContext {
  catalog: ClassCatalog
  /** Department code or id → id. */
  departments: Map<string, string>
  /** Grid code of a WGS84 point, or null. */
  gridAt: (lng: number, lat: number) => string | null
  crs: Crs
}

export interface RowProblem {
  row: number
  column: string
  value: string
  reason: string
}

/** A checked row. Null fields were not given (creates take defaults, updates keep what is stored). */
export interface StagedRow {
  rowNo: number
  code: string | null
  /** District of a new code: the code's own, or the grid's when one is allocated. */
  districtCode: string
  minorClass: string
  /** The class name: the name of a new component when the file gives none. */
  className: string
  name: string | null
  placed: PlacedGeometry | null
  gridCode: string | null
  location: string | null
  status: ComponentStatus | null
  currency: Currency | null
  authorityDeptId: string | null
  ownerDeptId: string | null
  maintainerDeptId: string | null
  dataSource: DataSource | null
  installDate: string | null
  photos: string[] | null
  attributes: Record<string, AttributeValue> | null
  note: string | null
}

export interface SourceRecord {
  rowNo: number
  /** Column names (CSV/XLSX header, GeoJSON property names) — shared by the rows of a sheet. */
  header: string[]
  /** Cell values in header order, as read (string, number, boolean, Date, null). */
  cells: unknown[]
  /** GeoJSON feature geometry, when the source is GeoJSON. */
  geometry?: unknown
}

/** Where each field and attribute is in a header: resolved once per header, used for every row. */
export interface ColumnPlan {
  header: string[]
  /** Column index of each field (IMPORT_FIELDS order), −1 when absent. */
  fieldIndex: number[]
  fieldColumns: { index: number; field: number }[]
  attributes: { index: number; name: string }[]
}

const FIELD = Object.fromEntries(IMPORT_FIELDS.map((f, i) => [f, i])) as Record<ImportField, number>

const CODE = /^[0-9]{16}$/
const SHA256 = /^[0-9a-f]{64}$/

/** A cell as text: numbers without exponent noise, dates as YYYY-MM-DD (Excel dates are UTC midnight). */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e21 ? v.toFixed(0) : String(v)
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString().slice(0, 10)
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (Array.isArray(v)) return v.map(cellText).join(';')
  return JSON.stringify(v)
}

/** A leading apostrophe that keeps a spreadsheet from reading text as a formula ('=…) is not part of the value. */
const unquoteFormula = (s: string) => (s.length > 1 && s.charCodeAt(0) === 39 && '=+-@'.includes(s[1]!) ? s.slice(1) : s)

function parseDate(text: string): string | null {
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?$/.exec(text)
  const iso = m ? `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}` : text
  return isIsoDate(iso) ? iso : null
}

const BROKEN = 'invalid text encoding (not valid UTF-8, or not the declared encoding)'

/** Collects a row's problems (one object per row, no closures). */
class Problems {
  list: RowProblem[] | null = null
  constructor(readonly row: number) {}
  add(column: string, value: string, reason: string) {
    ;(this.list ??= []).push({ row: this.row, column, value, reason })
  }
  has(column: string) {
    return this.list?.some((p) => p.column === column) ?? false
  }
}

/**
 * Check one record. Every problem of the row is listed (a row may have several); the row is
 * staged only when there are none.
 */
export function checkRow(rec: SourceRecord, plan: ColumnPlan, ctx: RowContext): { row: StagedRow } | { problems: RowProblem[]; code: string | null } {
  const pr = new Problems(rec.rowNo)
  const header = plan.header
  const ft: string[] = new Array(IMPORT_FIELDS.length).fill('')
  for (const { index, field } of plan.fieldColumns) {
    const text = unquoteFormula(cellText(rec.cells[index]))
    if (text.length > 0 && text.includes('\uFFFD')) pr.add(header[index]!, text, BROKEN)
    else ft[field] = text.trim()
  }
  let attrCells: { column: string; name: string; value: unknown }[] | null = null
  for (const { index, name } of plan.attributes) {
    const raw = rec.cells[index]
    if (raw === null || raw === undefined || raw === '') continue
    const text = unquoteFormula(cellText(raw))
    if (text.includes('\uFFFD')) pr.add(header[index]!, text, BROKEN)
    else if (text.trim() !== '') (attrCells ??= []).push({ column: header[index]!, name, value: typeof raw === 'string' || raw instanceof Date ? text : raw })
  }
  if (pr.list) return { problems: pr.list, code: null }
  const col = (f: number) => (plan.fieldIndex[f]! >= 0 ? header[plan.fieldIndex[f]!]! : IMPORT_FIELDS[f]!)

  // code and class
  let code: string | null = null
  const codeText = ft[FIELD.code]!
  if (codeText !== '') {
    if (!CODE.test(codeText)) pr.add(col(FIELD.code), codeText, 'a component code has 16 digits (6 district + 2 major + 2 minor + 6 sequence)')
    else code = codeText
  }
  let cls: MinorClassView | null = null
  const classText = ft[FIELD.minorClass]!
  if (classText !== '') {
    const r = ctx.catalog.resolve(classText)
    if ('error' in r) pr.add(col(FIELD.minorClass), classText, r.error)
    else cls = r
  }
  if (code) {
    const fromCode = ctx.catalog.byCode.get(code.slice(6, 10))
    if (cls && cls.code !== code.slice(6, 10)) pr.add(col(FIELD.minorClass), classText, `the code ${code} is of class ${code.slice(6, 10)}, not ${cls.code}`)
    else if (!fromCode) pr.add(col(FIELD.code), code, `unknown class ${code.slice(6, 10)} in the code`)
    else cls = fromCode
  } else if (!cls && classText === '') {
    pr.add(col(FIELD.minorClass), '', 'the class is required (小类 code or name)')
  } else if (cls?.retired) {
    pr.add(col(FIELD.minorClass), classText, `class ${cls.code} ${cls.name} is retired`)
  }

  // geometry
  let placed: PlacedGeometry | null = null
  let gridCode: string | null = null
  let geomColumn = col(FIELD.lng)
  let geomText = ''
  let result: PlacedGeometry | { error: string } | null = null
  const geomCell = ft[FIELD.geometry]!
  const lngText = ft[FIELD.lng]!
  const latText = ft[FIELD.lat]!
  if (rec.geometry !== undefined && rec.geometry !== null) {
    geomColumn = 'geometry'
    geomText = JSON.stringify(rec.geometry).slice(0, 200)
    result = placeGeometry(rec.geometry, ctx.crs)
  } else if (geomCell !== '') {
    geomColumn = col(FIELD.geometry)
    geomText = geomCell.slice(0, 200)
    let parsed: unknown = null
    try {
      parsed = JSON.parse(geomCell)
    } catch {
      result = { error: 'geometry must be GeoJSON text' }
    }
    if (!result) result = placeGeometry(parsed, ctx.crs)
  } else if (lngText !== '' || latText !== '') {
    const lng = Number(lngText)
    const lat = Number(latText)
    geomText = `${lngText},${latText}`
    if (lngText === '' || !Number.isFinite(lng)) result = { error: 'longitude is not a number' }
    else if (latText === '' || !Number.isFinite(lat)) {
      geomColumn = col(FIELD.lat)
      result = { error: 'latitude is not a number' }
    } else result = placePoint(lng, lat, ctx.crs)
  }
  if (result && 'error' in result) pr.add(geomColumn, geomText, result.error)
  else if (result) {
    gridCode = ctx.gridAt(result.point[0], result.point[1])
    if (!gridCode) pr.add(geomColumn, geomText, `the point ${result.point[0]}, ${result.point[1]} (WGS84) is in no grid`)
    else placed = result
  } else if (!code) pr.add(col(FIELD.lng), '', 'the location is required (lng and lat, or a GeoJSON geometry)')

  // plain fields
  const name = textField(ft, FIELD.name, 100, pr, col)
  const location = textField(ft, FIELD.location, 200, pr, col)
  const note = textField(ft, FIELD.note, 1000, pr, col)
  const status = oneOf(ft, FIELD.status, STATUS_BY_TEXT, 'status (完好/破损/丢失/占用 or intact/damaged/lost/occupied)', pr, col)
  const currency = oneOf(ft, FIELD.currency, CURRENCY_BY_TEXT, 'currency (在用/作废 or inUse/retired)', pr, col)
  const dataSource = oneOf(ft, FIELD.dataSource, SOURCE_BY_TEXT, 'data source (实测/地形图/调绘/其它)', pr, col)
  const authorityDeptId = dept(ft, FIELD.authorityDept, ctx, pr, col)
  const ownerDeptId = dept(ft, FIELD.ownerDept, ctx, pr, col)
  const maintainerDeptId = dept(ft, FIELD.maintainerDept, ctx, pr, col)
  let installDate: string | null = null
  const dateText = ft[FIELD.installDate]!
  if (dateText !== '') {
    installDate = parseDate(dateText)
    if (!installDate) pr.add(col(FIELD.installDate), dateText, 'not a date (YYYY-MM-DD)')
  }
  let photos: string[] | null = null
  const photoText = ft[FIELD.photos]!
  if (photoText !== '') {
    photos = photoText.split(/[\s;,|]+/).filter(Boolean)
    const bad = photos.find((x) => !SHA256.test(x))
    if (bad) pr.add(col(FIELD.photos), bad, 'a photo is the sha256 of an uploaded file (64 hex digits)')
    if (photos.length > 20) pr.add(col(FIELD.photos), photoText.slice(0, 50), 'at most 20 photos')
  }

  // class attributes
  let attributes: Record<string, AttributeValue> | null = null
  if (cls && (attrCells || !code)) {
    attributes = {}
    if (attrCells) {
      for (const cell of attrCells) {
        const def = cls.attributes.find((d) => d.name === cell.name)
        if (!def) {
          pr.add(cell.column, cellText(cell.value), `not an attribute of class ${cls.code} ${cls.name}`)
          continue
        }
        const parsed = typeof cell.value === 'string' ? parseAttributeText(def, cell.value) : (cell.value as AttributeValue)
        if (parsed === undefined) continue
        if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) pr.add(cell.column, cellText(cell.value), parsed.error)
        else attributes[cell.name] = parsed as AttributeValue
      }
    }
    if (cls.attributes.length > 0 || attrCells) {
      // required attributes are checked where the row is surely a new component (no code given)
      const checkOn = code ? { attributes: cls.attributes.map((d) => ({ ...d, required: false })) } : cls
      for (const e of validateAttributes(checkOn, attributes)) {
        const attrName = e.field.slice('attributes.'.length)
        const cell = attrCells?.find((c) => c.name === attrName)
        if (!cell || !pr.has(cell.column)) pr.add(cell?.column ?? attrName, cell ? cellText(cell.value) : '', e.reason)
      }
    }
    if (code && !attrCells) attributes = null
  }

  if (pr.list) return { problems: pr.list, code }
  return {
    row: {
      rowNo: rec.rowNo,
      code,
      districtCode: code ? code.slice(0, 6) : gridCode!.slice(0, 6),
      minorClass: cls!.code,
      className: cls!.name,
      name,
      placed,
      gridCode,
      location,
      status,
      currency,
      authorityDeptId,
      ownerDeptId,
      maintainerDeptId,
      dataSource,
      installDate,
      photos,
      attributes,
      note,
    },
  }
}

type ColOf = (f: number) => string

function textField(ft: string[], f: number, max: number, pr: Problems, col: ColOf): string | null {
  const t = ft[f]!
  if (t === '') return null
  if (t.length > max) pr.add(col(f), t.slice(0, 50), `at most ${max} characters`)
  return t
}

function oneOf<T extends string>(ft: string[], f: number, map: Map<string, T>, what: string, pr: Problems, col: ColOf): T | null {
  const t = ft[f]!
  if (t === '') return null
  const v = map.get(t) ?? map.get(t.toLowerCase())
  if (!v) pr.add(col(f), t, `unknown ${what}`)
  return v ?? null
}

function dept(ft: string[], f: number, ctx: RowContext, pr: Problems, col: ColOf): string | null {
  const t = ft[f]!
  if (t === '') return null
  const id = ctx.departments.get(t)
  if (!id) pr.add(col(f), t, 'unknown department (give its code)')
  return id ?? null
}

/**
 * Codes already seen in a file, for the duplicate check: an open-addressing hash set of the
 * 16-digit codes as two 32-bit halves, with the first row of each — about 16 bytes a code
 * instead of ~100 for a Map of strings, so a million-row file stays small in memory.
 */
export class CodeSet {
  private hi: Uint32Array
  private lo: Uint32Array
  private rows: Uint32Array
  private used: Uint8Array
  private count = 0

  constructor(capacity = 1024) {
    const n = 1 << Math.ceil(Math.log2(Math.max(16, capacity * 2)))
    this.hi = new Uint32Array(n)
    this.lo = new Uint32Array(n)
    this.rows = new Uint32Array(n)
    this.used = new Uint8Array(n)
  }

  get size() {
    return this.count
  }

  /** Add a code seen at `row`; returns the earlier row when the code was already there. */
  add(code: string, row: number): number | null {
    if ((this.count + 1) * 2 > this.used.length) this.grow()
    const h = Number(code.slice(0, 8))
    const l = Number(code.slice(8))
    const mask = this.used.length - 1
    let i = (Math.imul(h, 0x9e3779b1) ^ Math.imul(l, 0x85ebca77)) >>> 0
    for (;;) {
      i &= mask
      if (!this.used[i]) {
        this.used[i] = 1
        this.hi[i] = h
        this.lo[i] = l
        this.rows[i] = row
        this.count++
        return null
      }
      if (this.hi[i] === h && this.lo[i] === l) return this.rows[i]!
      i++
    }
  }

  private grow() {
    const { hi, lo, rows, used } = this
    const n = used.length * 2
    this.hi = new Uint32Array(n)
    this.lo = new Uint32Array(n)
    this.rows = new Uint32Array(n)
    this.used = new Uint8Array(n)
    this.count = 0
    for (let i = 0; i < used.length; i++) {
      if (used[i]) this.add(String(hi[i]).padStart(8, '0') + String(lo[i]).padStart(8, '0'), rows[i]!)
    }
  }
}

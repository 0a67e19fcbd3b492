import { PassThrough, Readable } from 'node:stream'
import ExcelJS from 'exceljs'
import type { AuthUser } from '../../platform/access.js'
import type { Crs } from '../../platform/geo/index.js'
import type { Platform } from '../../platform/platform.js'
import { loadClassCatalog } from '../classes/index.js'
import { componentsPolicy as policy } from './components.policy.js'
import { componentsRepository as repo, type ListFilters } from './components.repository.js'
import type { ComponentView, ExportQueryInput } from './components.schemas.js'
import { filtersOf, sqlScopeOf, toView, withIndexedWindow } from './components.service.js'

/**
 * Streaming export in the three import formats, page by page in code order, so an export of a
 * million components never holds more than one page. The columns are those the importer reads
 * by default, so an exported file imports back unchanged (an upsert with nothing to change).
 */
const BASE_COLUMNS = [
  'code',
  'name',
  'minorClass',
  'minorClassName',
  'status',
  'currency',
  'lng',
  'lat',
  'geometry',
  'gridCode',
  'location',
  'authorityDept',
  'ownerDept',
  'maintainerDept',
  'dataSource',
  'installDate',
  'photos',
  'note',
] as const

const PAGE = 2000

async function* pages(p: Platform, caller: AuthUser, filters: ListFilters, crs: Crs): AsyncGenerator<ComponentView[]> {
  let after: string | undefined
  const scope = sqlScopeOf(caller)
  for (;;) {
    const rows = await repo.list(p.db, { scope, filters, limit: PAGE, ...(after ? { after } : {}) })
    if (rows.length === 0) return
    yield rows.map((r) => toView(r, crs))
    if (rows.length < PAGE) return
    after = rows.at(-1)!.code
  }
}

function flat(c: ComponentView, deptCode: Map<string, string>, attributeNames: string[]): (string | number | null)[] {
  const dept = (id: string | null) => (id ? (deptCode.get(id) ?? id) : null)
  const base: Record<(typeof BASE_COLUMNS)[number], string | number | null> = {
    code: c.code,
    name: c.name,
    minorClass: c.minorClass,
    minorClassName: c.minorClassName,
    status: c.status,
    currency: c.currency,
    lng: c.lng,
    lat: c.lat,
    geometry: (c.geometry as { type: string }).type === 'Point' ? null : JSON.stringify(c.geometry),
    gridCode: c.gridCode,
    location: c.location,
    authorityDept: dept(c.authorityDeptId),
    ownerDept: dept(c.ownerDeptId),
    maintainerDept: dept(c.maintainerDeptId),
    dataSource: c.dataSource,
    installDate: c.installDate,
    photos: c.photos.length ? c.photos.join(';') : null,
    note: c.note,
  }
  const attrs = attributeNames.map((n) => {
    const v = c.attributes[n]
    return v === undefined || v === null ? null : typeof v === 'boolean' ? String(v) : v
  })
  return [...BASE_COLUMNS.map((k) => base[k]), ...attrs]
}

const csvCell = (v: string | number | null) => {
  if (v === null) return ''
  const s = String(v)
  // quote what CSV needs quoted; defuse spreadsheet formulas in text cells
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s) && !/^-?[0-9.]+$/.test(s)) return `"'${s.replaceAll('"', '""')}"`
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

export interface ExportStream {
  contentType: string
  fileName: string
  stream: Readable
}

export async function exportComponents(p: Platform, opts: { caller: AuthUser; query: ExportQueryInput }): Promise<ExportStream> {
  policy.assert(opts.caller, 'components.export')
  const q = opts.query
  const filters = await withIndexedWindow(p, filtersOf(q))
  const catalog = await loadClassCatalog(p, { kind: 'component' })
  const classes = filters.minorClass ? filters.minorClass.map((c) => catalog.byCode.get(c)).filter((c) => c !== undefined) : [...catalog.byCode.values()]
  const attributeNames = [...new Set(classes.flatMap((c) => c.attributes.map((a) => a.name)))]
  const deptCode = new Map((await repo.departments(p.db)).map((d) => [d.id, d.code]))
  const stamp = p.clock.now().toISOString().slice(0, 10)
  const source = pages(p, opts.caller, filters, q.crs)

  if (q.format === 'csv') {
    const header = [...BASE_COLUMNS, ...attributeNames.map((n) => `attributes.${n}`)]
    async function* csv() {
      yield '\uFEFF' + header.map(csvCell).join(',') + '\n'
      for await (const page of source) yield page.map((c) => flat(c, deptCode, attributeNames).map(csvCell).join(',') + '\n').join('')
    }
    return { contentType: 'text/csv; charset=utf-8', fileName: `components-${stamp}.csv`, stream: Readable.from(csv()) }
  }

  if (q.format === 'geojson') {
    async function* geojson() {
      yield `{"type":"FeatureCollection","crs_note":"${q.crs}","features":[`
      let first = true
      for await (const page of source) {
        let out = ''
        for (const c of page) {
          const { geometry, attributes, ...rest } = c
          const props: Record<string, unknown> = {}
          for (const [k, v] of Object.entries(rest)) if (k !== 'bbox' && k !== 'lng' && k !== 'lat') props[k] = v
          props.authorityDept = c.authorityDeptId ? (deptCode.get(c.authorityDeptId) ?? null) : null
          props.ownerDept = c.ownerDeptId ? (deptCode.get(c.ownerDeptId) ?? null) : null
          props.maintainerDept = c.maintainerDeptId ? (deptCode.get(c.maintainerDeptId) ?? null) : null
          delete props.authorityDeptId
          delete props.ownerDeptId
          delete props.maintainerDeptId
          props.attributes = attributes
          out += (first ? '' : ',') + JSON.stringify({ type: 'Feature', id: c.code, geometry, properties: props })
          first = false
        }
        yield out
      }
      yield ']}\n'
    }
    return { contentType: 'application/geo+json; charset=utf-8', fileName: `components-${stamp}.geojson`, stream: Readable.from(geojson()) }
  }

  // XLSX: exceljs's streaming writer, one committed row at a time.
  const out = new PassThrough()
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false })
  const sheet = workbook.addWorksheet('components')
  const header = [...BASE_COLUMNS, ...attributeNames.map((n) => `attributes.${n}`)]
  sheet.addRow(header).commit()
  void (async () => {
    try {
      for await (const page of source) {
        for (const c of page) sheet.addRow(flat(c, deptCode, attributeNames)).commit()
        // let the stream drain before the next page
        if (out.writableNeedDrain) await new Promise((r) => out.once('drain', r))
      }
      sheet.commit()
      await workbook.commit()
    } catch (err) {
      out.destroy(err as Error)
    }
  })()
  return { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', fileName: `components-${stamp}.xlsx`, stream: out }
}

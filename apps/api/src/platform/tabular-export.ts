import { PassThrough, Readable } from 'node:stream'
import ExcelJS from 'exceljs'

export type Cell = string | number | boolean | null
export type TableFormat = 'csv' | 'xlsx'

/** One CSV field: quoted when it holds a comma, quote or line break; text starting like a formula is defused so spreadsheets do not run it. */
export function csvCell(v: Cell): string {
  if (v === null) return ''
  const s = String(v)
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s) && !/^-?[0-9.]+$/.test(s)) return `"'${s.replaceAll('"', '""')}"`
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

/**
 * Stream a table as CSV (UTF-8 with BOM, so Excel reads Chinese correctly) or XLSX (exceljs's
 * streaming writer), page by page: memory stays flat whatever the number of rows.
 */
export function tableStream(format: TableFormat, sheetName: string, header: string[], pages: AsyncIterable<Cell[][]>): { contentType: string; stream: Readable } {
  if (format === 'csv') {
    async function* csv() {
      yield '\uFEFF' + header.map(csvCell).join(',') + '\n'
      for await (const rows of pages) yield rows.map((r) => r.map(csvCell).join(',') + '\n').join('')
    }
    return { contentType: 'text/csv; charset=utf-8', stream: Readable.from(csv()) }
  }
  const out = new PassThrough()
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false })
  const sheet = workbook.addWorksheet(sheetName)
  sheet.addRow(header).commit()
  void (async () => {
    try {
      for await (const rows of pages) {
        for (const r of rows) sheet.addRow(r).commit()
        if (out.writableNeedDrain) await new Promise((resolve) => out.once('drain', resolve))
      }
      sheet.commit()
      await workbook.commit()
    } catch (err) {
      out.destroy(err as Error)
    }
  })()
  return { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', stream: out }
}

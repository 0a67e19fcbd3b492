import { api, ApiError, type Page } from '../../lib/api';
import type { Department } from '../../lib/types';

export const STATUSES = ['intact', 'damaged', 'lost', 'occupied'] as const;
export type ComponentStatus = (typeof STATUSES)[number];
export const CURRENCIES = ['inUse', 'retired'] as const;
export type Currency = (typeof CURRENCIES)[number];
export const DATA_SOURCES = ['survey', 'topographicMap', 'fieldMapping', 'other'] as const;
export const CRS_LIST = ['WGS84', 'GCJ-02', 'BD-09'] as const;
export type Crs = (typeof CRS_LIST)[number];
export const ATTRIBUTE_TYPES = ['string', 'number', 'boolean', 'enum', 'date'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

export interface Geometry {
  type: string;
  coordinates: unknown;
}

export interface ComponentView {
  code: string;
  name: string;
  majorClass: string;
  majorClassName: string;
  minorClass: string;
  minorClassName: string;
  geometry: Geometry;
  lng: number;
  lat: number;
  bbox: [number, number, number, number];
  gridCode: string;
  communityCode: string;
  streetCode: string;
  districtCode: string;
  location: string | null;
  status: ComponentStatus;
  currency: Currency;
  authorityDeptId: string | null;
  ownerDeptId: string | null;
  maintainerDeptId: string | null;
  dataSource: string;
  photos: string[];
  installDate: string | null;
  attributes: Record<string, string | number | boolean | null>;
  note: string | null;
  version: number;
  importId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Change {
  at: string;
  actorId: string | null;
  actorName: string;
  source: string;
  importId: string | null;
  action: string;
  /** {field: [before, after]}, or null (a creation by an import) */
  changes: Record<string, [unknown, unknown]> | null;
}

export interface ComponentDetail extends ComponentView {
  history: Change[];
}

export interface Cluster {
  lng: number;
  lat: number;
  count: number;
  code?: string;
  minorClass?: string;
  status?: ComponentStatus;
  bbox?: [number, number, number, number];
}
export interface Clusters {
  zoom: number;
  total: number;
  asOf: string;
  items: Cluster[];
}

export interface AttributeDef {
  name: string;
  type: AttributeType;
  required: boolean;
  values?: string[];
  description?: string;
}
export interface ClassView {
  kind: 'component' | 'event';
  code: string;
  name: string;
  majorCode: string;
  majorName: string;
  retired: boolean;
  local: boolean;
  attributes: AttributeDef[];
  source: string | null;
  updatedAt: string;
}
export interface MajorView {
  kind: 'component' | 'event';
  code: string;
  name: string;
  retired: boolean;
  local: boolean;
}

export type ImportStatus = 'pending' | 'reading' | 'applying' | 'succeeded' | 'rejected' | 'failed';
export const FINISHED: readonly string[] = ['succeeded', 'rejected', 'failed'];
export interface ImportView {
  id: string;
  status: ImportStatus;
  format: string;
  fileName: string | null;
  fileSize: number | null;
  mode: string;
  crs: string;
  encoding: string;
  mapping: Record<string, string>;
  progress: { rowsRead: number; bytesRead: number; fraction: number | null };
  rowsValid: number;
  rowsInvalid: number;
  created: number;
  updated: number;
  unchanged: number;
  errorsTruncated: boolean;
  message: string | null;
  errorReport: string | null;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}
/** A `components.import.progress` event's data. */
export interface ImportProgress {
  importId: string;
  status: string;
  rowsRead: number;
  rowsValid: number;
  rowsInvalid: number;
  bytesRead: number;
  fileSize: number | null;
  rowsApplied: number;
}
export interface ImportProblem {
  row: number;
  column: string;
  value: string;
  reason: string;
}

/** Filters of the registry list (and of the map, where the clustered endpoint supports them). */
export interface Filters {
  region?: string;
  grid?: string;
  majorClass?: string;
  minorClass?: string;
  status?: string;
  currency?: Currency;
  dept?: string;
  q?: string;
}

/** Fields an import column can map to (besides attributes.<name>). */
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
] as const;

export const getComponent = (code: string, signal?: AbortSignal) => api<ComponentDetail>(`/components/${code}`, { signal });
export const getClusters = (query: Record<string, string | number | undefined>, signal?: AbortSignal) => api<Clusters>('/components/clusters', { query, signal });
export const listClasses = (includeRetired = true) =>
  api<{ items: ClassView[] }>('/classes', { query: { kind: 'component', includeRetired } }).then((r) => r.items);
export const listMajors = (includeRetired = true) =>
  api<{ items: MajorView[] }>('/classes/majors', { query: { kind: 'component', includeRetired } }).then((r) => r.items);
export const createClass = (body: { code: string; name: string; attributes: AttributeDef[] }) =>
  api<ClassView>('/classes', { method: 'POST', body: { kind: 'component', ...body } });
export const createMajor = (body: { code: string; name: string }) => api<MajorView>('/classes/majors', { method: 'POST', body: { kind: 'component', ...body } });
export const updateClass = (code: string, body: { name?: string; retired?: boolean; attributes?: AttributeDef[] }) =>
  api<ClassView>(`/classes/component/${code}`, { method: 'PATCH', body });
export const deleteClass = (code: string) => api<void>(`/classes/component/${code}`, { method: 'DELETE' });
export const listDepartments = () => api<{ items: Department[] }>('/departments').then((r) => r.items);
export const getImport = (id: string, signal?: AbortSignal) => api<ImportView>(`/components/imports/${id}`, { signal });
export const listImports = (limit = 20) => api<{ items: ImportView[] }>('/components/imports', { query: { limit } }).then((r) => r.items);
export const listComponentsPage = (query: Record<string, string | number | undefined>) => api<Page<ComponentView>>('/components', { query });

/** Start an import: multipart upload of the file, options as query parameters. */
export async function startImport(file: File, opts: { mode: string; crs: Crs; encoding: string; mapping: Record<string, string> }): Promise<ImportView> {
  const qs = new URLSearchParams({ mode: opts.mode, crs: opts.crs, encoding: opts.encoding });
  if (Object.keys(opts.mapping).length) qs.set('mapping', JSON.stringify(opts.mapping));
  const form = new FormData();
  form.append('file', file, file.name);
  const res = await fetch(`/api/v1/components/imports?${qs.toString()}`, { method: 'POST', body: form, credentials: 'same-origin', headers: { Accept: 'application/json' } });
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) throw new ApiError({ title: res.statusText, status: res.status, ...(data as object) });
  return data as ImportView;
}

/** Minimal RFC 4180 reader (the error report is our own CSV: quotes, commas, line breaks in quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const s = text.startsWith('\uFEFF') ? text.slice(1) : text;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** The first `limit` problems of an import's error report. */
export async function importProblems(url: string, limit = 500): Promise<ImportProblem[]> {
  const res = await fetch(url, { credentials: 'same-origin' });
  if (!res.ok) throw new ApiError({ title: res.statusText, status: res.status });
  const rows = parseCsv(await res.text()).slice(1, limit + 1);
  return rows.map(([row, column, value, reason]) => ({ row: Number(row), column: column ?? '', value: value ?? '', reason: reason ?? '' }));
}

/** The header cells of a CSV file's first line (for the column mapping); null for other formats. */
export async function csvHeader(file: File): Promise<string[] | null> {
  if (!/\.csv$|\.txt$/i.test(file.name)) return null;
  const head = await file.slice(0, 64 * 1024).text();
  const first = parseCsv(head.split(/\r?\n/)[0] ?? '')[0] ?? [];
  return first.map((c) => c.trim()).filter(Boolean);
}

/** Web-map zoom at which `bbox` fills `widthPx` pixels. */
export function zoomFor(bbox: [number, number, number, number], widthPx: number): number {
  const w = Math.max(1e-6, bbox[2] - bbox[0]);
  return Math.max(0, Math.min(22, Math.floor(Math.log2((360 * widthPx) / (256 * w)))));
}

import { api } from '../../lib/api';

export type DatasetName = 'regions' | 'grids' | 'components' | 'classes' | 'departments' | 'users' | 'cases' | 'parkingLots' | 'parkingSpaces';
export type Severity = 'error' | 'warning' | 'info';

export interface CheckSummary {
  key: string;
  severity: Severity;
  count: number;
}

export interface Dataset {
  name: DatasetName;
  count: number;
  scoped: boolean;
  breakdown: Record<string, number> | null;
  lastImport: { at: string; by: string | null; rows: number | null; outcome: string; id: string | null } | null;
  checks: CheckSummary[];
  import: 'regions' | 'components' | null;
  exports: { format: string; label: string; href: string }[];
}

export interface CheckRow {
  id: string;
  name: string;
  regionCode: string | null;
  detail: string | null;
  link: string | null;
}

export interface CheckPage {
  dataset: string;
  key: string;
  severity: Severity;
  count: number;
  items: CheckRow[];
  nextCursor: string | null;
}

/** The overview is shared for up to a minute per scope; `refresh` recomputes it now. */
export const listDatasets = (refresh: boolean, signal?: AbortSignal) =>
  api<{ items: Dataset[]; staleStatusDays: number; computedAt: string }>('/datasets', { query: { refresh: refresh || null }, signal });

export const getCheckRows = (name: string, key: string, cursor: string | null, signal?: AbortSignal) =>
  api<CheckPage>(`/datasets/${encodeURIComponent(name)}/checks/${encodeURIComponent(key)}`, { query: { cursor, limit: 50 }, signal });

/** A components import as GET /components/imports/:id answers it. */
export interface ComponentImport {
  id: string;
  status: string;
  fileName: string | null;
  fileSize: number | null;
  progress: { rowsRead: number; bytesRead: number; fraction: number | null };
  rowsValid: number;
  rowsInvalid: number;
  created: number;
  updated: number;
  unchanged: number;
  message: string | null;
  errorReport: string | null;
}

export const RUNNING = ['pending', 'reading', 'applying'];

/** Upload a file to the components importer (runs in the background; 202 with the import record). */
export async function startComponentImport(file: File, mode: 'all-or-nothing' | 'keep-valid'): Promise<ComponentImport> {
  const form = new FormData();
  form.append('file', file, file.name);
  const res = await fetch(`/api/v1/components/imports?mode=${mode}`, { method: 'POST', body: form, credentials: 'same-origin' });
  const body = (await res.json().catch(() => ({}))) as ComponentImport & { title?: string; detail?: string };
  if (!res.ok) throw new Error(body.detail ?? body.title ?? `HTTP ${res.status}`);
  return body;
}

export const getComponentImport = (id: string, signal?: AbortSignal) => api<ComponentImport>(`/components/imports/${id}`, { signal });

/**
 * Download a file from an exporter, reporting bytes as they arrive (the share when the server
 * sends a length), then hand it to the browser as a download.
 */
export async function download(href: string, onProgress: (received: number, total: number | null) => void, signal?: AbortSignal): Promise<{ bytes: number; fileName: string }> {
  const res = await fetch(href, { credentials: 'same-origin', signal });
  if (!res.ok || !res.body) {
    const body = (await res.json().catch(() => ({}))) as { detail?: string; title?: string };
    throw new Error(body.detail ?? body.title ?? `HTTP ${res.status}`);
  }
  const length = Number(res.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : null;
  const reader = res.body.getReader();
  const chunks: BlobPart[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
    onProgress(received, total);
  }
  const disposition = res.headers.get('content-disposition') ?? '';
  const fileName = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? href.split('/').pop()?.split('?')[0] ?? 'export';
  const url = URL.createObjectURL(new Blob(chunks, { type: res.headers.get('content-type') ?? 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return { bytes: received, fileName };
}

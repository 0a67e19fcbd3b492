// Calls of the case pages beyond the JSON wrapper: multipart photo upload, idempotency keys,
// and the reference lists (classes, departments) every case page shows names from.
import { api, ApiError, NETWORK_ERROR, type Problem } from '../../lib/api';
import type { CaseActionBody, CaseView, Department, MinorClass, StoredFile } from '../../lib/types';

/**
 * A random Idempotency-Key. `crypto.randomUUID` exists only in secure contexts (https,
 * localhost); a deployment on plain http inside an intranet still gets a v4 UUID.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Upload one photo; the store is content-addressed, so uploading the same bytes again is harmless. */
export async function uploadPhoto(file: Blob, name = 'photo'): Promise<StoredFile> {
  const form = new FormData();
  form.append('file', file, name);
  let res: Response;
  try {
    res = await fetch('/api/v1/files', { method: 'POST', body: form, credentials: 'same-origin', headers: { Accept: 'application/json' } });
  } catch {
    throw new ApiError({ title: 'Network error', status: 0, code: NETWORK_ERROR });
  }
  const data = (await res.json().catch(() => undefined)) as unknown;
  if (!res.ok) {
    const p = data as Problem | undefined;
    throw new ApiError(p && typeof p.title === 'string' ? { ...p, status: p.status || res.status } : { title: res.statusText, status: res.status });
  }
  return data as StoredFile;
}

export const fileUrl = (sha: string) => `/api/v1/files/${sha}`;

export function actOnCase(id: string, action: string, body: CaseActionBody, idempotencyKey: string): Promise<CaseView> {
  return api<CaseView>(`/cases/${id}/${action}`, { method: 'POST', body, headers: { 'Idempotency-Key': idempotencyKey } });
}

// Reference lists change rarely: one request per page load, shared by every component.
let classesP: Promise<MinorClass[]> | null = null;
let departmentsP: Promise<Department[]> | null = null;

export function eventClasses(): Promise<MinorClass[]> {
  classesP ??= api<{ items: MinorClass[] }>('/classes', { query: { kind: 'event' } })
    .then((r) => r.items)
    .catch((e: unknown) => {
      classesP = null;
      throw e;
    });
  return classesP;
}

export function departments(): Promise<Department[]> {
  departmentsP ??= api<{ items: Department[] }>('/departments')
    .then((r) => r.items)
    .catch((e: unknown) => {
      departmentsP = null;
      throw e;
    });
  return departmentsP;
}

// Types and helpers of the parking API (docs/PARKING.md). Amounts are integers in 分.
import { api, type Page } from '../../lib/api';

export type SpaceType = 'standard' | 'ev' | 'accessible' | 'large';
export type ReservationStatus = 'booked' | 'checkedIn' | 'completed' | 'cancelled' | 'noShow' | 'expired';

export interface WeeklyWindow {
  weekday: number;
  start: string;
  end: string;
}
export interface DateException {
  date: string;
  available: boolean;
  start?: string;
  end?: string;
}
export interface Schedule {
  weekly: WeeklyWindow[];
  exceptions?: DateException[];
}

export interface Lot {
  id: string;
  name: string;
  type: 'public' | 'community' | 'commercial';
  status: string;
  address: string | null;
  location: { lng: number; lat: number };
  gridCode: string;
  capacity: number;
  tariff: { dayRateFen: number; nightRateFen: number };
  rules: { ownerPriceMinPerHourFen?: number; ownerPriceMaxPerHourFen?: number; freeCancelMinutes: number };
  distanceM?: number;
}

export interface Space {
  id: string;
  lotId: string;
  code: string;
  type: SpaceType;
  level: string | null;
  status: string;
  pooled: boolean;
  shared: boolean;
  ownerId: string | null;
  pricePerHourFen: number | null;
  availability: Schedule | null;
  sharingUntil: string | null;
  version: number;
}

export interface Quote {
  quoteFen: number;
  lotId: string;
  spaceId: string | null;
  start: string;
  end: string;
  plate: string;
  freeCancelUntil: string;
  available: boolean;
}

export interface Reservation {
  id: string;
  lotId: string;
  spaceId: string;
  spaceCode: string;
  spaceType: SpaceType;
  shared: boolean;
  plate: string;
  start: string;
  end: string;
  status: ReservationStatus;
  quoteFen: number;
  feeFen: number | null;
  freeCancelUntil: string;
  bookedAt: string;
  checkedInAt: string | null;
  endedAt: string | null;
}

export interface CancelResult {
  reservation: Reservation;
  kind: string;
  feeFen: number;
  refundFen: number;
}

export interface Session {
  id: string;
  lotId: string;
  plate: string;
  kind: string;
  reservationId: string | null;
  status: string;
  enteredAt: string | null;
  exitedAt: string | null;
  feeFen: number | null;
  reviewStatus: string;
  reviewReasons: string[];
  reviewNote: string | null;
}

export interface Occupancy {
  lotId: string;
  name: string;
  status: string;
  capacity: number;
  occupied: number;
  reserved: number;
  free: number;
  at: string;
}

export interface Statement {
  from: string;
  to: string;
  totalFen: number;
  ownerFen: number;
  communityFen: number;
  platformFen: number;
  items: { at: string; kind: string; amountFen: number; ownerFen: number; reservationId: string | null; plate: string | null }[];
}

/** 分 → "12.50" (元, two decimals, integer arithmetic). */
export function yuan(fen: number | null | undefined): string {
  const f = fen ?? 0;
  const sign = f < 0 ? '-' : '';
  const a = Math.abs(f);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** 元 as typed ("8", "8.5") → 分, or null when not a valid amount. */
export function toFen(s: string): number | null {
  const m = /^\s*(\d{1,6})(?:\.(\d{1,2}))?\s*$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** The booking code shown on the pass: the first 8 characters of the booking id, upper case. */
export const bookingCode = (id: string) => id.replace(/-/g, '').slice(0, 8).toUpperCase();

/** `<input type="datetime-local">` value of a Date (local time, minutes). */
export function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The next multiple of `step` minutes from now. */
export function nextStep(step = 5, from = new Date()): Date {
  const ms = step * 60_000;
  return new Date(Math.ceil(from.getTime() / ms) * ms);
}

export const parkingApi = {
  lots: (q: Record<string, string | number | undefined> = {}) => api<Page<Lot>>('/parking/lots', { query: q }),
  spaces: (lotId: string) => api<{ items: Space[] }>(`/parking/lots/${lotId}/spaces`),
  quote: (body: object) => api<Quote>('/parking/quotes', { method: 'POST', body }),
  book: (body: object, key: string) => api<Reservation>('/parking/reservations', { method: 'POST', body, headers: { 'Idempotency-Key': key } }),
  myBookings: () => api<Page<Reservation>>('/parking/reservations', { query: { limit: 50 } }),
  cancel: (id: string) => api<CancelResult>(`/parking/reservations/${id}/cancel`, { method: 'POST' }),
  mySpaces: () => api<{ items: Space[] }>('/parking/me/spaces'),
  share: (id: string, body: { pricePerHourFen: number; availability: Schedule }) => api<Space>(`/parking/spaces/${id}/sharing`, { method: 'PUT', body }),
  withdraw: (id: string) => api<{ space: Space; honouredBookings: number }>(`/parking/spaces/${id}/withdraw`, { method: 'POST', body: {} }),
  spaceBookings: () => api<Page<Reservation>>('/parking/me/space-bookings', { query: { limit: 50 } }),
  earnings: (from: string, to: string) => api<Statement>('/parking/me/earnings', { query: { from, to } }),
  occupancy: () => api<{ at: string; totals: { lots: number; capacity: number; occupied: number; reserved: number; free: number }; items: Occupancy[] }>('/parking/occupancy'),
  sessions: (lotId: string, q: Record<string, string | boolean | undefined>) => api<Page<Session>>(`/parking/lots/${lotId}/sessions`, { query: { limit: 100, ...q } }),
  review: (id: string, body: object) => api<Session>(`/parking/sessions/${id}/review`, { method: 'POST', body }),
  addSpaces: (lotId: string, spaces: object[]) => api<{ items: Space[] }>(`/parking/lots/${lotId}/spaces`, { method: 'POST', body: { spaces } }),
  reportViolation: (body: { lotId: string; kind: ViolationKind; plate: string; note?: string; photos?: string[] }, key: string) =>
    api<ViolationResult>('/parking/violations', { method: 'POST', body, headers: { 'Idempotency-Key': key } }),
};

export type ViolationKind = 'fireLane' | 'blocking' | 'other';
export interface ViolationResult {
  lotId: string;
  kind: ViolationKind;
  plate: string;
  case: { id: string; number: string; state: string; gridCode: string; minorClass: string; description: string; photos: string[] };
  duplicates: { id: string; number: string; state: string; distanceM: number; reportedAt: string }[];
}

/** Upload a snapshot photo (content-addressed: the same bytes twice are one file); returns its id. */
export async function uploadSnapshot(file: File): Promise<string> {
  const form = new FormData();
  form.append('file', file, file.name);
  const res = await fetch('/api/v1/files', { method: 'POST', body: form, credentials: 'same-origin', headers: { Accept: 'application/json' } });
  const data = (await res.json().catch(() => ({}))) as { sha256?: string; detail?: string; title?: string };
  if (!res.ok || !data.sha256) throw new Error(data.detail ?? data.title ?? res.statusText);
  return data.sha256;
}

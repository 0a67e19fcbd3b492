// The big screen's data: GET /api/v1/stats/screen (every panel in one round trip) and the
// region outlines from GET /api/v1/regions/:code/geojson. Shapes follow the stats API contract.
import { api } from '../../lib/api';
import type { FeatureCollection } from '../regions/regionsApi';

export type RegionLevel = 'city' | 'district' | 'street' | 'community' | 'grid';
export type MapMetric = 'open' | 'overdue' | 'perThousandComponents';
export const MAP_METRICS: MapMetric[] = ['open', 'overdue', 'perThousandComponents'];
export type Light = 'green' | 'yellow' | 'red';
export type CaseSource = 'supervisor' | 'public' | 'hotline' | 'device' | 'superior';

export interface RegionRef {
  code: string;
  name: string;
  level: RegionLevel;
}

export interface Card {
  value: number;
  previous: number | null;
}
export const KPI_KEYS = ['reported', 'registered', 'dispatched', 'closed', 'onTimeRate', 'overdue', 'suspended'] as const;
export type KpiKey = (typeof KPI_KEYS)[number];

export interface Kpis {
  region: RegionRef;
  asOf: string;
  cards: Record<KpiKey, Card>;
}

export interface MapItem {
  code: string;
  name: string;
  approximate: boolean;
  open: number;
  overdue: number;
  components: number;
  value: number;
}
export interface MapStats {
  region: RegionRef;
  childLevel: Exclude<RegionLevel, 'city'> | null;
  items: MapItem[];
}

export interface CasePoint {
  id: string;
  number: string;
  lng: number;
  lat: number;
  light: Light;
  minorClass: string;
}
export interface CasePoints {
  total: number;
  items: CasePoint[];
}

export interface ClassRow {
  classKind: string;
  majorClass: string;
  majorName: string;
  minorClass: string;
  minorName: string;
  reported: number;
  closed: number;
}
export interface TrendRow {
  day: string;
  reported: number;
  closed: number;
}
export interface SourceRow {
  source: CaseSource;
  count: number;
}
export interface DepartmentRow {
  departmentId: string;
  name: string;
  handled: number;
  onTime: number;
  onTimeRate: number;
}
export interface RegionRow {
  code: string;
  name: string;
  reported: number;
  closed: number;
  onTimeRate: number;
}
export interface HotspotRow {
  gridCode: string;
  name: string;
  count: number;
}
export interface ParkingRow {
  lotId: string;
  name: string;
  capacity: number;
  occupied: number;
  reserved: number;
  free: number;
}

export interface ScreenData {
  kpis: Kpis;
  map: MapStats;
  classes: { items: ClassRow[] };
  trend: { items: TrendRow[] };
  sources: { items: SourceRow[] };
  departments: { items: DepartmentRow[] };
  regions: { items: RegionRow[] };
  hotspots: { items: HotspotRow[] };
  parking: { items: ParkingRow[] };
}

export interface ScreenQuery {
  /** Absent: the caller's widest scope (the API decides). */
  region?: string;
  from: string;
  to: string;
  metric: MapMetric;
}

export function fetchScreen(q: ScreenQuery, signal?: AbortSignal): Promise<ScreenData> {
  return api<ScreenData>('/stats/screen', { query: { ...q }, signal });
}

export function fetchCasePoints(region: string, signal?: AbortSignal): Promise<CasePoints> {
  return api<CasePoints>('/stats/case-points', { query: { region, limit: 2000 }, signal });
}

/** A case event of GET /api/v1/stats/feed (the live feed's first fill). */
export interface FeedEvent {
  id: string;
  at: string;
  action: string;
  fromState: string | null;
  toState: string;
  caseId: string;
  number: string;
  gridCode: string;
  light: Light;
  minorClass: string;
}

export function fetchFeed(region: string, limit: number, signal?: AbortSignal): Promise<{ items: FeedEvent[] }> {
  return api<{ items: FeedEvent[] }>('/stats/feed', { query: { region, limit }, signal });
}

/** The region and its children (depth 1) — or, for a grid, the grid alone. */
export function fetchOutlines(code: string, signal?: AbortSignal): Promise<FeatureCollection> {
  return api<FeatureCollection>(`/regions/${encodeURIComponent(code)}/geojson`, { query: { depth: 1 }, signal });
}

interface RegionInfo extends RegionRef {
  parentCode: string | null;
  access: 'full' | 'ancestor';
}

/** The breadcrumb down to `code`: its ancestors the caller fully sees (their scope's top first), then itself. */
export async function fetchTrail(code: string, signal?: AbortSignal): Promise<RegionRef[]> {
  const trail: RegionRef[] = [];
  let next: string | null = code;
  while (next && trail.length < 6) {
    const r: RegionInfo = await api<RegionInfo>(`/regions/${encodeURIComponent(next)}`, { signal });
    if (r.access !== 'full') break;
    trail.unshift({ code: r.code, name: r.name, level: r.level });
    next = r.parentCode;
  }
  return trail;
}

// Time ranges, in the deployment's time zone (business days are Asia/Shanghai days).
export const TZ = 'Asia/Shanghai';
export type RangeKey = 'today' | '7d' | '30d' | 'month';
export const RANGE_KEYS: RangeKey[] = ['today', '7d', '30d', 'month'];

/** YYYY-MM-DD of `d` in the deployment's time zone. */
export function localDay(d: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

function addDays(day: string, n: number): string {
  const t = new Date(`${day}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + n);
  return t.toISOString().slice(0, 10);
}

/** Inclusive day range for a range key, ending today (local). */
export function rangeDays(key: RangeKey, now = new Date()): { from: string; to: string } {
  const to = localDay(now);
  switch (key) {
    case 'today':
      return { from: to, to };
    case '7d':
      return { from: addDays(to, -6), to };
    case 'month':
      return { from: `${to.slice(0, 8)}01`, to };
    default:
      return { from: addDays(to, -29), to };
  }
}

/** The prefix shared by every code inside a region (the city 320100 → 3201…), as platform/access.ts. */
export function regionPrefix(code: string): string {
  if (code.length === 6 && code.endsWith('0000')) return code.slice(0, 2);
  if (code.length === 6 && code.endsWith('00')) return code.slice(0, 4);
  return code;
}

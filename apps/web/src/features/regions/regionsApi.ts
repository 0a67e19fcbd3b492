import { api, type Page } from '../../lib/api';
import type { User } from '../../lib/types';

export type Level = 'city' | 'district' | 'street' | 'community' | 'grid';
export const CRS_LIST = ['WGS84', 'GCJ-02', 'BD-09'] as const;
export type Crs = (typeof CRS_LIST)[number];

export interface RegionView {
  code: string;
  name: string;
  level: Level;
  parentCode: string | null;
  districtCode: string;
  sourceCode: string | null;
  approximate: boolean;
  area: number | null;
  bbox: [number, number, number, number] | null;
  validFrom: string;
  validTo: string | null;
  hasGeometry: boolean;
  access: 'full' | 'ancestor';
}

export interface RegionStats {
  code: string;
  level: Level;
  area: number | null;
  children: number;
  descendants: Record<string, number>;
  grids: number;
  gridArea: number;
  gridCoverage: number | null;
}

export interface Geometry {
  type: string;
  coordinates: unknown;
}
export interface Feature {
  type: 'Feature';
  geometry: Geometry | null;
  properties: Record<string, unknown>;
}
export interface FeatureCollection {
  type: 'FeatureCollection';
  features: Feature[];
}

export interface ImportProblem {
  index: number | null;
  code: string | null;
  severity: 'error' | 'warning';
  kind: string;
  message: string;
  at?: [number, number];
  area?: number;
  related?: number[];
}
export interface ImportReport {
  dryRun: boolean;
  mode: string;
  crs: string;
  committed: boolean;
  summary: { features: number; valid: number; rejected: number; imported: number; errors: number; warnings: number; byLevel: Record<string, number> };
  problems: ImportProblem[];
}
export interface ImportRequest {
  featureCollection: FeatureCollection;
  mapping: { code: string; name: string; parent?: string; level?: string };
  level?: Level;
  crs: Crs;
  dryRun: boolean;
  mode: 'all-or-nothing' | 'keep-valid';
  approximate?: boolean;
}

export interface DivideResult {
  community: { code: string; name: string; area: number };
  committed: boolean;
  replaced: number;
  stats: { cells: number; totalArea: number; communityArea: number; minArea: number; maxArea: number; meanArea: number; belowMin: number; aboveMax: number; rows: number; blocks: number; roadCuts: number };
  cells: FeatureCollection;
}

export interface Person {
  userId: string;
  username: string;
  displayName: string;
  roles: string[];
  since: string;
  assignedBy: string | null;
}
export interface People {
  grid: { code: string; name: string };
  primary: Person | null;
  helpers: Person[];
  history: { userId: string; username: string; displayName: string; role: string; from: string; to: string; assignedBy: string | null; endedBy: string | null }[];
}

/** Regions with no parent among those the caller may list: the roots of the tree. */
export async function loadRoots(signal?: AbortSignal): Promise<RegionView[]> {
  const all: RegionView[] = [];
  let cursor: string | null = null;
  for (const level of ['city', 'district'] as const) {
    do {
      const page: Page<RegionView> = await api<Page<RegionView>>('/regions', { query: { level, limit: 500, cursor: cursor ?? undefined }, signal });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    if (all.length) break;
  }
  const codes = new Set(all.map((r) => r.code));
  return all.filter((r) => !r.parentCode || !codes.has(r.parentCode));
}

export const getRegion = (code: string, signal?: AbortSignal) => api<RegionView>(`/regions/${code}`, { signal });
export const getChildren = (code: string, signal?: AbortSignal) => api<{ items: RegionView[] }>(`/regions/${code}/children`, { signal }).then((r) => r.items);
export const getStats = (code: string, signal?: AbortSignal) => api<RegionStats>(`/regions/${code}/stats`, { signal });
export const getGeoJson = (code: string, signal?: AbortSignal) => api<FeatureCollection>(`/regions/${code}/geojson`, { query: { depth: 1 }, signal });
export const importRegions = (body: ImportRequest) => api<ImportReport>('/regions/import', { method: 'POST', body });
export const divide = (code: string, body: { targetArea: number; minArea: number; maxArea: number; commit: boolean; replace: boolean }) =>
  api<DivideResult>(`/regions/${code}/divide`, { method: 'POST', body });
export const getPeople = (code: string, signal?: AbortSignal) => api<People>(`/grids/${code}/people`, { signal });
export const putPeople = (code: string, body: { primary: string | null; helpers: string[] }) => api<People>(`/grids/${code}/people`, { method: 'PUT', body });
export const listUsers = (role: string, q?: string) => api<Page<User>>('/users', { query: { role, q, limit: 200 } }).then((p) => p.items);

/** m² as m² or km². */
export function formatArea(m2: number | null | undefined): string {
  if (m2 === null || m2 === undefined) return '—';
  if (m2 >= 1e6) return `${(m2 / 1e6).toFixed(2)} km²`;
  return `${Math.round(m2).toLocaleString()} m²`;
}

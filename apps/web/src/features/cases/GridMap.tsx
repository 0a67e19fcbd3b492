import { theme } from 'antd';
import { useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import { api, type Page } from '../../lib/api';
import { boundsOf, fitView, pathOf, ringsOf, useWidth } from '../../lib/svgMap';
import type { Region } from '../../lib/types';

/** A grid outline: its rings as [lng, lat] pairs (holes are drawn with even-odd fill). */
export interface GridShape {
  code: string;
  name: string;
  rings: [number, number][][];
}

interface Feature {
  geometry: { type: string; coordinates: unknown } | null;
  properties: { code: string; name: string; level: string };
}

export function shapesOf(fc: { features: Feature[] }, level = 'grid'): GridShape[] {
  return fc.features
    .filter((f) => f.properties.level === level)
    .map((f) => ({ code: f.properties.code, name: f.properties.name, rings: ringsOf(f.geometry) }))
    .filter((s) => s.rings.length > 0);
}

const MAX_GRIDS = 1000;

/**
 * The outlines of the unit grids the user may see: the grid list, then one GeoJSON request per
 * community (its grids), falling back to one per grid where the community is out of scope.
 */
export async function loadVisibleGrids(signal?: AbortSignal): Promise<GridShape[]> {
  const grids: Region[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<Region> = await api<Page<Region>>('/regions', { query: { level: 'grid', limit: 500, cursor: cursor ?? undefined }, signal });
    grids.push(...page.items.filter((g) => g.access === 'full' && g.hasGeometry));
    cursor = page.nextCursor;
  } while (cursor && grids.length < MAX_GRIDS);
  const byCommunity = new Map<string, Region[]>();
  for (const g of grids) {
    const parent = g.parentCode ?? g.code;
    byCommunity.set(parent, [...(byCommunity.get(parent) ?? []), g]);
  }
  const out: GridShape[] = [];
  await Promise.all(
    [...byCommunity].map(async ([community, members]) => {
      const wanted = new Set(members.map((m) => m.code));
      try {
        const fc = await api<{ features: Feature[] }>(`/regions/${community}/geojson`, { query: { depth: 1 }, signal });
        out.push(...shapesOf(fc).filter((s) => wanted.has(s.code)));
      } catch {
        for (const g of members) {
          const fc = await api<{ features: Feature[] }>(`/regions/${g.code}/geojson`, { query: { depth: 0 }, signal }).catch(() => ({ features: [] }));
          out.push(...shapesOf(fc));
        }
      }
    }),
  );
  return out.sort((a, b) => a.code.localeCompare(b.code));
}

export function useVisibleGrids() {
  const [grids, setGrids] = useState<GridShape[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const ctrl = new AbortController();
    loadVisibleGrids(ctrl.signal)
      .then(setGrids)
      .catch((e: unknown) => {
        if (!ctrl.signal.aborted) {
          setError(e);
          setGrids([]);
        }
      });
    return () => ctrl.abort();
  }, []);
  return { grids, error };
}

/**
 * A plain SVG map (no tiles: deployments run without internet): grid outlines fitted to the
 * viewport, an optional point, and click-to-pick. Equirectangular with the latitude's cosine,
 * which is exact enough at city scale. Drawn in screen pixels, so marks keep their size.
 */
export function GridMap({
  grids,
  point,
  highlight,
  onPick,
  height = 360,
  testId,
}: {
  grids: GridShape[];
  point?: [number, number] | null;
  highlight?: string | null;
  onPick?: (lng: number, lat: number) => void;
  height?: number;
  testId?: string;
}) {
  const { token } = theme.useToken();
  const boxRef = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const W = useWidth(boxRef);
  const H = height;
  const view = useMemo(() => {
    const bounds = boundsOf([...grids.flatMap((g) => g.rings.flat()), ...(point ? [point] : [])]);
    // A lone point gets a window of some hundred metres around it.
    return bounds && fitView(bounds, W, H, 0.002);
  }, [grids, point, W, H]);

  if (!view) return <div ref={boxRef} style={{ height, background: token.colorFillTertiary, borderRadius: token.borderRadius }} data-testid={testId} />;

  const onClick = (e: MouseEvent<SVGSVGElement>) => {
    const svg = svgRef.current;
    const ctm = svg?.getScreenCTM();
    if (!svg || !ctm || !onPick) return;
    const pt = new DOMPoint(e.clientX, e.clientY).matrixTransform(ctm.inverse());
    onPick(Math.round(view.lng(pt.x) * 1e6) / 1e6, Math.round(view.lat(pt.y) * 1e6) / 1e6);
  };

  const fontSize = 12;

  return (
    <div ref={boxRef}>
      <svg
        ref={svgRef}
        data-testid={testId}
        width="100%"
        height={H}
        viewBox={`0 0 ${W} ${H}`}
        onClick={onClick}
        style={{
          width: '100%',
          height: H,
          background: token.colorFillQuaternary,
          border: `1px solid ${token.colorBorderSecondary}`,
          borderRadius: token.borderRadius,
          cursor: onPick ? 'crosshair' : 'default',
          display: 'block',
        }}
      >
        {grids.map((g) => {
          const on = g.code === highlight;
          const xs = g.rings.flat();
          const cx = xs.reduce((n, p) => n + p[0], 0) / xs.length;
          const cy = xs.reduce((n, p) => n + p[1], 0) / xs.length;
          return (
            <g key={g.code} data-grid={g.code}>
              <path
                d={pathOf(g.rings, view)}
                fillRule="evenodd"
                fill={on ? token.colorPrimaryBg : token.colorBgContainer}
                stroke={on ? token.colorPrimary : token.colorBorder}
                strokeWidth={on ? 2 : 1}
              >
                <title>{`${g.name} ${g.code}`}</title>
              </path>
              <text x={view.x(cx)} y={view.y(cy)} fontSize={fontSize} textAnchor="middle" fill={token.colorTextSecondary} pointerEvents="none">
                {g.name}
              </text>
            </g>
          );
        })}
        {point && (
          <g pointerEvents="none" data-testid={testId ? `${testId}-point` : undefined}>
            <circle cx={view.x(point[0])} cy={view.y(point[1])} r={12} fill={token.colorError} fillOpacity={0.2} />
            <circle cx={view.x(point[0])} cy={view.y(point[1])} r={5} fill={token.colorError} stroke="#fff" strokeWidth={2} />
          </g>
        )}
      </svg>
    </div>
  );
}

import { theme } from 'antd';
import { useMemo, useRef, useState } from 'react';
import { boundsOf, fitView, pathOf, ringsOf, useWidth } from '../../lib/svgMap';
import type { Feature, FeatureCollection } from './regionsApi';

/** An outline to draw: its rings as [lng, lat] pairs (holes drawn with even-odd fill). */
export interface Shape {
  code: string;
  name: string;
  label?: string;
  approximate?: boolean;
  rings: [number, number][][];
}

/** A marker over the outlines: one thing (a component) or a cluster of `count` things. */
export interface MapPoint {
  key: string;
  lng: number;
  lat: number;
  count: number;
  title?: string;
  color?: string;
}

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

export function shapeOf(f: Feature, fallbackCode = ''): Shape {
  const p = f.properties ?? {};
  return { code: str(p.code) || fallbackCode, name: str(p.name), approximate: p.approximate === true, rings: ringsOf(f.geometry) };
}

export function shapesOf(fc: FeatureCollection | null | undefined): Shape[] {
  return (fc?.features ?? []).map((f, i) => shapeOf(f, String(i + 1))).filter((s) => s.rings.length > 0);
}

/**
 * A plain SVG map (no tiles; deployments run offline): the selected region's outline, its
 * children (hover highlights, click selects) and an optional overlay (division preview cells),
 * fitted to the viewport. Equirectangular with the latitude's cosine: exact enough at city scale.
 */
export function RegionMap({
  outline,
  shapes,
  overlay,
  selected,
  onSelect,
  height = 420,
  testId = 'region-map',
  points,
  onPoint,
  fit,
}: {
  outline?: Shape | null;
  shapes: Shape[];
  overlay?: Shape[];
  selected?: string | null;
  onSelect?: (code: string) => void;
  height?: number;
  testId?: string;
  /** Markers (components, clusters) drawn above the outlines. */
  points?: MapPoint[];
  onPoint?: (p: MapPoint) => void;
  /** Show this [minLng, minLat, maxLng, maxLat] window instead of fitting the shapes. */
  fit?: [number, number, number, number] | null;
}) {
  const { token } = theme.useToken();
  const boxRef = useRef<HTMLDivElement>(null);
  const W = useWidth(boxRef);
  const H = height;
  const [hover, setHover] = useState<string | null>(null);
  const view = useMemo(() => {
    const all = [...(outline ? [outline] : []), ...shapes, ...(overlay ?? [])];
    const bounds = fit ?? boundsOf(all.flatMap((s) => s.rings.flat()));
    return bounds && fitView(bounds, W, H, 0.0005);
  }, [outline, shapes, overlay, fit, W, H]);

  if (!view) return <div ref={boxRef} style={{ height, background: token.colorFillTertiary, borderRadius: token.borderRadius }} data-testid={testId} />;

  const path = (g: Shape) => pathOf(g.rings, view);
  const centre = (g: Shape) => {
    const xs = g.rings[0] ?? [];
    const n = Math.max(1, xs.length - 1);
    const pts = xs.slice(0, n);
    return [view.x(pts.reduce((a, p) => a + p[0], 0) / pts.length), view.y(pts.reduce((a, p) => a + p[1], 0) / pts.length)];
  };

  return (
    <div ref={boxRef}>
      <svg
        data-testid={testId}
        width="100%"
        height={H}
        viewBox={`0 0 ${W} ${H}`}
        style={{ width: '100%', height: H, background: token.colorFillQuaternary, border: `1px solid ${token.colorBorderSecondary}`, borderRadius: token.borderRadius, display: 'block' }}
        onMouseLeave={() => setHover(null)}
      >
        {outline && outline.rings.length > 0 && (
          <path d={path(outline)} fillRule="evenodd" fill={token.colorBgContainer} stroke={token.colorTextTertiary} strokeWidth={2} strokeDasharray={outline.approximate ? '6 4' : undefined} pointerEvents="none" />
        )}
        {shapes.map((g) => {
          const on = g.code === selected;
          const hot = g.code === hover;
          const [cx, cy] = centre(g);
          return (
            <g
              key={g.code}
              data-region={g.code}
              style={{ cursor: onSelect ? 'pointer' : 'default' }}
              onMouseEnter={() => setHover(g.code)}
              onClick={() => onSelect?.(g.code)}
            >
              <path
                d={path(g)}
                fillRule="evenodd"
                fill={on ? token.colorPrimaryBg : hot ? token.colorPrimaryBgHover : token.colorBgContainer}
                fillOpacity={overlay?.length ? 0.4 : 0.9}
                stroke={on || hot ? token.colorPrimary : token.colorBorder}
                strokeWidth={on || hot ? 2 : 1}
                strokeDasharray={g.approximate ? '4 3' : undefined}
              >
                <title>{`${g.name} ${g.code}`}</title>
              </path>
              <text x={cx} y={cy} fontSize={12} textAnchor="middle" fill={token.colorText} pointerEvents="none">
                {g.label ?? g.name}
              </text>
            </g>
          );
        })}
        {(overlay ?? []).map((g) => {
          const [cx, cy] = centre(g);
          return (
            <g key={`o-${g.code}`} data-cell={g.code} pointerEvents="none">
              <path d={path(g)} fillRule="evenodd" fill={token.colorWarningBg} fillOpacity={0.6} stroke={token.colorWarning} strokeWidth={1.5} />
              <text x={cx} y={cy} fontSize={11} textAnchor="middle" fill={token.colorText}>
                {g.label ?? g.code}
              </text>
            </g>
          );
        })}
        {(points ?? []).map((pt) => {
          const r = pt.count > 1 ? Math.min(22, 8 + 3 * Math.log10(pt.count) * 2) : 5;
          return (
            <g
              key={pt.key}
              data-point={pt.key}
              data-count={pt.count}
              transform={`translate(${view.x(pt.lng).toFixed(1)},${view.y(pt.lat).toFixed(1)})`}
              style={{ cursor: onPoint ? 'pointer' : 'default' }}
              onClick={() => onPoint?.(pt)}
            >
              <circle r={r} fill={pt.color ?? token.colorPrimary} fillOpacity={pt.count > 1 ? 0.75 : 0.9} stroke={token.colorBgContainer} strokeWidth={1.5}>
                {pt.title && <title>{pt.title}</title>}
              </circle>
              {pt.count > 1 && (
                <text y={4} fontSize={11} textAnchor="middle" fill="#fff" pointerEvents="none">
                  {pt.count >= 10000 ? `${Math.round(pt.count / 1000)}k` : pt.count}
                </text>
              )}
            </g>
          );
        })}
      </svg>
    </div>
  );
}

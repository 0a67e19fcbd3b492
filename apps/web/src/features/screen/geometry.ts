// Small planar helpers for drawing region outlines: a point inside each shape (label anchor,
// click target), point-in-polygon with holes. Coordinates are [lng, lat].
import { boundsOf, type Ring } from '../../lib/svgMap';
import type { Feature } from '../regions/regionsApi';

type Polygon = Ring[];

export function polygonsOf(f: Feature): Polygon[] {
  const g = f.geometry;
  if (!g) return [];
  if (g.type === 'Polygon') return [g.coordinates as Polygon];
  if (g.type === 'MultiPolygon') return g.coordinates as Polygon[];
  return [];
}

function inRing(x: number, y: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function inPolygon(x: number, y: number, poly: Polygon): boolean {
  if (!poly[0] || !inRing(x, y, poly[0])) return false;
  return !poly.slice(1).some((hole) => inRing(x, y, hole));
}

function ringArea(ring: Ring): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += (ring[j]![0] + ring[i]![0]) * (ring[j]![1] - ring[i]![1]);
  return Math.abs(a / 2);
}

/**
 * A point well inside the feature's largest polygon: of a 24×24 lattice over its bbox, the inside
 * point farthest from the outline (a cheap pole of inaccessibility). Null without a polygon.
 */
export function interiorPoint(f: Feature): [number, number] | null {
  const polys = polygonsOf(f);
  if (polys.length === 0) return null;
  const poly = polys.reduce((a, b) => (ringArea(b[0] ?? []) > ringArea(a[0] ?? []) ? b : a));
  const outer = poly[0] ?? [];
  if (outer.length < 3) return null;
  const [minX, minY, maxX, maxY] = boundsOf(outer)!;
  const edges = poly.flatMap((r) => r.map((p, i) => [p, r[(i + 1) % r.length]!] as const));
  const dist2 = (x: number, y: number) => {
    let best = Infinity;
    for (const [[ax, ay], [bx, by]] of edges) {
      const dx = bx - ax;
      const dy = by - ay;
      const l = dx * dx + dy * dy;
      const t = l === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / l));
      const ex = ax + t * dx - x;
      const ey = ay + t * dy - y;
      best = Math.min(best, ex * ex + ey * ey);
    }
    return best;
  };
  const N = 24;
  let best: [number, number] | null = null;
  let bestD = -1;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const x = minX + ((i + 0.5) / N) * (maxX - minX);
      const y = minY + ((j + 0.5) / N) * (maxY - minY);
      if (!inPolygon(x, y, poly)) continue;
      const d = dist2(x, y);
      if (d > bestD) {
        bestD = d;
        best = [x, y];
      }
    }
  }
  return best ?? outer[0]!;
}

// The geometry behind the console's plain SVG maps (no tiles: deployments run offline). The
// projection is equirectangular with the latitude's cosine, exact enough at city scale, and drawn
// in screen pixels so marks keep their size.
import { useEffect, useState, type RefObject } from 'react';

export type Ring = [number, number][];

/** The rings of a Polygon or MultiPolygon (holes are drawn with even-odd fill); none for others. */
export function ringsOf(geometry: { type: string; coordinates: unknown } | null): Ring[] {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return geometry.coordinates as Ring[];
  if (geometry.type === 'MultiPolygon') return (geometry.coordinates as Ring[][]).flat();
  return [];
}

/** The rendered width of an element, kept current. */
export function useWidth(ref: RefObject<Element | null>, fallback = 600): number {
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.max(50, Math.round(el.getBoundingClientRect().width)));
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return width;
}

export interface MapView {
  x(lng: number): number;
  y(lat: number): number;
  lng(x: number): number;
  lat(y: number): number;
}

/** The [minLng, minLat, maxLng, maxLat] of some points, or null when there are none. */
export function boundsOf(points: Iterable<readonly [number, number]>): [number, number, number, number] | null {
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of points) {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  return Number.isFinite(minX) ? [minX, minY, maxX, maxY] : null;
}

/** Fits bounds into W × H pixels with a margin; a side narrower than 2 × `minHalf` degrees is widened to it. */
export function fitView(bounds: [number, number, number, number], W: number, H: number, minHalf: number): MapView {
  let [minX, minY, maxX, maxY] = bounds;
  if (maxX - minX < minHalf) [minX, maxX] = [(minX + maxX) / 2 - minHalf, (minX + maxX) / 2 + minHalf];
  if (maxY - minY < minHalf) [minY, maxY] = [(minY + maxY) / 2 - minHalf, (minY + maxY) / 2 + minHalf];
  const kx = Math.cos((((minY + maxY) / 2) * Math.PI) / 180);
  const pad = 16;
  const s = Math.min((W - 2 * pad) / ((maxX - minX) * kx), (H - 2 * pad) / (maxY - minY));
  const offX = (W - (maxX - minX) * kx * s) / 2;
  const offY = (H - (maxY - minY) * s) / 2;
  return {
    x: (lng) => offX + (lng - minX) * kx * s,
    y: (lat) => offY + (maxY - lat) * s,
    lng: (x) => minX + (x - offX) / (kx * s),
    lat: (y) => maxY - (y - offY) / s,
  };
}

/** The SVG path of some rings in a view. */
export function pathOf(rings: Ring[], view: MapView): string {
  return rings.map((r) => r.map(([lng, lat], i) => `${i ? 'L' : 'M'}${view.x(lng).toFixed(1)},${view.y(lat).toFixed(1)}`).join('') + 'Z').join('');
}

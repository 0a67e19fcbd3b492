import { useCallback, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Feature, FeatureCollection } from '../regions/regionsApi';
import { LIGHT_COLORS } from './charts';
import { EChart } from './EChart';
import { echarts, type ECElementEvent, type EChartsCoreOption, type EChartsType } from './echarts';
import { interiorPoint } from './geometry';
import type { CasePoints, Light, MapMetric, MapStats } from './screenApi';

interface Props {
  /** The region shown; its children are the map's shapes (a grid: itself). */
  code: string;
  outlines: FeatureCollection;
  stats: MapStats | null;
  points: CasePoints | null;
  metric: MapMetric;
  onDrill?: (code: string) => void;
  /** The printable summary draws the same map on paper: light colours, SVG, no pan/zoom. */
  print?: boolean;
}

const DARK_MAP = { label: '#e6f0ff', area: '#0d2a4f', border: '#5ab0ff', approx: '#8fb6e6', text: '#bcd0ee', ramp: ['#0b2447', '#124b8c', '#1f7ad1', '#3fa9ff', '#a6dcff'] };
const PAPER_MAP = { label: '#1f2937', area: '#f3f6fb', border: '#4b6fa8', approx: '#7d93b8', text: '#374151', ramp: ['#f3f6fb', '#c6dbf7', '#7fb0ec', '#3b7fd9', '#174ea6'] };

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** The shapes to draw: the region's children, or the region itself when it has none (a grid). */
export function shapesFor(code: string, fc: FeatureCollection): Feature[] {
  const children = fc.features.filter((f) => str(f.properties.parentCode) === code && f.geometry);
  return children.length > 0 ? children : fc.features.filter((f) => str(f.properties.code) === code && f.geometry);
}

/**
 * The drill-down map: the region's children as an ECharts map registered from our own GeoJSON
 * (no tiles, works offline), coloured by the chosen metric, open cases as points coloured by
 * light. Click a child to drill into it. `data-anchors` lists a pixel inside each child shape
 * (where its label sits), so a click can be aimed at a region without reading the canvas.
 */
export function ScreenMap({ code, outlines, stats, points, metric, onDrill, print = false }: Props) {
  const c = print ? PAPER_MAP : DARK_MAP;
  const { t } = useTranslation();
  const [anchors, setAnchors] = useState('{}');
  const shapes = useMemo(() => shapesFor(code, outlines), [code, outlines]);
  const mapName = `civicgrid-${code}-${shapes.length}`;
  const labelAt = useMemo(() => {
    const m = new Map<string, [number, number]>();
    for (const f of shapes) {
      const p = interiorPoint(f);
      if (p) m.set(str(f.properties.code), p);
    }
    return m;
  }, [shapes]);

  if (!echarts.getMap(mapName)) {
    echarts.registerMap(mapName, {
      type: 'FeatureCollection',
      features: shapes.map((f) => ({ ...f, properties: { ...f.properties, cp: labelAt.get(str(f.properties.code)) } })),
    } as never);
  }

  const option = useMemo<EChartsCoreOption>(() => {
    const items = stats?.items ?? [];
    const byCode = new Map(items.map((i) => [i.code, i]));
    const names = new Map(shapes.map((f) => [str(f.properties.code), str(f.properties.name)]));
    const max = Math.max(1, ...items.map((i) => i.value));
    const approximate = shapes.filter((f) => f.properties.approximate === true || byCode.get(str(f.properties.code))?.approximate);
    const showPoints = points && points.items.length > 0 && points.total <= points.items.length;
    const metricName = t(`screen.metrics.${metric}`);
    return {
      animation: false,
      tooltip: {
        trigger: 'item',
        formatter: (p: { seriesType?: string; name: string; data?: { number?: string; light?: Light } }) => {
          if (p.seriesType === 'scatter') return `${p.data?.number ?? ''} · ${t(`screen.lights.${p.data?.light ?? 'green'}`)}`;
          const it = byCode.get(p.name);
          const name = names.get(p.name) ?? p.name;
          if (!it) return name;
          return `${name}<br/>${t('screen.metrics.open')}: ${it.open}<br/>${t('screen.metrics.overdue')}: ${it.overdue}<br/>${t('screen.components')}: ${it.components}`;
        },
      },
      visualMap: {
        seriesIndex: 0,
        min: 0,
        max,
        calculable: false,
        left: 16,
        bottom: 16,
        text: [String(max), '0'],
        textStyle: { color: c.text },
        itemHeight: 100,
        inRange: { color: c.ramp },
      },
      geo: {
        map: mapName,
        nameProperty: 'code',
        roam: !print,
        aspectScale: 0.85,
        layoutCenter: ['50%', '50%'],
        layoutSize: '92%',
        label: { show: true, color: c.label, fontSize: shapes.length > 40 ? 10 : 13, formatter: (p: { name: string }) => names.get(p.name) ?? p.name },
        itemStyle: { areaColor: c.area, borderColor: c.border, borderWidth: 1 },
        emphasis: { label: { color: '#fff' }, itemStyle: { areaColor: '#2f7fd8' } },
        select: { disabled: true },
        regions: approximate.map((f) => ({ name: str(f.properties.code), itemStyle: { borderType: 'dashed', borderColor: c.approx } })),
      },
      series: [
        {
          type: 'map',
          name: metricName,
          geoIndex: 0,
          data: items.map((i) => ({ name: i.code, value: i.value })),
        },
        {
          type: 'scatter',
          coordinateSystem: 'geo',
          symbolSize: 7,
          zlevel: 1,
          data: showPoints
            ? points.items.map((c) => ({ name: c.number, value: [c.lng, c.lat], number: c.number, light: c.light, itemStyle: { color: LIGHT_COLORS[c.light] ?? LIGHT_COLORS.green, borderColor: '#00101f', borderWidth: 1 } }))
            : [],
        },
      ],
    };
  }, [mapName, stats, points, shapes, metric, t, c, print]);

  const onClick = useCallback(
    (e: ECElementEvent) => {
      if ((e.componentType === 'series' && e.seriesType === 'map') || e.componentType === 'geo') {
        if (e.name && e.name !== code) onDrill?.(e.name);
      }
    },
    [code, onDrill],
  );

  const onRendered = useCallback(
    (chart: EChartsType) => {
      const out: Record<string, [number, number]> = {};
      for (const [c, p] of labelAt) {
        const px = chart.convertToPixel({ geoIndex: 0 }, p) as number[] | undefined;
        if (px) out[c] = [Math.round(px[0]!), Math.round(px[1]!)];
      }
      const json = JSON.stringify(out);
      setAnchors((a) => (a === json ? a : json));
    },
    [labelAt],
  );

  return (
    <div style={{ position: 'relative', width: '100%', height: '100%' }} data-testid="screen-map" data-region={code} data-shapes={shapes.length} data-anchors={anchors}>
      <EChart option={option} renderer={print ? 'svg' : 'canvas'} onClick={onClick} onRendered={onRendered} />
    </div>
  );
}

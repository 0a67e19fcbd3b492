// Chart options for the screen (dark) and the printable summary (light): pure functions of the
// stats payload, so both pages draw the same charts in their own palette.
import type { EChartsCoreOption } from './echarts';
import type { CaseSource, ClassRow, SourceRow, TrendRow } from './screenApi';

export interface Palette {
  text: string;
  muted: string;
  axis: string;
  split: string;
  series: string[];
}

export const DARK: Palette = {
  text: '#dce9ff',
  muted: '#7f95b8',
  axis: '#2d4468',
  split: 'rgba(80,120,180,0.18)',
  series: ['#3fa9ff', '#2fd6a3', '#ffc53d', '#ff7a45', '#b37feb', '#5cdbd3', '#ff85c0', '#95de64'],
};

export const LIGHT: Palette = {
  text: '#1f2937',
  muted: '#6b7280',
  axis: '#9ca3af',
  split: '#e5e7eb',
  series: ['#1d5fd1', '#0f9d76', '#d48806', '#d4380d', '#722ed1', '#08979c', '#c41d7f', '#389e0d'],
};

export const LIGHT_COLORS = { green: '#2fd67a', yellow: '#ffc53d', red: '#ff4d4f' } as const;

const gridBox = { left: 8, right: 16, top: 36, bottom: 8, containLabel: true };

/** Reported vs closed per day. */
export function trendOption(items: TrendRow[], labels: { reported: string; closed: string }, pal: Palette): EChartsCoreOption {
  return {
    animation: false,
    color: pal.series.slice(0, 2),
    tooltip: { trigger: 'axis' },
    legend: { top: 0, right: 8, textStyle: { color: pal.text } },
    grid: gridBox,
    xAxis: {
      type: 'category',
      data: items.map((d) => d.day.slice(5)),
      axisLine: { lineStyle: { color: pal.axis } },
      axisLabel: { color: pal.muted },
    },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { color: pal.muted }, splitLine: { lineStyle: { color: pal.split } } },
    series: [
      { name: labels.reported, type: 'line', smooth: true, symbol: 'none', areaStyle: { opacity: 0.15 }, data: items.map((d) => d.reported) },
      { name: labels.closed, type: 'line', smooth: true, symbol: 'none', data: items.map((d) => d.closed) },
    ],
  };
}

/** Top classes by reported (major › minor), reported and closed side by side. */
export function classesOption(items: ClassRow[], labels: { reported: string; closed: string }, pal: Palette, top = 8): EChartsCoreOption {
  const rows = items.slice(0, top).reverse();
  return {
    animation: false,
    color: pal.series.slice(0, 2),
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0, right: 8, textStyle: { color: pal.text } },
    grid: gridBox,
    xAxis: { type: 'value', minInterval: 1, axisLabel: { color: pal.muted }, splitLine: { lineStyle: { color: pal.split } } },
    yAxis: {
      type: 'category',
      data: rows.map((r) => r.minorName),
      axisLine: { lineStyle: { color: pal.axis } },
      axisLabel: { color: pal.text, width: 110, overflow: 'truncate' },
    },
    series: [
      { name: labels.reported, type: 'bar', barGap: 0, data: rows.map((r) => r.reported) },
      { name: labels.closed, type: 'bar', data: rows.map((r) => r.closed) },
    ],
  };
}

/** Source mix as a ring; the shares are in the legend (labels around a narrow ring get clipped). */
export function sourcesOption(items: SourceRow[], name: (source: CaseSource) => string, pal: Palette): EChartsCoreOption {
  const rows = items.filter((s) => s.count > 0);
  const total = rows.reduce((n, s) => n + s.count, 0) || 1;
  const share = new Map(rows.map((s) => [name(s.source), `${Math.round((s.count / total) * 100)}%`]));
  return {
    animation: false,
    color: pal.series,
    tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    legend: { orient: 'vertical', right: 8, top: 'middle', textStyle: { color: pal.text }, formatter: (n: string) => `${n}  ${share.get(n) ?? ''}` },
    series: [
      {
        type: 'pie',
        radius: ['45%', '75%'],
        center: ['32%', '52%'],
        label: { show: false },
        data: rows.map((s) => ({ name: name(s.source), value: s.count })),
      },
    ],
  };
}

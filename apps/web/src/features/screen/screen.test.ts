// Pure parts of the big screen: day ranges in the deployment's zone, region prefixes (which
// events concern the region shown), label anchors inside region outlines, chart options.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classesOption, DARK, sourcesOption, trendOption } from './charts';
import { inPolygon, interiorPoint } from './geometry';
import { localDay, rangeDays, regionPrefix } from './screenApi';

describe('screen ranges', () => {
  test('days are Asia/Shanghai days: 20:00 UTC is already tomorrow', () => {
    assert.equal(localDay(new Date('2026-11-27T20:00:00Z')), '2026-11-28');
    assert.equal(localDay(new Date('2026-11-27T15:59:59Z')), '2026-11-27');
  });
  test('ranges are inclusive and end today', () => {
    const now = new Date('2026-03-02T01:00:00Z'); // 09:00 in Shanghai
    assert.deepEqual(rangeDays('today', now), { from: '2026-03-02', to: '2026-03-02' });
    assert.deepEqual(rangeDays('7d', now), { from: '2026-02-24', to: '2026-03-02' });
    assert.deepEqual(rangeDays('30d', now), { from: '2026-02-01', to: '2026-03-02' }); // 28 February days + 2
    assert.deepEqual(rangeDays('month', now), { from: '2026-03-01', to: '2026-03-02' });
  });
  test('region prefixes follow platform/access.ts', () => {
    assert.equal(regionPrefix('320100'), '3201');
    assert.equal(regionPrefix('320000'), '32');
    assert.equal(regionPrefix('320106'), '320106');
    assert.equal(regionPrefix('320106001'), '320106001');
  });
});

describe('label anchors', () => {
  const square = (x: number, y: number, s: number): [number, number][] => [
    [x, y],
    [x + s, y],
    [x + s, y + s],
    [x, y + s],
    [x, y],
  ];
  test('an anchor lies inside a concave shape, away from its hole', () => {
    // a U shape: the bbox centre is outside it
    const u: [number, number][] = [
      [0, 0],
      [3, 0],
      [3, 3],
      [2, 3],
      [2, 1],
      [1, 1],
      [1, 3],
      [0, 3],
      [0, 0],
    ];
    const p = interiorPoint({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [u] } });
    assert.ok(p && inPolygon(p[0], p[1], [u]), `inside: ${String(p)}`);
    const holed = [square(0, 0, 10), square(3, 3, 4)];
    const q = interiorPoint({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: holed } });
    assert.ok(q && inPolygon(q[0], q[1], holed), `outside the hole: ${String(q)}`);
  });
  test('a multipolygon is anchored in its largest part; no geometry, no anchor', () => {
    const p = interiorPoint({ type: 'Feature', properties: {}, geometry: { type: 'MultiPolygon', coordinates: [[square(0, 0, 1)], [square(10, 10, 5)]] } });
    assert.ok(p && p[0] > 10 && p[1] > 10);
    assert.equal(interiorPoint({ type: 'Feature', properties: {}, geometry: null }), null);
  });
});

describe('chart options', () => {
  test('trend: one point per day, reported and closed', () => {
    const o = trendOption(
      [
        { day: '2026-11-27', reported: 3, closed: 1 },
        { day: '2026-11-28', reported: 0, closed: 2 },
      ],
      { reported: 'R', closed: 'C' },
      DARK,
    ) as { xAxis: { data: string[] }; series: { name: string; data: number[] }[] };
    assert.deepEqual(o.xAxis.data, ['11-27', '11-28']);
    assert.deepEqual(
      o.series.map((s) => [s.name, s.data]),
      [
        ['R', [3, 0]],
        ['C', [1, 2]],
      ],
    );
  });
  test('classes: the top ones, largest at the top of the bars', () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ classKind: 'event', majorClass: '01', majorName: 'M', minorClass: `01${i}`, minorName: `c${i}`, reported: 10 - i, closed: 0 }));
    const o = classesOption(rows, { reported: 'R', closed: 'C' }, DARK, 3) as { yAxis: { data: string[] } };
    assert.deepEqual(o.yAxis.data, ['c2', 'c1', 'c0']);
  });
  test('sources: empty sources are left out of the ring; shares in the legend', () => {
    const o = sourcesOption(
      [
        { source: 'hotline', count: 2 },
        { source: 'device', count: 0 },
        { source: 'public', count: 1 },
      ],
      (s) => s.toUpperCase(),
      DARK,
    ) as { series: { data: { name: string; value: number }[] }[]; legend: { formatter: (n: string) => string } };
    assert.deepEqual(o.series[0]!.data, [
      { name: 'HOTLINE', value: 2 },
      { name: 'PUBLIC', value: 1 },
    ]);
    assert.equal(o.legend.formatter('HOTLINE'), 'HOTLINE  67%');
  });
});

// /screen/summary?period=day|month&region=: a printable A4 summary of the big screen for the
// weekly meeting — light theme, KPI table, charts drawn by ECharts' SVG renderer, rankings.
import { Button, Result, Spin } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { errorText } from '../../lib/errors';
import { classesOption, LIGHT, sourcesOption, trendOption } from './charts';
import { EChart } from './EChart';
import { DepartmentRanking, formatCard, Hotspots, pct, RegionRanking } from './panels';
import { fetchScreen, KPI_KEYS, localDay, rangeDays, type ScreenData } from './screenApi';
import { ScreenMap } from './ScreenMap';
import { useOutlines } from './useScreen';
import './screen.css';
import './summary.css';

type Period = 'day' | 'month';

export default function SummaryPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const period: Period = params.get('period') === 'month' ? 'month' : 'day';
  const region = params.get('region') ?? undefined;
  const { from, to } = useMemo(() => rangeDays(period === 'month' ? 'month' : 'today'), [period]);
  // The trend always covers 30 days, so a daily summary still shows where the day sits.
  const trendFrom = useMemo(() => rangeDays('30d').from, []);
  const [data, setData] = useState<ScreenData | null>(null);
  const [trend, setTrend] = useState<ScreenData['trend'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [generated] = useState(() => new Date());
  const { fc } = useOutlines(data?.map.region.code);

  useEffect(() => {
    let live = true;
    setData(null);
    setError(null);
    Promise.all([fetchScreen({ region, from, to, metric: 'open' }), fetchScreen({ region, from: trendFrom, to, metric: 'open' })]).then(
      ([d, tr]) => {
        if (!live) return;
        setData(d);
        setTrend(tr.trend);
      },
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [region, from, to, trendFrom]);

  useEffect(() => {
    if (data) document.title = `${t('screen.summary.title', { region: data.kpis.region.name })} ${from}${from === to ? '' : ` ~ ${to}`}`;
  }, [data, from, to, t]);

  const labels = { reported: t('screen.series.reported'), closed: t('screen.series.closed') };
  if (error) return <Result status="warning" title={errorText(error)} extra={<Link to="/screen">{t('screen.summary.back')}</Link>} />;
  if (!data || !trend) return <Spin style={{ display: 'block', margin: '120px auto' }} description={t('app.loading')} />;

  const periodReported = data.trend.items.reduce((n, d) => n + d.reported, 0);
  const periodClosed = data.trend.items.reduce((n, d) => n + d.closed, 0);
  const handled = data.departments.items.reduce((n, d) => n + d.handled, 0);
  const onTime = data.departments.items.reduce((n, d) => n + d.onTime, 0);

  return (
    <div className="sum-page" data-testid="summary">
      <div className="sum-actions">
        <Link to={`/screen${region ? `?region=${region}` : ''}`}>{t('screen.summary.back')}</Link>
        <span>
          <Link to={`?period=day${region ? `&region=${region}` : ''}`}>{t('screen.summary.periods.day')}</Link>
          {' · '}
          <Link to={`?period=month${region ? `&region=${region}` : ''}`}>{t('screen.summary.periods.month')}</Link>
        </span>
        <Button type="primary" onClick={() => window.print()} data-testid="summary-print">
          {t('screen.summary.print')}
        </Button>
      </div>
      <header className="sum-header">
        <h1 data-testid="summary-title">{t('screen.summary.title', { region: data.kpis.region.name })}</h1>
        <div>
          {t(`screen.summary.periods.${period}`)} · {from === to ? from : `${from} ~ ${to}`} · {t('screen.summary.generated', { time: `${localDay(generated)} ${generated.toLocaleTimeString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' })}` })}
        </div>
      </header>

      <section className="sum-section">
        <h2>{t('screen.summary.kpis')}</h2>
        <table className="sum-table" data-testid="summary-kpis">
          <thead>
            <tr>
              <th>{t('screen.summary.metric')}</th>
              <th className="num">{t('screen.summary.now')}</th>
              <th className="num">{t('screen.summary.yesterday')}</th>
            </tr>
          </thead>
          <tbody>
            {KPI_KEYS.map((k) => {
              const c = data.kpis.cards[k];
              return (
                <tr key={k}>
                  <td>{t(`screen.kpis.${k}`)}</td>
                  <td className="num">{formatCard(k, c, data.kpis.cards.closed.value)}</td>
                  <td className="num">{c.previous === null ? '—' : formatCard(k, { value: c.previous, previous: null }, data.kpis.cards.closed.previous)}</td>
                </tr>
              );
            })}
            {period === 'month' ? (
              <>
                <tr>
                  <td>{t('screen.summary.periodReported')}</td>
                  <td className="num">{periodReported}</td>
                  <td className="num">—</td>
                </tr>
                <tr>
                  <td>{t('screen.summary.periodClosed')}</td>
                  <td className="num">{periodClosed}</td>
                  <td className="num">—</td>
                </tr>
                <tr>
                  <td>{t('screen.summary.periodOnTime')}</td>
                  <td className="num">{handled ? pct(onTime / handled) : '—'}</td>
                  <td className="num">—</td>
                </tr>
              </>
            ) : null}
          </tbody>
        </table>
      </section>

      {fc && data.map.items.length > 0 ? (
        <section className="sum-section sum-chart" data-testid="summary-map">
          <h2>{t('screen.summary.map', { metric: t('screen.metrics.open') })}</h2>
          <div style={{ height: 300 }}>
            <ScreenMap code={data.map.region.code} outlines={fc} stats={data.map} points={null} metric="open" print />
          </div>
          {data.map.items.some((i) => i.approximate) ? <p className="sum-note">{t('screen.approximate')}</p> : null}
        </section>
      ) : null}

      <section className="sum-section sum-chart">
        <h2>{t('screen.panels.trend')}</h2>
        <EChart renderer="svg" option={trendOption(trend.items, labels, LIGHT)} style={{ height: 240 }} testId="summary-trend" />
      </section>

      <div className="sum-two">
        <section className="sum-section sum-chart">
          <h2>{t('screen.panels.classes')}</h2>
          {data.classes.items.length ? <EChart renderer="svg" option={classesOption(data.classes.items, labels, LIGHT)} style={{ height: 260 }} /> : <p>{t('screen.empty')}</p>}
        </section>
        <section className="sum-section sum-chart">
          <h2>{t('screen.panels.sources')}</h2>
          {data.sources.items.some((s) => s.count > 0) ? (
            <EChart renderer="svg" option={sourcesOption(data.sources.items, (s) => t(`cases.sources.${s}`), LIGHT)} style={{ height: 260 }} />
          ) : (
            <p>{t('screen.empty')}</p>
          )}
        </section>
      </div>

      <div className="sum-two sum-break">
        <section className="sum-section">
          <h2>{t('screen.panels.departments')}</h2>
          <DepartmentRanking items={data.departments.items} limit={15} />
        </section>
        <section className="sum-section">
          <h2>{t('screen.panels.regions')}</h2>
          <RegionRanking items={data.regions.items} limit={15} />
        </section>
      </div>
      <section className="sum-section">
        <h2>{t('screen.panels.hotspots')}</h2>
        <Hotspots items={data.hotspots.items} limit={10} />
      </section>
    </div>
  );
}

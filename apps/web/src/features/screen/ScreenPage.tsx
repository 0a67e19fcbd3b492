// The big screen (/screen): a fixed 1920×1080 canvas scaled to the window, dark, fed by
// GET /api/v1/stats/screen and kept live by the SSE stream (debounced refetch, never a reload).
import { Button, ConfigProvider, Segmented, theme } from 'antd';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { LanguageSwitch } from '../../components/LanguageSwitch';
import { ApiError } from '../../lib/api';
import { errorText } from '../../lib/errors';
import type { CaseSignal } from '../cases/caseStream';
import { useEventClasses } from '../cases/useReference';
import { classesOption, DARK, sourcesOption, trendOption } from './charts';
import { EChart } from './EChart';
import { DepartmentRanking, Empty, Hotspots, KpiCards, LiveFeed, Panel, ParkingPanel, RegionRanking, type FeedItem } from './panels';
import { fetchFeed, fetchTrail, MAP_METRICS, RANGE_KEYS, rangeDays, type MapMetric, type RangeKey, type RegionRef } from './screenApi';
import { ScreenMap } from './ScreenMap';
import { useOutlines, useScreenData } from './useScreen';
import './screen.css';

const W = 1920;
const H = 1080;
const FEED_MAX = 40;

/** The same case event from the stream and from the first fill (the stream's time is the announcement's, a moment later). */
const sameEvent = (a: FeedItem, b: FeedItem) => a.type === b.type && a.number === b.number && Math.abs(Date.parse(a.at) - Date.parse(b.at)) < 5000;

/** Scale (and centre) the design canvas to the window, keeping its aspect ratio. */
function useFit(): { scale: number; left: number; top: number } {
  const [fit, setFit] = useState({ scale: 1, left: 0, top: 0 });
  useLayoutEffect(() => {
    const measure = () => {
      const scale = Math.min(window.innerWidth / W, window.innerHeight / H);
      setFit({ scale, left: (window.innerWidth - W * scale) / 2, top: (window.innerHeight - H * scale) / 2 });
    };
    measure();
    window.addEventListener('resize', measure);
    return () => window.removeEventListener('resize', measure);
  }, []);
  return fit;
}

function useClock(): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const id = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(id);
  }, []);
  return now;
}

export default function ScreenPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const fit = useFit();
  const now = useClock();
  const canvas = useRef<HTMLDivElement>(null);
  const [range, setRange] = useState<RangeKey>('30d');
  const [metric, setMetric] = useState<MapMetric>('open');
  // The drill-down path; empty until the API says which region is the caller's widest scope.
  const [trail, setTrail] = useState<RegionRef[]>([]);
  const region = trail.at(-1)?.code ?? params.get('region') ?? undefined;
  const day = now.toISOString().slice(0, 10); // a new day recomputes the range
  const { from, to } = useMemo(() => rangeDays(range), [range, day]);
  const classes = useEventClasses();

  const [feed, setFeed] = useState<FeedItem[]>([]);
  const onCase = useCallback(
    (s: CaseSignal) => {
      if (!s.number || s.type === 'reconnected') return;
      const item: FeedItem = {
        key: `${s.type}-${s.id ?? s.number}-${s.at ?? Date.now()}`,
        at: s.at ?? new Date().toISOString(),
        type: s.type,
        number: s.number,
        action: s.action,
        light: s.light,
        className: s.minorClass ? (classes.byCode.get(s.minorClass)?.name ?? s.minorClass) : undefined,
      };
      setFeed((f) => [item, ...f.filter((x) => x.key !== item.key && !sameEvent(x, item))].slice(0, FEED_MAX));
    },
    [classes.byCode],
  );

  const { data, points, error, loading, refreshes, reload } = useScreenData({ region, from, to, metric }, onCase);
  const shown = data?.map.region;

  // The feed starts with the region's latest case events; the stream adds to it from then on.
  const className = useCallback((code: string) => classes.byCode.get(code)?.name ?? code, [classes.byCode]);
  useEffect(() => {
    const code = shown?.code;
    if (!code) return;
    const ctl = new AbortController();
    fetchFeed(code, FEED_MAX, ctl.signal)
      .then(({ items }) => {
        const filled: FeedItem[] = items.map((e) => ({
          key: `event-${e.id}`,
          at: e.at,
          type: e.action === 'report' ? 'case.reported' : `case.${e.action}`,
          number: e.number,
          action: e.action,
          light: e.light,
          className: className(e.minorClass),
        }));
        setFeed((cur) =>
          [...cur, ...filled.filter((x) => !cur.some((c) => c.key === x.key || sameEvent(c, x)))]
            .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
            .slice(0, FEED_MAX),
        );
      })
      .catch(() => undefined);
    return () => ctl.abort();
  }, [shown?.code, className]);
  const { fc, error: outlineError } = useOutlines(shown?.code);

  // The first answer names the region shown; the breadcrumb above it (after a reload or a link
  // with ?region=) comes from the regions API, up to the top of the caller's scope.
  const rooted = useRef(false);
  useEffect(() => {
    if (!data || rooted.current) return;
    rooted.current = true;
    const here = data.kpis.region;
    setTrail([here]);
    fetchTrail(here.code)
      .then((tr) => {
        if (tr.length > 1 && tr.at(-1)?.code === here.code) setTrail((cur) => (cur.length === 1 && cur[0]!.code === here.code ? tr : cur));
      })
      .catch(() => undefined);
  }, [data]);

  const drill = useCallback(
    (code: string) => {
      if (!data || !data.map.childLevel) return;
      const item = data.map.items.find((i) => i.code === code);
      if (!item) return;
      setTrail((tr) => [...(tr.length ? tr : [data.map.region]), { code: item.code, name: item.name, level: data.map.childLevel! }]);
      setFeed([]);
    },
    [data],
  );
  const up = (i: number) => {
    setTrail((tr) => tr.slice(0, i + 1));
    setFeed([]);
  };
  useEffect(() => {
    // Keep ?region= in the address so a reload (or the summary link) shows the same region.
    const code = trail.at(-1)?.code;
    if (code && params.get('region') !== code) setParams({ region: code }, { replace: true });
  }, [trail, params, setParams]);

  const [shooting, setShooting] = useState(false);
  const [shotError, setShotError] = useState(false);
  const snapshot = async () => {
    const el = canvas.current;
    if (!el || shooting) return;
    setShooting(true);
    setShotError(false);
    try {
      await savePng(el);
    } catch {
      setShotError(true);
    } finally {
      setShooting(false);
    }
  };
  const savePng = async (el: HTMLElement) => {
    // Loaded on first use: the screen itself does not need it.
    const { domToPng } = await import('modern-screenshot');
    // The app ships no web fonts (offline): the system fonts the browser drew with need no embedding.
    const url = await domToPng(el, { width: W, height: H, scale: 1, style: { transform: 'none' }, backgroundColor: '#020b1a', font: false });
    const a = document.createElement('a');
    a.href = url;
    a.download = `civicgrid-screen-${shown?.code ?? 'all'}-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '')}.png`;
    a.click();
  };

  const labels = { reported: t('screen.series.reported'), closed: t('screen.series.closed') };
  const trendOpt = useMemo(() => (data ? trendOption(data.trend.items, labels, DARK) : null), [data, labels.reported, labels.closed]);
  const classesOpt = useMemo(() => (data ? classesOption(data.classes.items, labels, DARK) : null), [data, labels.reported, labels.closed]);
  const sourcesOpt = useMemo(() => (data ? sourcesOption(data.sources.items, (s) => t(`cases.sources.${s}`), DARK) : null), [data, t]);

  const notFound = error instanceof ApiError && error.status === 404;
  const hasParking = (data?.parking.items.length ?? 0) > 0;
  const asOf = data ? new Date(data.kpis.asOf) : null;

  return (
    <ConfigProvider theme={{ algorithm: theme.darkAlgorithm, token: { colorPrimary: '#3fa9ff' } }}>
      <div className="scr-viewport" data-testid="screen">
        <div
          ref={canvas}
          className="scr-canvas"
          style={{ transform: `translate(${fit.left}px, ${fit.top}px) scale(${fit.scale})` }}
          data-testid="screen-canvas"
          data-refreshes={refreshes}
          data-loading={loading ? 'true' : 'false'}
        >
          <header className="scr-header">
            <div className="scr-title" data-testid="screen-title">
              {shown ? t('screen.heading', { region: shown.name }) : t('screen.title')}
            </div>
            {error && data ? <span className="scr-warn" data-testid="screen-stale">{t('screen.stale')}</span> : null}
            <span className="scr-meta">
              {from} ~ {to}
            </span>
            <Segmented<RangeKey> data-testid="screen-range" value={range} onChange={setRange} options={RANGE_KEYS.map((k) => ({ value: k, label: t(`screen.ranges.${k}`) }))} />
            <LanguageSwitch />
            <Button data-testid="screen-snapshot" onClick={() => void snapshot()} disabled={!data} loading={shooting} danger={shotError} title={shotError ? t('screen.snapshotFailed') : undefined}>
              {t('screen.snapshot')}
            </Button>
            <Link to={`/screen/summary?period=day${shown ? `&region=${shown.code}` : ''}`} target="_blank" data-testid="screen-summary-link">
              <Button>{t('screen.summary.open')}</Button>
            </Link>
            <span className="scr-meta" data-testid="screen-asof">
              {asOf ? t('screen.asOf', { time: asOf.toLocaleTimeString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' }) }) : ''}
            </span>
          </header>

          {data ? (
            <KpiCards kpis={data.kpis} />
          ) : (
            <div className="scr-panel" style={{ position: 'relative' }}>
              {error ? (
                <div className="scr-empty" data-testid="screen-error">
                  {notFound ? t('screen.notFound') : t('screen.loadFailed', { message: errorText(error) })}
                  &nbsp;
                  <Button size="small" onClick={reload}>
                    {t('screen.retry')}
                  </Button>
                </div>
              ) : (
                <Empty text={t('app.loading')} />
              )}
            </div>
          )}

          <div className="scr-body">
            <div className="scr-col" style={{ gridTemplateRows: '1.15fr 1fr 0.85fr' }}>
              <Panel title={t('screen.panels.classes')} testId="panel-classes">
                {classesOpt && data!.classes.items.length > 0 ? <EChart option={classesOpt} /> : <Empty />}
              </Panel>
              <Panel title={t('screen.panels.trend')} testId="panel-trend">
                {trendOpt ? <EChart option={trendOpt} /> : <Empty />}
              </Panel>
              <Panel title={t('screen.panels.sources')} testId="panel-sources">
                {sourcesOpt && data!.sources.items.some((s) => s.count > 0) ? <EChart option={sourcesOpt} /> : <Empty />}
              </Panel>
            </div>

            <div className="scr-col" style={{ gridTemplateRows: '1fr 230px' }}>
              <Panel
                testId="panel-map"
                title={
                  <nav className="scr-crumbs" data-testid="screen-breadcrumb" aria-label={t('screen.breadcrumb')}>
                    {trail.map((r, i) =>
                      i === trail.length - 1 ? (
                        <span key={r.code} className="is-current">
                          {r.name}
                        </span>
                      ) : (
                        <span key={r.code}>
                          <button type="button" onClick={() => up(i)} data-code={r.code}>
                            {r.name}
                          </button>{' '}
                          ›
                        </span>
                      ),
                    )}
                  </nav>
                }
                extra={
                  <Segmented<MapMetric> size="small" data-testid="screen-metric" value={metric} onChange={setMetric} options={MAP_METRICS.map((m) => ({ value: m, label: t(`screen.metrics.${m}`) }))} />
                }
              >
                {shown && fc ? (
                  <ScreenMap code={shown.code} outlines={fc} stats={data?.map ?? null} points={points} metric={metric} onDrill={drill} />
                ) : (
                  <Empty text={outlineError ? t('screen.noOutline') : data ? t('app.loading') : undefined} />
                )}
                <div className="scr-note">
                  {data?.map.items.some((i) => i.approximate) ? <div>{t('screen.approximate')}</div> : null}
                  {points && points.total > points.items.length ? <div>{t('screen.tooManyPoints', { count: points.total })}</div> : null}
                  {points && points.total <= points.items.length ? <div>{t('screen.pointsLegend', { count: points.total })}</div> : null}
                </div>
              </Panel>
              <div style={{ display: 'grid', gridTemplateColumns: hasParking ? '1fr 1fr' : '1fr', gap: 12, minHeight: 0 }}>
                <Panel title={t('screen.panels.hotspots')} testId="panel-hotspots">
                  <Hotspots items={data?.hotspots.items ?? []} limit={hasParking ? 5 : 6} />
                </Panel>
                {hasParking ? (
                  <Panel title={t('screen.panels.parking')} testId="panel-parking">
                    <ParkingPanel items={data!.parking.items} limit={5} />
                  </Panel>
                ) : null}
              </div>
            </div>

            <div className="scr-col" style={{ gridTemplateRows: '1.1fr 1fr 1fr' }}>
              <Panel title={t('screen.panels.feed')} testId="panel-feed">
                <LiveFeed items={feed} newest={feed[0]?.key ?? null} />
              </Panel>
              <Panel title={t('screen.panels.departments')} testId="panel-departments">
                <DepartmentRanking items={data?.departments.items ?? []} limit={7} />
              </Panel>
              <Panel title={t('screen.panels.regions')} testId="panel-regions">
                <RegionRanking items={data?.regions.items ?? []} onPick={data?.map.childLevel ? drill : undefined} limit={7} />
              </Panel>
            </div>
          </div>
        </div>
      </div>
    </ConfigProvider>
  );
}

// The screen's HTML panels: KPI cards, the live feed, rankings, hot spots and parking.
import { useTranslation } from 'react-i18next';
import type { ReactNode } from 'react';
import { LIGHT_COLORS } from './charts';
import { KPI_KEYS, TZ, type Card, type DepartmentRow, type HotspotRow, type KpiKey, type Kpis, type ParkingRow, type RegionRow } from './screenApi';

export function Panel({ title, extra, children, testId, style }: { title: ReactNode; extra?: ReactNode; children: ReactNode; testId?: string; style?: React.CSSProperties }) {
  return (
    <section className="scr-panel" data-testid={testId} style={style}>
      <div className="scr-panel-title">
        <span>{title}</span>
        <span className="scr-spacer" />
        {extra}
      </div>
      <div className="scr-panel-body">{children}</div>
    </section>
  );
}

export function Empty({ text }: { text?: string }) {
  const { t } = useTranslation();
  return <div className="scr-empty">{text ?? t('screen.empty')}</div>;
}

export const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** "+3" / "−2" / "0" for counts; percentage points for the rate. */
export function cardDelta(key: KpiKey, c: Card): { text: string; dir: 'up' | 'down' | 'flat' } | null {
  if (c.previous === null) return null;
  const d = c.value - c.previous;
  const dir = d > 0 ? 'up' : d < 0 ? 'down' : 'flat';
  const abs = Math.abs(d);
  const text = key === 'onTimeRate' ? `${(abs * 100).toFixed(1)}` : String(abs);
  return { text, dir };
}

/** A card's figure; the on-time rate of a day without closings is "—" (the API sends 0). */
export function formatCard(key: KpiKey, c: Card, closings?: number | null): string {
  if (key !== 'onTimeRate') return String(c.value);
  return closings === 0 ? '—' : pct(c.value);
}

/** Counts that are bad news when they grow (the arrow turns orange). */
const BAD_WHEN_UP = new Set<KpiKey>(['overdue', 'suspended']);

export function KpiCards({ kpis }: { kpis: Kpis }) {
  const { t } = useTranslation();
  return (
    <div className="scr-kpis" data-testid="screen-kpis">
      {KPI_KEYS.map((k) => {
        const c = kpis.cards[k];
        const d = k === 'onTimeRate' && (kpis.cards.closed.value === 0 || kpis.cards.closed.previous === 0) ? null : cardDelta(k, c);
        const good = k === 'onTimeRate' || (!BAD_WHEN_UP.has(k) && k !== 'reported');
        const arrow = d?.dir === 'up' ? '▲' : d?.dir === 'down' ? '▼' : '';
        const cls = !d || d.dir === 'flat' ? '' : (d.dir === 'up') === good ? 'scr-down' : 'scr-up';
        return (
          <div className="scr-kpi" key={k} data-testid={`kpi-${k}`} data-value={c.value}>
            <div className="scr-kpi-label">{t(`screen.kpis.${k}`)}</div>
            <div className={`scr-kpi-value${(k === 'overdue' && c.value > 0) ? ' is-alert' : ''}`} data-testid={`kpi-${k}-value`}>
              {formatCard(k, c, kpis.cards.closed.value)}
            </div>
            <div className="scr-kpi-delta">
              {k === 'onTimeRate' && kpis.cards.closed.value === 0 ? (
                t('screen.noClosings')
              ) : d ? (
                <>
                  {t('screen.vsYesterday')} <span className={cls}>{arrow}{k === 'onTimeRate' ? t('screen.points', { n: d.text }) : d.text}</span>
                </>
              ) : (
                t('screen.noPrevious')
              )}
            </div>
          </div>
        );
      })}
    </div>
  );
}

export interface FeedItem {
  key: string;
  at: string;
  type: string;
  number: string;
  action?: string;
  light?: string;
  className?: string;
}

const timeFmt = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

export function feedLabel(t: (k: string) => string, it: Pick<FeedItem, 'type' | 'action'>): string {
  if (it.type === 'case.reported') return t('screen.feed.reported');
  if (it.type === 'case.overdue') return t('screen.feed.overdue');
  if (it.type === 'case.warning') return t('screen.feed.warning');
  const action = it.type.replace(/^case\./, '');
  return t(`cases.actions.${action}`);
}

export function LiveFeed({ items, newest }: { items: FeedItem[]; newest: string | null }) {
  const { t } = useTranslation();
  if (items.length === 0) return <Empty text={t('screen.feed.empty')} />;
  return (
    <ul className="scr-feed" data-testid="screen-feed">
      {items.map((it) => (
        <li key={it.key} className={it.key === newest ? 'is-new' : undefined} data-number={it.number}>
          <time dateTime={it.at}>{timeFmt.format(new Date(it.at))}</time>
          <span className="scr-dot" style={{ background: LIGHT_COLORS[(it.light as keyof typeof LIGHT_COLORS) ?? 'green'] ?? LIGHT_COLORS.green }} />
          <span className="what">
            <span className="tag">{feedLabel(t as (k: string) => string, it)}</span> {it.number}
            {it.className ? ` · ${it.className}` : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}

function Rank({ i }: { i: number }) {
  return <span className={`scr-rank${i < 3 ? ' top' : ''}`}>{i + 1}</span>;
}

function Bar({ ratio }: { ratio: number }) {
  return (
    <div className="scr-bar">
      <span style={{ width: `${Math.max(0, Math.min(1, ratio)) * 100}%` }} />
    </div>
  );
}

export function DepartmentRanking({ items, limit = 8 }: { items: DepartmentRow[]; limit?: number }) {
  const { t } = useTranslation();
  if (items.length === 0) return <Empty />;
  return (
    <table className="scr-table" data-testid="screen-departments">
      <thead>
        <tr>
          <th>{t('screen.columns.department')}</th>
          <th className="num">{t('screen.columns.handled')}</th>
          <th className="num">{t('screen.columns.onTimeRate')}</th>
          <th style={{ width: 90 }} />
        </tr>
      </thead>
      <tbody>
        {items.slice(0, limit).map((d, i) => (
          <tr key={d.departmentId}>
            <td>
              <Rank i={i} />
              {d.name}
            </td>
            <td className="num">{d.handled}</td>
            <td className="num">{pct(d.onTimeRate)}</td>
            <td>
              <Bar ratio={d.onTimeRate} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RegionRanking({ items, onPick, limit = 8 }: { items: RegionRow[]; onPick?: (code: string) => void; limit?: number }) {
  const { t } = useTranslation();
  if (items.length === 0) return <Empty />;
  return (
    <table className="scr-table" data-testid="screen-regions">
      <thead>
        <tr>
          <th>{t('screen.columns.region')}</th>
          <th className="num">{t('screen.columns.reported')}</th>
          <th className="num">{t('screen.columns.closed')}</th>
          <th className="num">{t('screen.columns.onTimeRate')}</th>
        </tr>
      </thead>
      <tbody>
        {items.slice(0, limit).map((r, i) => (
          <tr key={r.code} onClick={onPick ? () => onPick(r.code) : undefined} style={onPick ? { cursor: 'pointer' } : undefined}>
            <td>
              <Rank i={i} />
              {r.name}
            </td>
            <td className="num">{r.reported}</td>
            <td className="num">{r.closed}</td>
            <td className="num">{r.closed === 0 ? '—' : pct(r.onTimeRate)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Hotspots({ items, limit = 6 }: { items: HotspotRow[]; limit?: number }) {
  const { t } = useTranslation();
  if (items.length === 0) return <Empty />;
  const max = Math.max(1, ...items.map((h) => h.count));
  return (
    <table className="scr-table" data-testid="screen-hotspots">
      <tbody>
        {items.slice(0, limit).map((h, i) => (
          <tr key={h.gridCode}>
            <td>
              <Rank i={i} />
              {h.name}
            </td>
            <td className="num">{t('screen.cases', { count: h.count })}</td>
            <td style={{ width: 140 }}>
              <Bar ratio={h.count / max} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ParkingPanel({ items, limit = 6 }: { items: ParkingRow[]; limit?: number }) {
  const { t } = useTranslation();
  return (
    <table className="scr-table" data-testid="screen-parking">
      <thead>
        <tr>
          <th>{t('screen.columns.lot')}</th>
          <th className="num">{t('screen.parking.occupied')}</th>
          <th className="num">{t('screen.parking.reserved')}</th>
          <th className="num">{t('screen.parking.free')}</th>
          <th style={{ width: 110 }} />
        </tr>
      </thead>
      <tbody>
        {items.slice(0, limit).map((l) => (
          <tr key={l.lotId}>
            <td>{l.name}</td>
            <td className="num">{l.occupied}</td>
            <td className="num">{l.reserved}</td>
            <td className="num">{l.free}</td>
            <td>
              <Bar ratio={l.capacity ? (l.occupied + l.reserved) / l.capacity : 0} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

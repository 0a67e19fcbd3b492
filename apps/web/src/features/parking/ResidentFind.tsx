import { Alert, Button, Card, Empty, Flex, Input, List, Radio, Spin, Tag, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText, useShowError } from '../../lib/errors';
import { formatTime } from '../../lib/format';
import { localInput, nextStep, parkingApi, yuan, type Lot, type Quote, type Space } from './parkingApi';

type Here = { lng: number; lat: number } | null;

/** Lots around me as dots on a plain SVG (no map tiles: works without internet). */
function LotPlot({ here, lots, selected, onSelect }: { here: Here; lots: Lot[]; selected: string | null; onSelect: (id: string) => void }) {
  const { t } = useTranslation();
  const pts = lots.map((l) => l.location);
  const centre = here ?? pts[0] ?? { lng: 0, lat: 0 };
  const kx = Math.cos((centre.lat * Math.PI) / 180);
  const span = Math.max(0.002, ...pts.map((p) => Math.max(Math.abs(p.lng - centre.lng) * kx, Math.abs(p.lat - centre.lat))));
  const xy = (p: { lng: number; lat: number }) => [150 + ((p.lng - centre.lng) * kx * 120) / span, 100 - ((p.lat - centre.lat) * 80) / span];
  return (
    <svg viewBox="0 0 300 200" style={{ width: '100%', background: '#f0f5ff', borderRadius: 8 }} role="img" aria-label={t('parking.m.plot')} data-testid="parking-plot">
      <circle cx={150} cy={100} r={90} fill="none" stroke="#d6e4ff" strokeDasharray="4 4" />
      {here && <circle cx={150} cy={100} r={6} fill="#1677ff" stroke="#fff" strokeWidth={2} />}
      {lots.map((l) => {
        const [x, y] = xy(l.location);
        return (
          <g key={l.id} onClick={() => onSelect(l.id)} style={{ cursor: 'pointer' }}>
            <rect x={x! - 9} y={y! - 9} width={18} height={18} rx={4} fill={l.id === selected ? '#fa541c' : '#389e0d'} />
            <text x={x} y={y! + 4} textAnchor="middle" fontSize={12} fill="#fff">
              P
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export function ResidentFind({ onBooked }: { onBooked: () => void }) {
  const { t } = useTranslation();
  const showError = useShowError();
  const [here, setHere] = useState<Here>(null);
  const [lots, setLots] = useState<Lot[] | null>(null);
  const [lotId, setLotId] = useState<string | null>(null);
  const [spaces, setSpaces] = useState<Space[]>([]);
  const [spaceId, setSpaceId] = useState<string>('any');
  const start0 = useMemo(() => nextStep(5), []);
  const [start, setStart] = useState(localInput(start0));
  const [end, setEnd] = useState(localInput(new Date(start0.getTime() + 3_600_000)));
  const [plate, setPlate] = useState('');
  const [quote, setQuote] = useState<Quote | null>(null);
  const [quoteError, setQuoteError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // Where am I: the phone's position when allowed; otherwise every lot, unsorted.
  useEffect(() => {
    let done = false;
    const loadAll = () => void parkingApi.lots({ limit: 100 }).then((r) => !done && setLots(r.items), showError);
    if (!navigator.geolocation) {
      loadAll();
      return () => void (done = true);
    }
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        const p = { lng: pos.coords.longitude, lat: pos.coords.latitude };
        setHere(p);
        void parkingApi.lots({ lng: p.lng, lat: p.lat, radiusM: 5000, limit: 50 }).then((r) => !done && setLots(r.items), showError);
      },
      loadAll,
      { timeout: 8000, maximumAge: 60_000 },
    );
    return () => void (done = true);
  }, [showError]);

  useEffect(() => {
    setSpaces([]);
    setSpaceId('any');
    setQuote(null);
    if (!lotId) return;
    void parkingApi.spaces(lotId).then((r) => setSpaces(r.items.filter((s) => s.shared && s.status === 'active' && s.pricePerHourFen !== null)), showError);
  }, [lotId, showError]);

  const body = () => ({
    lotId,
    ...(spaceId === 'any' ? {} : { spaceId }),
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    plate: plate.trim(),
  });

  // A quote whenever the request changes (the price is shown before booking).
  useEffect(() => {
    setQuote(null);
    setQuoteError(null);
    if (!lotId || !plate.trim() || Number.isNaN(new Date(start).getTime()) || Number.isNaN(new Date(end).getTime())) return;
    let live = true;
    const h = setTimeout(() => {
      parkingApi.quote(body()).then(
        (q) => live && setQuote(q),
        (e: unknown) => live && setQuoteError(errorText(e)),
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(h);
    };
  }, [lotId, spaceId, start, end, plate]);

  const book = async () => {
    setBusy(true);
    try {
      await parkingApi.book(body(), crypto.randomUUID());
      onBooked();
    } catch (e) {
      showError(e);
    } finally {
      setBusy(false);
    }
  };

  if (!lots) return <Spin style={{ display: 'block', margin: 48 }} />;
  const lot = lots.find((l) => l.id === lotId);
  return (
    <Flex vertical gap={12}>
      <LotPlot here={here} lots={lots} selected={lotId} onSelect={setLotId} />
      {lots.length === 0 ? (
        <Empty description={t('parking.m.noLots')} />
      ) : (
        <List
          size="small"
          style={{ background: '#fff', borderRadius: 8 }}
          dataSource={lots}
          renderItem={(l) => (
            <List.Item
              data-testid="parking-lot"
              onClick={() => setLotId(l.id)}
              style={{ cursor: 'pointer', background: l.id === lotId ? '#e6f4ff' : undefined, paddingInline: 12 }}
              extra={l.distanceM !== undefined ? <Typography.Text type="secondary">{t('parking.m.distance', { m: Math.round(l.distanceM) })}</Typography.Text> : null}
            >
              <List.Item.Meta title={l.name} description={`${t(`parking.lotTypes.${l.type}`)} · ${t('parking.m.dayRate', { amount: yuan(l.tariff.dayRateFen) })}`} />
            </List.Item>
          )}
        />
      )}
      {lot && (
        <Card size="small" title={t('parking.m.bookAt', { name: lot.name })} data-testid="parking-book-card">
          <Flex vertical gap={10}>
            <Radio.Group value={spaceId} onChange={(e) => setSpaceId(e.target.value as string)} style={{ display: 'flex', flexDirection: 'column', gap: 6 }}>
              <Radio value="any" data-testid="parking-space-any">
                {t('parking.m.anySpace')}
              </Radio>
              {spaces.map((s) => (
                <Radio key={s.id} value={s.id} data-testid={`parking-space-${s.code}`}>
                  {t('parking.m.sharedSpace', { code: s.code, amount: yuan(s.pricePerHourFen) })} <Tag color="green">{t('parking.m.shared')}</Tag>
                </Radio>
              ))}
            </Radio.Group>
            <label>
              {t('parking.m.start')}
              <Input type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} data-testid="parking-start" />
            </label>
            <label>
              {t('parking.m.end')}
              <Input type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} data-testid="parking-end" />
            </label>
            <label>
              {t('parking.plate')}
              <Input value={plate} onChange={(e) => setPlate(e.target.value)} placeholder="苏A12345" data-testid="parking-plate" />
            </label>
            {quote && (
              <Alert
                type={quote.available ? 'info' : 'warning'}
                data-testid="parking-quote"
                title={t('parking.m.quote', { amount: yuan(quote.quoteFen) })}
                description={quote.available ? t('parking.m.freeCancelUntil', { at: formatTime(quote.freeCancelUntil) }) : t('parking.m.notAvailable')}
              />
            )}
            {quoteError && <Alert type="error" title={quoteError} data-testid="parking-quote-error" />}
            <Button type="primary" size="large" block disabled={!quote?.available} loading={busy} onClick={() => void book()} data-testid="parking-book">
              {t('parking.m.book')}
            </Button>
          </Flex>
        </Card>
      )}
    </Flex>
  );
}

import { App, Alert, Button, Card, Checkbox, Empty, Flex, Input, Popconfirm, Spin, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useShowError } from '../../lib/errors';
import { formatTime } from '../../lib/format';
import { parkingApi, toFen, yuan, type Space } from './parkingApi';

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7];
const HM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/** One of my private spaces: publish weekly windows, dates off and a price; or withdraw. */
function ShareForm({ space, onSaved }: { space: Space; onSaved: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useShowError();
  const first = space.availability?.weekly[0];
  const [days, setDays] = useState<number[]>(space.availability ? [...new Set(space.availability.weekly.map((w) => w.weekday))] : [1, 2, 3, 4, 5]);
  const [start, setStart] = useState(first?.start ?? '08:00');
  const [end, setEnd] = useState(first?.end ?? '18:00');
  const [price, setPrice] = useState(space.pricePerHourFen !== null ? yuan(space.pricePerHourFen) : '5.00');
  const [off, setOff] = useState((space.availability?.exceptions ?? []).filter((e) => !e.available).map((e) => e.date).join(', '));
  const [busy, setBusy] = useState(false);

  const offDates = off.split(/[\s,，]+/).filter(Boolean);
  const fen = toFen(price);
  const invalid = fen === null ? t('parking.m.badPrice') : !HM.test(start) || !HM.test(end) || start >= end ? t('parking.m.badWindow') : days.length === 0 ? t('parking.m.noDays') : offDates.some((d) => !/^\d{4}-\d{2}-\d{2}$/.test(d)) ? t('parking.m.badDate') : null;

  const publish = async () => {
    if (invalid || fen === null) return;
    setBusy(true);
    try {
      await parkingApi.share(space.id, {
        pricePerHourFen: fen,
        availability: { weekly: days.sort().map((weekday) => ({ weekday, start, end })), exceptions: offDates.map((date) => ({ date, available: false })) },
      });
      void message.success(t('parking.m.published'));
      onSaved();
    } catch (e) {
      showError(e);
    } finally {
      setBusy(false);
    }
  };
  const withdraw = async () => {
    try {
      const r = await parkingApi.withdraw(space.id);
      void message.success(t('parking.m.withdrawn', { count: r.honouredBookings }));
      onSaved();
    } catch (e) {
      showError(e);
    }
  };

  const published = space.availability !== null && space.pricePerHourFen !== null && !space.sharingUntil;
  return (
    <Card
      size="small"
      data-testid={`parking-my-space-${space.code}`}
      title={
        <Flex justify="space-between" align="center">
          <span>{t('parking.m.spaceCode', { code: space.code })}</span>
          {published ? <Tag color="green">{t('parking.m.sharing')}</Tag> : <Tag>{t('parking.m.notSharing')}</Tag>}
        </Flex>
      }
    >
      <Flex vertical gap={10}>
        {space.sharingUntil && <Typography.Text type="secondary">{t('parking.m.withdrawnFrom', { at: formatTime(space.sharingUntil) })}</Typography.Text>}
        <div>
          <Typography.Text>{t('parking.m.weekdays')}</Typography.Text>
          <Checkbox.Group value={days} onChange={(v) => setDays(v as number[])} options={WEEKDAYS.map((d) => ({ value: d, label: t(`parking.weekdays.d${d}` as 'parking.weekdays.d1') }))} data-testid="parking-share-days" />
        </div>
        <Flex gap={8}>
          <label style={{ flex: 1 }}>
            {t('parking.m.from')}
            <Input value={start} onChange={(e) => setStart(e.target.value)} placeholder="08:00" data-testid="parking-share-start" />
          </label>
          <label style={{ flex: 1 }}>
            {t('parking.m.to')}
            <Input value={end} onChange={(e) => setEnd(e.target.value)} placeholder="18:00" data-testid="parking-share-end" />
          </label>
        </Flex>
        <label>
          {t('parking.m.offDates')}
          <Input value={off} onChange={(e) => setOff(e.target.value)} placeholder="2026-12-24, 2026-12-31" data-testid="parking-share-off" />
        </label>
        <label>
          {t('parking.m.pricePerHour')}
          <Input value={price} onChange={(e) => setPrice(e.target.value)} suffix={t('parking.m.yuanPerHour')} inputMode="decimal" data-testid="parking-share-price" />
        </label>
        {invalid && <Alert type="warning" title={invalid} />}
        <Button type="primary" size="large" block disabled={!!invalid} loading={busy} onClick={() => void publish()} data-testid="parking-share-publish">
          {t('parking.m.publish')}
        </Button>
        {published && (
          <Popconfirm title={t('parking.m.withdrawConfirm')} onConfirm={withdraw} okText={t('parking.m.withdraw')} cancelText={t('common.cancel')}>
            <Button danger block data-testid="parking-share-withdraw">
              {t('parking.m.withdraw')}
            </Button>
          </Popconfirm>
        )}
      </Flex>
    </Card>
  );
}

export function ResidentShare() {
  const { t } = useTranslation();
  const showError = useShowError();
  const [spaces, setSpaces] = useState<Space[] | null>(null);
  const load = useCallback(() => void parkingApi.mySpaces().then((r) => setSpaces(r.items), showError), [showError]);
  useEffect(load, [load]);
  if (!spaces) return <Spin style={{ display: 'block', margin: 48 }} />;
  if (spaces.length === 0) return <Empty description={t('parking.m.noSpaces')} />;
  return (
    <Flex vertical gap={12}>
      {spaces.map((s) => (
        <ShareForm key={`${s.id}-${s.version}`} space={s} onSaved={load} />
      ))}
    </Flex>
  );
}

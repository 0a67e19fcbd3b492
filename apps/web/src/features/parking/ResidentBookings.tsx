import { App, Button, Card, Empty, Flex, Popconfirm, Spin, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useShowError } from '../../lib/errors';
import { formatTime } from '../../lib/format';
import { bookingCode, parkingApi, yuan, type Reservation } from './parkingApi';

const STATUS_COLOUR: Record<string, string> = { booked: 'blue', checkedIn: 'green', completed: 'default', cancelled: 'default', noShow: 'red', expired: 'orange' };

/** My bookings; an active one shows its pass (plate + booking code) for the gate staff. */
export function ResidentBookings() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useShowError();
  const [items, setItems] = useState<Reservation[] | null>(null);
  const load = useCallback(() => void parkingApi.myBookings().then((r) => setItems(r.items), showError), [showError]);
  useEffect(load, [load]);

  const cancel = async (r: Reservation) => {
    try {
      const res = await parkingApi.cancel(r.id);
      void message.success(t('parking.m.cancelled', { fee: yuan(res.feeFen), refund: yuan(res.refundFen) }));
      load();
    } catch (e) {
      showError(e);
    }
  };

  if (!items) return <Spin style={{ display: 'block', margin: 48 }} />;
  if (items.length === 0) return <Empty description={t('parking.m.noBookings')} />;
  return (
    <Flex vertical gap={12}>
      <Button onClick={load} data-testid="parking-bookings-refresh">
        {t('common.refresh')}
      </Button>
      {items.map((r) => {
        const active = r.status === 'booked' || r.status === 'checkedIn';
        return (
          <Card
            key={r.id}
            size="small"
            data-testid="parking-booking"
            data-status={r.status}
            title={
              <Flex justify="space-between" align="center">
                <span>{t('parking.m.spaceCode', { code: r.spaceCode })}</span>
                <Tag color={STATUS_COLOUR[r.status]}>{t(`parking.statuses.${r.status}`)}</Tag>
              </Flex>
            }
          >
            {active && (
              <div data-testid="parking-pass" style={{ border: '2px dashed #1677ff', borderRadius: 8, padding: 12, textAlign: 'center', marginBottom: 8 }}>
                <Typography.Text type="secondary">{t('parking.m.pass')}</Typography.Text>
                <div style={{ fontSize: 28, fontWeight: 700, letterSpacing: 2 }}>{r.plate}</div>
                <div style={{ fontFamily: 'monospace', fontSize: 18 }}>
                  {t('parking.m.code')} {bookingCode(r.id)}
                </div>
              </div>
            )}
            <div>
              {formatTime(r.start)} – {formatTime(r.end)}
            </div>
            <div>
              {t('parking.m.quoteShort')} ¥{yuan(r.quoteFen)}
              {r.feeFen !== null && (
                <span data-testid="parking-booking-fee">
                  {' · '}
                  {t('parking.fee')} ¥{yuan(r.feeFen)}
                </span>
              )}
            </div>
            {r.status === 'booked' && (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('parking.m.freeCancelUntil', { at: formatTime(r.freeCancelUntil) })}
              </Typography.Text>
            )}
            {r.status === 'booked' && (
              <Popconfirm title={t('parking.m.cancelConfirm')} onConfirm={() => cancel(r)} okText={t('parking.m.cancelBooking')} cancelText={t('common.cancel')}>
                <Button danger block style={{ marginTop: 8 }} data-testid="parking-cancel">
                  {t('parking.m.cancelBooking')}
                </Button>
              </Popconfirm>
            )}
          </Card>
        );
      })}
    </Flex>
  );
}

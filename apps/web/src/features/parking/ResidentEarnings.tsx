import { Card, Empty, Flex, List, Spin, Statistic, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useShowError } from '../../lib/errors';
import { formatTime } from '../../lib/format';
import { parkingApi, yuan, type Reservation, type Statement } from './parkingApi';

/** What my shared spaces earned (the owner's share of every charge) in the last 90 days, and their bookings. */
export function ResidentEarnings() {
  const { t } = useTranslation();
  const showError = useShowError();
  const [st, setSt] = useState<Statement | null>(null);
  const [bookings, setBookings] = useState<Reservation[]>([]);
  useEffect(() => {
    const to = new Date(Date.now() + 86_400_000);
    const from = new Date(to.getTime() - 91 * 86_400_000);
    void parkingApi.earnings(from.toISOString(), to.toISOString()).then(setSt, showError);
    void parkingApi.spaceBookings().then((r) => setBookings(r.items), showError);
  }, [showError]);
  if (!st) return <Spin style={{ display: 'block', margin: 48 }} />;
  return (
    <Flex vertical gap={12}>
      <Card size="small">
        <div data-testid="parking-earnings-total">
          <Statistic title={t('parking.m.earnings90')} value={yuan(st.ownerFen)} prefix="¥" />
        </div>
      </Card>
      <Card size="small" title={t('parking.m.earningItems')}>
        {st.items.length === 0 ? (
          <Empty description={t('parking.m.noEarnings')} />
        ) : (
          <List
            size="small"
            dataSource={st.items}
            renderItem={(it) => (
              <List.Item data-testid="parking-earning" extra={<Typography.Text strong>¥{yuan(it.ownerFen)}</Typography.Text>}>
                <List.Item.Meta title={`${t(`parking.chargeKinds.${it.kind}` as 'parking.chargeKinds.booking', { defaultValue: it.kind })} · ${it.plate ?? ''}`} description={formatTime(it.at)} />
              </List.Item>
            )}
          />
        )}
      </Card>
      <Card size="small" title={t('parking.m.spaceBookings')}>
        {bookings.length === 0 ? (
          <Empty description={t('parking.m.noBookings')} />
        ) : (
          <List
            size="small"
            dataSource={bookings}
            renderItem={(r) => (
              <List.Item data-testid="parking-space-booking">
                <List.Item.Meta title={`${r.spaceCode} · ${r.plate} · ${t(`parking.statuses.${r.status}`)}`} description={`${formatTime(r.start)} – ${formatTime(r.end)}`} />
              </List.Item>
            )}
          />
        )}
      </Card>
    </Flex>
  );
}

import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ComponentStatus, Currency } from './componentsApi';

const COLORS: Record<ComponentStatus, string> = { intact: 'green', damaged: 'orange', lost: 'red', occupied: 'gold' };

/** 完好 / 破损 / 丢失 / 占用, and 作废 when retired. */
export function StatusTag({ status, currency }: { status: ComponentStatus; currency?: Currency }) {
  const { t } = useTranslation();
  return (
    <>
      <Tag color={COLORS[status]}>{t(`registry.statuses.${status}`)}</Tag>
      {currency === 'retired' && <Tag>{t('registry.currencies.retired')}</Tag>}
    </>
  );
}

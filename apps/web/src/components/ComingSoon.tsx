import { Result } from 'antd';
import { RocketOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';

/** Placeholder for modules not built yet: a friendly notice, not an error. */
export function ComingSoon({ name }: { name: string }) {
  const { t } = useTranslation();
  return (
    <Result
      icon={<RocketOutlined style={{ color: '#1d5fd1' }} />}
      title={t('comingSoon.title', { name })}
      subTitle={t('comingSoon.subtitle')}
    />
  );
}

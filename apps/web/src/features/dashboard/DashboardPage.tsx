import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useSession } from '../../app/session';
import { SimulatorCard } from './SimulatorCard';

/** Landing page after sign-in; dashboard widgets arrive with the dashboard module. */
export default function DashboardPage() {
  const { t } = useTranslation();
  const { user, hasRole } = useSession();
  return (
    <>
      <Typography.Title level={3}>{t('dashboard.welcome', { name: user?.displayName ?? '' })}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('dashboard.subtitle')}</Typography.Paragraph>
      {hasRole('admin') && <SimulatorCard />}
    </>
  );
}

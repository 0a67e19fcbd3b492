import { Typography } from 'antd';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../../app/session';

// the admins' simulator switch is its own chunk, so the dashboard's budget does not carry its form controls
const SimulatorCard = lazy(() => import('./SimulatorCard').then((m) => ({ default: m.SimulatorCard })));

/** Landing page after sign-in; dashboard widgets arrive with the dashboard module. */
export default function DashboardPage() {
  const { t } = useTranslation();
  const { user, hasRole } = useSession();
  return (
    <>
      <Typography.Title level={3}>{t('dashboard.welcome', { name: user?.displayName ?? '' })}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('dashboard.subtitle')}</Typography.Paragraph>
      {hasRole('admin') && (
        <Suspense fallback={null}>
          <SimulatorCard />
        </Suspense>
      )}
    </>
  );
}

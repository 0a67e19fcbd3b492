import { Button, Result } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { PageLoading } from '../components/PageLoading';
import { useSession } from './session';

/** Routes below need a signed-in user; others are sent to /login and brought back after. */
export function RequireAuth() {
  const { status } = useSession();
  const location = useLocation();
  if (status === 'loading') return <PageLoading fullscreen />;
  if (status === 'anonymous') return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <Outlet />;
}

/**
 * The server enforces roles; this only avoids showing a page whose calls would all be refused.
 * `role` may list several roles: any of them opens the page.
 */
export function RequireRole({ role, children }: { role: string | readonly string[]; children: ReactNode }) {
  const { hasRole } = useSession();
  const { t } = useTranslation();
  const navigate = useNavigate();
  if ((typeof role === 'string' ? [role] : role).some(hasRole)) return children;
  return (
    <Result
      status="403"
      title="403"
      subTitle={t('errors.forbidden')}
      extra={
        <Button type="primary" onClick={() => void navigate('/')}>
          {t('common.backHome')}
        </Button>
      }
    />
  );
}

import { Button, Result } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useSession } from '../../app/session';

/** Like RequireRole, for pages several roles may use (the server still decides every call). */
export function RequireAnyRole({ roles, children }: { roles: readonly string[]; children: ReactNode }) {
  const { hasRole } = useSession();
  const { t } = useTranslation();
  const navigate = useNavigate();
  if (roles.some(hasRole)) return children;
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

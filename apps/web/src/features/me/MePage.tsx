import { Card, Descriptions, Flex, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { PageLoading } from '../../components/PageLoading';
import { RoleTags, ScopeTags } from '../../components/RoleTags';
import { api } from '../../lib/api';
import { useShowError } from '../../lib/errors';
import type { Me } from '../../lib/types';
import { TokensCard } from './TokensCard';

export default function MePage() {
  const { t } = useTranslation();
  const showError = useShowError();
  const [me, setMe] = useState<Me | null>(null);

  // Fetched fresh (not from the session) so role or scope changes show without re-login.
  useEffect(() => {
    const ctrl = new AbortController();
    api<Me>('/me', { signal: ctrl.signal }).then(setMe, showError);
    return () => ctrl.abort();
  }, [showError]);

  if (!me) return <PageLoading />;
  const none = <Typography.Text type="secondary">{t('common.none')}</Typography.Text>;

  return (
    <Flex vertical gap={16}>
      <Card title={t('me.title')}>
        <Descriptions
          bordered
          column={1}
          styles={{ label: { width: 160 } }}
          items={[
            { key: 'displayName', label: t('me.displayName'), children: me.displayName },
            { key: 'username', label: t('me.username'), children: me.username },
            { key: 'id', label: t('me.id'), children: <Typography.Text copyable>{me.id}</Typography.Text> },
            { key: 'roles', label: t('me.roles'), children: me.roles.length ? <RoleTags roles={me.roles} /> : none },
            { key: 'department', label: t('me.department'), children: me.departmentId ?? none },
            { key: 'scopes', label: t('me.scopes'), children: me.scopes.length ? <ScopeTags scopes={me.scopes} /> : none },
            {
              key: 'permissions',
              label: t('me.permissions'),
              children: me.permissions.length ? (
                <Flex wrap gap={4}>
                  {me.permissions.map((p) => (
                    <Tag key={p} style={{ marginInlineEnd: 0, fontFamily: 'monospace' }}>
                      {p}
                    </Tag>
                  ))}
                </Flex>
              ) : (
                none
              ),
            },
          ]}
        />
      </Card>
      <TokensCard />
    </Flex>
  );
}

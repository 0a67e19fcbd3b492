import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { Badge, Button, Flex, Space, Table, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../components/LoadMore';
import { RoleTags, ScopeTags } from '../../components/RoleTags';
import { useShowError } from '../../lib/errors';
import type { User } from '../../lib/types';
import { useCursorList } from '../../lib/useCursorList';
import { CreateUserDrawer } from './CreateUserDrawer';

const QUERY = { limit: 50 };

export default function UsersPage() {
  const { t } = useTranslation();
  const showError = useShowError();
  const list = useCursorList<User>('/users', QUERY, showError);
  const [creating, setCreating] = useState(false);

  const columns: TableColumnsType<User> = [
    { title: t('users.username'), dataIndex: 'username' },
    { title: t('users.displayName'), dataIndex: 'displayName' },
    { title: t('users.roles'), dataIndex: 'roles', render: (roles: string[]) => <RoleTags roles={roles} /> },
    { title: t('users.department'), dataIndex: 'departmentId', render: (v: string | null) => v ?? '' },
    { title: t('users.scopes'), dataIndex: 'scopes', render: (s: User['scopes']) => <ScopeTags scopes={s} /> },
    { title: t('users.phone'), dataIndex: 'phoneMasked', render: (v: string | null) => v ?? '' },
    {
      title: t('users.status'),
      dataIndex: 'disabled',
      render: (disabled: boolean) =>
        disabled ? <Badge status="default" text={t('users.disabled')} /> : <Badge status="success" text={t('users.enabled')} />,
    },
  ];

  return (
    <>
      <Flex justify="space-between" align="center" style={{ marginBottom: 16 }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('users.title')}
        </Typography.Title>
        <Space>
          <Button icon={<ReloadOutlined />} onClick={list.reload}>
            {t('common.refresh')}
          </Button>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            {t('users.create')}
          </Button>
        </Space>
      </Flex>
      <Table<User>
        rowKey="id"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} count={list.items.length} onLoadMore={list.loadMore} />
      <CreateUserDrawer
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={() => {
          setCreating(false);
          list.reload();
        }}
      />
    </>
  );
}

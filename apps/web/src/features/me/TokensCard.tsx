import { KeyOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Form, Input, Modal, Popconfirm, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { applyFieldErrors, useShowError } from '../../lib/errors';
import { formatTime } from '../../lib/format';
import type { ApiToken, CreatedToken } from '../../lib/types';

export function TokensCard() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useShowError();
  const [items, setItems] = useState<ApiToken[]>([]);
  const [loading, setLoading] = useState(true);
  const [creating, setCreating] = useState(false);
  const [saving, setSaving] = useState(false);
  // The secret lives only in this state and the modal: the server never returns it again.
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [form] = Form.useForm<{ name: string }>();

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setItems((await api<{ items: ApiToken[] }>('/me/tokens')).items);
    } catch (e) {
      showError(e);
    } finally {
      setLoading(false);
    }
  }, [showError]);

  useEffect(() => {
    void load();
  }, [load]);

  const create = async ({ name }: { name: string }) => {
    setSaving(true);
    try {
      const tok = await api<CreatedToken>('/me/tokens', { method: 'POST', body: { name: name.trim() } });
      setCreating(false);
      form.resetFields();
      setCreated(tok);
      void load();
    } catch (e) {
      if (!applyFieldErrors(form, e, ['name'])) showError(e);
    } finally {
      setSaving(false);
    }
  };

  const revoke = async (id: string) => {
    try {
      await api(`/me/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' });
      void message.success(t('tokens.revokedMessage'));
      void load();
    } catch (e) {
      showError(e);
    }
  };

  const columns: TableColumnsType<ApiToken> = [
    { title: t('tokens.name'), dataIndex: 'name' },
    { title: t('tokens.createdAt'), dataIndex: 'createdAt', render: (v: string) => formatTime(v) },
    {
      title: t('tokens.lastUsedAt'),
      dataIndex: 'lastUsedAt',
      render: (v: string | null) => (v ? formatTime(v) : <Typography.Text type="secondary">{t('common.never')}</Typography.Text>),
    },
    {
      title: t('tokens.status'),
      key: 'status',
      render: (_, r) => (r.revokedAt ? <Tag>{t('tokens.revoked')}</Tag> : <Tag color="green">{t('tokens.active')}</Tag>),
    },
    {
      title: t('tokens.actions'),
      key: 'actions',
      render: (_, r) =>
        r.revokedAt ? null : (
          <Popconfirm title={t('tokens.revokeConfirm')} onConfirm={() => revoke(r.id)} okButtonProps={{ danger: true }}>
            <Button type="link" danger size="small">
              {t('tokens.revoke')}
            </Button>
          </Popconfirm>
        ),
    },
  ];

  return (
    <Card
      title={
        <>
          <KeyOutlined /> {t('tokens.title')}
        </>
      }
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          {t('tokens.create')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{t('tokens.hint')}</Typography.Paragraph>
      <Table<ApiToken>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={items}
        loading={loading}
        pagination={false}
        locale={{ emptyText: t('tokens.empty') }}
      />

      <Modal
        title={t('tokens.createTitle')}
        open={creating}
        onCancel={() => setCreating(false)}
        onOk={() => form.submit()}
        okText={t('common.create')}
        cancelText={t('common.cancel')}
        confirmLoading={saving}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" onFinish={(v) => void create(v)}>
          <Form.Item
            name="name"
            label={t('tokens.name')}
            rules={[{ required: true, whitespace: true, message: t('tokens.nameRequired') }, { max: 100 }]}
          >
            <Input placeholder={t('tokens.namePlaceholder')} maxLength={100} autoFocus />
          </Form.Item>
        </Form>
      </Modal>

      <Modal
        title={t('tokens.createdTitle')}
        open={created !== null}
        onCancel={() => setCreated(null)}
        footer={
          <Button type="primary" onClick={() => setCreated(null)}>
            {t('tokens.done')}
          </Button>
        }
        mask={{ closable: false }}
      >
        <Alert type="warning" showIcon title={t('tokens.shownOnce')} style={{ marginBottom: 16 }} />
        <Typography.Paragraph strong>{created?.name}</Typography.Paragraph>
        <Typography.Paragraph
          data-testid="token-secret"
          code
          copyable={{ text: created?.token ?? '', tooltips: [t('common.copy'), t('common.copied')] }}
          style={{ wordBreak: 'break-all' }}
        >
          {created?.token}
        </Typography.Paragraph>
      </Modal>
    </Card>
  );
}

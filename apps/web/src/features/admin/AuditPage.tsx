import { SafetyCertificateOutlined, SearchOutlined } from '@ant-design/icons';
import { Alert, Button, Descriptions, Flex, Form, Input, Table, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../components/LoadMore';
import { api } from '../../lib/api';
import { useShowError } from '../../lib/errors';
import { formatTime } from '../../lib/format';
import type { AuditRow, AuditVerify } from '../../lib/types';
import { useCursorList } from '../../lib/useCursorList';

interface Filters {
  entityType?: string;
  actorId?: string;
}

export default function AuditPage() {
  const { t } = useTranslation();
  const showError = useShowError();
  const [filters, setFilters] = useState<Filters>({});
  const list = useCursorList<AuditRow>('/audit', { limit: 50, entityType: filters.entityType, actorId: filters.actorId }, showError);
  const [verifying, setVerifying] = useState(false);
  const [verify, setVerify] = useState<AuditVerify | null>(null);

  const runVerify = async () => {
    setVerifying(true);
    try {
      setVerify(await api<AuditVerify>('/audit/verify'));
    } catch (e) {
      showError(e);
    } finally {
      setVerifying(false);
    }
  };

  const mono = (v: string | null) => (v ? <Typography.Text code>{v}</Typography.Text> : '');
  const columns: TableColumnsType<AuditRow> = [
    { title: t('audit.at'), dataIndex: 'at', render: (v: string) => formatTime(v), width: 180 },
    { title: t('audit.actor'), key: 'actor', render: (_, r) => r.actorName ?? r.actorId ?? '' },
    { title: t('audit.action'), dataIndex: 'action' },
    { title: t('audit.entityType'), dataIndex: 'entityType' },
    { title: t('audit.entityId'), dataIndex: 'entityId', render: mono },
    { title: t('audit.requestId'), dataIndex: 'requestId', render: mono },
    { title: t('audit.ip'), dataIndex: 'ip' },
  ];

  return (
    <>
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 16 }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('audit.title')}
        </Typography.Title>
        <Button icon={<SafetyCertificateOutlined />} loading={verifying} onClick={() => void runVerify()} data-testid="audit-verify">
          {t('audit.verify')}
        </Button>
      </Flex>

      {verify &&
        (verify.ok ? (
          <Alert
            data-testid="audit-verify-result"
            type="success"
            showIcon
            closable={{ onClose: () => setVerify(null) }}
            title={t('audit.verifyOk', { count: verify.checked })}
            style={{ marginBottom: 16 }}
          />
        ) : (
          <Alert
            data-testid="audit-verify-result"
            type="error"
            showIcon
            closable={{ onClose: () => setVerify(null) }}
            title={t('audit.verifyBroken', { count: verify.checked })}
            description={
              <Descriptions
                size="small"
                column={1}
                items={[
                  { key: 'id', label: t('audit.firstBroken'), children: mono(verify.firstBrokenId) },
                  { key: 'reason', label: t('audit.reason'), children: verify.reason ?? '' },
                ]}
              />
            }
            style={{ marginBottom: 16 }}
          />
        ))}

      <Form<Filters> layout="inline" onFinish={(v) => setFilters({ entityType: v.entityType?.trim(), actorId: v.actorId?.trim() })} style={{ marginBottom: 16, rowGap: 8 }}>
        <Form.Item name="entityType" label={t('audit.entityType')}>
          <Input allowClear />
        </Form.Item>
        <Form.Item name="actorId" label={t('audit.actorId')}>
          <Input allowClear />
        </Form.Item>
        <Form.Item>
          <Button type="primary" htmlType="submit" icon={<SearchOutlined />}>
            {t('common.search')}
          </Button>
        </Form.Item>
      </Form>

      <Table<AuditRow>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} count={list.items.length} onLoadMore={list.loadMore} />
    </>
  );
}

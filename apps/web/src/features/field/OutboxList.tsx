import { CheckCircleOutlined, CloudUploadOutlined, DeleteOutlined, ExclamationCircleOutlined, LoadingOutlined, RedoOutlined } from '@ant-design/icons';
import { Button, Card, Empty, Flex, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../../lib/format';
import { outbox, type OutboxItem, type OutboxState } from './outbox';

const STATE: Record<OutboxState, { color: string; icon: React.ReactNode }> = {
  pending: { color: 'gold', icon: <CloudUploadOutlined /> },
  sending: { color: 'processing', icon: <LoadingOutlined /> },
  sent: { color: 'success', icon: <CheckCircleOutlined /> },
  failed: { color: 'error', icon: <ExclamationCircleOutlined /> },
};

/** 待发送: what was submitted on this phone and whether the server has it. */
export function OutboxList({ items, online }: { items: OutboxItem[]; online: boolean }) {
  const { t } = useTranslation();
  if (!items.length) return <Empty description={t('field.outboxEmpty')} style={{ marginTop: 48 }} />;
  return (
    <Flex vertical gap={10} data-testid="outbox">
      <Typography.Text type="secondary">{t('field.outboxHint')}</Typography.Text>
      {items.map((it) => (
        <Card key={it.id} size="small" data-testid="outbox-item" data-state={it.state} data-label={it.label}>
          <Flex vertical gap={4}>
            <Flex justify="space-between" align="center" gap={8}>
              <Typography.Text strong ellipsis style={{ maxWidth: 220 }}>
                {it.kind === 'report' ? t('field.kindReport') : t('field.kindAction')} · {it.label}
              </Typography.Text>
              <Tag color={STATE[it.state].color} icon={STATE[it.state].icon} style={{ marginInlineEnd: 0 }}>
                {it.state === 'pending' && !online ? t('field.states.waitingNetwork') : t(`field.states.${it.state}`)}
              </Tag>
            </Flex>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {formatTime(new Date(it.createdAt).toISOString())}
              {it.photos.length ? ` · ${t('field.photoCount', { count: it.photos.length })}` : ''}
              {it.attempts > 1 ? ` · ${t('field.attempts', { count: it.attempts })}` : ''}
            </Typography.Text>
            {it.state === 'sent' && it.resultNumber && <Typography.Text type="success">{t('field.delivered', { number: it.resultNumber })}</Typography.Text>}
            {it.error && it.state !== 'sent' && <Typography.Text type={it.state === 'failed' ? 'danger' : 'secondary'}>{it.error}</Typography.Text>}
            {(it.state === 'failed' || it.state === 'pending') && (
              <Flex gap={8} justify="flex-end">
                <Button icon={<RedoOutlined />} onClick={() => outbox.retry(it.id)}>
                  {t('field.retry')}
                </Button>
                {it.state === 'failed' && (
                  <Button danger icon={<DeleteOutlined />} onClick={() => void outbox.remove(it.id)}>
                    {t('field.discard')}
                  </Button>
                )}
              </Flex>
            )}
          </Flex>
        </Card>
      ))}
    </Flex>
  );
}

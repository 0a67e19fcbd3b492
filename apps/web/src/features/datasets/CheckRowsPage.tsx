import { ArrowLeftOutlined } from '@ant-design/icons';
import { Button, Card, Flex, Space, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useShowError } from '../../lib/errors';
import { getCheckRows, type CheckPage, type CheckRow } from './datasetsApi';

/** Drill-through (/data/:name/:key): the offending rows of one quality check, each linked to its page. */
export default function CheckRowsPage() {
  const { t } = useTranslation();
  const showError = useShowError();
  const { name = '', key = '' } = useParams();
  const [page, setPage] = useState<Omit<CheckPage, 'items'> | null>(null);
  const [rows, setRows] = useState<CheckRow[]>([]);
  const [loading, setLoading] = useState(false);

  const load = useCallback(
    async (cursor: string | null, signal?: AbortSignal) => {
      setLoading(true);
      try {
        const p = await getCheckRows(name, key, cursor, signal);
        setPage(p);
        setRows((old) => (cursor ? [...old, ...p.items] : p.items));
      } catch (e) {
        if (!signal?.aborted) showError(e);
      } finally {
        if (!signal?.aborted) setLoading(false);
      }
    },
    [name, key, showError],
  );

  useEffect(() => {
    const ctrl = new AbortController();
    void load(null, ctrl.signal);
    return () => ctrl.abort();
  }, [load]);

  const columns: TableColumnsType<CheckRow> = [
    {
      title: t('dataManager.row'),
      key: 'name',
      render: (_, r) => (r.link ? <Link to={r.link} data-testid="check-row-link">{r.name}</Link> : r.name),
    },
    { title: t('dataManager.id'), dataIndex: 'id', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
    { title: t('dataManager.region'), dataIndex: 'regionCode', render: (v: string | null) => v ?? '' },
    { title: t('dataManager.problem'), dataIndex: 'detail', render: (v: string | null) => v ?? '' },
  ];

  return (
    <Card
      title={
        <Space>
          <Link to="/data">
            <Button type="text" icon={<ArrowLeftOutlined />} aria-label={t('dataManager.back')} />
          </Link>
          <span>
            {t(`dataManager.names.${name}`, { defaultValue: name })} · {t(`dataManager.checkNames.${key}`, { defaultValue: key })}
          </span>
          {page ? (
            <Tag color={page.count > 0 ? 'red' : 'green'} data-testid="check-count">
              {page.count}
            </Tag>
          ) : null}
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">{t(`dataManager.checkHelp.${key}`, { days: 30, defaultValue: '' })}</Typography.Paragraph>
      <Table<CheckRow> rowKey="id" columns={columns} dataSource={rows} loading={loading && rows.length === 0} pagination={false} size="middle" data-testid="check-rows" />
      {page?.nextCursor ? (
        <Flex justify="center" style={{ marginTop: 16 }}>
          <Button onClick={() => void load(page.nextCursor)} loading={loading}>
            {t('common.loadMore')}
          </Button>
        </Flex>
      ) : null}
    </Card>
  );
}

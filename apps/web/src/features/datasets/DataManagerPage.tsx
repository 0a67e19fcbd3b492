import { DownloadOutlined, ImportOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Flex, Progress, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useSession } from '../../app/session';
import { useShowError } from '../../lib/errors';
import { formatTime } from '../../lib/format';
import { ImportWizard } from '../regions/ImportWizard';
import { ComponentImportDialog } from './ComponentImportDialog';
import { download, listDatasets, type Dataset } from './datasetsApi';

/** One export in flight: bytes received and, when the server says, the total. */
interface Running {
  href: string;
  received: number;
  total: number | null;
  done: boolean;
}

const kb = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

/**
 * The data manager (/data): every dataset with its row count, last import and quality checks
 * (numbers, red when non-zero, each opening its offending rows), and the owning modules'
 * importers and exporters with progress.
 */
export default function DataManagerPage() {
  const { t } = useTranslation();
  const showError = useShowError();
  const { hasRole } = useSession();
  const isAdmin = hasRole('admin');
  const [items, setItems] = useState<Dataset[] | null>(null);
  const [staleDays, setStaleDays] = useState(30);
  const [loading, setLoading] = useState(false);
  const [computedAt, setComputedAt] = useState<string | null>(null);
  // 0: the first load takes the shared overview; every reload (button, finished import) recomputes it
  const [version, setVersion] = useState(0);
  const [regionsImport, setRegionsImport] = useState(false);
  const [componentsImport, setComponentsImport] = useState(false);
  const [running, setRunning] = useState<Running | null>(null);

  const reload = useCallback(() => setVersion((v) => v + 1), []);

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    listDatasets(version > 0, ctrl.signal)
      .then((r) => {
        setItems(r.items);
        setStaleDays(r.staleStatusDays);
        setComputedAt(r.computedAt);
      })
      .catch((e: unknown) => {
        if (!ctrl.signal.aborted) showError(e);
      })
      .finally(() => {
        if (!ctrl.signal.aborted) setLoading(false);
      });
    return () => ctrl.abort();
  }, [version, showError]);

  const runExport = async (href: string) => {
    setRunning({ href, received: 0, total: null, done: false });
    try {
      const r = await download(href, (received, total) => setRunning({ href, received, total, done: false }));
      setRunning({ href, received: r.bytes, total: r.bytes, done: true });
    } catch (e) {
      setRunning(null);
      showError(e);
    }
  };

  const columns: TableColumnsType<Dataset> = [
    {
      title: t('dataManager.dataset'),
      key: 'name',
      width: 160,
      render: (_, d) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text strong>{t(`dataManager.names.${d.name}`)}</Typography.Text>
          {d.breakdown ? (
            <Typography.Text type="secondary">
              {Object.entries(d.breakdown)
                .map(([k, n]) => t(`dataManager.breakdown.${k}`, { count: n, defaultValue: `${k} ${n}` }))
                .join(' · ')}
            </Typography.Text>
          ) : null}
        </Space>
      ),
    },
    {
      title: t('dataManager.rows'),
      key: 'count',
      width: 120,
      align: 'right',
      render: (_, d) => (
        <Space>
          <span data-testid={`count-${d.name}`}>{d.count.toLocaleString()}</span>
          {d.scoped ? (
            <Tooltip title={t('dataManager.scopedHelp')}>
              <Tag>{t('dataManager.scoped')}</Tag>
            </Tooltip>
          ) : null}
        </Space>
      ),
    },
    {
      title: t('dataManager.lastImport'),
      key: 'lastImport',
      width: 240,
      render: (_, d) =>
        d.lastImport ? (
          <Space orientation="vertical" size={0}>
            <span>{formatTime(d.lastImport.at)}</span>
            <Typography.Text type="secondary">
              {d.lastImport.by ?? ''} · {t('dataManager.importRows', { count: d.lastImport.rows ?? 0 })} ·{' '}
              <Tag color={d.lastImport.outcome === 'succeeded' ? 'green' : ['pending', 'reading', 'applying'].includes(d.lastImport.outcome) ? 'blue' : 'red'}>
                {t(`dataManager.outcomes.${d.lastImport.outcome}`, { defaultValue: d.lastImport.outcome })}
              </Tag>
            </Typography.Text>
          </Space>
        ) : (
          <Typography.Text type="secondary">{t('dataManager.never')}</Typography.Text>
        ),
    },
    {
      title: t('dataManager.checks'),
      key: 'checks',
      render: (_, d) =>
        d.checks.length ? (
          <Flex wrap gap={8}>
            {d.checks.map((c) => (
              <Link key={c.key} to={`/data/${d.name}/${c.key}`} data-testid={`check-${d.name}-${c.key}`}>
                <Tooltip title={t(`dataManager.checkHelp.${c.key}`, { days: staleDays, defaultValue: '' })}>
                  <Tag color={c.count > 0 ? (c.severity === 'info' ? 'orange' : 'red') : 'default'} style={{ cursor: 'pointer' }}>
                    {t(`dataManager.checkNames.${c.key}`, { defaultValue: c.key })} <strong>{c.count}</strong>
                  </Tag>
                </Tooltip>
              </Link>
            ))}
          </Flex>
        ) : (
          <Typography.Text type="secondary">—</Typography.Text>
        ),
    },
    {
      title: t('dataManager.actions'),
      key: 'actions',
      width: 260,
      render: (_, d) => (
        <Flex wrap gap={4}>
          {d.import === 'regions' && isAdmin ? (
            <Button size="small" icon={<ImportOutlined />} onClick={() => setRegionsImport(true)} data-testid={`import-${d.name}`}>
              {t('dataManager.import')}
            </Button>
          ) : null}
          {d.import === 'components' && isAdmin ? (
            <Button size="small" icon={<ImportOutlined />} onClick={() => setComponentsImport(true)} data-testid={`import-${d.name}`}>
              {t('dataManager.import')}
            </Button>
          ) : null}
          {d.exports.map((e) => (
            <Button
              key={e.href}
              size="small"
              icon={<DownloadOutlined />}
              disabled={running !== null && !running.done}
              onClick={() => void runExport(e.href)}
              data-testid={`export-${d.name}-${e.format}`}
            >
              {e.label}
            </Button>
          ))}
        </Flex>
      ),
    },
  ];

  return (
    <Card
      title={t('dataManager.title')}
      extra={
        <Button icon={<ReloadOutlined />} onClick={reload} loading={loading}>
          {t('dataManager.reload')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">
        {t('dataManager.intro')}
        {computedAt ? (
          <span data-testid="datasets-computed-at"> {t('dataManager.computedAt', { time: new Date(computedAt).toLocaleTimeString() })}</span>
        ) : null}
      </Typography.Paragraph>
      {running ? (
        <Alert
          style={{ marginBottom: 16 }}
          type={running.done ? 'success' : 'info'}
          closable={running.done}
          onClose={() => setRunning(null)}
          title={
            <Space orientation="vertical" style={{ width: '100%' }} data-testid="export-progress">
              <span>
                {running.done ? t('dataManager.exportDone', { size: kb(running.received) }) : t('dataManager.exporting', { size: kb(running.received) })}
              </span>
              <Progress
                percent={running.done ? 100 : running.total ? Math.round((running.received / running.total) * 100) : 99}
                status={running.done ? 'success' : 'active'}
                showInfo={running.done || running.total !== null}
              />
            </Space>
          }
        />
      ) : null}
      <Table<Dataset> rowKey="name" columns={columns} dataSource={items ?? []} loading={loading && !items} pagination={false} size="middle" />
      <ImportWizard open={regionsImport} onClose={() => setRegionsImport(false)} onImported={reload} />
      <ComponentImportDialog open={componentsImport} onClose={() => setComponentsImport(false)} onFinished={reload} />
    </Card>
  );
}

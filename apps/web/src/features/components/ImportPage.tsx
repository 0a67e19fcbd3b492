import { ArrowLeftOutlined, DownloadOutlined, InboxOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Descriptions, Form, Progress, Radio, Select, Space, Steps, Table, Tag, Typography, Upload } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useShowError } from '../../lib/errors';
import { formatTime } from '../../lib/format';
import {
  CRS_LIST,
  csvHeader,
  FINISHED,
  getImport,
  IMPORT_FIELDS,
  importProblems,
  listImports,
  startImport,
  type Crs,
  type ImportProblem,
  type ImportProgress,
  type ImportView,
} from './componentsApi';

const ENCODINGS = ['utf-8', 'gb18030', 'gbk', 'utf-16le'] as const;
const MODES = ['all-or-nothing', 'keep-valid'] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const formatOf = (name: string) => (/\.xlsx$/i.test(name) ? 'xlsx' : /\.(geo)?json$/i.test(name) ? 'geojson' : 'csv');

/**
 * Import wizard: a file (CSV, XLSX, GeoJSON) → column mapping, coordinate system, encoding and
 * mode → the import runs in the background; its progress comes over the event stream (the
 * import's own record is polled too) → the result and the error report (row, column, value,
 * reason), shown here and downloadable as CSV.
 */
export default function ImportPage() {
  const { t } = useTranslation();
  const showError = useShowError();
  const [step, setStep] = useState(0);
  const [file, setFile] = useState<File | null>(null);
  const [header, setHeader] = useState<string[] | null>(null);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [crs, setCrs] = useState<Crs>('WGS84');
  const [mode, setMode] = useState<(typeof MODES)[number]>('all-or-nothing');
  const [encoding, setEncoding] = useState<(typeof ENCODINGS)[number]>('utf-8');
  const [busy, setBusy] = useState(false);
  const [imp, setImp] = useState<ImportView | null>(null);
  const [live, setLive] = useState<ImportProgress | null>(null);
  const [problems, setProblems] = useState<ImportProblem[]>([]);
  const [recent, setRecent] = useState<ImportView[]>([]);
  const stream = useRef<EventSource | null>(null);
  const running = useRef<string | null>(null);

  const loadRecent = useCallback(() => {
    listImports(10).then(setRecent).catch(showError);
  }, [showError]);
  useEffect(loadRecent, [loadRecent]);
  useEffect(
    () => () => {
      stream.current?.close();
      running.current = null;
    },
    [],
  );

  const choose = async (f: File) => {
    setFile(f);
    setMapping({});
    setHeader(await csvHeader(f).catch(() => null));
  };

  const finished = async (view: ImportView) => {
    stream.current?.close();
    stream.current = null;
    running.current = null;
    setImp(view);
    setProblems(view.errorReport ? await importProblems(view.errorReport).catch(() => []) : []);
    setStep(3);
    loadRecent();
  };

  const run = async () => {
    if (!file) return;
    setBusy(true);
    setLive(null);
    setProblems([]);
    // The stream opens first: on the embedded database the import holds the only connection
    // until it commits, so progress reaches the page only as events.
    const es = new EventSource('/api/v1/stream', { withCredentials: true });
    stream.current = es;
    const onProgress = (e: MessageEvent<string>) => {
      try {
        const d = (JSON.parse(e.data) as { data: ImportProgress }).data;
        if (d.importId === running.current) setLive(d);
      } catch {
        // not ours
      }
    };
    es.addEventListener('components.import.progress', onProgress as EventListener);
    try {
      await new Promise<void>((resolve) => {
        es.onopen = () => resolve();
        setTimeout(resolve, 3000);
      });
      const started = await startImport(file, { mode, crs, encoding, mapping });
      running.current = started.id;
      setImp(started);
      setStep(2);
      for (let view = started; running.current === started.id; ) {
        if (FINISHED.includes(view.status)) return await finished(view);
        await sleep(1000);
        view = await getImport(started.id);
        setImp(view);
      }
    } catch (e) {
      es.close();
      showError(e);
    } finally {
      setBusy(false);
    }
  };

  const again = () => {
    setStep(0);
    setFile(null);
    setHeader(null);
    setImp(null);
    setLive(null);
  };

  const format = file ? formatOf(file.name) : null;
  const fraction = live?.fileSize ? live.bytesRead / live.fileSize : (imp?.progress.fraction ?? 0);
  const status = live?.status ?? imp?.status ?? 'pending';

  const problemColumns: ColumnsType<ImportProblem & { key: number }> = [
    { title: t('registry.import.row'), dataIndex: 'row', width: 80 },
    { title: t('registry.import.column'), dataIndex: 'column', width: 140 },
    { title: t('registry.import.value'), dataIndex: 'value', width: 200, ellipsis: true },
    { title: t('registry.import.reason'), dataIndex: 'reason' },
  ];
  const recentColumns: ColumnsType<ImportView> = [
    { title: t('registry.import.file'), dataIndex: 'fileName', render: (v: string | null) => v ?? '—' },
    { title: t('registry.import.status'), dataIndex: 'status', width: 110, render: (v: string) => <ImportStatusTag status={v} /> },
    { title: t('registry.import.created'), dataIndex: 'created', width: 90 },
    { title: t('registry.import.updated'), dataIndex: 'updated', width: 90 },
    { title: t('registry.import.invalid'), dataIndex: 'rowsInvalid', width: 90 },
    {
      title: t('registry.import.report'),
      dataIndex: 'errorReport',
      width: 110,
      render: (v: string | null) =>
        v ? (
          <a href={v} download>
            <DownloadOutlined /> CSV
          </a>
        ) : (
          '—'
        ),
    },
    { title: t('registry.import.startedAt'), dataIndex: 'createdAt', width: 170, render: (v: string) => formatTime(v) },
  ];

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="import-page">
      <Space>
        <Link to="/components">
          <Button icon={<ArrowLeftOutlined />}>{t('registry.detail.back')}</Button>
        </Link>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('registry.import.title')}
        </Typography.Title>
      </Space>
      <Card>
        <Steps
          size="small"
          current={step}
          style={{ marginBottom: 16 }}
          items={[{ title: t('registry.import.stepFile') }, { title: t('registry.import.stepOptions') }, { title: t('registry.import.stepRun') }, { title: t('registry.import.stepReport') }]}
        />
        {step === 0 && (
          <Space orientation="vertical" style={{ width: '100%' }}>
            <div data-testid="import-file">
              <Upload.Dragger
                accept=".csv,.txt,.xlsx,.json,.geojson"
                maxCount={1}
                showUploadList={false}
                beforeUpload={(f) => {
                  void choose(f);
                  return false;
                }}
              >
                <p className="ant-upload-drag-icon">
                  <InboxOutlined />
                </p>
                <p>{t('registry.import.drop')}</p>
                <Typography.Text type="secondary">{t('registry.import.formats')}</Typography.Text>
              </Upload.Dragger>
            </div>
            {file && (
              <Typography.Text data-testid="import-chosen">
                {file.name} · {(file.size / 1024).toFixed(1)} KB · {format?.toUpperCase()}
              </Typography.Text>
            )}
            <Button type="primary" disabled={!file} onClick={() => setStep(1)} data-testid="import-next">
              {t('registry.import.next')}
            </Button>
          </Space>
        )}
        {step === 1 && (
          <Form layout="vertical">
            <Form.Item label={t('registry.import.mapping')} extra={t('registry.import.mappingHelp')}>
              <Table
                size="small"
                pagination={false}
                rowKey="field"
                dataSource={IMPORT_FIELDS.map((f) => ({ field: f }))}
                columns={[
                  { title: t('registry.import.field'), dataIndex: 'field', width: 220, render: (f: string) => `${t(`registry.fields.${f}`, { defaultValue: f })} (${f})` },
                  {
                    title: t('registry.import.sourceColumn'),
                    dataIndex: 'field',
                    render: (f: string) => (
                      <Select
                        style={{ width: '100%' }}
                        allowClear
                        showSearch
                        mode={header ? undefined : 'tags'}
                        maxCount={header ? undefined : 1}
                        value={header ? mapping[f] : mapping[f] ? [mapping[f]] : []}
                        placeholder={t('registry.import.auto')}
                        options={(header ?? []).map((h) => ({ value: h, label: h }))}
                        onChange={(v?: string | string[]) => {
                          const col = Array.isArray(v) ? v[0] : v;
                          setMapping((old) => {
                            const next = { ...old };
                            if (col) next[f] = col;
                            else delete next[f];
                            return next;
                          });
                        }}
                        data-testid={`map-${f}`}
                      />
                    ),
                  },
                ]}
              />
            </Form.Item>
            <Form.Item label={t('registry.import.crs')} extra={t('registry.import.crsHelp')}>
              <Radio.Group value={crs} onChange={(e) => setCrs(e.target.value as Crs)} optionType="button" options={CRS_LIST.map((c) => ({ value: c, label: c }))} data-testid="import-crs" />
            </Form.Item>
            {format === 'csv' && (
              <Form.Item label={t('registry.import.encoding')}>
                <Select style={{ width: 200 }} value={encoding} onChange={setEncoding} options={ENCODINGS.map((e) => ({ value: e, label: e.toUpperCase() }))} />
              </Form.Item>
            )}
            <Form.Item label={t('registry.import.mode')} extra={t(`registry.import.modeHelp.${mode}`)}>
              <Radio.Group
                value={mode}
                onChange={(e) => setMode(e.target.value as typeof mode)}
                options={MODES.map((m) => ({ value: m, label: t(`registry.import.modes.${m}`) }))}
                data-testid="import-mode"
              />
            </Form.Item>
            <Space>
              <Button onClick={() => setStep(0)}>{t('registry.import.back')}</Button>
              <Button type="primary" loading={busy} onClick={() => void run()} data-testid="import-start">
                {t('registry.import.start')}
              </Button>
            </Space>
          </Form>
        )}
        {step === 2 && (
          <Space orientation="vertical" style={{ width: '100%' }} data-testid="import-progress">
            <Progress percent={Math.round(Math.min(1, fraction ?? 0) * 100)} status="active" />
            <Typography.Text>
              {t(`registry.import.statuses.${status}`, { defaultValue: status })} · {t('registry.import.rowsRead', { count: live?.rowsRead ?? imp?.progress.rowsRead ?? 0 })} ·{' '}
              {t('registry.import.rowsInvalidN', { count: live?.rowsInvalid ?? imp?.rowsInvalid ?? 0 })}
              {live?.rowsApplied ? ` · ${t('registry.import.rowsApplied', { count: live.rowsApplied })}` : ''}
            </Typography.Text>
          </Space>
        )}
        {step === 3 && imp && (
          <Space orientation="vertical" style={{ width: '100%' }} data-testid="import-result">
            <Alert
              type={imp.status === 'succeeded' ? (imp.rowsInvalid ? 'warning' : 'success') : 'error'}
              showIcon
              title={t(`registry.import.result.${imp.status}`, { defaultValue: imp.status })}
              description={imp.message ?? undefined}
              data-testid="import-outcome"
              data-status={imp.status}
            />
            <Descriptions size="small" bordered column={3}>
              <Descriptions.Item label={t('registry.import.file')}>{imp.fileName}</Descriptions.Item>
              <Descriptions.Item label={t('registry.import.rows')}>{imp.progress.rowsRead}</Descriptions.Item>
              <Descriptions.Item label={t('registry.import.invalid')}>{imp.rowsInvalid}</Descriptions.Item>
              <Descriptions.Item label={t('registry.import.created')}>{imp.created}</Descriptions.Item>
              <Descriptions.Item label={t('registry.import.updated')}>{imp.updated}</Descriptions.Item>
              <Descriptions.Item label={t('registry.import.unchanged')}>{imp.unchanged}</Descriptions.Item>
            </Descriptions>
            {imp.errorReport && (
              <>
                <Space>
                  <Typography.Text strong>{t('registry.import.errorReport')}</Typography.Text>
                  <Button size="small" icon={<DownloadOutlined />} href={imp.errorReport} download data-testid="error-report-download">
                    {t('registry.import.download')}
                  </Button>
                  {imp.errorsTruncated && <Tag color="orange">{t('registry.import.truncated')}</Tag>}
                </Space>
                <Table<ImportProblem & { key: number }>
                  size="small"
                  rowKey="key"
                  columns={problemColumns}
                  dataSource={problems.map((p, i) => ({ ...p, key: i }))}
                  pagination={problems.length > 20 ? { pageSize: 20 } : false}
                  data-testid="import-problems"
                />
              </>
            )}
            <Space>
              <Button type="primary" onClick={again} data-testid="import-again">
                {t('registry.import.again')}
              </Button>
              <Link to="/components">
                <Button>{t('registry.import.toRegistry')}</Button>
              </Link>
            </Space>
          </Space>
        )}
      </Card>
      <Card size="small" title={t('registry.import.recent')}>
        <Table<ImportView> size="small" rowKey="id" columns={recentColumns} dataSource={recent} pagination={false} data-testid="recent-imports" />
      </Card>
    </Space>
  );
}

function ImportStatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  const color = status === 'succeeded' ? 'green' : status === 'rejected' ? 'orange' : status === 'failed' ? 'red' : 'blue';
  return <Tag color={color}>{t(`registry.import.statuses.${status}`, { defaultValue: status })}</Tag>;
}

import { UploadOutlined } from '@ant-design/icons';
import { Alert, Button, Descriptions, Drawer, Form, Input, Progress, Radio, Select, Space, Steps, Table, Tag, Typography, Upload } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useShowError } from '../../lib/errors';
import { CRS_LIST, formatArea, importRegions, type Crs, type FeatureCollection, type ImportProblem, type ImportReport } from './regionsApi';

interface Parsed {
  fc: FeatureCollection | null;
  error: 'notCollection' | 'badJson' | null;
  keys: string[];
}

function parse(text: string): Parsed {
  if (!text.trim()) return { fc: null, error: null, keys: [] };
  try {
    const x = JSON.parse(text) as unknown;
    if (typeof x !== 'object' || x === null || (x as { type?: unknown }).type !== 'FeatureCollection' || !Array.isArray((x as { features?: unknown }).features))
      return { fc: null, error: 'notCollection', keys: [] };
    const fc = x as FeatureCollection;
    const keys = new Set<string>();
    for (const f of fc.features.slice(0, 200)) for (const k of Object.keys(f?.properties ?? {})) keys.add(k);
    return { fc, error: null, keys: [...keys] };
  } catch {
    return { fc: null, error: 'badJson', keys: [] };
  }
}

const guess = (keys: string[], names: string[]) => names.find((n) => keys.includes(n));

/** Paste or upload GeoJSON → map properties, CRS and mode → dry run and its report → import for real. */
export function ImportWizard({ open, onClose, onImported }: { open: boolean; onClose: () => void; onImported: () => void }) {
  const { t } = useTranslation();
  const showError = useShowError();
  const [step, setStep] = useState(0);
  const [text, setText] = useState('');
  const parsed = useMemo(() => parse(text), [text]);
  const [mapping, setMapping] = useState<{ code?: string; name?: string; parent?: string; level?: string }>({});
  const [crs, setCrs] = useState<Crs>('WGS84');
  const [mode, setMode] = useState<'all-or-nothing' | 'keep-valid'>('all-or-nothing');
  const [report, setReport] = useState<ImportReport | null>(null);
  const [busy, setBusy] = useState(false);

  const m = {
    code: mapping.code ?? guess(parsed.keys, ['code', 'adcode', 'CODE']),
    name: mapping.name ?? guess(parsed.keys, ['name', 'NAME', 'mc']),
    parent: mapping.parent ?? guess(parsed.keys, ['parent', 'parentCode', 'parent_code']),
    level: mapping.level ?? guess(parsed.keys, ['level', 'LEVEL']),
  };
  const keyOptions = parsed.keys.map((k) => ({ value: k, label: k }));

  const run = async (dryRun: boolean) => {
    if (!parsed.fc || !m.code || !m.name) return;
    setBusy(true);
    try {
      const r = await importRegions({
        featureCollection: parsed.fc,
        mapping: { code: m.code, name: m.name, ...(m.parent ? { parent: m.parent } : {}), ...(m.level ? { level: m.level } : {}) },
        crs,
        mode,
        dryRun,
      });
      setReport(r);
      setStep(dryRun ? 2 : 3);
      if (r.committed) onImported();
    } catch (e) {
      showError(e);
    } finally {
      setBusy(false);
    }
  };

  const reset = () => {
    setStep(0);
    setReport(null);
  };
  const close = () => {
    reset();
    onClose();
  };

  const columns = [
    { title: t('regions.import.index'), dataIndex: 'index', width: 80, render: (v: number | null) => (v === null ? '—' : v) },
    { title: t('regions.import.code'), dataIndex: 'code', width: 150, render: (v: string | null) => v ?? '—' },
    { title: t('regions.import.kind'), dataIndex: 'kind', width: 140 },
    {
      title: t('regions.import.severity'),
      dataIndex: 'severity',
      width: 90,
      render: (v: ImportProblem['severity']) => <Tag color={v === 'error' ? 'error' : 'warning'}>{t(`regions.import.sev.${v}`)}</Tag>,
    },
    { title: t('regions.import.message'), dataIndex: 'message' },
    { title: t('regions.import.area'), dataIndex: 'area', width: 110, render: (v?: number) => (v === undefined ? '—' : formatArea(v)) },
  ];

  const canImport = report && (report.summary.errors === 0 || mode === 'keep-valid') && report.summary.valid > 0;

  return (
    <Drawer open={open} onClose={close} title={t('regions.import.title')} size={860} styles={{ body: { paddingTop: 8 } }} destroyOnHidden data-testid="import-wizard">
      <Steps
        size="small"
        current={step}
        style={{ marginBottom: 16 }}
        items={[{ title: t('regions.import.stepSource') }, { title: t('regions.import.stepOptions') }, { title: t('regions.import.stepReport') }, { title: t('regions.import.stepDone') }]}
      />
      {/* the import answers in one request: its progress is indeterminate */}
      {busy && <Progress percent={100} status="active" showInfo={false} data-testid="import-progress" />}
      {step === 0 && (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Upload
            accept=".json,.geojson,application/geo+json,application/json"
            maxCount={1}
            showUploadList={false}
            beforeUpload={(file) => {
              void file.text().then(setText);
              return false;
            }}
          >
            <Button icon={<UploadOutlined />}>{t('regions.import.upload')}</Button>
          </Upload>
          <Input.TextArea
            value={text}
            onChange={(e) => setText(e.target.value)}
            rows={14}
            placeholder={t('regions.import.pastePlaceholder')}
            aria-label={t('regions.import.paste')}
            data-testid="import-text"
            style={{ fontFamily: 'monospace', fontSize: 12 }}
          />
          {parsed.error && <Alert type="error" showIcon title={t(`regions.import.${parsed.error}`)} />}
          {parsed.fc && <Typography.Text type="secondary">{t('regions.import.features', { count: parsed.fc.features.length })}</Typography.Text>}
          <Button type="primary" disabled={!parsed.fc} onClick={() => setStep(1)} data-testid="import-next">
            {t('regions.import.next')}
          </Button>
        </Space>
      )}
      {step === 1 && (
        <Form layout="vertical">
          {(['code', 'name', 'parent', 'level'] as const).map((k) => (
            <Form.Item key={k} label={t(`regions.import.map.${k}`)} required={k === 'code' || k === 'name'}>
              <Select
                allowClear={k === 'parent' || k === 'level'}
                value={m[k]}
                options={keyOptions}
                onChange={(v?: string) => setMapping((old) => ({ ...old, [k]: v ?? '' }))}
                data-testid={`map-${k}`}
              />
            </Form.Item>
          ))}
          <Form.Item label={t('regions.import.crs')}>
            <Radio.Group value={crs} onChange={(e) => setCrs(e.target.value as Crs)} optionType="button" options={CRS_LIST.map((c) => ({ value: c, label: c }))} />
          </Form.Item>
          <Form.Item label={t('regions.import.mode')} extra={t(`regions.import.modeHelp.${mode}`)}>
            <Radio.Group
              value={mode}
              onChange={(e) => setMode(e.target.value as typeof mode)}
              options={[
                { value: 'all-or-nothing', label: t('regions.import.modes.all-or-nothing') },
                { value: 'keep-valid', label: t('regions.import.modes.keep-valid') },
              ]}
            />
          </Form.Item>
          <Space>
            <Button onClick={() => setStep(0)}>{t('regions.import.back')}</Button>
            <Button type="primary" loading={busy} disabled={!m.code || !m.name} onClick={() => void run(true)} data-testid="import-dry-run">
              {t('regions.import.dryRun')}
            </Button>
          </Space>
        </Form>
      )}
      {step >= 2 && report && (
        <Space orientation="vertical" style={{ width: '100%' }} data-testid="import-report">
          {report.committed ? (
            <Alert type="success" showIcon title={t('regions.import.committed', { count: report.summary.imported })} data-testid="import-committed" />
          ) : report.summary.errors > 0 ? (
            <Alert type="error" showIcon title={t('regions.import.hasErrors', { count: report.summary.errors })} />
          ) : (
            <Alert type="info" showIcon title={t('regions.import.dryOk')} />
          )}
          <Descriptions size="small" bordered column={3}>
            <Descriptions.Item label={t('regions.import.sum.features')}>{report.summary.features}</Descriptions.Item>
            <Descriptions.Item label={t('regions.import.sum.valid')}>{report.summary.valid}</Descriptions.Item>
            <Descriptions.Item label={t('regions.import.sum.rejected')}>{report.summary.rejected}</Descriptions.Item>
            <Descriptions.Item label={t('regions.import.sum.errors')}>{report.summary.errors}</Descriptions.Item>
            <Descriptions.Item label={t('regions.import.sum.warnings')}>{report.summary.warnings}</Descriptions.Item>
            <Descriptions.Item label={t('regions.import.sum.imported')}>{report.summary.imported}</Descriptions.Item>
          </Descriptions>
          <Table<ImportProblem & { key: number }>
            size="small"
            data-testid="import-problems"
            columns={columns}
            dataSource={report.problems.map((p, i) => ({ ...p, key: i }))}
            pagination={report.problems.length > 20 ? { pageSize: 20 } : false}
            locale={{ emptyText: t('regions.import.noProblems') }}
          />
          <Space>
            {step === 2 && (
              <>
                <Button onClick={() => setStep(0)} data-testid="import-edit">
                  {t('regions.import.edit')}
                </Button>
                <Button type="primary" disabled={!canImport} loading={busy} onClick={() => void run(false)} data-testid="import-commit">
                  {t('regions.import.commit')}
                </Button>
              </>
            )}
            {step === 3 && (
              <Button type="primary" onClick={close} data-testid="import-close">
                {t('regions.import.close')}
              </Button>
            )}
          </Space>
        </Space>
      )}
    </Drawer>
  );
}

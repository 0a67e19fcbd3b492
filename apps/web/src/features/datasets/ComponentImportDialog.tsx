import { UploadOutlined } from '@ant-design/icons';
import { Alert, Button, Descriptions, Modal, Progress, Radio, Space, Typography, Upload } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useShowError } from '../../lib/errors';
import { useStreamEvents, type StreamMessage } from '../../lib/stream';
import { getComponentImport, RUNNING, startComponentImport, type ComponentImport } from './datasetsApi';

const PROGRESS = 'components.import.progress';
const FINISHED = 'components.import.finished';

/**
 * Upload a CSV, XLSX or GeoJSON file to the components importer and follow it: progress from
 * the importer's SSE events (share of the file read), the record re-read when it finishes or
 * the stream reconnects, and every few seconds as a fallback.
 */
export function ComponentImportDialog({ open, onClose, onFinished }: { open: boolean; onClose: () => void; onFinished: () => void }) {
  const { t } = useTranslation();
  const showError = useShowError();
  const [file, setFile] = useState<File | null>(null);
  const [mode, setMode] = useState<'all-or-nothing' | 'keep-valid'>('all-or-nothing');
  const [job, setJob] = useState<ComponentImport | null>(null);
  const [live, setLive] = useState<{ bytesRead: number; fileSize: number | null; rowsRead: number } | null>(null);
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(
    async (id: string) => {
      try {
        const j = await getComponentImport(id);
        setJob(j);
        if (!RUNNING.includes(j.status)) onFinished();
      } catch (e) {
        showError(e);
      }
    },
    [onFinished, showError],
  );

  useStreamEvents([PROGRESS, FINISHED], (m: StreamMessage) => {
    if (!job) return;
    if (m.type === 'reconnected') return void refresh(job.id);
    if (m.data.importId !== job.id) return;
    if (m.type === FINISHED) return void refresh(job.id);
    setLive({ bytesRead: Number(m.data.bytesRead ?? 0), fileSize: m.data.fileSize == null ? null : Number(m.data.fileSize), rowsRead: Number(m.data.rowsRead ?? 0) });
  });

  const running = job !== null && RUNNING.includes(job.status);
  useEffect(() => {
    if (!running || !job) return;
    const timer = setInterval(() => void refresh(job.id), 3000);
    return () => clearInterval(timer);
  }, [running, job, refresh]);

  const start = async () => {
    if (!file) return;
    setBusy(true);
    try {
      const j = await startComponentImport(file, mode);
      setJob(j);
      setLive(null);
      void refresh(j.id);
    } catch (e) {
      showError(e);
    } finally {
      setBusy(false);
    }
  };

  const close = () => {
    setFile(null);
    setJob(null);
    setLive(null);
    onClose();
  };

  const size = live?.fileSize ?? job?.fileSize ?? null;
  const read = live?.bytesRead ?? job?.progress.bytesRead ?? 0;
  const percent = !job ? 0 : !running ? 100 : size ? Math.min(99, Math.round((read / size) * 100)) : Math.round((job.progress.fraction ?? 0) * 100);

  return (
    <Modal open={open} onCancel={close} title={t('dataManager.componentImport.title')} footer={null} destroyOnHidden width={640}>
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Typography.Paragraph type="secondary">{t('dataManager.componentImport.help')}</Typography.Paragraph>
        <Space>
          <Upload
            accept=".csv,.xlsx,.geojson,.json"
            maxCount={1}
            showUploadList={false}
            beforeUpload={(f) => {
              setFile(f);
              return false;
            }}
          >
            <Button icon={<UploadOutlined />} disabled={running}>
              {t('dataManager.componentImport.choose')}
            </Button>
          </Upload>
          <Typography.Text>{file?.name ?? ''}</Typography.Text>
        </Space>
        <Radio.Group
          value={mode}
          onChange={(e) => setMode(e.target.value as typeof mode)}
          options={[
            { value: 'all-or-nothing', label: t('dataManager.componentImport.modes.all-or-nothing') },
            { value: 'keep-valid', label: t('dataManager.componentImport.modes.keep-valid') },
          ]}
        />
        <Button type="primary" disabled={!file || running} loading={busy} onClick={() => void start()} data-testid="component-import-start">
          {t('dataManager.componentImport.start')}
        </Button>
        {job ? (
          <>
            <Progress percent={percent} status={running ? 'active' : job.status === 'succeeded' ? 'success' : 'exception'} data-testid="component-import-progress" />
            {running ? (
              <Typography.Text>{t('dataManager.componentImport.running', { rows: live?.rowsRead ?? job.progress.rowsRead, status: job.status })}</Typography.Text>
            ) : (
              <Alert
                type={job.status === 'succeeded' ? 'success' : 'error'}
                showIcon
                title={t(`dataManager.outcomes.${job.status}`, { defaultValue: job.status })}
                description={job.message ?? undefined}
                data-testid="component-import-result"
              />
            )}
            <Descriptions size="small" bordered column={3}>
              <Descriptions.Item label={t('dataManager.componentImport.created')}>{job.created}</Descriptions.Item>
              <Descriptions.Item label={t('dataManager.componentImport.updated')}>{job.updated}</Descriptions.Item>
              <Descriptions.Item label={t('dataManager.componentImport.invalid')}>{job.rowsInvalid}</Descriptions.Item>
            </Descriptions>
            {job.errorReport && !running ? (
              <a href={job.errorReport} download>
                {t('dataManager.componentImport.errorReport')}
              </a>
            ) : null}
          </>
        ) : null}
      </Space>
    </Modal>
  );
}

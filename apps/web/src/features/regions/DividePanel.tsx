import { Alert, Button, Checkbox, Descriptions, Form, InputNumber, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useShowError } from '../../lib/errors';
import { divide, formatArea, type DivideResult } from './regionsApi';

/** Target/min/max area → preview (cells drawn by the page over the community) → commit. */
export function DividePanel({
  code,
  existingGrids,
  onPreview,
  onCommitted,
}: {
  code: string;
  existingGrids: number;
  onPreview: (r: DivideResult | null) => void;
  onCommitted: (r: DivideResult) => void;
}) {
  const { t } = useTranslation();
  const showError = useShowError();
  const [target, setTarget] = useState(10_000);
  const [min, setMin] = useState(5_000);
  const [max, setMax] = useState(20_000);
  const [replace, setReplace] = useState(false);
  const [result, setResult] = useState<DivideResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<DivideResult | null>(null);

  const run = async (commit: boolean) => {
    setBusy(true);
    try {
      const r = await divide(code, { targetArea: target, minArea: min, maxArea: max, commit, replace: commit && replace });
      if (commit) {
        setResult(null);
        setDone(r);
        onPreview(null);
        onCommitted(r);
      } else {
        setResult(r);
        setDone(null);
        onPreview(r);
      }
    } catch (e) {
      showError(e);
    } finally {
      setBusy(false);
    }
  };

  const s = result?.stats;
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="divide-panel">
      <Form layout="inline">
        <Form.Item label={t('regions.divide.target')}>
          <InputNumber min={100} max={1_000_000} step={1000} value={target} onChange={(v) => setTarget(v ?? 10_000)} suffix="m²" data-testid="divide-target" />
        </Form.Item>
        <Form.Item label={t('regions.divide.min')}>
          <InputNumber min={0} step={1000} value={min} onChange={(v) => setMin(v ?? 0)} suffix="m²" data-testid="divide-min" />
        </Form.Item>
        <Form.Item label={t('regions.divide.max')}>
          <InputNumber min={100} step={1000} value={max} onChange={(v) => setMax(v ?? 20_000)} suffix="m²" data-testid="divide-max" />
        </Form.Item>
      </Form>
      {existingGrids > 0 && (
        <Checkbox checked={replace} onChange={(e) => setReplace(e.target.checked)} data-testid="divide-replace">
          {t('regions.divide.replace', { count: existingGrids })}
        </Checkbox>
      )}
      <Space>
        <Button loading={busy} onClick={() => void run(false)} data-testid="divide-preview">
          {t('regions.divide.preview')}
        </Button>
        <Button type="primary" loading={busy} disabled={!result || (existingGrids > 0 && !replace)} onClick={() => void run(true)} data-testid="divide-commit">
          {t('regions.divide.commit')}
        </Button>
        {result && (
          <Button
            onClick={() => {
              setResult(null);
              onPreview(null);
            }}
          >
            {t('regions.divide.clear')}
          </Button>
        )}
      </Space>
      {s && (
        <Descriptions size="small" bordered column={3} data-testid="divide-stats">
          <Descriptions.Item label={t('regions.divide.cells')}>{s.cells}</Descriptions.Item>
          <Descriptions.Item label={t('regions.divide.mean')}>{formatArea(s.meanArea)}</Descriptions.Item>
          <Descriptions.Item label={t('regions.divide.range')}>{`${formatArea(s.minArea)} – ${formatArea(s.maxArea)}`}</Descriptions.Item>
          <Descriptions.Item label={t('regions.divide.total')}>{formatArea(s.totalArea)}</Descriptions.Item>
          <Descriptions.Item label={t('regions.divide.communityArea')}>{formatArea(s.communityArea)}</Descriptions.Item>
          <Descriptions.Item label={t('regions.divide.outOfRange')}>{`${s.belowMin} / ${s.aboveMax}`}</Descriptions.Item>
        </Descriptions>
      )}
      {done && <Alert type="success" showIcon title={t('regions.divide.committed', { count: done.stats.cells, replaced: done.replaced })} data-testid="divide-committed" />}
    </Space>
  );
}

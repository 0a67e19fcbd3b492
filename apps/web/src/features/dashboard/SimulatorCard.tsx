import { Card, Input, InputNumber, Space, Switch, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useShowError } from '../../lib/errors';

interface SimulatorStatus {
  available: boolean;
  running: boolean;
  startedAt: string | null;
  rate: number;
  reported: number;
  actions: Record<string, number>;
  conflicts: number;
  errors: number;
  lastError: string | null;
}

/** The demo simulator switch (admins, demo servers): the demo people start working through the API. */
export function SimulatorCard() {
  const { t } = useTranslation();
  const showError = useShowError();
  const [status, setStatus] = useState<SimulatorStatus | null>(null);
  const [rate, setRate] = useState(2);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    api<SimulatorStatus>('/simulator').then(setStatus, () => setStatus(null));
  }, []);
  useEffect(() => {
    load();
    const timer = setInterval(load, 3000);
    return () => clearInterval(timer);
  }, [load]);

  if (!status?.available) return null;
  const toggle = async (running: boolean) => {
    setBusy(true);
    try {
      setStatus(await api<SimulatorStatus>('/simulator', { method: 'POST', body: { running, rate, ...(password ? { password } : {}) } }));
    } catch (err) {
      showError(err);
    } finally {
      setBusy(false);
    }
  };
  const actions = Object.values(status.actions).reduce((s, n) => s + n, 0);
  return (
    <Card title={t('dashboard.simulator.title')} style={{ maxWidth: 560 }} data-testid="simulator-card">
      <Typography.Paragraph type="secondary">{t('dashboard.simulator.hint')}</Typography.Paragraph>
      <Space wrap>
        <Switch checked={status.running} loading={busy} onChange={(v) => void toggle(v)} aria-label={t('dashboard.simulator.title')} />
        <span>{status.running ? t('dashboard.simulator.running') : t('dashboard.simulator.stopped')}</span>
        <InputNumber min={0.1} max={50} step={0.5} value={rate} onChange={(v) => setRate(v ?? 2)} addonAfter={t('dashboard.simulator.perSecond')} aria-label={t('dashboard.simulator.rate')} />
        {!status.running && (
          <Input.Password placeholder={t('dashboard.simulator.password')} value={password} onChange={(e) => setPassword(e.target.value)} style={{ width: 200 }} autoComplete="off" />
        )}
      </Space>
      {status.startedAt && (
        <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
          {t('dashboard.simulator.stats', { reported: status.reported, actions, errors: status.errors })}
        </Typography.Paragraph>
      )}
    </Card>
  );
}

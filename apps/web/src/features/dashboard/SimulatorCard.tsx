import { Typography } from 'antd';
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
  // native inputs and a plain frame: nothing new for the route chunks to share (the case detail page sits at its bundle budget)
  return (
    <section data-testid="simulator-card" style={{ maxWidth: 560, border: '1px solid rgba(5, 5, 5, 0.06)', borderRadius: 8, padding: 16, marginTop: 16 }}>
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        {t('dashboard.simulator.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('dashboard.simulator.hint')}</Typography.Paragraph>
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: 12, alignItems: 'center' }}>
        <label>
          <input type="checkbox" role="switch" checked={status.running} disabled={busy} onChange={(e) => void toggle(e.target.checked)} aria-label={t('dashboard.simulator.title')} />{' '}
          {status.running ? t('dashboard.simulator.running') : t('dashboard.simulator.stopped')}
        </label>
        <label>
          {t('dashboard.simulator.rate')}{' '}
          <input type="number" min={0.1} max={50} step={0.5} value={rate} onChange={(e) => setRate(Number(e.target.value) || 2)} style={{ width: 72 }} />{' '}
          {t('dashboard.simulator.perSecond')}
        </label>
        {!status.running && (
          <input type="password" placeholder={t('dashboard.simulator.password')} value={password} onChange={(e) => setPassword(e.target.value)} style={{ width: 240 }} autoComplete="off" />
        )}
      </div>
      {status.startedAt && (
        <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
          {t('dashboard.simulator.stats', { reported: status.reported, actions, errors: status.errors })}
        </Typography.Paragraph>
      )}
    </section>
  );
}

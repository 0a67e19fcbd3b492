import { Badge, Tag, Tooltip } from 'antd';
import type { TFunction } from 'i18next';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { currentLang } from '../../i18n';
import { formatTime } from '../../lib/format';
import { CASE_ACTIONS, CASE_STATES, type CaseAction, type CaseState, type CaseView, type Light } from '../../lib/types';

/** Label of a state, action, stage, source… in the UI language; an unknown id shows as it is. */
export function stateLabel(t: TFunction, s: string): string {
  return (CASE_STATES as readonly string[]).includes(s) ? t(`cases.states.${s as CaseState}`) : s;
}

export function actionLabel(t: TFunction, a: string): string {
  if ((CASE_ACTIONS as readonly string[]).includes(a)) return t(`cases.actions.${a as CaseAction}`);
  if (a === 'report') return t('cases.timeline.report');
  if (a === 'mergedInto') return t('cases.timeline.mergedInto');
  return a;
}

const STATE_COLOR: Partial<Record<CaseState, string>> = {
  reported: 'blue',
  verifying: 'cyan',
  pendingRegister: 'blue',
  registered: 'geekblue',
  returned: 'orange',
  dispatched: 'purple',
  handling: 'purple',
  handled: 'cyan',
  checking: 'cyan',
  checked: 'lime',
  suspended: 'gold',
  closed: 'green',
  rejected: 'default',
  voided: 'default',
  merged: 'default',
};

export function StateTag({ state }: { state: string }) {
  const { t } = useTranslation();
  return (
    <Tag color={STATE_COLOR[state as CaseState] ?? 'default'} style={{ marginInlineEnd: 0 }} data-state={state}>
      {stateLabel(t, state)}
    </Tag>
  );
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "in 3 hours" / "2 天前" in the UI language. */
export function relativeTime(iso: string, now = Date.now()): string {
  const diff = new Date(iso).getTime() - now;
  const fmt = new Intl.RelativeTimeFormat(currentLang(), { numeric: 'auto' });
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms || unit === 'minute') return fmt.format(Math.round(diff / ms), unit);
  }
  return '';
}

/** Re-renders every 30 s so relative deadlines move on. */
export function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}

const LIGHT_STATUS: Record<Light, 'success' | 'warning' | 'error'> = { green: 'success', yellow: 'warning', red: 'error' };

/** The traffic light of the running stage and its deadline, relative (absolute in the tooltip). */
export function LightBadge({ c, now }: { c: Pick<CaseView, 'light' | 'stageDeadline' | 'stage' | 'extensionPending' | 'state'>; now: number }) {
  const { t } = useTranslation();
  if (!c.stage) return <span>{t('cases.noDeadline')}</span>;
  const text = c.stageDeadline
    ? t('cases.deadlineIn', { stage: t(`cases.stages.${c.stage}`), when: relativeTime(c.stageDeadline, now) })
    : c.extensionPending
      ? t('cases.clockPausedExtension')
      : c.state === 'suspended'
        ? t('cases.clockPausedSuspended')
        : t(`cases.stages.${c.stage}`);
  return (
    <Tooltip title={c.stageDeadline ? `${t(`cases.lights.${c.light}`)} · ${formatTime(c.stageDeadline)}` : t(`cases.lights.${c.light}`)}>
      <span data-light={c.light}>
        <Badge status={LIGHT_STATUS[c.light]} text={text} />
      </span>
    </Tooltip>
  );
}

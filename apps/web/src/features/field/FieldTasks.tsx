import { App, Button, Card, Empty, Flex, Segmented, Spin, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useShowError } from '../../lib/errors';
import type { CaseView } from '../../lib/types';
import { LightBadge, StateTag, useNow } from '../cases/caseLabels';
import { Photos } from '../cases/Photos';
import { useCaseList } from '../cases/useCaseList';
import { useEventClasses } from '../cases/useReference';
import { outbox, type OutboxItem } from './outbox';
import { PhotoPicker } from './PhotoPicker';
import '../cases/cases.css';

const QUERY = { view: 'tasks' };

/** 任务: my verify (核实) and check (核查) tasks, live; each answer goes through the outbox. */
export function FieldTasks({ queued }: { queued: OutboxItem[] }) {
  const { t } = useTranslation();
  const showError = useShowError();
  const list = useCaseList(QUERY, showError);
  const classes = useEventClasses();
  const now = useNow();
  // A task whose answer waits in the outbox is shown as queued rather than answerable again.
  const waiting = new Map(queued.filter((q) => q.kind === 'action' && (q.state === 'pending' || q.state === 'sending')).map((q) => [q.caseId, q]));
  // A refused answer (e.g. the case moved on: 409) is shown with the task, which can be answered again.
  const refused = new Map(queued.filter((q) => q.kind === 'action' && q.state === 'failed').map((q) => [q.caseId, q]));
  const sent = new Set(queued.filter((q) => q.kind === 'action' && q.state === 'sent').map((q) => `${q.caseId}:${String(q.body.version)}`));
  const items = list.items.filter((c) => !sent.has(`${c.id}:${c.version}`));

  if (list.loading && !items.length) return <Spin style={{ display: 'block', margin: '48px auto' }} />;
  if (!items.length) return <Empty description={t('field.noTasks')} style={{ marginTop: 48 }} />;
  return (
    <Flex vertical gap={12} data-testid="field-tasks">
      {items.map((c) => (
        <Card
          key={c.id}
          size="small"
          className={list.fresh.has(c.id) ? 'cg-card cg-case-fresh' : 'cg-card'}
          data-testid={`field-task-${c.id}`}
          title={
            <Flex justify="space-between" align="center" gap={8}>
              <span>{c.number}</span>
              <StateTag state={c.state} />
            </Flex>
          }
        >
          <Flex vertical gap={6}>
            <LightBadge c={c} now={now} />
            <Typography.Text strong>{classes.byCode.get(c.minorClass)?.name ?? c.minorClass}</Typography.Text>
            <Typography.Text>{c.description}</Typography.Text>
            {c.address && <Typography.Text type="secondary">{c.address}</Typography.Text>}
            <Photos shas={c.photos.slice(0, 4)} size={64} />
            {refused.has(c.id) && !waiting.has(c.id) && <Typography.Text type="danger">{refused.get(c.id)!.error}</Typography.Text>}
            {waiting.has(c.id) ? (
              <Tag color="gold" style={{ alignSelf: 'flex-start' }}>
                {t('field.answerQueued')}
              </Tag>
            ) : (
              <TaskActions c={c} />
            )}
          </Flex>
        </Card>
      ))}
    </Flex>
  );
}

function TaskActions({ c }: { c: CaseView }) {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const [outcome, setOutcome] = useState<'passed' | 'failed'>('passed');
  const [photos, setPhotos] = useState<File[]>([]);
  const queue = async (action: 'verify' | 'check', body: Record<string, unknown>, files: File[] = []) => {
    await outbox.add({ kind: 'action', action, caseId: c.id, caseNumber: c.number, label: `${t(`cases.actions.${action}`)} ${c.number}`, body: { version: c.version, ...body }, photos: files });
    void message.success(t('field.answerSaved'));
  };

  if (c.actions.includes('verify')) {
    const verify = (verifyOutcome: 'confirmed' | 'notFound') =>
      modal.confirm({
        title: t('field.confirmVerify', { outcome: t(`cases.verifyOutcomes.${verifyOutcome}`) }),
        okText: t('common.submit'),
        cancelText: t('common.cancel'),
        onOk: () => queue('verify', { verifyOutcome }),
      });
    return (
      <Flex gap={8}>
        <Button type="primary" style={{ flex: 1, height: 52 }} onClick={() => verify('confirmed')} data-testid="field-verify-confirmed">
          {t('cases.verifyOutcomes.confirmed')}
        </Button>
        <Button style={{ flex: 1, height: 52 }} onClick={() => verify('notFound')} data-testid="field-verify-notFound">
          {t('cases.verifyOutcomes.notFound')}
        </Button>
      </Flex>
    );
  }
  if (c.actions.includes('check')) {
    return (
      <Flex vertical gap={8} data-testid="field-check">
        <Segmented
          block
          size="large"
          value={outcome}
          onChange={(v) => setOutcome(v as 'passed' | 'failed')}
          options={[
            { value: 'passed', label: t('cases.checkOutcomes.passed') },
            { value: 'failed', label: t('cases.checkOutcomes.failed') },
          ]}
        />
        <PhotoPicker files={photos} onChange={setPhotos} testId={`field-check-photo-${c.id}`} />
        <Button
          type="primary"
          style={{ height: 52 }}
          disabled={photos.length === 0}
          onClick={() => void queue('check', { checkOutcome: outcome }, photos)}
          data-testid="field-check-submit"
        >
          {photos.length === 0 ? t('field.checkNeedsPhoto') : t('field.submitCheck')}
        </Button>
      </Flex>
    );
  }
  return null;
}

import { ArrowLeftOutlined, ReloadOutlined } from '@ant-design/icons';
import { App, Button, Card, Col, Descriptions, Empty, Flex, Result, Row, Space, Spin, Table, Tag, Timeline, Typography } from 'antd';
import type { DescriptionsProps } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../../lib/api';
import { useShowError } from '../../lib/errors';
import { formatTime } from '../../lib/format';
import { CASE_ACTIONS, type CaseAction, type CaseDuplicate, type CaseEvent, type CaseView, type LimitUnit } from '../../lib/types';
import { ActionDialog, DANGER_ACTIONS, type ActionRequest } from './ActionDialog';
import { actionLabel, LightBadge, StateTag, stateLabel, useNow } from './caseLabels';
import { useCaseSignals } from './caseStream';
import { GridMap, shapesOf, type GridShape } from './GridMap';
import { Photos } from './Photos';
import { useDepartments, useEventClasses } from './useReference';
import './cases.css';

interface Detail {
  case: CaseView;
  timeline: CaseEvent[];
}

/** The main forward step of each state, shown as the primary button. */
const PRIMARY: readonly string[] = ['register', 'dispatch', 'accept', 'handled', 'requestCheck', 'check', 'close', 'verify', 'extendApprove', 'resume'];

function minutes(t: (k: 'cases.minutes', o: { count: number }) => string, n: number) {
  return t('cases.minutes', { count: Math.round(n) });
}

export default function CaseDetailPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useShowError();
  const now = useNow();
  const classes = useEventClasses();
  const depts = useDepartments();
  const [detail, setDetail] = useState<Detail | null>(null);
  const [missing, setMissing] = useState(false);
  const [duplicates, setDuplicates] = useState<CaseDuplicate[]>([]);
  const [grid, setGrid] = useState<GridShape | null>(null);
  const [dialog, setDialog] = useState<ActionRequest | null>(null);
  const [dialogSeq, setDialogSeq] = useState(0);
  const versionRef = useRef<number | null>(null);
  // While the user's own action is in flight its event may arrive first: not "someone else".
  const actingRef = useRef(false);
  useEffect(() => {
    actingRef.current = dialog !== null;
  }, [dialog]);

  const load = useCallback(async () => {
    try {
      const d = await api<Detail>(`/cases/${id}`);
      versionRef.current = d.case.version;
      setDetail(d);
      setMissing(false);
      api<{ items: CaseDuplicate[] }>(`/cases/${id}/duplicates`)
        .then((r) => setDuplicates(r.items))
        .catch(() => setDuplicates([]));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setMissing(true);
      else showError(e);
    }
  }, [id, showError]);

  useEffect(() => {
    setDetail(null);
    void load();
  }, [load]);

  const gridCode = detail?.case.gridCode;
  useEffect(() => {
    if (!gridCode) return;
    let live = true;
    // Handlers of a department have no region scope: the map then shows the point alone.
    api<{ features: Parameters<typeof shapesOf>[0]['features'] }>(`/regions/${gridCode}/geojson`, { query: { depth: 0 } })
      .then((fc) => live && setGrid(shapesOf(fc)[0] ?? null))
      .catch(() => live && setGrid(null));
    return () => {
      live = false;
    };
  }, [gridCode]);

  // Someone else acted on this case: reload it (its actions change) and say so.
  useCaseSignals(
    useCallback(
      (s) => {
        if (s.type === 'reconnected' || s.id === id) {
          void api<Detail>(`/cases/${id}`)
            .then((d) => {
              // Compared with the newest version this page knows when the answer comes (the
              // user's own action may have completed meanwhile).
              const known = versionRef.current;
              if (known !== null && d.case.version < known) return; // an answer overtaken by a newer one
              if (known !== null && d.case.version > known && !actingRef.current) void message.info(t('cases.changedElsewhere'));
              versionRef.current = d.case.version;
              setDetail(d);
            })
            .catch(() => undefined);
        }
      },
      [id, message, t],
    ),
  );

  if (missing) return <Result status="404" title="404" subTitle={t('cases.notFound')} extra={<Link to="/cases">{t('cases.backToList')}</Link>} />;
  if (!detail) return <Spin style={{ display: 'block', margin: '80px auto' }} />;
  const c = detail.case;
  const klass = classes.byCode.get(c.minorClass);
  const deptName = (d: string | null) => (d ? (depts.byId.get(d)?.name ?? d) : '');
  const actions = c.actions.filter((a): a is CaseAction => (CASE_ACTIONS as readonly string[]).includes(a));
  const lastExtensionRequest = [...detail.timeline].reverse().find((e) => e.action === 'extendRequest');
  const requestedExtension = (lastExtensionRequest?.input as { extension?: { amount: number; unit: LimitUnit } } | null)?.extension ?? null;

  const open = (r: ActionRequest) => {
    setDialogSeq((n) => n + 1);
    setDialog(r);
  };

  const items: DescriptionsProps['items'] = [
    { key: 'number', label: t('cases.fields.number'), children: c.number },
    { key: 'state', label: t('cases.fields.state'), children: <StateTag state={c.state} /> },
    { key: 'class', label: t('cases.fields.class'), children: klass ? `${klass.majorName} / ${klass.name} (${c.minorClass})` : c.minorClass },
    { key: 'source', label: t('cases.fields.source'), children: t(`cases.sources.${c.source}`) },
    { key: 'urgency', label: t('cases.fields.urgency'), children: t(`cases.urgency.${c.urgency}`) },
    { key: 'deadline', label: t('cases.fields.deadline'), children: <LightBadge c={c} now={now} /> },
    { key: 'description', label: t('cases.fields.description'), span: 'filled', children: <Typography.Text data-testid="case-description">{c.description}</Typography.Text> },
    { key: 'address', label: t('cases.fields.address'), children: c.address ?? '' },
    { key: 'location', label: t('cases.fields.location'), children: `${c.lng.toFixed(6)}, ${c.lat.toFixed(6)}` },
    { key: 'grid', label: t('cases.fields.grid'), children: grid ? `${grid.name} (${c.gridCode})` : c.gridCode },
    { key: 'regions', label: t('cases.fields.regions'), children: [c.districtCode, c.streetCode, c.communityCode].filter(Boolean).join(' / ') },
    { key: 'department', label: t('cases.fields.department'), children: deptName(c.departmentId) },
    { key: 'proposed', label: t('cases.fields.proposedDepartment'), children: deptName(c.proposedDepartmentId) },
    {
      key: 'reporter',
      label: t('cases.fields.reporter'),
      children: [c.reporter.name, c.reporter.phone, c.reporter.anonymous ? t('cases.anonymous') : null].filter(Boolean).join(' · '),
    },
    ...(c.componentCode ? [{ key: 'component', label: t('cases.fields.component'), children: c.componentCode }] : []),
    ...(c.primaryCaseId ? [{ key: 'primary', label: t('cases.fields.primaryCase'), children: <Link to={`/cases/${c.primaryCaseId}`}>{t('cases.openPrimary')}</Link> }] : []),
    { key: 'reportedAt', label: t('cases.fields.reportedAt'), children: formatTime(c.reportedAt) },
    { key: 'registeredAt', label: t('cases.fields.registeredAt'), children: formatTime(c.registeredAt) },
    { key: 'dispatchedAt', label: t('cases.fields.dispatchedAt'), children: formatTime(c.dispatchedAt) },
    { key: 'handledAt', label: t('cases.fields.handledAt'), children: formatTime(c.handledAt) },
    { key: 'closedAt', label: t('cases.fields.closedAt'), children: formatTime(c.closedAt) },
  ];

  const eventDetails = (e: CaseEvent) => {
    const input = (e.input ?? {}) as Record<string, unknown>;
    const bits: string[] = [];
    if (typeof input.departmentId === 'string') bits.push(`${t('cases.fields.department')}: ${deptName(input.departmentId)}`);
    if (input.verifyOutcome === 'confirmed' || input.verifyOutcome === 'notFound') bits.push(t(`cases.verifyOutcomes.${input.verifyOutcome}`));
    if (input.checkOutcome === 'passed' || input.checkOutcome === 'failed') bits.push(t(`cases.checkOutcomes.${input.checkOutcome}`));
    const ext = input.extension as { amount?: number; unit?: LimitUnit } | undefined;
    if (ext?.amount && ext.unit) bits.push(`${t('cases.fields.extension')}: ${ext.amount} ${t(`cases.units.${ext.unit}`)}`);
    if (typeof input.reviewDate === 'string') bits.push(`${t('cases.fields.reviewDate')}: ${input.reviewDate}`);
    if (typeof input.source === 'string' && e.action === 'report') bits.push(t(`cases.sources.${input.source as CaseView['source']}`));
    return bits;
  };

  return (
    <>
      <Flex justify="space-between" align="center" wrap gap={12} style={{ marginBottom: 16 }}>
        <Space wrap>
          <Link to="/cases">
            <ArrowLeftOutlined /> {t('cases.backToList')}
          </Link>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {t('cases.detailTitle', { number: c.number })}
          </Typography.Title>
          <StateTag state={c.state} />
          {c.stage && <LightBadge c={c} now={now} />}
          {c.supervised && <Tag color="red">{t('cases.supervised')}</Tag>}
          {c.extensionPending && <Tag color="gold">{t('cases.extensionPending')}</Tag>}
        </Space>
        <Space wrap data-testid="case-actions">
          {actions.map((a) => (
            <Button
              key={a}
              data-testid={`action-${a}`}
              type={PRIMARY.includes(a) ? 'primary' : 'default'}
              danger={DANGER_ACTIONS.includes(a)}
              onClick={() => open({ action: a })}
            >
              {actionLabel(t, a)}
            </Button>
          ))}
          <Button icon={<ReloadOutlined />} onClick={() => void load()} aria-label={t('common.refresh')} />
        </Space>
      </Flex>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={15}>
          <Card size="small" title={t('cases.sections.info')}>
            <Descriptions size="small" column={{ xs: 1, md: 2 }} items={items} />
          </Card>
          <Card size="small" title={t('cases.sections.photos')} style={{ marginTop: 16 }}>
            {c.photos.length ? <Photos shas={c.photos} /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('cases.noPhotos')} />}
          </Card>
          <Card size="small" title={t('cases.sections.timeline')} style={{ marginTop: 16 }}>
            <Timeline
              data-testid="case-timeline"
              items={detail.timeline.map((e) => ({
                key: e.id,
                content: (
                  <Flex vertical gap={4} data-event={e.action}>
                    <Space size={8} wrap>
                      <Typography.Text strong>{actionLabel(t, e.action)}</Typography.Text>
                      <Typography.Text type="secondary">{formatTime(e.at)}</Typography.Text>
                      {e.actorName && <Typography.Text type="secondary">{e.actorName}</Typography.Text>}
                    </Space>
                    {e.fromState !== e.toState && (
                      <Typography.Text type="secondary">
                        {e.fromState ? `${stateLabel(t, e.fromState)} → ` : ''}
                        {stateLabel(t, e.toState)}
                      </Typography.Text>
                    )}
                    {eventDetails(e).map((b) => (
                      <Typography.Text key={b}>{b}</Typography.Text>
                    ))}
                    {e.comment && <Typography.Text>{e.comment}</Typography.Text>}
                    <Photos shas={e.photos} size={64} />
                  </Flex>
                ),
              }))}
            />
          </Card>
        </Col>
        <Col xs={24} xl={9}>
          <Card size="small" title={t('cases.sections.map')}>
            <GridMap grids={grid ? [grid] : []} point={[c.lng, c.lat]} highlight={c.gridCode} height={260} testId="case-map" />
          </Card>
          <Card size="small" title={t('cases.sections.duplicates')} style={{ marginTop: 16 }} data-testid="case-duplicates">
            {duplicates.length === 0 ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('cases.noDuplicates')} />
            ) : (
              <Flex vertical gap={8}>
                {duplicates.map((d) => (
                  <Flex key={d.id} justify="space-between" align="center" gap={8}>
                    <Space size={6} wrap>
                      <Link to={`/cases/${d.id}`}>{d.number}</Link>
                      <StateTag state={d.state} />
                      <Typography.Text type="secondary">{t('cases.metres', { count: Math.round(d.distanceM) })}</Typography.Text>
                    </Space>
                    {actions.includes('merge') && (
                      <Button size="small" onClick={() => open({ action: 'merge', preset: { primaryCaseId: d.id } })}>
                        {t('cases.mergeInto')}
                      </Button>
                    )}
                  </Flex>
                ))}
              </Flex>
            )}
          </Card>
          {c.timings.length > 0 && (
            <Card size="small" title={t('cases.sections.timings')} style={{ marginTop: 16 }}>
              <Table
                size="small"
                rowKey="stage"
                pagination={false}
                dataSource={c.timings}
                columns={[
                  { title: t('cases.fields.stage'), dataIndex: 'stage', render: (s: string) => t(`cases.stages.${s as 'register'}`) },
                  { title: t('cases.used'), dataIndex: 'usedMinutes', render: (n: number) => minutes(t, n) },
                  { title: t('cases.limit'), dataIndex: 'limitMinutes', render: (n: number) => minutes(t, n) },
                  {
                    title: t('cases.onTime'),
                    dataIndex: 'onTime',
                    render: (ok: boolean) => <Tag color={ok ? 'green' : 'red'}>{ok ? t('cases.onTimeYes') : t('cases.onTimeNo')}</Tag>,
                  },
                ]}
              />
            </Card>
          )}
        </Col>
      </Row>
      <ActionDialog
        key={dialogSeq}
        c={c}
        request={dialog}
        duplicates={duplicates}
        requestedExtension={requestedExtension}
        onClose={() => setDialog(null)}
        onDone={(updated) => {
          versionRef.current = updated.version;
          setDialog(null);
          setDetail((d) => (d ? { ...d, case: updated } : d));
          void load();
        }}
        onConflict={() => {
          setDialog(null);
          void load();
        }}
      />
    </>
  );
}

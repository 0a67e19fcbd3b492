import { App, Button, Card, Col, Form, Input, Modal, Row, Segmented, Select, Space as AntSpace, Statistic, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useShowError } from '../../lib/errors';
import { formatTime } from '../../lib/format';
import { parkingApi, toFen, uploadSnapshot, yuan, type Lot, type Occupancy, type Session, type Space, type ViolationKind } from './parkingApi';

type SessionFilter = 'all' | 'open' | 'closed' | 'review';
const OCC_COLOUR: Record<string, string> = { closed: 'default', full: 'red', almostFull: 'orange', spacesAvailable: 'green' };

/** The review of a flagged session: close / confirm / adjust / void with a note. */
function ReviewDialog({ session, onClose }: { session: Session | null; onClose: (changed: boolean) => void }) {
  const { t } = useTranslation();
  const showError = useShowError();
  const [form] = Form.useForm<{ decision: string; fee?: string; exitedAt?: string; note: string }>();
  const decision = Form.useWatch('decision', form);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (session) form.setFieldsValue({ decision: session.status === 'open' ? 'close' : 'confirm', fee: session.feeFen !== null ? yuan(session.feeFen) : '', note: '' });
  }, [session, form]);
  const submit = async () => {
    if (!session) return;
    const v = await form.validateFields();
    setBusy(true);
    try {
      const fee = v.fee ? toFen(v.fee) : null;
      await parkingApi.review(session.id, {
        decision: v.decision,
        note: v.note,
        ...(v.decision === 'adjust' && fee !== null ? { feeFen: fee } : {}),
        ...(v.decision === 'close' && v.exitedAt ? { exitedAt: new Date(v.exitedAt).toISOString() } : {}),
      });
      onClose(true);
    } catch (e) {
      showError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open={!!session} title={t('parking.console.reviewTitle', { plate: session?.plate ?? '' })} onCancel={() => onClose(false)} onOk={() => void submit()} confirmLoading={busy} okText={t('common.submit')} cancelText={t('common.cancel')} destroyOnHidden>
      <Form form={form} layout="vertical">
        <Form.Item name="decision" label={t('parking.console.decision')} rules={[{ required: true }]}>
          <Select data-testid="parking-review-decision" options={(['close', 'confirm', 'adjust', 'void'] as const).map((d) => ({ value: d, label: t(`parking.console.decisions.${d}`) }))} />
        </Form.Item>
        {decision === 'close' && (
          <Form.Item name="exitedAt" label={t('parking.console.exitedAt')}>
            <Input type="datetime-local" />
          </Form.Item>
        )}
        {decision === 'adjust' && (
          <Form.Item name="fee" label={t('parking.console.feeYuan')} rules={[{ required: true, validator: async (_, v: string) => (toFen(v ?? '') === null ? Promise.reject(new Error(t('parking.m.badPrice'))) : undefined) }]}>
            <Input suffix="元" />
          </Form.Item>
        )}
        <Form.Item name="note" label={t('parking.console.note')} rules={[{ required: true, min: 2, message: t('parking.console.noteRequired') }]}>
          <Input.TextArea rows={2} data-testid="parking-review-note" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Report illegal parking at the lot (fire lane, blocking): it becomes a case in the lot's grid. */
function ViolationDialog({ lot, onClose }: { lot: Lot | null; onClose: (caseNumber: string | null) => void }) {
  const { t } = useTranslation();
  const showError = useShowError();
  const [form] = Form.useForm<{ kind: ViolationKind; plate: string; note?: string }>();
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  // one key per opened dialog: a double click or a retry after a network error makes one case
  const [key, setKey] = useState(() => String(Date.now()));
  useEffect(() => {
    if (lot) {
      form.setFieldsValue({ kind: 'fireLane', plate: '', note: '' });
      setFile(null);
      setKey(`violation-${lot.id}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    }
  }, [lot, form]);
  const submit = async () => {
    if (!lot) return;
    const v = await form.validateFields();
    setBusy(true);
    try {
      const photos = file ? [await uploadSnapshot(file)] : [];
      const r = await parkingApi.reportViolation({ lotId: lot.id, kind: v.kind, plate: v.plate.trim(), ...(v.note ? { note: v.note } : {}), ...(photos.length ? { photos } : {}) }, key);
      onClose(r.case.number);
    } catch (e) {
      showError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open={!!lot} title={t('parking.console.violationTitle', { lot: lot?.name ?? '' })} onCancel={() => onClose(null)} onOk={() => void submit()} confirmLoading={busy} okText={t('parking.console.violationSubmit')} cancelText={t('common.cancel')} destroyOnHidden>
      <Typography.Paragraph type="secondary">{t('parking.console.violationHelp')}</Typography.Paragraph>
      <Form form={form} layout="vertical">
        <Form.Item name="kind" label={t('parking.console.violationKind')} rules={[{ required: true }]}>
          <Select data-testid="parking-violation-kind" options={(['fireLane', 'blocking', 'other'] as const).map((k) => ({ value: k, label: t(`parking.console.violationKinds.${k}`) }))} />
        </Form.Item>
        <Form.Item name="plate" label={t('parking.plate')} rules={[{ required: true, min: 2, message: t('parking.console.violationPlateRequired') }]}>
          <Input data-testid="parking-violation-plate" placeholder="苏A12345" />
        </Form.Item>
        <Form.Item label={t('parking.console.violationSnapshot')}>
          <input type="file" accept="image/jpeg,image/png,image/webp" data-testid="parking-violation-photo" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </Form.Item>
        <Form.Item name="note" label={t('parking.console.note')}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Add numbered spaces to a lot (an owner id makes a shared private space). */
function AddSpaceForm({ lotId, onAdded }: { lotId: string; onAdded: () => void }) {
  const { t } = useTranslation();
  const showError = useShowError();
  const [form] = Form.useForm<{ code: string; type: string; level?: string; ownerId?: string }>();
  const add = async () => {
    const v = await form.validateFields();
    try {
      await parkingApi.addSpaces(lotId, [{ code: v.code, type: v.type, ...(v.level ? { level: v.level } : {}), ...(v.ownerId ? { ownerId: v.ownerId } : {}) }]);
      form.resetFields();
      onAdded();
    } catch (e) {
      showError(e);
    }
  };
  return (
    <Form form={form} layout="inline" initialValues={{ type: 'standard' }} style={{ marginBottom: 12, rowGap: 8 }}>
      <Form.Item name="code" rules={[{ required: true, message: t('parking.console.codeRequired') }]}>
        <Input placeholder={t('parking.console.code')} style={{ width: 100 }} />
      </Form.Item>
      <Form.Item name="type">
        <Select style={{ width: 120 }} options={(['standard', 'ev', 'accessible', 'large'] as const).map((x) => ({ value: x, label: t(`parking.spaceTypes.${x}`) }))} />
      </Form.Item>
      <Form.Item name="level">
        <Input placeholder={t('parking.console.level')} style={{ width: 80 }} />
      </Form.Item>
      <Form.Item name="ownerId">
        <Input placeholder={t('parking.console.ownerId')} style={{ width: 280 }} />
      </Form.Item>
      <Button onClick={() => void add()}>{t('parking.console.addSpace')}</Button>
    </Form>
  );
}

/** Operator console: lots with live occupancy, a lot's spaces, its sessions and the review queue. */
export default function ParkingConsolePage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useShowError();
  const [lots, setLots] = useState<Lot[]>([]);
  const [occ, setOcc] = useState<Map<string, Occupancy>>(new Map());
  const [lotId, setLotId] = useState<string | null>(null);
  const [spaces, setSpaces] = useState<Space[]>([]);
  const [sessions, setSessions] = useState<Session[]>([]);
  const [filter, setFilter] = useState<SessionFilter>('all');
  const [reviewing, setReviewing] = useState<Session | null>(null);
  const [reportingAt, setReportingAt] = useState<Lot | null>(null);

  const loadLots = useCallback(() => {
    void parkingApi.lots({ limit: 200 }).then((r) => {
      setLots(r.items);
      setLotId((cur) => cur ?? r.items[0]?.id ?? null);
    }, showError);
    void parkingApi.occupancy().then((r) => setOcc(new Map(r.items.map((o) => [o.lotId, o]))), () => setOcc(new Map()));
  }, [showError]);
  useEffect(loadLots, [loadLots]);

  const loadLot = useCallback(() => {
    if (!lotId) return;
    void parkingApi.spaces(lotId).then((r) => setSpaces(r.items), showError);
    const q = filter === 'review' ? { review: true } : filter === 'all' ? {} : { status: filter };
    void parkingApi.sessions(lotId, q).then((r) => setSessions(r.items), showError);
  }, [lotId, filter, showError]);
  useEffect(loadLot, [loadLot]);

  const o = lotId ? occ.get(lotId) : undefined;
  return (
    <AntSpace direction="vertical" size={16} style={{ width: '100%' }} data-testid="parking-console">
      <Card
        title={t('parking.console.lots')}
        extra={
          <AntSpace>
            <Link to="/parking/m">{t('parking.console.residentApp')}</Link>
            <Button danger disabled={!lotId} onClick={() => setReportingAt(lots.find((l) => l.id === lotId) ?? null)} data-testid="parking-violation">
              {t('parking.console.violation')}
            </Button>
            <Button onClick={() => (loadLots(), loadLot())}>{t('common.refresh')}</Button>
          </AntSpace>
        }
      >
        <Table<Lot>
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={lots}
          onRow={(l) => ({ onClick: () => setLotId(l.id), style: { cursor: 'pointer', background: l.id === lotId ? '#e6f4ff' : undefined } })}
          columns={[
            { title: t('parking.console.name'), dataIndex: 'name' },
            { title: t('parking.console.type'), dataIndex: 'type', render: (v: Lot['type']) => t(`parking.lotTypes.${v}`) },
            { title: t('parking.console.capacity'), dataIndex: 'capacity' },
            { title: t('parking.console.occupied'), key: 'occupied', render: (_, l) => occ.get(l.id)?.occupied ?? '–' },
            { title: t('parking.console.reserved'), key: 'reserved', render: (_, l) => occ.get(l.id)?.reserved ?? '–' },
            { title: t('parking.console.free'), key: 'free', render: (_, l) => occ.get(l.id)?.free ?? '–' },
            {
              title: t('parking.console.status'),
              key: 'status',
              render: (_, l) => {
                const s = occ.get(l.id)?.status;
                return s ? <Tag color={OCC_COLOUR[s]}>{t(`parking.occupancy.${s}` as 'parking.occupancy.full', { defaultValue: s })}</Tag> : '–';
              },
            },
          ]}
        />
      </Card>
      {lotId && (
        <>
          {o && (
            <Row gutter={16}>
              {(['capacity', 'occupied', 'reserved', 'free'] as const).map((k) => (
                <Col span={6} key={k}>
                  <Card size="small">
                    <Statistic title={t(`parking.console.${k}`)} value={o[k]} data-testid={`parking-occ-${k}`} />
                  </Card>
                </Col>
              ))}
            </Row>
          )}
          <Card title={t('parking.console.sessions')} extra={<Segmented<SessionFilter> value={filter} onChange={setFilter} options={(['all', 'open', 'closed', 'review'] as const).map((x) => ({ value: x, label: t(`parking.console.filters.${x}`) }))} />}>
            <Table<Session>
              rowKey="id"
              size="small"
              dataSource={sessions}
              pagination={{ pageSize: 20 }}
              columns={[
                { title: t('parking.plate'), dataIndex: 'plate' },
                { title: t('parking.console.kind'), dataIndex: 'kind', render: (v: string) => t(`parking.sessionKinds.${v}` as 'parking.sessionKinds.walkIn', { defaultValue: v }) },
                { title: t('parking.console.status'), dataIndex: 'status', render: (v: string) => t(`parking.sessionStatuses.${v}` as 'parking.sessionStatuses.open', { defaultValue: v }) },
                { title: t('parking.console.entered'), dataIndex: 'enteredAt', render: (v: string | null) => formatTime(v) },
                { title: t('parking.console.exited'), dataIndex: 'exitedAt', render: (v: string | null) => formatTime(v) },
                { title: t('parking.fee'), dataIndex: 'feeFen', render: (v: number | null) => (v === null ? '–' : `¥${yuan(v)}`) },
                {
                  title: t('parking.console.review'),
                  key: 'review',
                  render: (_, s) =>
                    s.reviewStatus === 'pending' ? (
                      <AntSpace>
                        {s.reviewReasons.map((r) => (
                          <Tag color="orange" key={r}>
                            {t(`parking.reviewReasons.${r}` as 'parking.reviewReasons.noExit', { defaultValue: r })}
                          </Tag>
                        ))}
                        <Button size="small" type="primary" onClick={() => setReviewing(s)} data-testid="parking-review">
                          {t('parking.console.decide')}
                        </Button>
                      </AntSpace>
                    ) : s.reviewStatus === 'none' ? (
                      ''
                    ) : (
                      <Typography.Text type="secondary">{t(`parking.console.reviewStatuses.${s.reviewStatus}` as 'parking.console.reviewStatuses.resolved', { defaultValue: s.reviewStatus })}</Typography.Text>
                    ),
                },
              ]}
            />
          </Card>
          <Card title={t('parking.console.spaces')}>
            <AddSpaceForm lotId={lotId} onAdded={loadLot} />
            <Table<Space>
              rowKey="id"
              size="small"
              dataSource={spaces}
              pagination={{ pageSize: 20 }}
              columns={[
                { title: t('parking.console.code'), dataIndex: 'code' },
                { title: t('parking.console.type'), dataIndex: 'type', render: (v: Space['type']) => t(`parking.spaceTypes.${v}`) },
                { title: t('parking.console.level'), dataIndex: 'level' },
                { title: t('parking.console.status'), dataIndex: 'status', render: (v: string) => t(`parking.spaceStatuses.${v}` as 'parking.spaceStatuses.active', { defaultValue: v }) },
                { title: t('parking.console.pooled'), dataIndex: 'pooled', render: (v: boolean) => (v ? '✓' : '') },
                { title: t('parking.console.sharedPrice'), key: 'shared', render: (_, s) => (s.shared ? (s.pricePerHourFen !== null ? `¥${yuan(s.pricePerHourFen)}/h` : t('parking.m.notSharing')) : '') },
              ]}
            />
          </Card>
        </>
      )}
      <ViolationDialog
        lot={reportingAt}
        onClose={(number) => {
          setReportingAt(null);
          if (number) void message.success(t('parking.console.violationReported', { number }));
        }}
      />
      <ReviewDialog
        session={reviewing}
        onClose={(changed) => {
          setReviewing(null);
          if (changed) {
            void message.success(t('parking.console.reviewed'));
            loadLot();
          }
        }}
      />
    </AntSpace>
  );
}

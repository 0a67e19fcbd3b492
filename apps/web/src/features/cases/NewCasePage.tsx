import { ArrowLeftOutlined } from '@ant-design/icons';
import type { FormInstance } from 'antd';
import { Alert, App, Button, Card, Col, Flex, Form, Input, InputNumber, Result, Row, Select, Space, Spin, Tag, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, ApiError } from '../../lib/api';
import { errorText } from '../../lib/errors';
import type { CaseDuplicate, CaseView, Located, NewCase } from '../../lib/types';
import { actOnCase, newIdempotencyKey } from './caseApi';
import { StateTag } from './caseLabels';
import { GridMap, useVisibleGrids } from './GridMap';
import { PhotoUploader } from './PhotoUploader';
import { useEventClasses } from './useReference';

interface Values {
  minorClass?: string;
  description?: string;
  address?: string;
  callerName?: string;
  callerPhone?: string;
  lng?: number;
  lat?: number;
  photos?: string[];
}

const FIELDS = ['minorClass', 'description', 'address', 'callerName', 'callerPhone', 'lng', 'lat', 'photos'];
const SERVER_FIELD: Record<string, string> = { 'reporter.name': 'callerName', 'reporter.phone': 'callerPhone' };

/** The located grid of a point, looked up as the operator picks it (debounced). */
function useLocated(lng: number | undefined, lat: number | undefined) {
  const [located, setLocated] = useState<Located | null | 'outside'>(null);
  useEffect(() => {
    if (typeof lng !== 'number' || typeof lat !== 'number') {
      setLocated(null);
      return;
    }
    const ctrl = new AbortController();
    const timer = setTimeout(() => {
      api<Located>('/locate', { query: { lng, lat, strict: true }, signal: ctrl.signal })
        .then(setLocated)
        .catch((e: unknown) => {
          if (e instanceof ApiError && e.status === 404) setLocated('outside');
        });
    }, 200);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [lng, lat]);
  return located;
}

/** Hotline (12345) intake by an operator: class, what the caller says, where — picked on the grid map or typed. */
export default function NewCasePage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const classes = useEventClasses();
  const { grids } = useVisibleGrids();
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  // One key per case being typed: a retried submit after a network error files it once.
  const [key, setKey] = useState(newIdempotencyKey);
  const [created, setCreated] = useState<{ case: CaseView; duplicates: CaseDuplicate[] } | null>(null);
  const [formSeq, setFormSeq] = useState(0);
  const lng = Form.useWatch('lng', form);
  const lat = Form.useWatch('lat', form);
  const located = useLocated(lng ?? undefined, lat ?? undefined);
  const classOptions = useMemo(
    () =>
      [...new Set(classes.items.map((c) => c.majorCode))].map((major) => {
        const members = classes.items.filter((c) => c.majorCode === major);
        return { label: `${major} ${members[0]?.majorName ?? ''}`, options: members.map((c) => ({ value: c.code, label: `${c.code} ${c.name}` })) };
      }),
    [classes.items],
  );

  const submit = async (v: Values) => {
    setSaving(true);
    setFormError(null);
    const body: NewCase = {
      source: 'hotline',
      classKind: 'event',
      minorClass: v.minorClass!,
      lng: v.lng!,
      lat: v.lat!,
      description: v.description!.trim(),
      ...(v.address?.trim() ? { address: v.address.trim() } : {}),
      ...(v.photos?.length ? { photos: v.photos } : {}),
    };
    if (v.callerName?.trim() || v.callerPhone?.trim()) {
      body.reporter = { ...(v.callerName?.trim() ? { name: v.callerName.trim() } : {}), ...(v.callerPhone?.trim() ? { phone: v.callerPhone.trim() } : {}) };
    }
    try {
      const res = await api<{ case: CaseView; duplicates: CaseDuplicate[] }>('/cases', { method: 'POST', body, headers: { 'Idempotency-Key': key } });
      setCreated(res);
      void message.success(t('cases.intake.created', { number: res.case.number }));
    } catch (e) {
      let placed = false;
      if (e instanceof ApiError && e.problem.errors?.length) {
        const fields = e.problem.errors
          .map((x) => ({ name: SERVER_FIELD[x.field] ?? x.field.split('.')[0]!, errors: [x.reason] }))
          .filter((x) => FIELDS.includes(x.name));
        (form as FormInstance).setFields(fields);
        placed = fields.length > 0;
      }
      setFormError(placed && e instanceof ApiError && !e.problem.detail ? t('cases.checkFields') : errorText(e));
    } finally {
      setSaving(false);
    }
  };

  const again = () => {
    setCreated(null);
    setKey(newIdempotencyKey());
    setFormSeq((n) => n + 1);
    form.resetFields();
  };

  if (created) return <Created created={created} onAgain={again} onMerged={(c) => setCreated({ ...created, case: c })} />;

  const point: [number, number] | null = typeof lng === 'number' && typeof lat === 'number' ? [lng, lat] : null;
  const loc = located && located !== 'outside' ? located : null;
  const grid = loc?.grid ?? null;

  return (
    <>
      <Flex align="center" gap={12} style={{ marginBottom: 16 }}>
        <Link to="/cases">
          <ArrowLeftOutlined /> {t('cases.backToList')}
        </Link>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('cases.intake.title')}
        </Typography.Title>
      </Flex>
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="intake-error" />}
      <Form<Values> key={formSeq} form={form} layout="vertical" onFinish={(v) => void submit(v)} data-testid="intake-form">
        <Row gutter={24}>
          <Col xs={24} xl={10}>
            <Form.Item name="minorClass" label={t('cases.fields.class')} rules={[{ required: true, message: t('cases.intake.classRequired') }]}>
              <Select showSearch={{ optionFilterProp: 'label' }} options={classOptions} data-testid="intake-class" placeholder={t('cases.intake.classPlaceholder')} />
            </Form.Item>
            <Form.Item name="description" label={t('cases.fields.description')} rules={[{ required: true, whitespace: true, message: t('cases.intake.descriptionRequired') }]}>
              <Input.TextArea rows={4} maxLength={2000} showCount data-testid="intake-description" />
            </Form.Item>
            <Form.Item name="address" label={t('cases.fields.address')}>
              <Input maxLength={200} data-testid="intake-address" />
            </Form.Item>
            <Row gutter={12}>
              <Col span={12}>
                <Form.Item name="callerName" label={t('cases.intake.callerName')}>
                  <Input maxLength={50} data-testid="intake-caller-name" />
                </Form.Item>
              </Col>
              <Col span={12}>
                <Form.Item
                  name="callerPhone"
                  label={t('cases.intake.callerPhone')}
                  rules={[{ pattern: /^\+?[0-9][0-9 -]{6,19}$/, message: t('cases.intake.phoneInvalid') }]}
                >
                  <Input inputMode="tel" data-testid="intake-caller-phone" />
                </Form.Item>
              </Col>
            </Row>
            <Form.Item name="photos" label={t('cases.sections.photos')}>
              <PhotoUploader testId="intake-photos" />
            </Form.Item>
          </Col>
          <Col xs={24} xl={14}>
            <Form.Item label={t('cases.intake.location')} required extra={t('cases.intake.locationHint')}>
              {grids === null ? (
                <Spin />
              ) : (
                <GridMap
                  grids={grids}
                  point={point}
                  highlight={grid?.code}
                  onPick={(x, y) => form.setFieldsValue({ lng: x, lat: y })}
                  height={380}
                  testId="intake-map"
                />
              )}
            </Form.Item>
            <Space align="start" wrap>
              <Form.Item name="lng" label={t('cases.intake.lng')} rules={[{ required: true, message: t('cases.intake.locationRequired') }]}>
                <InputNumber min={-180} max={180} step={0.0001} style={{ width: 160 }} data-testid="intake-lng" />
              </Form.Item>
              <Form.Item name="lat" label={t('cases.intake.lat')} rules={[{ required: true, message: t('cases.intake.locationRequired') }]}>
                <InputNumber min={-90} max={90} step={0.0001} style={{ width: 160 }} data-testid="intake-lat" />
              </Form.Item>
              <Form.Item label={t('cases.fields.grid')}>
                <span data-testid="intake-located">
                  {located === 'outside' ? (
                    <Tag color="red">{t('cases.intake.outside')}</Tag>
                  ) : grid ? (
                    <Tag color="blue">
                      {[loc?.street?.name, loc?.community?.name, grid.name].filter(Boolean).join(' / ')}{' '}
                      ({grid.code})
                    </Tag>
                  ) : (
                    <Typography.Text type="secondary">{t('cases.intake.pickOnMap')}</Typography.Text>
                  )}
                </span>
              </Form.Item>
            </Space>
          </Col>
        </Row>
        <Button type="primary" htmlType="submit" loading={saving} size="large" data-testid="intake-submit">
          {t('cases.intake.submit')}
        </Button>
      </Form>
    </>
  );
}

/** After filing: the new case, and the open cases of the same class nearby it may duplicate. */
function Created({ created, onAgain, onMerged }: { created: { case: CaseView; duplicates: CaseDuplicate[] }; onAgain: () => void; onMerged: (c: CaseView) => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [merging, setMerging] = useState<string | null>(null);
  const c = created.case;
  const canMerge = c.actions.includes('merge') && c.state !== 'merged';
  const merge = async (primaryId: string) => {
    setMerging(primaryId);
    try {
      onMerged(await actOnCase(c.id, 'merge', { version: c.version, primaryCaseId: primaryId }, newIdempotencyKey()));
      void message.success(t('cases.actionDone', { action: t('cases.actions.merge') }));
    } catch (e) {
      void message.error(errorText(e));
    } finally {
      setMerging(null);
    }
  };
  return (
    <Result
      status="success"
      title={t('cases.intake.created', { number: c.number })}
      subTitle={<StateTag state={c.state} />}
      extra={[
        <Link key="open" to={`/cases/${c.id}`}>
          <Button type="primary">{t('cases.intake.open')}</Button>
        </Link>,
        <Button key="again" onClick={onAgain} data-testid="intake-again">
          {t('cases.intake.another')}
        </Button>,
      ]}
    >
      <Card size="small" title={t('cases.intake.duplicatesTitle')} data-testid="intake-duplicates">
        {created.duplicates.length === 0 ? (
          <Typography.Text type="secondary">{t('cases.noDuplicates')}</Typography.Text>
        ) : (
          <Flex vertical gap={8}>
            <Typography.Text type="secondary">{t('cases.intake.duplicatesHint')}</Typography.Text>
            {created.duplicates.map((d) => (
              <Flex key={d.id} justify="space-between" align="center" gap={8}>
                <Space wrap>
                  <Link to={`/cases/${d.id}`}>{d.number}</Link>
                  <StateTag state={d.state} />
                  <Typography.Text type="secondary">{t('cases.metres', { count: Math.round(d.distanceM) })}</Typography.Text>
                </Space>
                {canMerge && (
                  <Button size="small" loading={merging === d.id} onClick={() => void merge(d.id)}>
                    {t('cases.mergeInto')}
                  </Button>
                )}
              </Flex>
            ))}
          </Flex>
        )}
      </Card>
    </Result>
  );
}

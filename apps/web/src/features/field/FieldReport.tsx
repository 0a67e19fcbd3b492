import { AimOutlined, EditOutlined } from '@ant-design/icons';
import { App, Button, Card, Flex, Form, Input, InputNumber, Select, Tag, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../lib/api';
import type { Located } from '../../lib/types';
import { useEventClasses } from '../cases/useReference';
import { outbox } from './outbox';
import { PhotoPicker } from './PhotoPicker';

interface Values {
  minorClass?: string;
  description?: string;
  address?: string;
}

type Fix = { lng: number; lat: number; accuracy?: number; manual?: boolean };

/** 上报: photo, position (GPS, or typed when GPS is unavailable), class and description; queued in the outbox. */
export function FieldReport({ online }: { online: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const classes = useEventClasses();
  const [photos, setPhotos] = useState<File[]>([]);
  const [fix, setFix] = useState<Fix | null>(null);
  const [locating, setLocating] = useState(false);
  const [gpsError, setGpsError] = useState<string | null>(null);
  const [manual, setManual] = useState(false);
  const [located, setLocated] = useState<Located | 'outside' | null>(null);
  const [saving, setSaving] = useState(false);

  const locate = useCallback(() => {
    if (!('geolocation' in navigator)) {
      setGpsError(t('field.gpsUnavailable'));
      setManual(true);
      return;
    }
    setLocating(true);
    setGpsError(null);
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        setLocating(false);
        setFix({ lng: Math.round(pos.coords.longitude * 1e6) / 1e6, lat: Math.round(pos.coords.latitude * 1e6) / 1e6, accuracy: pos.coords.accuracy });
      },
      (err) => {
        setLocating(false);
        setGpsError(err.code === err.PERMISSION_DENIED ? t('field.gpsDenied') : t('field.gpsFailed'));
        setManual(true);
      },
      { enableHighAccuracy: true, timeout: 15_000, maximumAge: 30_000 },
    );
  }, [t]);

  useEffect(() => locate(), [locate]);

  // Which grid the point is in (when online; the server locates it again at intake anyway).
  useEffect(() => {
    setLocated(null);
    if (!fix || !online) return;
    const ctrl = new AbortController();
    api<Located>('/locate', { query: { lng: fix.lng, lat: fix.lat, strict: true }, signal: ctrl.signal })
      .then(setLocated)
      .catch((e: unknown) => e instanceof ApiError && e.status === 404 && setLocated('outside'));
    return () => ctrl.abort();
  }, [fix, online]);

  const classOptions = useMemo(() => classes.items.map((c) => ({ value: c.code, label: `${c.name}（${c.majorName}）` })), [classes.items]);

  const submit = async (v: Values) => {
    if (!fix) {
      void message.error(t('field.needLocation'));
      return;
    }
    setSaving(true);
    try {
      await outbox.add({
        kind: 'report',
        label: v.description!.trim(),
        body: {
          classKind: 'event',
          minorClass: v.minorClass,
          lng: fix.lng,
          lat: fix.lat,
          description: v.description!.trim(),
          ...(v.address?.trim() ? { address: v.address.trim() } : {}),
        },
        photos,
      });
      void message.success(online ? t('field.queuedOnline') : t('field.queuedOffline'));
      form.resetFields();
      setPhotos([]);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Form<Values> form={form} layout="vertical" size="large" onFinish={(v) => void submit(v)} data-testid="field-report-form" requiredMark={false}>
      <Form.Item label={t('field.photos')}>
        <PhotoPicker files={photos} onChange={setPhotos} testId="field-report-photo" />
      </Form.Item>
      <Form.Item label={t('field.location')}>
        <Card size="small" data-testid="field-location">
          {fix ? (
            <Flex vertical gap={4}>
              <Typography.Text data-testid="field-coords">
                {fix.lng.toFixed(6)}, {fix.lat.toFixed(6)}
                {fix.accuracy ? ` ±${Math.round(fix.accuracy)} m` : ''}
                {fix.manual ? ` (${t('field.manual')})` : ''}
              </Typography.Text>
              {located === 'outside' ? (
                <Tag color="red">{t('field.outside')}</Tag>
              ) : located?.grid ? (
                <Typography.Text type="secondary" data-testid="field-grid">
                  {[located.community?.name, located.grid.name].filter(Boolean).join(' / ')}
                </Typography.Text>
              ) : null}
            </Flex>
          ) : (
            <Typography.Text type="secondary">{locating ? t('field.locating') : (gpsError ?? t('field.noLocation'))}</Typography.Text>
          )}
          <Flex gap={8} style={{ marginTop: 8 }}>
            <Button icon={<AimOutlined />} onClick={locate} loading={locating} style={{ flex: 1, height: 48 }}>
              {t('field.relocate')}
            </Button>
            <Button icon={<EditOutlined />} onClick={() => setManual((m) => !m)} style={{ flex: 1, height: 48 }}>
              {t('field.manualEntry')}
            </Button>
          </Flex>
          {manual && <ManualFix onSet={(f) => setFix({ ...f, manual: true })} initial={fix} />}
        </Card>
      </Form.Item>
      <Form.Item name="minorClass" label={t('cases.fields.class')} rules={[{ required: true, message: t('cases.intake.classRequired') }]}>
        <Select
          showSearch={{ optionFilterProp: 'label' }}
          options={classOptions}
          placeholder={t('cases.intake.classPlaceholder')}
          data-testid="field-class"
          listHeight={320}
        />
      </Form.Item>
      <Form.Item name="description" label={t('cases.fields.description')} rules={[{ required: true, whitespace: true, message: t('cases.intake.descriptionRequired') }]}>
        <Input.TextArea rows={3} maxLength={2000} data-testid="field-description" />
      </Form.Item>
      <Form.Item name="address" label={t('cases.fields.address')}>
        <Input maxLength={200} data-testid="field-address" />
      </Form.Item>
      <Button type="primary" htmlType="submit" block loading={saving} style={{ height: 56, fontSize: 18 }} data-testid="field-report-submit">
        {t('field.submitReport')}
      </Button>
    </Form>
  );
}

function ManualFix({ onSet, initial }: { onSet: (f: { lng: number; lat: number }) => void; initial: Fix | null }) {
  const { t } = useTranslation();
  const [lng, setLng] = useState<number | null>(initial?.lng ?? null);
  const [lat, setLat] = useState<number | null>(initial?.lat ?? null);
  return (
    <Flex gap={8} style={{ marginTop: 8 }} align="end" wrap>
      <InputNumber placeholder={t('cases.intake.lng')} value={lng} onChange={setLng} min={-180} max={180} step={0.0001} style={{ flex: 1, minWidth: 120 }} data-testid="field-lng" />
      <InputNumber placeholder={t('cases.intake.lat')} value={lat} onChange={setLat} min={-90} max={90} step={0.0001} style={{ flex: 1, minWidth: 120 }} data-testid="field-lat" />
      <Button onClick={() => lng !== null && lat !== null && onSet({ lng, lat })} disabled={lng === null || lat === null}>
        {t('field.useCoords')}
      </Button>
    </Flex>
  );
}

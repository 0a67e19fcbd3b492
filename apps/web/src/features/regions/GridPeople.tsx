import { Button, Descriptions, Form, Select, Space, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useShowError } from '../../lib/errors';
import { formatTime } from '../../lib/format';
import type { User } from '../../lib/types';
import { getPeople, listUsers, putPeople, type People } from './regionsApi';

/** A grid's primary person and helpers, with the history; set them from supervisors and grid workers. */
export function GridPeople({ code, canEdit }: { code: string; canEdit: boolean }) {
  const { t } = useTranslation();
  const showError = useShowError();
  const [people, setPeople] = useState<People | null>(null);
  const [users, setUsers] = useState<User[]>([]);
  const [primary, setPrimary] = useState<string | null>(null);
  const [helpers, setHelpers] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const ctrl = new AbortController();
    getPeople(code, ctrl.signal)
      .then((p) => {
        setPeople(p);
        setPrimary(p.primary?.userId ?? null);
        setHelpers(p.helpers.map((h) => h.userId));
      })
      .catch(showError);
    return () => ctrl.abort();
  }, [code, showError]);

  useEffect(() => {
    if (!canEdit) return;
    Promise.all([listUsers('supervisor'), listUsers('gridWorker')])
      .then(([a, b]) => {
        const seen = new Map<string, User>();
        for (const u of [...a, ...b]) seen.set(u.id, u);
        setUsers([...seen.values()].filter((u) => !u.disabled));
      })
      .catch(showError);
  }, [canEdit, showError]);

  const options = users.map((u) => ({ value: u.id, label: `${u.displayName} (${u.username})` }));
  const save = async () => {
    setBusy(true);
    try {
      const p = await putPeople(code, { primary, helpers: helpers.filter((h) => h !== primary) });
      setPeople(p);
    } catch (e) {
      showError(e);
    } finally {
      setBusy(false);
    }
  };

  const name = (p: { displayName: string; username: string } | null | undefined) => (p ? `${p.displayName} (${p.username})` : '—');
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="grid-people">
      <Descriptions size="small" bordered column={1}>
        <Descriptions.Item label={t('regions.people.primary')}>{name(people?.primary)}</Descriptions.Item>
        <Descriptions.Item label={t('regions.people.helpers')}>{people?.helpers.length ? people.helpers.map(name).join('、') : '—'}</Descriptions.Item>
      </Descriptions>
      {canEdit && (
        <Form layout="vertical">
          <Form.Item label={t('regions.people.setPrimary')}>
            <Select allowClear showSearch={{ optionFilterProp: 'label' }} value={primary ?? undefined} options={options} onChange={(v?: string) => setPrimary(v ?? null)} data-testid="people-primary" />
          </Form.Item>
          <Form.Item label={t('regions.people.setHelpers')}>
            <Select mode="multiple" showSearch={{ optionFilterProp: 'label' }} value={helpers} options={options.filter((o) => o.value !== primary)} onChange={setHelpers} data-testid="people-helpers" />
          </Form.Item>
          <Button type="primary" loading={busy} onClick={() => void save()} data-testid="people-save">
            {t('regions.people.save')}
          </Button>
        </Form>
      )}
      {people && people.history.length > 0 && (
        <>
          <Typography.Text strong>{t('regions.people.history')}</Typography.Text>
          <Table
            size="small"
            pagination={false}
            rowKey={(r) => `${r.userId}-${r.from}`}
            dataSource={people.history}
            columns={[
              { title: t('regions.people.person'), render: (_: unknown, r) => name(r) },
              { title: t('regions.people.role'), dataIndex: 'role', render: (v: string) => t(`regions.people.roles.${v}`, { defaultValue: v }) },
              { title: t('regions.people.from'), dataIndex: 'from', render: (v: string) => formatTime(v) },
              { title: t('regions.people.to'), dataIndex: 'to', render: (v: string) => formatTime(v) },
            ]}
          />
        </>
      )}
    </Space>
  );
}

import { DownloadOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { Badge, Button, Col, Flex, Form, Input, Row, Select, Space, Table, Tabs, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useSession } from '../../app/session';
import { LoadMore } from '../../components/LoadMore';
import { useShowError } from '../../lib/errors';
import { formatTime } from '../../lib/format';
import { CASE_SOURCES, CASE_STAGES, CASE_STATES, LIGHTS, type CaseView } from '../../lib/types';
import { INTAKE_ROLES } from './roles';
import { LightBadge, StateTag, stateLabel, useNow } from './caseLabels';
import { caseSearch, useCaseList } from './useCaseList';
import { useDepartments, useEventClasses } from './useReference';
import './cases.css';

interface Filters {
  state?: string[];
  stage?: string;
  minorClass?: string;
  source?: string;
  light?: string;
  region?: string;
  departmentId?: string;
  from?: string;
  to?: string;
  q?: string;
}

/** Local date (YYYY-MM-DD from a date input) → the instant it starts, or ends, as ISO. */
function dayBound(day: string | undefined, end: boolean): string | undefined {
  if (!day) return undefined;
  const d = new Date(`${day}T00:00:00`);
  if (Number.isNaN(d.getTime())) return undefined;
  if (end) d.setDate(d.getDate() + 1);
  return d.toISOString();
}

function toQuery(view: 'tasks' | 'all', f: Filters): Record<string, string | undefined> {
  if (view === 'tasks') return { view };
  return {
    view,
    state: f.state?.length ? f.state.join(',') : undefined,
    stage: f.stage,
    minorClass: f.minorClass,
    source: f.source,
    light: f.light,
    region: f.region?.trim() || undefined,
    departmentId: f.departmentId,
    from: dayBound(f.from, false),
    to: dayBound(f.to, true),
    q: f.q?.trim() || undefined,
  };
}

function CaseTable({ query, testId }: { query: Record<string, string | undefined>; testId: string }) {
  const { t } = useTranslation();
  const showError = useShowError();
  const navigate = useNavigate();
  const now = useNow();
  const list = useCaseList(query, showError);
  const classes = useEventClasses();
  const depts = useDepartments();

  const columns: TableColumnsType<CaseView> = [
    { title: t('cases.fields.deadline'), key: 'light', width: 200, render: (_, c) => <LightBadge c={c} now={now} /> },
    {
      title: t('cases.fields.number'),
      dataIndex: 'number',
      width: 150,
      render: (n: string, c) => (
        <Link to={`/cases/${c.id}`} onClick={(e) => e.stopPropagation()}>
          {n}
        </Link>
      ),
    },
    { title: t('cases.fields.state'), dataIndex: 'state', width: 110, render: (s: string) => <StateTag state={s} /> },
    { title: t('cases.fields.class'), dataIndex: 'minorClass', width: 150, render: (m: string) => classes.byCode.get(m)?.name ?? m },
    { title: t('cases.fields.description'), dataIndex: 'description', ellipsis: true },
    { title: t('cases.fields.address'), dataIndex: 'address', width: 180, ellipsis: true, render: (a: string | null) => a ?? '' },
    { title: t('cases.fields.grid'), dataIndex: 'gridCode', width: 150 },
    {
      title: t('cases.fields.department'),
      dataIndex: 'departmentId',
      width: 140,
      render: (d: string | null, c) =>
        d ? (depts.byId.get(d)?.name ?? d) : c.proposedDepartmentId ? <Typography.Text type="secondary">{depts.byId.get(c.proposedDepartmentId)?.name ?? ''}</Typography.Text> : '',
    },
    { title: t('cases.fields.reportedAt'), dataIndex: 'reportedAt', width: 170, render: (v: string) => formatTime(v) },
  ];

  return (
    <div data-testid={testId}>
      <Flex justify="space-between" align="center" style={{ marginBottom: 8 }}>
        <Typography.Text type="secondary">
          <Badge status="processing" /> {t('cases.live')}
        </Typography.Text>
        <Button icon={<ReloadOutlined />} onClick={list.reload}>
          {t('common.refresh')}
        </Button>
      </Flex>
      <Table<CaseView>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 1200 }}
        rowClassName={(c) => (list.fresh.has(c.id) ? 'cg-case-fresh' : '')}
        onRow={(c) => ({ onClick: () => void navigate(`/cases/${c.id}`), style: { cursor: 'pointer' }, 'data-fresh': list.fresh.has(c.id) ? 'true' : undefined }) as object}
        locale={{ emptyText: t(query.view === 'tasks' ? 'cases.noTasks' : 'cases.noCases') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} count={list.items.length} onLoadMore={list.loadMore} />
    </div>
  );
}

export default function CasesPage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const [params, setParams] = useSearchParams();
  const view = params.get('view') === 'all' ? 'all' : 'tasks';
  const [form] = Form.useForm<Filters>();
  const [filters, setFilters] = useState<Filters>({});
  const classes = useEventClasses();
  const depts = useDepartments();
  const query = useMemo(() => toQuery(view, filters), [view, filters]);
  const canIntake = user?.roles.some((r) => INTAKE_ROLES.includes(r)) ?? false;

  const filterForm = (
    <Form<Filters> form={form} layout="vertical" onFinish={(v) => setFilters(v)} style={{ marginBottom: 8 }} data-testid="case-filters">
      <Row gutter={12}>
        <Col xs={24} md={8} xl={6}>
          <Form.Item name="q" label={t('cases.filters.q')}>
            <Input allowClear placeholder={t('cases.filters.qPlaceholder')} />
          </Form.Item>
        </Col>
        <Col xs={24} md={8} xl={6}>
          <Form.Item name="state" label={t('cases.fields.state')}>
            <Select mode="multiple" allowClear maxTagCount="responsive" options={CASE_STATES.map((s) => ({ value: s, label: stateLabel(t, s) }))} />
          </Form.Item>
        </Col>
        <Col xs={12} md={4} xl={3}>
          <Form.Item name="stage" label={t('cases.fields.stage')}>
            <Select allowClear options={CASE_STAGES.map((s) => ({ value: s, label: t(`cases.stages.${s}`) }))} />
          </Form.Item>
        </Col>
        <Col xs={12} md={4} xl={3}>
          <Form.Item name="light" label={t('cases.fields.light')}>
            <Select allowClear options={LIGHTS.map((l) => ({ value: l, label: t(`cases.lights.${l}`) }))} />
          </Form.Item>
        </Col>
        <Col xs={12} md={6} xl={3}>
          <Form.Item name="source" label={t('cases.fields.source')}>
            <Select allowClear options={CASE_SOURCES.map((s) => ({ value: s, label: t(`cases.sources.${s}`) }))} />
          </Form.Item>
        </Col>
        <Col xs={12} md={6} xl={3}>
          <Form.Item name="minorClass" label={t('cases.fields.class')}>
            <Select
              allowClear
              showSearch={{ optionFilterProp: 'label' }}
              options={classes.items.map((c) => ({ value: c.code, label: `${c.code} ${c.name}` }))}
              popupMatchSelectWidth={260}
            />
          </Form.Item>
        </Col>
        <Col xs={12} md={6} xl={4}>
          <Form.Item name="region" label={t('cases.filters.region')} rules={[{ pattern: /^[0-9]{6}([0-9]{3}){0,3}$/, message: t('cases.filters.regionInvalid') }]}>
            <Input allowClear placeholder="320102001" />
          </Form.Item>
        </Col>
        <Col xs={12} md={6} xl={4}>
          <Form.Item name="departmentId" label={t('cases.fields.department')}>
            <Select allowClear showSearch={{ optionFilterProp: 'label' }} options={depts.items.map((d) => ({ value: d.id, label: d.name }))} />
          </Form.Item>
        </Col>
        <Col xs={12} md={6} xl={4}>
          <Form.Item name="from" label={t('cases.filters.from')}>
            <Input type="date" />
          </Form.Item>
        </Col>
        <Col xs={12} md={6} xl={4}>
          <Form.Item name="to" label={t('cases.filters.to')}>
            <Input type="date" />
          </Form.Item>
        </Col>
        <Col xs={24} xl={8}>
          <Form.Item label=" ">
            <Space>
              <Button type="primary" htmlType="submit" data-testid="case-filters-apply">
                {t('common.search')}
              </Button>
              <Button
                onClick={() => {
                  form.resetFields();
                  setFilters({});
                }}
              >
                {t('cases.filters.reset')}
              </Button>
              {/* The applied filters, as a file (streamed by the server). */}
              {(['csv', 'xlsx'] as const).map((format) => (
                <Button key={format} icon={<DownloadOutlined />} href={`/api/v1/cases/export?${caseSearch(query, { format })}`} download data-testid={`case-export-${format}`}>
                  {t('cases.filters.export', { format: format.toUpperCase() })}
                </Button>
              ))}
            </Space>
          </Form.Item>
        </Col>
      </Row>
    </Form>
  );

  return (
    <>
      <Flex justify="space-between" align="center" style={{ marginBottom: 8 }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('cases.title')}
        </Typography.Title>
        {canIntake && (
          <Link to="/cases/new">
            <Button type="primary" icon={<PlusOutlined />} data-testid="case-new">
              {t('cases.new')}
            </Button>
          </Link>
        )}
      </Flex>
      <Tabs
        activeKey={view}
        onChange={(k) => setParams(k === 'all' ? { view: 'all' } : {}, { replace: true })}
        items={[
          { key: 'tasks', label: t('cases.tabs.tasks'), children: view === 'tasks' ? <CaseTable key="tasks" query={query} testId="case-queue-tasks" /> : null },
          {
            key: 'all',
            label: t('cases.tabs.all'),
            children:
              view === 'all' ? (
                <>
                  {filterForm}
                  <CaseTable key="all" query={query} testId="case-queue-all" />
                </>
              ) : null,
          },
        ]}
      />
    </>
  );
}

import { ArrowLeftOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Descriptions, Empty, Image, Row, Space, Spin, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ApiError } from '../../lib/api';
import { useShowError } from '../../lib/errors';
import { formatTime } from '../../lib/format';
import type { Department } from '../../lib/types';
import { RegionMap, shapesOf, type Shape } from '../regions/RegionMap';
import { getGeoJson } from '../regions/regionsApi';
import { getComponent, listClasses, listDepartments, type Change, type ClassView, type ComponentDetail } from './componentsApi';
import { StatusTag } from './StatusTag';

const show = (v: unknown): string => {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
};

/** One component: its fields, class attributes, responsible units, photos, where it is, and who changed what when. */
export default function ComponentDetailPage() {
  const { t } = useTranslation();
  const showError = useShowError();
  const { code = '' } = useParams();
  const [c, setC] = useState<ComponentDetail | null>(null);
  const [missing, setMissing] = useState(false);
  const [klass, setKlass] = useState<ClassView | null>(null);
  const [departments, setDepartments] = useState<Map<string, Department>>(new Map());
  const [grid, setGrid] = useState<{ outline: Shape | null; shapes: Shape[] }>({ outline: null, shapes: [] });

  useEffect(() => {
    const ctrl = new AbortController();
    setMissing(false);
    getComponent(code, ctrl.signal)
      .then(async (x) => {
        setC(x);
        const [classes, depts] = await Promise.all([listClasses(true).catch(() => [] as ClassView[]), listDepartments().catch(() => [] as Department[])]);
        setKlass(classes.find((k) => k.code === x.minorClass) ?? null);
        setDepartments(new Map(depts.map((d) => [d.id, d])));
        const fc = await getGeoJson(x.communityCode, ctrl.signal).catch(() => null);
        const all = shapesOf(fc);
        setGrid({ outline: all.find((s) => s.code === x.communityCode) ?? null, shapes: all.filter((s) => s.code !== x.communityCode) });
      })
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 404) setMissing(true);
        else showError(e);
      });
    return () => ctrl.abort();
  }, [code, showError]);

  const dept = (id: string | null) => (id ? (departments.get(id)?.name ?? id) : '—');
  /** A history value as people read it: status, currency and data source by their names. */
  const valueOf = (f: string, v: unknown) => {
    if (typeof v === 'string' && f === 'status') return t(`registry.statuses.${v}`, { defaultValue: v });
    if (typeof v === 'string' && f === 'currency') return t(`registry.currencies.${v}`, { defaultValue: v });
    if (typeof v === 'string' && f === 'dataSource') return t(`registry.dataSources.${v}`, { defaultValue: v });
    if (f.endsWith('DeptId')) return dept(v as string | null);
    return show(v);
  };
  const fieldName = (f: string) => (f.startsWith('attributes.') ? f.slice('attributes.'.length) : t(`registry.fields.${f}`, { defaultValue: f }));

  const historyColumns: ColumnsType<Change & { key: number }> = [
    { title: t('registry.history.at'), dataIndex: 'at', width: 170, render: (v: string) => formatTime(v) },
    { title: t('registry.history.who'), dataIndex: 'actorName', width: 120 },
    {
      title: t('registry.history.source'),
      dataIndex: 'source',
      width: 110,
      render: (v: string, r) => (
        <Space size={4}>
          <Tag>{t(`registry.history.sources.${v}`, { defaultValue: v })}</Tag>
          {r.action === 'create' && <Tag color="blue">{t('registry.history.created')}</Tag>}
        </Space>
      ),
    },
    {
      title: t('registry.history.what'),
      dataIndex: 'changes',
      render: (ch: Change['changes']) => {
        if (!ch) return <Typography.Text type="secondary">{t('registry.history.registered')}</Typography.Text>;
        const entries: [string, [unknown, unknown]][] = [];
        for (const [f, v] of Object.entries(ch)) {
          const [a, b] = Array.isArray(v) ? v : [null, v];
          if (f === 'attributes' && a && b && typeof a === 'object' && typeof b === 'object') {
            // class attributes: one line per changed name
            const before = a as Record<string, unknown>;
            const after = b as Record<string, unknown>;
            for (const k of new Set([...Object.keys(before), ...Object.keys(after)]))
              if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) entries.push([`attributes.${k}`, [before[k], after[k]]]);
          } else entries.push([f, [a, b]]);
        }
        return (
          <ul style={{ margin: 0, paddingInlineStart: 16 }} data-testid="history-changes">
            {entries.map(([f, v]) => (
              <li key={f}>
                <Typography.Text strong>{fieldName(f)}</Typography.Text>: {f === 'geometry' ? t('registry.history.moved') : `${valueOf(f, v[0])} → ${valueOf(f, v[1])}`}
              </li>
            ))}
          </ul>
        );
      },
    },
  ];

  const attributeRows = useMemo(() => {
    if (!c) return [];
    const declared = klass?.attributes ?? [];
    const names = [...declared.map((a) => a.name), ...Object.keys(c.attributes).filter((k) => !declared.some((a) => a.name === k))];
    return names.map((n) => ({ name: n, def: declared.find((a) => a.name === n), value: c.attributes[n] }));
  }, [c, klass]);

  if (missing) return <Alert type="warning" showIcon title={t('registry.detail.notFound', { code })} action={<Link to="/components">{t('registry.detail.back')}</Link>} />;
  if (!c) return <Spin />;

  const point = { key: c.code, lng: c.lng, lat: c.lat, count: 1, title: c.name };
  const half = 0.0015;
  const fit: [number, number, number, number] = [Math.min(c.bbox[0], c.lng - half), Math.min(c.bbox[1], c.lat - half), Math.max(c.bbox[2], c.lng + half), Math.max(c.bbox[3], c.lat + half)];

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="component-detail">
      <Space wrap>
        <Link to="/components">
          <Button icon={<ArrowLeftOutlined />}>{t('registry.detail.back')}</Button>
        </Link>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {c.name} <Typography.Text copyable type="secondary" data-testid="component-code">{c.code}</Typography.Text>
        </Typography.Title>
        <StatusTag status={c.status} currency={c.currency} />
      </Space>
      <Row gutter={16}>
        <Col xs={24} xl={14}>
          <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
            <Card size="small" title={t('registry.detail.basics')}>
              <Descriptions size="small" bordered column={{ xs: 1, md: 2 }}>
                <Descriptions.Item label={t('registry.class')}>{`${c.majorClassName} / ${c.minorClassName} (${c.minorClass})`}</Descriptions.Item>
                <Descriptions.Item label={t('registry.fields.dataSource')}>{t(`registry.dataSources.${c.dataSource}`, { defaultValue: c.dataSource })}</Descriptions.Item>
                <Descriptions.Item label={t('registry.grid')}>{c.gridCode}</Descriptions.Item>
                <Descriptions.Item label={t('registry.fields.communityCode')}>{c.communityCode}</Descriptions.Item>
                <Descriptions.Item label={t('registry.fields.streetCode')}>{c.streetCode}</Descriptions.Item>
                <Descriptions.Item label={t('registry.fields.districtCode')}>{c.districtCode}</Descriptions.Item>
                <Descriptions.Item label={t('registry.location')} span={2}>
                  {c.location ?? '—'}
                </Descriptions.Item>
                <Descriptions.Item label={t('registry.fields.position')} span={2}>
                  {`${c.geometry.type} · ${c.lng.toFixed(6)}, ${c.lat.toFixed(6)} (WGS84)`}
                </Descriptions.Item>
                <Descriptions.Item label={t('registry.fields.installDate')}>{c.installDate ?? '—'}</Descriptions.Item>
                <Descriptions.Item label={t('registry.fields.version')}>{c.version}</Descriptions.Item>
                <Descriptions.Item label={t('registry.fields.createdAt')}>{formatTime(c.createdAt)}</Descriptions.Item>
                <Descriptions.Item label={t('registry.updatedAt')}>{formatTime(c.updatedAt)}</Descriptions.Item>
                {c.note && (
                  <Descriptions.Item label={t('registry.fields.note')} span={2}>
                    {c.note}
                  </Descriptions.Item>
                )}
              </Descriptions>
            </Card>
            <Card size="small" title={t('registry.detail.units')}>
              <Descriptions size="small" bordered column={1} data-testid="component-units">
                <Descriptions.Item label={t('registry.fields.authorityDept')}>{dept(c.authorityDeptId)}</Descriptions.Item>
                <Descriptions.Item label={t('registry.fields.ownerDept')}>{dept(c.ownerDeptId)}</Descriptions.Item>
                <Descriptions.Item label={t('registry.fields.maintainerDept')}>{dept(c.maintainerDeptId)}</Descriptions.Item>
              </Descriptions>
            </Card>
            <Card size="small" title={t('registry.detail.attributes')}>
              {attributeRows.length === 0 ? (
                <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('registry.detail.noAttributes')} />
              ) : (
                <Descriptions size="small" bordered column={1} data-testid="component-attributes">
                  {attributeRows.map((a) => (
                    <Descriptions.Item key={a.name} label={a.def?.required ? `${a.name} *` : a.name}>
                      {show(a.value)}
                    </Descriptions.Item>
                  ))}
                </Descriptions>
              )}
            </Card>
            <Card size="small" title={t('registry.detail.history', { count: c.history.length })}>
              <Table<Change & { key: number }>
                size="small"
                rowKey="key"
                columns={historyColumns}
                dataSource={c.history.map((h, i) => ({ ...h, key: i }))}
                pagination={c.history.length > 20 ? { pageSize: 20 } : false}
                data-testid="component-history"
              />
            </Card>
          </Space>
        </Col>
        <Col xs={24} xl={10}>
          <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
            <Card size="small" title={t('registry.detail.where')}>
              <RegionMap outline={grid.outline} shapes={grid.shapes} selected={c.gridCode} points={[point]} fit={fit} height={320} testId="component-map" />
            </Card>
            <Card size="small" title={t('registry.detail.photos')}>
              {c.photos.length === 0 ? (
                <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('registry.detail.noPhotos')} />
              ) : (
                <Image.PreviewGroup>
                  <Space wrap>
                    {c.photos.map((sha) => (
                      <Image key={sha} width={120} src={`/api/v1/files/${sha}/thumbnail`} preview={{ src: `/api/v1/files/${sha}` }} alt={sha.slice(0, 8)} />
                    ))}
                  </Space>
                </Image.PreviewGroup>
              )}
            </Card>
          </Space>
        </Col>
      </Row>
    </Space>
  );
}

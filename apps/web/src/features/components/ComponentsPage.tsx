import { AimOutlined, DownloadOutlined, ImportOutlined, ReloadOutlined, TagsOutlined } from '@ant-design/icons';
import { Button, Card, Col, Input, Row, Select, Space, Table, Tag, TreeSelect, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useSession } from '../../app/session';
import { useShowError } from '../../lib/errors';
import { formatTime } from '../../lib/format';
import type { Department } from '../../lib/types';
import { useCursorList } from '../../lib/useCursorList';
import { RegionMap, shapesOf, type MapPoint, type Shape } from '../regions/RegionMap';
import { getChildren, getGeoJson, getRegion, loadRoots, type RegionView } from '../regions/regionsApi';
import { getClusters, listClasses, listDepartments, STATUSES, zoomFor, type ClassView, type Clusters, type ComponentView, type Filters } from './componentsApi';
import { StatusTag } from './StatusTag';

type BBox = [number, number, number, number];
const FILTER_KEYS = ['region', 'grid', 'majorClass', 'minorClass', 'status', 'currency', 'dept', 'q'] as const;
const MAP_WIDTH = 640;

interface RegionNode {
  id: string;
  pId?: string;
  value: string;
  title: string;
  isLeaf: boolean;
}
const toNode = (r: RegionView): RegionNode => ({ id: r.code, ...(r.parentCode ? { pId: r.parentCode } : {}), value: r.code, title: `${r.name} ${r.code}`, isLeaf: r.level === 'grid' });

function union(boxes: (BBox | null)[]): BBox | null {
  const b = boxes.filter((x): x is BBox => !!x);
  if (!b.length) return null;
  return [Math.min(...b.map((x) => x[0])), Math.min(...b.map((x) => x[1])), Math.max(...b.map((x) => x[2])), Math.max(...b.map((x) => x[3]))];
}

/** Registry (部件): filters in the URL, the filtered list (cursor pages) and a clustered map of the same filter. */
export default function ComponentsPage() {
  const { t } = useTranslation();
  const showError = useShowError();
  const navigate = useNavigate();
  const { hasRole } = useSession();
  const [params, setParams] = useSearchParams();
  const filters: Filters = useMemo(() => Object.fromEntries(FILTER_KEYS.map((k) => [k, params.get(k) ?? undefined]).filter(([, v]) => v)), [params]);
  const [text, setText] = useState(filters.q ?? '');
  const [classes, setClasses] = useState<ClassView[]>([]);
  const [departments, setDepartments] = useState<Department[]>([]);
  const [regionNodes, setRegionNodes] = useState<RegionNode[]>([]);

  const setFilter = (patch: Partial<Filters>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };

  useEffect(() => {
    listClasses(false).then(setClasses).catch(showError);
    listDepartments().then(setDepartments).catch(() => undefined);
    loadRoots()
      .then((roots) => setRegionNodes(roots.map(toNode)))
      .catch(showError);
  }, [showError]);

  const loadRegionChildren = async (code: string) => {
    const kids = await getChildren(code).catch((e: unknown) => {
      showError(e);
      return [] as RegionView[];
    });
    setRegionNodes((old) => {
      const seen = new Set(old.map((n) => n.id));
      return [...old, ...kids.filter((k) => !seen.has(k.code)).map(toNode)];
    });
  };

  const query = useMemo(() => ({ ...filters, limit: 50 }), [filters]);
  const list = useCursorList<ComponentView>('/components', query, showError);

  // --- map: the window of the filtered region (or of everything you can see), clusters of the same filter
  const [home, setHome] = useState<BBox | null>(null);
  const [view, setView] = useState<BBox | null>(null);
  const [outline, setOutline] = useState<Shape | null>(null);
  const [shapes, setShapes] = useState<Shape[]>([]);
  const [clusters, setClusters] = useState<Clusters | null>(null);
  const place = filters.grid ?? filters.region ?? null;
  useEffect(() => {
    const ctrl = new AbortController();
    (async () => {
      const regions = place ? [await getRegion(place, ctrl.signal)] : await loadRoots(ctrl.signal);
      const bbox = union(regions.map((r) => r.bbox));
      setHome(bbox);
      setView(bbox);
      const first = regions[0];
      if (!first) return;
      // outlines: the region's own children (a grid among its siblings)
      const mapCode = first.level === 'grid' && first.parentCode ? first.parentCode : first.code;
      const fc = await getGeoJson(mapCode, ctrl.signal).catch(() => null);
      const all = shapesOf(fc);
      setOutline(all.find((s) => s.code === mapCode) ?? null);
      setShapes(all.filter((s) => s.code !== mapCode));
    })().catch(showError);
    return () => ctrl.abort();
  }, [place, showError]);

  useEffect(() => {
    if (!view) return;
    const ctrl = new AbortController();
    const pad = 0.0002;
    getClusters(
      {
        bbox: [view[0] - pad, view[1] - pad, view[2] + pad, view[3] + pad].map((x) => x.toFixed(6)).join(','),
        zoom: zoomFor(view, MAP_WIDTH),
        cellPx: 40,
        minorClass: filters.minorClass,
        majorClass: filters.majorClass,
        status: filters.status,
        includeRetired: filters.currency === 'retired' ? 'true' : undefined,
      },
      ctrl.signal,
    )
      .then(setClusters)
      .catch(showError);
    return () => ctrl.abort();
  }, [view, filters.minorClass, filters.majorClass, filters.status, filters.currency, showError]);

  const classByCode = useMemo(() => new Map(classes.map((c) => [c.code, c])), [classes]);
  const points: MapPoint[] = useMemo(
    () =>
      (clusters?.items ?? []).map((c, i) => ({
        key: c.code ?? `c${i}`,
        lng: c.lng,
        lat: c.lat,
        count: c.count,
        title: c.code ? `${classByCode.get(c.minorClass ?? '')?.name ?? c.minorClass ?? ''} ${c.code}` : t('registry.map.cluster', { count: c.count }),
        color: c.code && c.status && c.status !== 'intact' ? '#fa541c' : undefined,
      })),
    [clusters, classByCode, t],
  );
  const onPoint = useCallback(
    (pt: MapPoint) => {
      const c = clusters?.items.find((x, i) => (x.code ?? `c${i}`) === pt.key);
      if (!c) return;
      if (c.code) return void navigate(`/components/${c.code}`);
      if (c.bbox) {
        const half = 0.0008;
        const [x1, y1, x2, y2] = c.bbox;
        setView([Math.min(x1, (x1 + x2) / 2 - half), Math.min(y1, (y1 + y2) / 2 - half), Math.max(x2, (x1 + x2) / 2 + half), Math.max(y2, (y1 + y2) / 2 + half)]);
      }
    },
    [clusters, navigate],
  );

  const majors = useMemo(() => {
    const m = new Map<string, { code: string; name: string; minors: ClassView[] }>();
    for (const c of classes) {
      const g = m.get(c.majorCode) ?? { code: c.majorCode, name: c.majorName, minors: [] };
      g.minors.push(c);
      m.set(c.majorCode, g);
    }
    return [...m.values()].sort((a, b) => a.code.localeCompare(b.code));
  }, [classes]);

  const columns: ColumnsType<ComponentView> = [
    { title: t('registry.code'), dataIndex: 'code', width: 170, render: (code: string) => <Link to={`/components/${code}`}>{code}</Link> },
    { title: t('registry.name'), dataIndex: 'name' },
    { title: t('registry.class'), dataIndex: 'minorClassName', render: (_: string, r) => `${r.minorClassName} (${r.minorClass})` },
    { title: t('registry.status'), dataIndex: 'status', width: 90, render: (_: string, r) => <StatusTag status={r.status} currency={r.currency} /> },
    { title: t('registry.grid'), dataIndex: 'gridCode', width: 150 },
    { title: t('registry.location'), dataIndex: 'location', ellipsis: true, render: (v: string | null) => v ?? '—' },
    { title: t('registry.updatedAt'), dataIndex: 'updatedAt', width: 170, render: (v: string) => formatTime(v) },
  ];

  const exportUrl = (format: string) => {
    const qs = new URLSearchParams({ format, ...filters });
    return `/api/v1/components/export?${qs.toString()}`;
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="components-page">
      <Space style={{ width: '100%', justifyContent: 'space-between' }} wrap>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('registry.title')}
        </Typography.Title>
        <Space wrap>
          {hasRole('admin') && (
            <Link to="/components/import">
              <Button icon={<ImportOutlined />} data-testid="open-import">
                {t('registry.import.open')}
              </Button>
            </Link>
          )}
          {hasRole('admin') && (
            <Link to="/components/classes">
              <Button icon={<TagsOutlined />} data-testid="open-classes">
                {t('registry.classes.open')}
              </Button>
            </Link>
          )}
          {(hasRole('admin') || hasRole('leader') || hasRole('operator')) && (
            <Button icon={<DownloadOutlined />} href={exportUrl('csv')} data-testid="export-csv">
              {t('registry.export')}
            </Button>
          )}
        </Space>
      </Space>
      <Card size="small">
        <Space wrap>
          <TreeSelect
            style={{ width: 260 }}
            allowClear
            showSearch
            treeDataSimpleMode
            treeData={regionNodes}
            loadData={(node) => loadRegionChildren(String(node.value))}
            value={filters.region}
            onChange={(v?: string) => setFilter({ region: v })}
            placeholder={t('registry.filters.region')}
            treeNodeFilterProp="title"
            data-testid="filter-region"
          />
          <Input
            style={{ width: 170 }}
            allowClear
            value={filters.grid ?? ''}
            onChange={(e) => {
              const v = e.target.value.trim();
              if (!v || /^[0-9]{15}$/.test(v)) setFilter({ grid: v || undefined });
            }}
            placeholder={t('registry.filters.grid')}
            data-testid="filter-grid"
          />
          <Select
            style={{ width: 240 }}
            allowClear
            showSearch
            optionFilterProp="label"
            value={filters.minorClass ?? (filters.majorClass ? `major:${filters.majorClass}` : undefined)}
            onChange={(v?: string) => setFilter(v?.startsWith('major:') ? { majorClass: v.slice(6), minorClass: undefined } : { minorClass: v, majorClass: undefined })}
            placeholder={t('registry.filters.class')}
            options={majors.map((g) => ({
              label: `${g.code} ${g.name}`,
              options: [{ value: `major:${g.code}`, label: t('registry.filters.wholeMajor', { name: g.name }) }, ...g.minors.map((c) => ({ value: c.code, label: `${c.code} ${c.name}` }))],
            }))}
            data-testid="filter-class"
          />
          <Select
            style={{ minWidth: 160 }}
            mode="multiple"
            allowClear
            value={filters.status ? filters.status.split(',') : []}
            onChange={(v: string[]) => setFilter({ status: v.join(',') || undefined })}
            placeholder={t('registry.filters.status')}
            options={STATUSES.map((s) => ({ value: s, label: t(`registry.statuses.${s}`) }))}
            data-testid="filter-status"
          />
          <Select
            style={{ width: 120 }}
            allowClear
            value={filters.currency}
            onChange={(v?: string) => setFilter({ currency: v as Filters['currency'] })}
            placeholder={t('registry.filters.currency')}
            options={(['inUse', 'retired'] as const).map((s) => ({ value: s, label: t(`registry.currencies.${s}`) }))}
            data-testid="filter-currency"
          />
          <Select
            style={{ width: 200 }}
            allowClear
            showSearch
            optionFilterProp="label"
            value={filters.dept}
            onChange={(v?: string) => setFilter({ dept: v })}
            placeholder={t('registry.filters.dept')}
            options={departments.map((d) => ({ value: d.id, label: `${d.name} (${d.code})` }))}
            data-testid="filter-dept"
          />
          <Input.Search
            style={{ width: 220 }}
            allowClear
            value={text}
            onChange={(e) => setText(e.target.value)}
            onSearch={(v) => setFilter({ q: v.trim().length >= 2 ? v.trim() : undefined })}
            placeholder={t('registry.filters.text')}
            data-testid="filter-text"
          />
          <Button
            onClick={() => {
              setText('');
              setParams(new URLSearchParams(), { replace: true });
            }}
          >
            {t('registry.filters.clear')}
          </Button>
        </Space>
      </Card>
      <Row gutter={16}>
        <Col xs={24} xl={14}>
          <Card size="small" title={t('registry.list')} extra={<Button size="small" icon={<ReloadOutlined />} onClick={list.reload} aria-label={t('common.refresh')} />}>
            <Table<ComponentView>
              rowKey="code"
              size="small"
              columns={columns}
              dataSource={list.items}
              loading={list.loading}
              pagination={false}
              scroll={{ x: 900 }}
              data-testid="components-table"
            />
            <div style={{ textAlign: 'center', marginTop: 12 }}>
              {list.hasMore ? (
                <Button onClick={list.loadMore} loading={list.loading} data-testid="load-more">
                  {t('common.loadMore')}
                </Button>
              ) : (
                <Typography.Text type="secondary">{t('common.noMore')}</Typography.Text>
              )}
            </div>
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <Card
            size="small"
            title={t('registry.map.title')}
            extra={
              <Space>
                {clusters && <Typography.Text type="secondary">{t('registry.map.total', { count: clusters.total })}</Typography.Text>}
                <Button size="small" icon={<AimOutlined />} onClick={() => setView(home)} disabled={!home} aria-label={t('registry.map.reset')} data-testid="map-reset" />
              </Space>
            }
          >
            <RegionMap outline={outline} shapes={shapes} selected={place} points={points} onPoint={onPoint} fit={view} height={460} testId="components-map" />
            <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0, fontSize: 12 }}>
              {t('registry.map.help')} {filters.dept || filters.q ? <Tag>{t('registry.map.partialFilter')}</Tag> : null}
            </Typography.Paragraph>
          </Card>
        </Col>
      </Row>
    </Space>
  );
}

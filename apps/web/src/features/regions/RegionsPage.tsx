import { ImportOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Descriptions, Empty, Row, Space, Statistic, Tabs, Tag, Tree, Typography } from 'antd';
import type { TreeDataNode } from 'antd';
import { useCallback, useEffect, useMemo, useState, type Key } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../../app/session';
import { useShowError } from '../../lib/errors';
import { DividePanel } from './DividePanel';
import { GridPeople } from './GridPeople';
import { ImportWizard } from './ImportWizard';
import { RegionMap, shapesOf, type Shape } from './RegionMap';
import {
  formatArea,
  getChildren,
  getGeoJson,
  getRegion,
  getStats,
  loadRoots,
  type DivideResult,
  type FeatureCollection,
  type RegionStats,
  type RegionView,
} from './regionsApi';

interface Node extends TreeDataNode {
  key: string;
  children?: Node[];
}

const toNode = (r: RegionView): Node => ({ key: r.code, title: `${r.name} ${r.code}`, isLeaf: r.level === 'grid' });

function setChildren(nodes: Node[], key: string, children: Node[]): Node[] {
  return nodes.map((n) => (n.key === key ? { ...n, children } : n.children ? { ...n, children: setChildren(n.children, key, children) } : n));
}

/** Regions console: the tree, the map of a region and its children, statistics, import, division and grid people. */
export default function RegionsPage() {
  const { t } = useTranslation();
  const showError = useShowError();
  const { hasRole } = useSession();
  const isAdmin = hasRole('admin');
  const [tree, setTree] = useState<Node[] | null>(null);
  const [treeVersion, setTreeVersion] = useState(0);
  const [expanded, setExpanded] = useState<string[]>([]);
  // ?code=… (the data manager's drill-through links) opens that region directly
  const [selected, setSelected] = useState<string | null>(() => /^[0-9]{6,15}$/.exec(new URLSearchParams(window.location.search).get('code') ?? '')?.[0] ?? null);
  const [region, setRegion] = useState<RegionView | null>(null);
  const [stats, setStats] = useState<RegionStats | null>(null);
  const [fc, setFc] = useState<FeatureCollection | null>(null);
  const [preview, setPreview] = useState<DivideResult | null>(null);
  const [importOpen, setImportOpen] = useState(false);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    const ctrl = new AbortController();
    loadRoots(ctrl.signal)
      .then((roots) => {
        setTree(roots.map(toNode));
        setExpanded([]);
      })
      .catch((e: unknown) => {
        showError(e);
        setTree([]);
      });
    return () => ctrl.abort();
  }, [treeVersion, showError]);

  useEffect(() => {
    setPreview(null);
    if (!selected) return;
    const ctrl = new AbortController();
    // A grid is drawn among its siblings (the community's map), itself highlighted.
    Promise.all([getRegion(selected, ctrl.signal), getStats(selected, ctrl.signal)])
      .then(async ([r, s]) => {
        const mapCode = r.level === 'grid' && r.parentCode ? r.parentCode : r.code;
        const g = await getGeoJson(mapCode, ctrl.signal).catch(() => getGeoJson(r.code, ctrl.signal));
        setRegion(r);
        setStats(s);
        setFc(g);
      })
      .catch(showError);
    return () => ctrl.abort();
  }, [selected, version, showError]);

  const loadData = useCallback(
    async (node: { key: Key }) => {
      const key = String(node.key);
      try {
        const kids = await getChildren(key);
        setTree((old) => (old ? setChildren(old, key, kids.map(toNode)) : old));
      } catch (e) {
        showError(e);
      }
    },
    [showError],
  );

  const { outline, shapes } = useMemo(() => {
    const all = (fc?.features ?? []).map((f, i) => ({ f, s: shapesOf({ type: 'FeatureCollection', features: [f] })[0], i }));
    const top = region?.level === 'grid' && region.parentCode ? region.parentCode : selected;
    const own = all.find((x) => x.f.properties?.code === top)?.s ?? null;
    const kids: Shape[] = all
      .filter((x) => x.s && x.f.properties?.code !== top)
      // Grids are many and small: labelled by their number, named in the tooltip.
      .map((x) => (x.f.properties?.level === 'grid' ? { ...(x.s as Shape), label: (x.s as Shape).code.slice(-3) } : (x.s as Shape)));
    return { outline: own, shapes: kids };
  }, [fc, selected, region]);
  const overlay = useMemo<Shape[]>(
    () =>
      shapesOf(preview?.cells).map((s, i) => {
        const seq = preview?.cells.features[i]?.properties?.seq;
        return { ...s, label: typeof seq === 'number' ? String(seq) : s.code.slice(-3) };
      }),
    [preview],
  );

  const select = (code: string) => {
    setSelected(code);
    if (region && region.level !== 'grid' && code !== region.code && !expanded.includes(region.code)) {
      setExpanded((e) => [...e, region.code]);
      void loadData({ key: region.code });
    }
  };

  const afterDivide = () => {
    setVersion((v) => v + 1);
    if (selected) void loadData({ key: selected });
  };

  const approximate = region?.approximate || shapes.some((s) => s.approximate);

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('regions.title')}
        </Typography.Title>
        <Space>
          <Button icon={<ReloadOutlined />} onClick={() => setTreeVersion((v) => v + 1)}>
            {t('regions.reload')}
          </Button>
          {isAdmin && (
            <Button type="primary" icon={<ImportOutlined />} onClick={() => setImportOpen(true)} data-testid="open-import">
              {t('regions.import.open')}
            </Button>
          )}
        </Space>
      </Space>
      <Row gutter={16}>
        <Col xs={24} lg={7}>
          <Card size="small" title={t('regions.tree')} styles={{ body: { maxHeight: 640, overflow: 'auto' } }}>
            {tree && tree.length === 0 ? (
              <Empty description={t('regions.empty')} />
            ) : (
              <Tree<Node>
                key={treeVersion}
                data-testid="region-tree"
                treeData={tree ?? []}
                loadData={loadData}
                expandedKeys={expanded}
                onExpand={(keys) => setExpanded(keys.map(String))}
                selectedKeys={selected ? [selected] : []}
                onSelect={(keys) => keys[0] !== undefined && setSelected(String(keys[0]))}
              />
            )}
          </Card>
        </Col>
        <Col xs={24} lg={17}>
          {!selected || !region ? (
            <Card>
              <Empty description={t('regions.pick')} />
            </Card>
          ) : (
            <Space orientation="vertical" style={{ width: '100%' }}>
              <Card
                size="small"
                title={
                  <Space>
                    <span>{region.name}</span>
                    <Typography.Text type="secondary" data-testid="region-code">
                      {region.code}
                    </Typography.Text>
                    <Tag>{t(`regionLevels.${region.level}`)}</Tag>
                  </Space>
                }
                extra={region.parentCode && <Button size="small" onClick={() => setSelected(region.parentCode)}>{t('regions.up')}</Button>}
              >
                {approximate && <Alert type="warning" showIcon title={t('regions.approximate')} style={{ marginBottom: 8 }} data-testid="region-approximate" />}
                {!region.hasGeometry && <Alert type="info" showIcon title={t('regions.noGeometry')} style={{ marginBottom: 8 }} />}
                <RegionMap outline={outline} shapes={shapes} overlay={overlay} onSelect={select} selected={region.level === 'grid' ? region.code : null} />
                <Typography.Text type="secondary">{t('regions.mapHint')}</Typography.Text>
              </Card>
              {stats && (
                <Card size="small" title={t('regions.stats.title')}>
                  <Row gutter={16}>
                    <Col span={6}>
                      <Statistic title={t('regions.stats.area')} value={formatArea(stats.area)} />
                    </Col>
                    {region.level !== 'grid' && (
                      <>
                    <Col span={6}>
                      <Statistic title={t('regions.stats.children')} value={stats.children} />
                    </Col>
                    <Col span={6}>
                      <Statistic title={t('regions.stats.grids')} value={stats.grids} />
                    </Col>
                    <Col span={6}>
                      <Statistic title={t('regions.stats.coverage')} value={stats.gridCoverage === null ? '—' : `${(stats.gridCoverage * 100).toFixed(1)}%`} />
                    </Col>
                      </>
                    )}
                  </Row>
                  <Descriptions size="small" column={5} style={{ marginTop: 8 }}>
                    {Object.entries(stats.descendants).map(([level, n]) => (
                      <Descriptions.Item key={level} label={t(`regionLevels.${level}`, { defaultValue: level })}>
                        {n}
                      </Descriptions.Item>
                    ))}
                  </Descriptions>
                </Card>
              )}
              {(region.level === 'community' || region.level === 'grid') && region.access === 'full' && (
                <Card size="small">
                  <Tabs
                    key={region.code}
                    items={[
                      ...(region.level === 'community' && isAdmin
                        ? [
                            {
                              key: 'divide',
                              label: t('regions.divide.title'),
                              children: <DividePanel code={region.code} existingGrids={stats?.grids ?? 0} onPreview={setPreview} onCommitted={afterDivide} />,
                            },
                          ]
                        : []),
                      ...(region.level === 'grid' ? [{ key: 'people', label: t('regions.people.title'), children: <GridPeople code={region.code} canEdit={isAdmin} /> }] : []),
                    ]}
                  />
                </Card>
              )}
            </Space>
          )}
        </Col>
      </Row>
      {isAdmin && (
        <ImportWizard
          open={importOpen}
          onClose={() => setImportOpen(false)}
          onImported={() => {
            setTreeVersion((v) => v + 1);
            setVersion((v) => v + 1);
          }}
        />
      )}
    </Space>
  );
}

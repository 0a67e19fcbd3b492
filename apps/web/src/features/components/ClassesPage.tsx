import { ArrowLeftOutlined, MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Checkbox, Form, Input, Modal, Popconfirm, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { applyFieldErrors, useShowError } from '../../lib/errors';
import { ATTRIBUTE_TYPES, createClass, createMajor, deleteClass, listClasses, listMajors, updateClass, type AttributeDef, type ClassView, type MajorView } from './componentsApi';

interface ClassForm {
  majorCode?: string;
  code?: string;
  name: string;
  attributes: (Omit<AttributeDef, 'required'> & { required?: boolean })[];
}

const cleanAttributes = (list: ClassForm['attributes']): AttributeDef[] =>
  (list ?? []).map((a) => ({
    name: a.name.trim(),
    type: a.type,
    required: !!a.required,
    ...(a.type === 'enum' && a.values?.length ? { values: a.values } : {}),
    ...(a.description ? { description: a.description } : {}),
  }));

/** The attribute declarations of a class: name, type, required, allowed values (enum). */
function AttributesEditor() {
  const { t } = useTranslation();
  return (
    <Form.List name="attributes">
      {(fields, { add, remove }) => (
        <Space orientation="vertical" style={{ width: '100%' }}>
          {fields.map(({ key, name }) => (
            <Space key={key} align="start" wrap data-testid="attribute-row">
              <Form.Item name={[name, 'name']} rules={[{ required: true, message: t('registry.classes.attrNameRequired') }]} style={{ marginBottom: 0 }}>
                <Input placeholder={t('registry.classes.attrName')} style={{ width: 140 }} />
              </Form.Item>
              <Form.Item name={[name, 'type']} initialValue="string" style={{ marginBottom: 0 }}>
                <Select style={{ width: 110 }} options={ATTRIBUTE_TYPES.map((x) => ({ value: x, label: t(`registry.classes.types.${x}`) }))} />
              </Form.Item>
              <Form.Item noStyle shouldUpdate>
                {({ getFieldValue }) =>
                  getFieldValue(['attributes', name, 'type']) === 'enum' ? (
                    <Form.Item name={[name, 'values']} rules={[{ required: true, message: t('registry.classes.valuesRequired') }]} style={{ marginBottom: 0 }}>
                      <Select mode="tags" style={{ width: 220 }} placeholder={t('registry.classes.values')} open={false} tokenSeparators={[',', '，']} />
                    </Form.Item>
                  ) : null
                }
              </Form.Item>
              <Form.Item name={[name, 'required']} valuePropName="checked" style={{ marginBottom: 0 }}>
                <Checkbox>{t('registry.classes.required')}</Checkbox>
              </Form.Item>
              <Button type="text" icon={<MinusCircleOutlined />} onClick={() => remove(name)} aria-label={t('registry.classes.removeAttr')} />
            </Space>
          ))}
          <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ type: 'string', required: false })} data-testid="add-attribute">
            {t('registry.classes.addAttr')}
          </Button>
        </Space>
      )}
    </Form.List>
  );
}

/** Class editor: the standard and local minor classes of components, add a local class, retire, edit attributes. */
export default function ClassesPage() {
  const { t } = useTranslation();
  const showError = useShowError();
  const { message } = App.useApp();
  const [classes, setClasses] = useState<ClassView[]>([]);
  const [majors, setMajors] = useState<MajorView[]>([]);
  const [loading, setLoading] = useState(false);
  const [major, setMajor] = useState<string | undefined>();
  const [q, setQ] = useState('');
  const [showRetired, setShowRetired] = useState(true);
  const [editing, setEditing] = useState<ClassView | 'new' | null>(null);
  const [addingMajor, setAddingMajor] = useState(false);
  const [form] = Form.useForm<ClassForm>();
  const [majorForm] = Form.useForm<{ code: string; name: string }>();

  const load = useCallback(() => {
    setLoading(true);
    Promise.all([listClasses(true), listMajors(true)])
      .then(([c, m]) => {
        setClasses(c);
        setMajors(m);
      })
      .catch(showError)
      .finally(() => setLoading(false));
  }, [showError]);
  useEffect(load, [load]);

  const shown = useMemo(
    () =>
      classes.filter(
        (c) => (!major || c.majorCode === major) && (showRetired || !c.retired) && (!q || c.name.includes(q) || c.code.startsWith(q)),
      ),
    [classes, major, q, showRetired],
  );

  const open = (c: ClassView | 'new') => {
    setEditing(c);
    form.resetFields();
    if (c === 'new') form.setFieldsValue({ majorCode: major, code: '', name: '', attributes: [] });
    else form.setFieldsValue({ name: c.name, attributes: c.attributes });
  };

  const save = async () => {
    const v = await form.validateFields();
    try {
      if (editing === 'new') await createClass({ code: v.code!, name: v.name, attributes: cleanAttributes(v.attributes) });
      else if (editing) await updateClass(editing.code, { name: v.name, attributes: cleanAttributes(v.attributes) });
      void message.success(t('registry.classes.saved'));
      setEditing(null);
      load();
    } catch (e) {
      if (!applyFieldErrors(form, e, ['code', 'name', 'attributes'])) showError(e);
    }
  };

  const setRetired = async (c: ClassView, retired: boolean) => {
    try {
      await updateClass(c.code, { retired });
      load();
    } catch (e) {
      showError(e);
    }
  };

  const remove = async (c: ClassView) => {
    try {
      await deleteClass(c.code);
      void message.success(t('registry.classes.deleted'));
      load();
    } catch (e) {
      showError(e);
    }
  };

  const columns: ColumnsType<ClassView> = [
    { title: t('registry.classes.code'), dataIndex: 'code', width: 90 },
    { title: t('registry.classes.name'), dataIndex: 'name' },
    { title: t('registry.classes.major'), dataIndex: 'majorName', render: (_: string, c) => `${c.majorCode} ${c.majorName}` },
    {
      title: t('registry.classes.attributes'),
      dataIndex: 'attributes',
      render: (a: AttributeDef[]) => (a.length ? a.map((x) => <Tag key={x.name}>{`${x.name}${x.required ? '*' : ''}: ${t(`registry.classes.types.${x.type}`)}`}</Tag>) : '—'),
    },
    {
      title: t('registry.classes.state'),
      width: 140,
      render: (_: unknown, c) => (
        <Space size={4}>
          {c.local ? <Tag color="purple">{t('registry.classes.local')}</Tag> : <Tag>{t('registry.classes.standard')}</Tag>}
          {c.retired && <Tag color="default">{t('registry.classes.retired')}</Tag>}
        </Space>
      ),
    },
    {
      title: '',
      width: 210,
      render: (_: unknown, c) => (
        <Space size={4}>
          <Button size="small" onClick={() => open(c)} data-testid={`edit-${c.code}`}>
            {t('registry.classes.edit')}
          </Button>
          <Button size="small" onClick={() => void setRetired(c, !c.retired)} data-testid={`retire-${c.code}`}>
            {c.retired ? t('registry.classes.restore') : t('registry.classes.retire')}
          </Button>
          {c.local && (
            <Popconfirm title={t('registry.classes.deleteConfirm')} onConfirm={() => void remove(c)}>
              <Button size="small" danger data-testid={`delete-${c.code}`}>
                {t('registry.classes.delete')}
              </Button>
            </Popconfirm>
          )}
        </Space>
      ),
    },
  ];

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="classes-page">
      <Space style={{ width: '100%', justifyContent: 'space-between' }} wrap>
        <Space>
          <Link to="/components">
            <Button icon={<ArrowLeftOutlined />}>{t('registry.detail.back')}</Button>
          </Link>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('registry.classes.title')}
          </Typography.Title>
        </Space>
        <Space>
          <Button onClick={() => setAddingMajor(true)} data-testid="add-major">
            {t('registry.classes.addMajor')}
          </Button>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => open('new')} data-testid="add-class">
            {t('registry.classes.add')}
          </Button>
        </Space>
      </Space>
      <Card size="small">
        <Space wrap style={{ marginBottom: 12 }}>
          <Select
            style={{ width: 220 }}
            allowClear
            value={major}
            onChange={setMajor}
            placeholder={t('registry.classes.major')}
            options={majors.map((m) => ({ value: m.code, label: `${m.code} ${m.name}${m.retired ? ` (${t('registry.classes.retired')})` : ''}` }))}
          />
          <Input.Search allowClear style={{ width: 200 }} placeholder={t('registry.classes.search')} onSearch={setQ} onChange={(e) => !e.target.value && setQ('')} />
          <Space>
            <Switch checked={showRetired} onChange={setShowRetired} size="small" />
            {t('registry.classes.showRetired')}
          </Space>
        </Space>
        <Table<ClassView> rowKey="code" size="small" loading={loading} columns={columns} dataSource={shown} pagination={{ pageSize: 50, hideOnSinglePage: true }} data-testid="classes-table" />
        <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 0 }}>
          {t('registry.classes.help')}
        </Typography.Paragraph>
      </Card>
      <Modal
        open={editing !== null}
        title={editing === 'new' || editing === null ? t('registry.classes.add') : t('registry.classes.editTitle', { code: editing.code })}
        onCancel={() => setEditing(null)}
        onOk={() => void save()}
        okText={t('common.submit')}
        width={760}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" data-testid="class-form">
          {editing === 'new' && (
            <Space align="start">
              <Form.Item name="majorCode" label={t('registry.classes.major')} rules={[{ required: true }]}>
                <Select
                  style={{ width: 220 }}
                  options={majors.filter((m) => !m.retired).map((m) => ({ value: m.code, label: `${m.code} ${m.name}` }))}
                  onChange={(m: string) => form.setFieldValue('code', m)}
                  data-testid="class-major"
                />
              </Form.Item>
              <Form.Item
                name="code"
                label={t('registry.classes.code')}
                extra={t('registry.classes.codeHelp')}
                dependencies={['majorCode']}
                rules={[
                  { required: true, pattern: /^[0-9]{4}$/, message: t('registry.classes.codeFormat') },
                  ({ getFieldValue }) => ({
                    validator: (_, v: string) => (!v || v.startsWith(getFieldValue('majorCode') ?? '') ? Promise.resolve() : Promise.reject(new Error(t('registry.classes.codeMajor')))),
                  }),
                ]}
              >
                <Input style={{ width: 120 }} maxLength={4} data-testid="class-code" />
              </Form.Item>
            </Space>
          )}
          <Form.Item name="name" label={t('registry.classes.name')} rules={[{ required: true, whitespace: true }]}>
            <Input maxLength={100} data-testid="class-name" />
          </Form.Item>
          <Form.Item label={t('registry.classes.attributes')} extra={t('registry.classes.attributesHelp')}>
            <AttributesEditor />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={addingMajor}
        title={t('registry.classes.addMajor')}
        onCancel={() => setAddingMajor(false)}
        onOk={() =>
          void majorForm.validateFields().then(async (v) => {
            try {
              await createMajor(v);
              setAddingMajor(false);
              majorForm.resetFields();
              load();
            } catch (e) {
              showError(e);
            }
          })
        }
        destroyOnHidden
      >
        <Form form={majorForm} layout="vertical">
          <Form.Item name="code" label={t('registry.classes.code')} rules={[{ required: true, pattern: /^[0-9]{2}$/, message: t('registry.classes.majorCodeFormat') }]}>
            <Input maxLength={2} style={{ width: 100 }} />
          </Form.Item>
          <Form.Item name="name" label={t('registry.classes.name')} rules={[{ required: true, whitespace: true }]}>
            <Input maxLength={50} />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}

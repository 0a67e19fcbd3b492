import { App, Alert, Button, Drawer, Form, Input, Select, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { roleLabel } from '../../components/RoleTags';
import { api, ApiError } from '../../lib/api';
import { applyFieldErrors, errorText } from '../../lib/errors';
import { ROLES, type NewUser, type User } from '../../lib/types';

interface Values {
  username: string;
  displayName: string;
  password: string;
  roles: string[];
  departmentId?: string;
  scopes?: string[];
  phone?: string;
}

const FIELDS = ['username', 'displayName', 'password', 'roles', 'departmentId', 'scopes', 'phone'] as const;

export function CreateUserDrawer({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  // Problems not tied to a field (e.g. 409 username taken without errors[]) show above the form.
  const [formError, setFormError] = useState<string | null>(null);

  const submit = async (v: Values) => {
    setSaving(true);
    setFormError(null);
    // Optional fields are omitted when blank rather than sent as "".
    const body: NewUser = {
      username: v.username.trim(),
      displayName: v.displayName.trim(),
      password: v.password,
      roles: v.roles,
      scopes: (v.scopes ?? []).map((regionCode) => ({ regionCode: regionCode.trim() })).filter((s) => s.regionCode),
      ...(v.departmentId?.trim() ? { departmentId: v.departmentId.trim() } : {}),
      ...(v.phone?.trim() ? { phone: v.phone.trim() } : {}),
    };
    try {
      await api<User>('/users', { method: 'POST', body });
      void message.success(t('users.created'));
      form.resetFields();
      onCreated();
    } catch (e) {
      const placed = applyFieldErrors(form, e, FIELDS);
      setFormError(placed && e instanceof ApiError && !e.problem.detail ? t('users.checkFields') : errorText(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Drawer
      title={t('users.createTitle')}
      open={open}
      onClose={onClose}
      size={480}
      destroyOnHidden
      extra={
        <Space>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="primary" loading={saving} onClick={() => form.submit()}>
            {t('common.submit')}
          </Button>
        </Space>
      }
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} />}
      <Form<Values> form={form} layout="vertical" onFinish={(v) => void submit(v)} initialValues={{ roles: [], scopes: [] }}>
        <Form.Item name="username" label={t('users.username')} rules={[{ required: true, whitespace: true, message: t('users.usernameRequired') }]}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item
          name="displayName"
          label={t('users.displayName')}
          rules={[{ required: true, whitespace: true, message: t('users.displayNameRequired') }]}
        >
          <Input />
        </Form.Item>
        <Form.Item name="password" label={t('users.password')} rules={[{ required: true, message: t('users.passwordRequired') }]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item name="roles" label={t('users.roles')} rules={[{ required: true, type: 'array', min: 1, message: t('users.rolesRequired') }]}>
          <Select mode="multiple" options={ROLES.map((r) => ({ value: r, label: roleLabel(t, r) }))} optionFilterProp="label" />
        </Form.Item>
        <Form.Item name="departmentId" label={t('users.department')}>
          <Input />
        </Form.Item>
        <Form.Item name="scopes" label={t('users.scopes')} extra={t('users.scopesHint')}>
          <Select mode="tags" tokenSeparators={[',', ' ', '，']} open={false} suffixIcon={null} />
        </Form.Item>
        <Form.Item name="phone" label={t('users.phone')}>
          <Input inputMode="tel" />
        </Form.Item>
      </Form>
    </Drawer>
  );
}

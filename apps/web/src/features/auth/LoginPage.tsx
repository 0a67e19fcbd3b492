import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Flex, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { useSession } from '../../app/session';
import { LanguageSwitch } from '../../components/LanguageSwitch';
import { api, ApiError } from '../../lib/api';
import { errorText } from '../../lib/errors';
import type { Me } from '../../lib/types';

interface Credentials {
  username: string;
  password: string;
}

/** Where to go after signing in: back to the page that sent us here, never off-site. */
function returnPath(state: unknown): string {
  const from = (state as { from?: unknown } | null)?.from;
  return typeof from === 'string' && from.startsWith('/') && !from.startsWith('//') && from !== '/login' ? from : '/';
}

export default function LoginPage() {
  const { t } = useTranslation();
  const { status, signedIn } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const [submitting, setSubmitting] = useState(false);
  // Known failures are kept as keys so the message follows a language switch.
  const [error, setError] = useState<{ key?: 'login.invalidCredentials' | 'login.locked'; text?: string; detail?: string } | null>(null);

  if (status === 'authenticated') return <Navigate to={returnPath(location.state)} replace />;

  const onFinish = async (values: Credentials) => {
    setSubmitting(true);
    setError(null);
    try {
      const res = await api<{ user: Me }>('/auth/login', { method: 'POST', body: values });
      signedIn(res.user);
      void navigate(returnPath(location.state), { replace: true });
    } catch (e) {
      // Invalid credentials get one generic line: never hint whether the username exists.
      if (e instanceof ApiError && e.status === 401) setError({ key: 'login.invalidCredentials' });
      else if (e instanceof ApiError && (e.status === 429 || e.code === 'LOGIN_LOCKED'))
        setError({ key: 'login.locked', detail: e.problem.detail });
      else setError({ text: errorText(e) });
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <Flex
      vertical
      align="center"
      justify="center"
      style={{ minHeight: '100vh', padding: 16, background: 'linear-gradient(135deg, #0f2b5b 0%, #1d5fd1 100%)' }}
    >
      <Card style={{ width: '100%', maxWidth: 400 }} styles={{ body: { padding: 32 } }}>
        <Flex justify="flex-end">
          <LanguageSwitch />
        </Flex>
        <Flex vertical align="center" gap={4} style={{ margin: '8px 0 24px' }}>
          <img src="/favicon.svg" alt="" width={48} height={48} />
          <Typography.Title level={3} style={{ margin: '8px 0 0', textAlign: 'center' }}>
            {t('app.name')}
          </Typography.Title>
          <Typography.Text type="secondary">{t('login.subtitle')}</Typography.Text>
        </Flex>
        {error && (
          <Alert
            data-testid="login-error"
            type="error"
            showIcon
            title={error.key ? t(error.key) : error.text}
            description={error.detail}
            style={{ marginBottom: 16 }}
          />
        )}
        <Form<Credentials> name="login" layout="vertical" size="large" onFinish={(v) => void onFinish(v)} requiredMark={false}>
          <Form.Item
            name="username"
            label={t('login.username')}
            rules={[{ required: true, whitespace: true, message: t('login.usernameRequired') }]}
          >
            <Input data-testid="login-username" prefix={<UserOutlined />} autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('login.passwordRequired') }]}>
            <Input.Password data-testid="login-password" prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          <Button data-testid="login-submit" type="primary" htmlType="submit" block loading={submitting}>
            {t('login.submit')}
          </Button>
        </Form>
      </Card>
    </Flex>
  );
}

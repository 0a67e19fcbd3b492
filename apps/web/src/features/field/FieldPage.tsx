import { CloudUploadOutlined, DesktopOutlined, FileAddOutlined, LogoutOutlined, ProfileOutlined, WifiOutlined } from '@ant-design/icons';
import { Alert, Badge, Button, Flex, Typography, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useSession } from '../../app/session';
import { LanguageSwitch } from '../../components/LanguageSwitch';
import { FieldReport } from './FieldReport';
import { FieldTasks } from './FieldTasks';
import { OutboxList } from './OutboxList';
import { useOnline, useOutbox } from './useOutbox';

type Tab = 'report' | 'tasks' | 'outbox';
const TABS: Tab[] = ['report', 'tasks', 'outbox'];
/** Roles that also work in the desktop console (they get a link back to it). */
const CONSOLE_ROLES = ['admin', 'leader', 'operator', 'shiftLeader', 'dispatcher', 'departmentHandler'];

/**
 * The field app for supervisors and grid workers: a phone layout (big touch targets, bottom
 * tab bar) outside the console frame. Report, my tasks, and the outbox of what this phone sent.
 */
export default function FieldPage() {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const { user, logout, hasRole } = useSession();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const tab: Tab = TABS.find((x) => x === params.get('tab')) ?? 'report';
  const setTab = (x: Tab) => setParams(x === 'report' ? {} : { tab: x }, { replace: true });
  const items = useOutbox();
  const online = useOnline();
  const unsent = items.filter((i) => i.state !== 'sent');

  const icons = { report: <FileAddOutlined />, tasks: <ProfileOutlined />, outbox: <CloudUploadOutlined /> };

  return (
    <Flex vertical style={{ minHeight: '100dvh', background: token.colorBgLayout }} data-testid="field-app">
      <Flex
        align="center"
        justify="space-between"
        gap={8}
        style={{ position: 'sticky', top: 0, zIndex: 10, padding: '10px 12px', background: token.colorPrimary, color: '#fff' }}
      >
        <Flex vertical style={{ minWidth: 0 }}>
          <Typography.Text strong style={{ color: '#fff', fontSize: 18 }}>
            {t('field.title')}
          </Typography.Text>
          <Typography.Text style={{ color: 'rgba(255,255,255,0.85)', fontSize: 12 }} ellipsis>
            {user?.displayName}
          </Typography.Text>
        </Flex>
        <Flex align="center" gap={4}>
          <Badge status={online ? 'success' : 'error'} />
          <Typography.Text style={{ color: '#fff', fontSize: 12 }} data-testid="field-online">
            {online ? t('field.online') : t('field.offline')}
          </Typography.Text>
          {CONSOLE_ROLES.some(hasRole) && (
            <Link to="/" aria-label={t('field.console')} style={{ color: '#fff', padding: 8 }}>
              <DesktopOutlined />
            </Link>
          )}
          <Button
            type="text"
            aria-label={t('nav.logout')}
            icon={<LogoutOutlined style={{ color: '#fff' }} />}
            onClick={() => void logout().finally(() => void navigate('/login', { replace: true }))}
          />
        </Flex>
      </Flex>
      {!online && (
        <Alert type="warning" banner icon={<WifiOutlined />} title={t('field.offlineBanner')} data-testid="field-offline-banner" />
      )}
      {unsent.length > 0 && tab !== 'outbox' && (
        <Alert
          type="info"
          banner
          title={t('field.unsent', { count: unsent.length })}
          action={
            <Button size="small" type="link" onClick={() => setTab('outbox')}>
              {t('field.view')}
            </Button>
          }
          data-testid="field-unsent"
        />
      )}
      <div style={{ flex: 1, padding: 12, paddingBottom: 88 }}>
        {tab === 'report' && <FieldReport online={online} />}
        {tab === 'tasks' && <FieldTasks queued={items} />}
        {tab === 'outbox' && <OutboxList items={items} online={online} />}
        <Flex justify="center" style={{ marginTop: 24 }}>
          <LanguageSwitch />
        </Flex>
      </div>
      <nav
        style={{
          position: 'fixed',
          left: 0,
          right: 0,
          bottom: 0,
          display: 'flex',
          background: token.colorBgContainer,
          borderTop: `1px solid ${token.colorBorderSecondary}`,
          paddingBottom: 'env(safe-area-inset-bottom)',
          zIndex: 10,
        }}
      >
        {TABS.map((x) => (
          <button
            key={x}
            type="button"
            data-testid={`field-tab-${x}`}
            aria-current={tab === x ? 'page' : undefined}
            onClick={() => setTab(x)}
            style={{
              flex: 1,
              height: 64,
              border: 0,
              background: 'none',
              cursor: 'pointer',
              color: tab === x ? token.colorPrimary : token.colorTextSecondary,
              fontSize: 13,
              display: 'flex',
              flexDirection: 'column',
              alignItems: 'center',
              justifyContent: 'center',
              gap: 4,
            }}
          >
            <Badge count={x === 'outbox' ? unsent.length : 0} size="small" offset={[6, 0]}>
              <span style={{ fontSize: 22, color: tab === x ? token.colorPrimary : token.colorTextSecondary }}>{icons[x]}</span>
            </Badge>
            {t(`field.tabs.${x}`)}
          </button>
        ))}
      </nav>
    </Flex>
  );
}

import { CloudUploadOutlined, DesktopOutlined, FileAddOutlined, LogoutOutlined, ProfileOutlined, WifiOutlined } from '@ant-design/icons';
import { Alert, Badge, Button, Flex, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useSession } from '../../app/session';
import { MobileShell, useTabParam } from '../../components/MobileShell';
import { FieldReport } from './FieldReport';
import { FieldTasks } from './FieldTasks';
import { OutboxList } from './OutboxList';
import { useOnline, useOutbox } from './useOutbox';

const TABS = ['report', 'tasks', 'outbox'] as const;
const ICONS = { report: <FileAddOutlined />, tasks: <ProfileOutlined />, outbox: <CloudUploadOutlined /> };
/** Roles that also work in the desktop console (they get a link back to it). */
const CONSOLE_ROLES = ['admin', 'leader', 'operator', 'shiftLeader', 'dispatcher', 'departmentHandler'];

/**
 * The field app for supervisors and grid workers: a phone layout (big touch targets, bottom
 * tab bar) outside the console frame. Report, my tasks, and the outbox of what this phone sent.
 */
export default function FieldPage() {
  const { t } = useTranslation();
  const { user, logout, hasRole } = useSession();
  const navigate = useNavigate();
  const [tab, setTab] = useTabParam(TABS);
  const items = useOutbox();
  const online = useOnline();
  const unsent = items.filter((i) => i.state !== 'sent');

  return (
    <MobileShell
      testId="field-app"
      title={t('field.title')}
      subtitle={user?.displayName}
      headerExtra={
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
      }
      banners={
        <>
          {!online && <Alert type="warning" banner icon={<WifiOutlined />} title={t('field.offlineBanner')} data-testid="field-offline-banner" />}
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
        </>
      }
      tabs={TABS.map((key) => ({ key, icon: ICONS[key], label: t(`field.tabs.${key}`), badge: key === 'outbox' ? unsent.length : 0 }))}
      active={tab}
      onTab={setTab}
      tabTestId="field-tab"
    >
      {tab === 'report' && <FieldReport online={online} />}
      {tab === 'tasks' && <FieldTasks queued={items} />}
      {tab === 'outbox' && <OutboxList items={items} online={online} />}
    </MobileShell>
  );
}

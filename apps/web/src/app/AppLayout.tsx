import { DownOutlined, LogoutOutlined, MenuFoldOutlined, MenuUnfoldOutlined, UserOutlined } from '@ant-design/icons';
import { Avatar, Button, Dropdown, Flex, Layout, Menu, Typography, theme } from 'antd';
import type { MenuProps } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { activeNav, NAV, navVisible, type NavItem } from './nav';
import { useSession } from './session';

const { Header, Sider, Content } = Layout;

export default function AppLayout() {
  const { t } = useTranslation();
  const { user, hasRole, logout } = useSession();
  const { pathname } = useLocation();
  const navigate = useNavigate();
  const [collapsed, setCollapsed] = useState(false);
  const { token } = theme.useToken();

  const toMenu = (items: NavItem[]): MenuProps['items'] =>
    items
      .filter((it) => navVisible(it, hasRole))
      .map((it) => ({
        key: it.key,
        icon: it.icon,
        label: it.children ? (
          t(`nav.${it.key}`)
        ) : it.newTab ? (
          <a href={it.path} target="_blank" rel="noopener noreferrer">
            {t(`nav.${it.key}`)}
          </a>
        ) : (
          <Link to={it.path}>{t(`nav.${it.key}`)}</Link>
        ),
        children: it.children ? toMenu(it.children) : undefined,
      }));

  const active = activeNav(pathname);
  const selected = active.length ? [active[active.length - 1]!.key] : [];
  const [openKeys, setOpenKeys] = useState<string[]>(() => active.filter((n) => n.children).map((n) => n.key));

  const onLogout = async () => {
    await logout().catch(() => undefined); // logout() already clears the local session
    void navigate('/login', { replace: true });
  };

  const userItems: MenuProps['items'] = [
    { key: 'me', icon: <UserOutlined />, label: <Link to="/me">{t('nav.me')}</Link> },
    { type: 'divider' },
    { key: 'logout', icon: <LogoutOutlined />, label: t('nav.logout'), onClick: () => void onLogout() },
  ];

  return (
    <Layout data-testid="app-layout" style={{ minHeight: '100vh' }}>
      <Sider
        collapsible
        collapsed={collapsed}
        trigger={null}
        width={220}
        theme="dark"
        // Sticky so the menu stays in view on long tables.
        style={{ position: 'sticky', top: 0, height: '100vh', overflow: 'auto' }}
      >
        <Link to="/" aria-label={t('app.name')}>
          <Flex align="center" gap={10} style={{ height: 64, padding: '0 20px', overflow: 'hidden' }}>
            <img src="/favicon.svg" alt="" width={28} height={28} />
            {!collapsed && (
              <Typography.Text strong style={{ color: '#fff', fontSize: 18, whiteSpace: 'nowrap' }}>
                {t('app.shortName')}
              </Typography.Text>
            )}
          </Flex>
        </Link>
        <Menu
          theme="dark"
          mode="inline"
          items={toMenu(NAV)}
          selectedKeys={selected}
          openKeys={collapsed ? undefined : openKeys}
          onOpenChange={setOpenKeys}
        />
      </Sider>
      <Layout>
        <Header
          style={{
            background: token.colorBgContainer,
            padding: '0 16px',
            borderBottom: `1px solid ${token.colorBorderSecondary}`,
          }}
        >
          <Flex align="center" justify="space-between" style={{ height: '100%' }}>
            <Flex align="center" gap={8}>
              <Button
                type="text"
                aria-label={t(collapsed ? 'nav.expand' : 'nav.collapse')}
                icon={collapsed ? <MenuUnfoldOutlined /> : <MenuFoldOutlined />}
                onClick={() => setCollapsed(!collapsed)}
              />
              <Typography.Text strong style={{ fontSize: 16 }}>
                {t('app.name')}
              </Typography.Text>
            </Flex>
            <Flex align="center" gap={16}>
              <LanguageSwitch />
              <Dropdown menu={{ items: userItems }} trigger={['click']} placement="bottomRight">
                <Button type="text" data-testid="user-menu" aria-haspopup="menu" title={t('nav.userMenu')}>
                  <Avatar size="small" icon={<UserOutlined />} style={{ background: token.colorPrimary }} />
                  {user?.displayName}
                  <DownOutlined style={{ fontSize: 10 }} />
                </Button>
              </Dropdown>
            </Flex>
          </Flex>
        </Header>
        <Content style={{ margin: 16 }}>
          <div
            style={{
              background: token.colorBgContainer,
              borderRadius: token.borderRadiusLG,
              padding: 24,
              minHeight: 'calc(100vh - 64px - 32px)',
              boxSizing: 'border-box',
            }}
          >
            <Outlet />
          </div>
        </Content>
      </Layout>
    </Layout>
  );
}

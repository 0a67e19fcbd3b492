import {
  AppstoreOutlined,
  AuditOutlined,
  CarOutlined,
  DashboardOutlined,
  DatabaseOutlined,
  FileTextOutlined,
  FundProjectionScreenOutlined,
  HomeOutlined,
  SettingOutlined,
  TeamOutlined,
  BorderInnerOutlined,
  MobileOutlined,
} from '@ant-design/icons';
import type { ReactNode } from 'react';
import type zhCN from '../i18n/zh-CN';

export type NavKey = keyof typeof zhCN.nav;

export interface NavItem {
  key: NavKey;
  path: string;
  icon: ReactNode;
  /** Opens in a new browser tab (the big screen runs full-window on a wall display). */
  newTab?: boolean;
  role?: string;
  /** Shown to users holding any of these roles. */
  roles?: string[];
  children?: NavItem[];
}

/** Side navigation; modules fill in their pages behind these paths. */
export const NAV: NavItem[] = [
  { key: 'dashboard', path: '/', icon: <DashboardOutlined /> },
  { key: 'cases', path: '/cases', icon: <FileTextOutlined /> },
  { key: 'field', path: '/field', icon: <MobileOutlined />, roles: ['supervisor', 'gridWorker', 'admin'] },
  { key: 'regions', path: '/regions', icon: <BorderInnerOutlined /> },
  { key: 'components', path: '/components', icon: <AppstoreOutlined /> },
  { key: 'parking', path: '/parking', icon: <CarOutlined /> },
  { key: 'community', path: '/community', icon: <HomeOutlined /> },
  { key: 'data', path: '/data', icon: <DatabaseOutlined />, roles: ['admin', 'leader'] },
  { key: 'screen', path: '/screen', icon: <FundProjectionScreenOutlined />, newTab: true },
  {
    key: 'admin',
    path: '/admin',
    icon: <SettingOutlined />,
    role: 'admin',
    children: [
      { key: 'adminUsers', path: '/admin/users', icon: <TeamOutlined /> },
      { key: 'adminAudit', path: '/admin/audit', icon: <AuditOutlined /> },
    ],
  },
];

/** Whether the user (by `hasRole`) sees a nav entry. */
export function navVisible(it: NavItem, hasRole: (role: string) => boolean): boolean {
  return (!it.role || hasRole(it.role)) && (!it.roles || it.roles.some(hasRole));
}

/** The nav entry whose path is the longest prefix of `pathname` (so /cases/123 lights "cases"). */
export function activeNav(pathname: string): NavItem[] {
  let best: NavItem[] = [];
  let bestLen = -1;
  const visit = (items: NavItem[], trail: NavItem[]) => {
    for (const it of items) {
      const hit = it.path === '/' ? pathname === '/' : pathname === it.path || pathname.startsWith(it.path + '/');
      if (hit && it.path.length > bestLen) {
        best = [...trail, it];
        bestLen = it.path.length;
      }
      if (it.children) visit(it.children, [...trail, it]);
    }
  };
  visit(NAV, []);
  return best;
}

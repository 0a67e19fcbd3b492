import { Badge, Flex, Typography, theme } from 'antd';
import type { ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { LanguageSwitch } from './LanguageSwitch';

export interface MobileTab<T extends string> {
  key: T;
  icon: ReactNode;
  label: string;
  /** A count on the tab's icon (0 hides it). */
  badge?: number;
}

/** The active tab of a phone page, kept in `?tab=` so a reload or a shared link lands on it. */
export function useTabParam<T extends string>(tabs: readonly T[]): [T, (tab: T) => void] {
  const [params, setParams] = useSearchParams();
  const first = tabs[0]!;
  const tab = tabs.find((x) => x === params.get('tab')) ?? first;
  return [tab, (x: T) => setParams(x === first ? {} : { tab: x }, { replace: true })];
}

/**
 * The frame of the phone apps (field app, resident parking): a sticky coloured header, the page,
 * the language switch, and a bottom tab bar with big touch targets above the safe area.
 */
export function MobileShell<T extends string>(props: {
  testId: string;
  title: string;
  subtitle?: string;
  /** Right side of the header (status, links, log out). */
  headerExtra?: ReactNode;
  /** Banners under the header (offline, unsent). */
  banners?: ReactNode;
  tabs: MobileTab<T>[];
  active: T;
  onTab: (tab: T) => void;
  /** `data-testid` of each tab button is `${tabTestId}-${key}`. */
  tabTestId: string;
  children: ReactNode;
}) {
  const { token } = theme.useToken();
  const { tabs, active } = props;
  return (
    <Flex vertical style={{ minHeight: '100dvh', background: token.colorBgLayout }} data-testid={props.testId}>
      <Flex align="center" justify="space-between" gap={8} style={{ position: 'sticky', top: 0, zIndex: 10, padding: '10px 12px', background: token.colorPrimary, color: '#fff' }}>
        <Flex vertical style={{ minWidth: 0 }}>
          <Typography.Text strong style={{ color: '#fff', fontSize: 18 }}>
            {props.title}
          </Typography.Text>
          {props.subtitle && (
            <Typography.Text style={{ color: 'rgba(255,255,255,0.85)', fontSize: 12 }} ellipsis>
              {props.subtitle}
            </Typography.Text>
          )}
        </Flex>
        {props.headerExtra}
      </Flex>
      {props.banners}
      <div style={{ flex: 1, padding: 12, paddingBottom: 88 }}>
        {props.children}
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
        {tabs.map((x) => {
          const color = active === x.key ? token.colorPrimary : token.colorTextSecondary;
          return (
            <button
              key={x.key}
              type="button"
              data-testid={`${props.tabTestId}-${x.key}`}
              aria-current={active === x.key ? 'page' : undefined}
              onClick={() => props.onTab(x.key)}
              style={{
                flex: 1,
                height: 64,
                border: 0,
                background: 'none',
                cursor: 'pointer',
                color,
                fontSize: 13,
                display: 'flex',
                flexDirection: 'column',
                alignItems: 'center',
                justifyContent: 'center',
                gap: 4,
              }}
            >
              <Badge count={x.badge ?? 0} size="small" offset={[6, 0]}>
                <span style={{ fontSize: 22, color }}>{x.icon}</span>
              </Badge>
              {x.label}
            </button>
          );
        })}
      </nav>
    </Flex>
  );
}

import { CarOutlined, DollarOutlined, EnvironmentOutlined, ShareAltOutlined } from '@ant-design/icons';
import { Flex, Typography, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { useSession } from '../../app/session';
import { LanguageSwitch } from '../../components/LanguageSwitch';
import { ResidentBookings } from './ResidentBookings';
import { ResidentEarnings } from './ResidentEarnings';
import { ResidentFind } from './ResidentFind';
import { ResidentShare } from './ResidentShare';

type Tab = 'find' | 'bookings' | 'share' | 'earnings';
const TABS: Tab[] = ['find', 'bookings', 'share', 'earnings'];

/**
 * Resident parking on a phone (390 × 844): find a lot or a shared space near me and book it,
 * my bookings with the pass, share my own space, my earnings. Same frame as the field app.
 */
export default function ParkingMobilePage() {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const { user } = useSession();
  const [params, setParams] = useSearchParams();
  const tab: Tab = TABS.find((x) => x === params.get('tab')) ?? 'find';
  const setTab = (x: Tab) => setParams(x === 'find' ? {} : { tab: x }, { replace: true });
  const icons = { find: <EnvironmentOutlined />, bookings: <CarOutlined />, share: <ShareAltOutlined />, earnings: <DollarOutlined /> };

  return (
    <Flex vertical style={{ minHeight: '100dvh', background: token.colorBgLayout }} data-testid="parking-app">
      <Flex vertical style={{ position: 'sticky', top: 0, zIndex: 10, padding: '10px 12px', background: token.colorPrimary }}>
        <Typography.Text strong style={{ color: '#fff', fontSize: 18 }}>
          {t('parking.m.title')}
        </Typography.Text>
        <Typography.Text style={{ color: 'rgba(255,255,255,0.85)', fontSize: 12 }} ellipsis>
          {user?.displayName}
        </Typography.Text>
      </Flex>
      <div style={{ flex: 1, padding: 12, paddingBottom: 88 }}>
        {tab === 'find' && <ResidentFind onBooked={() => setTab('bookings')} />}
        {tab === 'bookings' && <ResidentBookings />}
        {tab === 'share' && <ResidentShare />}
        {tab === 'earnings' && <ResidentEarnings />}
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
            data-testid={`parking-tab-${x}`}
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
            <span style={{ fontSize: 22 }}>{icons[x]}</span>
            {t(`parking.m.tabs.${x}`)}
          </button>
        ))}
      </nav>
    </Flex>
  );
}

import { CarOutlined, DollarOutlined, EnvironmentOutlined, ShareAltOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useSession } from '../../app/session';
import { MobileShell, useTabParam } from '../../components/MobileShell';
import { ResidentBookings } from './ResidentBookings';
import { ResidentEarnings } from './ResidentEarnings';
import { ResidentFind } from './ResidentFind';
import { ResidentShare } from './ResidentShare';

const TABS = ['find', 'bookings', 'share', 'earnings'] as const;
const ICONS = { find: <EnvironmentOutlined />, bookings: <CarOutlined />, share: <ShareAltOutlined />, earnings: <DollarOutlined /> };

/**
 * Resident parking on a phone (390 × 844): find a lot or a shared space near me and book it,
 * my bookings with the pass, share my own space, my earnings. Same frame as the field app.
 */
export default function ParkingMobilePage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const [tab, setTab] = useTabParam(TABS);
  return (
    <MobileShell
      testId="parking-app"
      title={t('parking.m.title')}
      subtitle={user?.displayName}
      tabs={TABS.map((key) => ({ key, icon: ICONS[key], label: t(`parking.m.tabs.${key}`) }))}
      active={tab}
      onTab={setTab}
      tabTestId="parking-tab"
    >
      {tab === 'find' && <ResidentFind onBooked={() => setTab('bookings')} />}
      {tab === 'bookings' && <ResidentBookings />}
      {tab === 'share' && <ResidentShare />}
      {tab === 'earnings' && <ResidentEarnings />}
    </MobileShell>
  );
}

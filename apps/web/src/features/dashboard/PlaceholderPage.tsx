import { useTranslation } from 'react-i18next';
import { useLocation } from 'react-router';
import { activeNav } from '../../app/nav';
import { ComingSoon } from '../../components/ComingSoon';

/** Stand-in for nav entries whose module is not built yet; names itself from the nav entry. */
export default function PlaceholderPage() {
  const { t } = useTranslation();
  const { pathname } = useLocation();
  const nav = activeNav(pathname).at(-1);
  return <ComingSoon name={nav ? t(`nav.${nav.key}`) : ''} />;
}

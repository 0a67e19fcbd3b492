import { Flex } from 'antd';
import { useTranslation } from 'react-i18next';
import { ComingSoon } from '../../components/ComingSoon';

/** Full-window big screen (opened in its own tab); the ECharts screen replaces this later. */
export default function ScreenPage() {
  const { t } = useTranslation();
  return (
    <Flex align="center" justify="center" style={{ minHeight: '100vh', background: '#fff' }}>
      <ComingSoon name={t('screen.title')} />
    </Flex>
  );
}

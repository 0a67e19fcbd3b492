import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { SessionProvider } from './session';

const theme = {
  token: { colorPrimary: '#1d5fd1', borderRadius: 6 },
};

export function Providers({ children }: { children: ReactNode }) {
  const { t, i18n } = useTranslation();
  const isEn = i18n.language === 'en';

  useEffect(() => {
    document.title = t('app.name');
  }, [t]);

  return (
    // antd's own texts (pagination, empty states, modals) follow the UI language too.
    // autoInsertSpace off: "登录" stays "登录" (not "登 录"), so visible text equals the i18n string.
    <ConfigProvider locale={isEn ? enUS : zhCN} theme={theme} button={{ autoInsertSpace: false }}>
      <AntApp>
        <SessionProvider>{children}</SessionProvider>
      </AntApp>
    </ConfigProvider>
  );
}

import { Segmented } from 'antd';
import { useTranslation } from 'react-i18next';
import { currentLang, setLang, type Lang } from '../i18n';

/** Visible 中文 / English toggle; each option is labelled in its own language. */
export function LanguageSwitch() {
  const { t } = useTranslation();
  return (
    <Segmented<Lang>
      data-testid="lang-switch"
      aria-label={t('lang.label')}
      size="small"
      value={currentLang()}
      onChange={(v) => void setLang(v)}
      options={[
        { value: 'zh-CN', label: <span lang="zh-CN">{t('lang.zh')}</span> },
        { value: 'en', label: <span lang="en">{t('lang.en')}</span> },
      ]}
    />
  );
}

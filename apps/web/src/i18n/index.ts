import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import zhCN from './zh-CN';
import en from './en';

export const LANGS = ['zh-CN', 'en'] as const;
export type Lang = (typeof LANGS)[number];

const STORAGE_KEY = 'civicgrid.lang';

function storedLang(): Lang {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return LANGS.find((l) => l === v) ?? 'zh-CN';
  } catch {
    return 'zh-CN'; // storage can be blocked (privacy mode); fall back silently
  }
}

export const resources = {
  'zh-CN': { translation: zhCN },
  en: { translation: en },
} as const;

void i18n.use(initReactI18next).init({
  resources,
  lng: storedLang(),
  fallbackLng: 'zh-CN',
  // Resources are bundled, so init completes synchronously and the first render is translated.
  initAsync: false,
  // React escapes text itself; double escaping would show &amp; etc.
  interpolation: { escapeValue: false },
});

document.documentElement.lang = i18n.language;

export function currentLang(): Lang {
  return i18n.language === 'en' ? 'en' : 'zh-CN';
}

export async function setLang(lang: Lang): Promise<void> {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    /* not persisted; still switch for this page */
  }
  document.documentElement.lang = lang;
  await i18n.changeLanguage(lang);
}

export default i18n;

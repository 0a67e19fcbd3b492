import { currentLang } from '../i18n';

/** Local date-time in the UI language; the API sends ISO 8601 with offset. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(currentLang(), { hour12: false });
}

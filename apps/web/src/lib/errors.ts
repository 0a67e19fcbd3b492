import { App } from 'antd';
import type { FormInstance } from 'antd';
import { useCallback } from 'react';
import i18n from '../i18n';
import { ApiError, NETWORK_ERROR } from './api';

/**
 * Human text for a failed call: the server's detail, else its title, else a generic line.
 * A plain function reading i18n at call time, so callers' callbacks stay stable across language switches.
 */
export function errorText(err: unknown): string {
  const t = i18n.t;
  if (err instanceof ApiError) {
    if (err.code === NETWORK_ERROR) return t('errors.network');
    const text = err.problem.detail ?? err.problem.title;
    // Server faults carry a request id: showing it lets support find the log line.
    return err.status >= 500 && err.problem.requestId ? `${text} (${t('common.requestId')}: ${err.problem.requestId})` : text;
  }
  return t('errors.unknown');
}

/** Returns a handler that shows a failed call in an antd message (401s are handled by the session). */
export function useShowError(): (err: unknown) => void {
  const { message } = App.useApp();
  return useCallback(
    (err: unknown) => {
      if (err instanceof DOMException && err.name === 'AbortError') return;
      if (err instanceof ApiError && err.status === 401) return;
      void message.error(errorText(err));
    },
    [message],
  );
}

/**
 * Puts problem `errors[]` on matching form fields. Server field paths may look like
 * `username`, `/username`, `body/scopes/0/regionCode` or `scopes[0].regionCode`; the first
 * segment naming a form field wins. Returns false when nothing could be placed.
 */
export function applyFieldErrors(form: FormInstance, err: unknown, fields: readonly string[]): boolean {
  if (!(err instanceof ApiError) || !err.problem.errors?.length) return false;
  const byField = new Map<string, string[]>();
  for (const e of err.problem.errors) {
    const name = e.field.split(/[/.[\]]+/).find((seg) => fields.includes(seg));
    if (!name) continue;
    byField.set(name, [...(byField.get(name) ?? []), e.reason]);
  }
  form.setFields([...byField].map(([name, errors]) => ({ name, errors })));
  return byField.size > 0;
}

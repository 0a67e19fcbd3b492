import { App } from 'antd';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, onUnauthorized } from '../lib/api';
import type { Me } from '../lib/types';

type Status = 'loading' | 'authenticated' | 'anonymous';

interface Session {
  status: Status;
  user: Me | null;
  /** Set after a successful login (the login response carries the user). */
  signedIn: (user: Me) => void;
  logout: () => Promise<void>;
  hasRole: (role: string) => boolean;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<Me | null>(null);
  const [status, setStatus] = useState<Status>('loading');
  const { message } = App.useApp();
  const { t } = useTranslation();
  const statusRef = useRef(status);
  useEffect(() => {
    statusRef.current = status;
  }, [status]);

  // Any 401 from a later call means the cookie expired: drop the user; guards redirect.
  useEffect(() => {
    onUnauthorized(() => {
      if (statusRef.current === 'authenticated') void message.warning(t('errors.sessionExpired'));
      setUser(null);
      setStatus('anonymous');
    });
    return () => onUnauthorized(null);
  }, [message, t]);

  useEffect(() => {
    const ctrl = new AbortController();
    api<Me>('/me', { signal: ctrl.signal })
      .then((me) => {
        setUser(me);
        setStatus('authenticated');
      })
      .catch((e: unknown) => {
        if (e instanceof DOMException && e.name === 'AbortError') return;
        // 401 is the normal "not signed in"; other failures also land on the login page,
        // which reports the server problem when the user tries to sign in.
        if (!(e instanceof ApiError) || e.status !== 401) console.warn('GET /me failed', e);
        setStatus('anonymous');
      });
    return () => ctrl.abort();
  }, []);

  const signedIn = useCallback((me: Me) => {
    setUser(me);
    setStatus('authenticated');
  }, []);

  const logout = useCallback(async () => {
    try {
      await api('/auth/logout', { method: 'POST' });
    } finally {
      // Even if the server call fails the user asked to leave: forget the session locally.
      setUser(null);
      setStatus('anonymous');
    }
  }, []);

  const value = useMemo<Session>(
    () => ({ status, user, signedIn, logout, hasRole: (r) => user?.roles.includes(r) ?? false }),
    [status, user, signedIn, logout],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

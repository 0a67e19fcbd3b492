import { useEffect, useState, useSyncExternalStore } from 'react';
import { useSession } from '../../app/session';
import { outbox, type OutboxItem } from './outbox';

/** The signed-in user's outbox items (newest first), re-rendered on every change. */
export function useOutbox(): OutboxItem[] {
  const { user } = useSession();
  useEffect(() => {
    if (user) void outbox.start(user.id);
  }, [user]);
  return useSyncExternalStore(
    (l) => outbox.subscribe(l),
    () => outbox.list(),
  );
}

/** navigator.onLine, live. */
export function useOnline(): boolean {
  const [online, setOnline] = useState(() => (typeof navigator === 'undefined' ? true : navigator.onLine));
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return online;
}

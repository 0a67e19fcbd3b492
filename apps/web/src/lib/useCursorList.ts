import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type Page } from './api';

type Query = Record<string, string | number | undefined>;

/**
 * A cursor-paginated list: first page on mount or when `query` changes, `loadMore()` appends.
 * Stale responses (after a filter change) are dropped by a generation counter.
 */
export function useCursorList<T>(path: string, query: Query, onError: (e: unknown) => void) {
  const [items, setItems] = useState<T[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const gen = useRef(0);
  const key = JSON.stringify(query);
  // Kept in a ref so a new onError identity does not refetch and drop loaded pages.
  const onErrorRef = useRef(onError);
  useEffect(() => {
    onErrorRef.current = onError;
  }, [onError]);

  const fetchPage = useCallback(
    async (cursor: string | null, append: boolean) => {
      const my = ++gen.current;
      setLoading(true);
      try {
        const page = await api<Page<T>>(path, { query: { ...(JSON.parse(key) as Query), cursor: cursor ?? undefined } });
        if (my !== gen.current) return;
        setItems((prev) => (append ? [...prev, ...page.items] : page.items));
        setNextCursor(page.nextCursor ?? null);
      } catch (e) {
        if (my === gen.current) onErrorRef.current(e);
      } finally {
        if (my === gen.current) setLoading(false);
      }
    },
    [path, key],
  );

  useEffect(() => {
    void fetchPage(null, false);
  }, [fetchPage]);

  return {
    items,
    loading,
    hasMore: nextCursor !== null,
    loadMore: () => void fetchPage(nextCursor, true),
    reload: () => void fetchPage(null, false),
  };
}

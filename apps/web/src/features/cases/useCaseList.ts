import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type Page } from '../../lib/api';
import type { CaseView } from '../../lib/types';
import { useCaseSignals } from './caseStream';

type Query = Record<string, string | number | undefined>;

const PAGE = 50;
const HIGHLIGHT_MS = 4000;

/** The query string of a case list filter (also for GET /cases/export). */
export function caseSearch(query: Query, extra: Query = {}): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...query, ...extra })) {
    if (v === undefined || v === '') continue;
    // `state` may hold several states separated by commas: the API takes repeated parameters.
    if (k === 'state') for (const s of String(v).split(',')) qs.append('state', s);
    else qs.set(k, String(v));
  }
  return qs.toString();
}

function toSearch(query: Query, cursor: string | null, limit: number): string {
  return caseSearch(query, { limit, cursor: cursor ?? undefined });
}

/**
 * A case queue: the first page on mount or when `query` changes, "load more" by cursor, and a
 * live refresh whenever a case event arrives on the stream. Cases that were not in the list
 * before a live refresh are returned in `fresh` for a few seconds (to highlight them).
 */
export function useCaseList(query: Query, onError: (e: unknown) => void, opts: { live?: boolean } = {}) {
  const [items, setItems] = useState<CaseView[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const gen = useRef(0);
  const itemsRef = useRef<CaseView[]>([]);
  const key = JSON.stringify(query);
  const onErrorRef = useRef(onError);
  useEffect(() => {
    onErrorRef.current = onError;
  }, [onError]);

  const fetchPage = useCallback(
    async (mode: 'first' | 'more' | 'refresh', cursor: string | null = null) => {
      const my = ++gen.current;
      if (mode !== 'refresh') setLoading(true);
      // A live refresh reloads as many rows as are shown, so "load more" pages are kept.
      const limit = mode === 'refresh' ? Math.min(200, Math.max(PAGE, itemsRef.current.length)) : PAGE;
      try {
        const page = await api<Page<CaseView>>(`/cases?${toSearch(JSON.parse(key) as Query, cursor, limit)}`);
        if (my !== gen.current) return;
        if (mode === 'refresh') {
          const before = new Set(itemsRef.current.map((c) => c.id));
          const added = page.items.filter((c) => !before.has(c.id)).map((c) => c.id);
          if (added.length) {
            setFresh((prev) => new Set([...prev, ...added]));
            setTimeout(() => setFresh((prev) => new Set([...prev].filter((id) => !added.includes(id)))), HIGHLIGHT_MS);
          }
        }
        const next = mode === 'more' ? [...itemsRef.current, ...page.items.filter((c) => !itemsRef.current.some((x) => x.id === c.id))] : page.items;
        itemsRef.current = next;
        setItems(next);
        setNextCursor(page.nextCursor ?? null);
      } catch (e) {
        if (my === gen.current && mode !== 'refresh') onErrorRef.current(e);
      } finally {
        if (my === gen.current) setLoading(false);
      }
    },
    [key],
  );

  useEffect(() => {
    itemsRef.current = [];
    void fetchPage('first');
  }, [fetchPage]);

  // Bursts of events (one action publishes one, the overdue scan many) cost one reload. The
  // timer calls the latest fetchPage: a reload scheduled before the filter changed must load the
  // new filter, not overwrite its result with the old one.
  const latestFetch = useRef(fetchPage);
  useEffect(() => {
    latestFetch.current = fetchPage;
  }, [fetchPage]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const live = opts.live ?? true;
  const onSignal = useCallback(() => {
    if (!live) return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      void latestFetch.current('refresh');
    }, 250);
  }, [live]);
  useCaseSignals(onSignal);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  return {
    items,
    loading,
    fresh,
    hasMore: nextCursor !== null,
    loadMore: () => void fetchPage('more', nextCursor),
    reload: () => void fetchPage('first'),
    refresh: () => void fetchPage('refresh'),
  };
}

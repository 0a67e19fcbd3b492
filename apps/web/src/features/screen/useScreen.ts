// The screen's state: one /stats/screen load per (region, range, metric), refetched (debounced)
// when the stream says something changed — case events in the region or `stats.changed` — and
// after a reconnect. The last good data stays on screen while a refetch fails.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useStreamEvents, type StreamMessage } from '../../lib/stream';
import { CASE_EVENT_TYPES, caseSignalOf, type CaseSignal } from '../cases/caseStream';
import { fetchCasePoints, fetchOutlines, fetchScreen, regionPrefix, type CasePoints, type ScreenData, type ScreenQuery } from './screenApi';
import type { FeatureCollection } from '../regions/regionsApi';

export const STATS_CHANGED = 'stats.changed';
const SCREEN_EVENTS = [...CASE_EVENT_TYPES, STATS_CHANGED];
/** Bursts of events (a dispatcher working through a queue) give one refetch. */
const REFETCH_DEBOUNCE_MS = 300;

export interface ScreenState {
  data: ScreenData | null;
  points: CasePoints | null;
  error: unknown;
  loading: boolean;
  /** Refetches so far (each one a live update, never a page reload). */
  refreshes: number;
}

/** True when an event about `code` (a grid, usually) concerns the region shown. */
function concerns(regionCode: string | undefined, code: string | null | undefined): boolean {
  if (!regionCode || !code) return true; // unknown region: the screen refetches to be safe
  return code.startsWith(regionPrefix(regionCode)) || regionCode.startsWith(regionPrefix(code));
}

export function useScreenData(query: ScreenQuery, onCase: (s: CaseSignal) => void): ScreenState & { reload: () => void } {
  const [state, setState] = useState<ScreenState>({ data: null, points: null, error: null, loading: true, refreshes: 0 });
  const seq = useRef(0);
  const key = JSON.stringify(query);

  const load = useCallback(async (q: ScreenQuery, live: boolean) => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await fetchScreen(q);
      const points = await fetchCasePoints(data.map.region.code).catch(() => null);
      if (n !== seq.current) return;
      setState((s) => ({ data, points, error: null, loading: false, refreshes: s.refreshes + (live ? 1 : 0) }));
    } catch (error) {
      if (n !== seq.current) return;
      setState((s) => ({ ...s, error, loading: false }));
    }
  }, []);

  const queryRef = useRef(query);
  queryRef.current = query;
  useEffect(() => {
    void load(JSON.parse(key) as ScreenQuery, false);
  }, [key, load]);

  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const schedule = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      void load(queryRef.current, true);
    }, REFETCH_DEBOUNCE_MS);
  }, [load]);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  const shown = state.data?.map.region.code ?? query.region;
  const onCaseRef = useRef(onCase);
  onCaseRef.current = onCase;
  const onMessage = useCallback(
    (m: StreamMessage) => {
      if (m.type === 'reconnected') return schedule();
      if (m.type === STATS_CHANGED) {
        const code = typeof m.data.regionCode === 'string' ? m.data.regionCode : m.regionCode;
        if (concerns(shown, code)) schedule();
        return;
      }
      if (!concerns(shown, m.regionCode)) return;
      onCaseRef.current(caseSignalOf(m));
      schedule();
    },
    [schedule, shown],
  );
  useStreamEvents(SCREEN_EVENTS, onMessage);

  return { ...state, reload: schedule };
}

const outlineCache = new Map<string, Promise<FeatureCollection>>();

/** A region's outlines (itself and its children), fetched once per region per page. */
export function useOutlines(code: string | undefined): { fc: FeatureCollection | null; error: unknown } {
  const [got, setGot] = useState<{ code: string; fc: FeatureCollection | null; error: unknown } | null>(null);
  useEffect(() => {
    if (!code) return;
    let live = true;
    let p = outlineCache.get(code);
    if (!p) {
      p = fetchOutlines(code);
      outlineCache.set(code, p);
      p.catch(() => outlineCache.delete(code));
    }
    p.then(
      (fc) => live && setGot({ code, fc, error: null }),
      (error: unknown) => live && setGot({ code, fc: null, error }),
    );
    return () => {
      live = false;
    };
  }, [code]);
  return got && got.code === code ? { fc: got.fc, error: got.error } : { fc: null, error: null };
}

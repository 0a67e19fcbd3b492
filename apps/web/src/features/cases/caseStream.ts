// One EventSource per browser tab on GET /api/v1/stream, shared by every queue on the page.
// The server names each event (`event: case.dispatch`), so a listener per case event type is
// registered; `data` is the bus event with the case summary in `data`.
import { useEffect, useRef } from 'react';
import { CASE_ACTIONS } from '../../lib/types';

export interface CaseSignal {
  /** `case.reported`, `case.<action>`, `case.warning`, `case.overdue`; `reconnected` after the stream (re)opens. */
  type: string;
  id?: string;
  number?: string;
  state?: string;
  light?: string;
}

type Listener = (s: CaseSignal) => void;

export const CASE_EVENT_TYPES = ['case.reported', 'case.warning', 'case.overdue', ...CASE_ACTIONS.map((a) => `case.${a}`)];

const listeners = new Set<Listener>();
let source: EventSource | null = null;

function emit(s: CaseSignal) {
  for (const l of [...listeners]) l(s);
}

function open() {
  if (source || typeof EventSource === 'undefined') return;
  const es = new EventSource('/api/v1/stream', { withCredentials: true });
  // Every (re)connect may have missed events: listeners reload what they show.
  es.onopen = () => emit({ type: 'reconnected' });
  const onCase = (e: MessageEvent<string>) => {
    try {
      const msg = JSON.parse(e.data) as { type?: string; data?: Record<string, unknown> };
      const d = msg.data ?? {};
      emit({
        type: msg.type ?? e.type,
        id: typeof d.id === 'string' ? d.id : undefined,
        number: typeof d.number === 'string' ? d.number : undefined,
        state: typeof d.state === 'string' ? d.state : undefined,
        light: typeof d.light === 'string' ? d.light : undefined,
      });
    } catch {
      emit({ type: e.type });
    }
  };
  for (const t of CASE_EVENT_TYPES) es.addEventListener(t, onCase as EventListener);
  source = es;
}

function close() {
  source?.close();
  source = null;
}

/** Calls `onSignal` for every case event in the user's scope (and after each reconnect). */
export function useCaseSignals(onSignal: Listener): void {
  const ref = useRef(onSignal);
  useEffect(() => {
    ref.current = onSignal;
  }, [onSignal]);
  useEffect(() => {
    const l: Listener = (s) => ref.current(s);
    listeners.add(l);
    open();
    return () => {
      listeners.delete(l);
      if (listeners.size === 0) close();
    };
  }, []);
}

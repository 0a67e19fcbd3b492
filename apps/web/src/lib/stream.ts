// One EventSource per browser tab on GET /api/v1/stream, shared by every listener on the page
// (case queues, the case page, the big screen). The server names each event (`event: case.dispatch`),
// so a listener is registered per event type, the first time any subscriber asks for that type;
// `data` is the bus event: `{ id, type, at, regionCode, data }`.
import { useEffect, useRef } from 'react';

export interface StreamMessage {
  /** The event type, or `reconnected` after the stream (re)opens: events may have been missed. */
  type: string;
  /** ISO time of the event (absent on `reconnected`). */
  at?: string;
  /** The region the event concerns (a case's grid), when it has one. */
  regionCode?: string | null;
  data: Record<string, unknown>;
}

type Listener = (m: StreamMessage) => void;
interface Subscriber {
  types: ReadonlySet<string>;
  fn: Listener;
}

const subscribers = new Set<Subscriber>();
const registered = new Set<string>();
let source: EventSource | null = null;

function emit(m: StreamMessage) {
  for (const s of [...subscribers]) if (m.type === 'reconnected' || s.types.has(m.type)) s.fn(m);
}

function onMessage(e: MessageEvent<string>) {
  try {
    const msg = JSON.parse(e.data) as Partial<StreamMessage>;
    emit({
      type: typeof msg.type === 'string' ? msg.type : e.type,
      at: typeof msg.at === 'string' ? msg.at : undefined,
      regionCode: typeof msg.regionCode === 'string' ? msg.regionCode : null,
      data: msg.data && typeof msg.data === 'object' ? msg.data : {},
    });
  } catch {
    emit({ type: e.type, data: {} });
  }
}

function ensureOpen(types: Iterable<string>) {
  if (typeof EventSource === 'undefined') return;
  if (!source) {
    const es = new EventSource('/api/v1/stream', { withCredentials: true });
    // Every (re)connect may have missed events: listeners reload what they show.
    es.onopen = () => emit({ type: 'reconnected', data: {} });
    source = es;
    registered.clear();
  }
  for (const t of types) {
    if (registered.has(t)) continue;
    source.addEventListener(t, onMessage as EventListener);
    registered.add(t);
  }
}

function closeIfUnused() {
  if (subscribers.size > 0) return;
  source?.close();
  source = null;
  registered.clear();
}

/**
 * Calls `onMessage` for every stream event of the given types in the user's scope, and with
 * `{ type: 'reconnected' }` after each (re)connect. `types` is read once, at mount.
 */
export function useStreamEvents(types: readonly string[], onMessage: Listener): void {
  const ref = useRef(onMessage);
  useEffect(() => {
    ref.current = onMessage;
  }, [onMessage]);
  const typesRef = useRef(types);
  useEffect(() => {
    const sub: Subscriber = { types: new Set(typesRef.current), fn: (m) => ref.current(m) };
    subscribers.add(sub);
    ensureOpen(sub.types);
    return () => {
      subscribers.delete(sub);
      closeIfUnused();
    };
  }, []);
}

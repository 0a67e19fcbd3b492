// Case events from the shared stream (lib/stream.ts): every queue and the case page listen here.
import { useCallback } from 'react';
import { CASE_ACTIONS } from '../../lib/types';
import { useStreamEvents, type StreamMessage } from '../../lib/stream';

export interface CaseSignal {
  /** `case.reported`, `case.<action>`, `case.warning`, `case.overdue`; `reconnected` after the stream (re)opens. */
  type: string;
  id?: string;
  number?: string;
  state?: string;
  light?: string;
  /** When it happened (ISO) and in which grid. */
  at?: string;
  regionCode?: string | null;
  /** The workflow action (`report`, `dispatch`, …) and the case's minor class code, when the event carries them. */
  action?: string;
  minorClass?: string;
}

export const CASE_EVENT_TYPES = ['case.reported', 'case.warning', 'case.overdue', ...CASE_ACTIONS.map((a) => `case.${a}`)];

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function caseSignalOf(m: StreamMessage): CaseSignal {
  const d = m.data;
  return {
    type: m.type,
    id: str(d.id),
    number: str(d.number),
    state: str(d.state),
    light: str(d.light),
    at: m.at,
    regionCode: m.regionCode,
    action: str(d.action),
    minorClass: str(d.minorClass),
  };
}

/** Calls `onSignal` for every case event in the user's scope (and after each reconnect). */
export function useCaseSignals(onSignal: (s: CaseSignal) => void): void {
  const onMessage = useCallback((m: StreamMessage) => onSignal(caseSignalOf(m)), [onSignal]);
  useStreamEvents(CASE_EVENT_TYPES, onMessage);
}

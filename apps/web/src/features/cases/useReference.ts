import { useEffect, useMemo, useState } from 'react';
import type { Department, MinorClass } from '../../lib/types';
import { departments, eventClasses } from './caseApi';

/** Event classes (小类) and a code → class map; empty until loaded (or when the call fails). */
export function useEventClasses() {
  const [items, setItems] = useState<MinorClass[]>([]);
  useEffect(() => {
    let live = true;
    eventClasses()
      .then((x) => live && setItems(x))
      .catch(() => undefined); // names fall back to codes
    return () => {
      live = false;
    };
  }, []);
  const byCode = useMemo(() => new Map(items.map((c) => [c.code, c])), [items]);
  return { items, byCode };
}

export function useDepartments() {
  const [items, setItems] = useState<Department[]>([]);
  useEffect(() => {
    let live = true;
    departments()
      .then((x) => live && setItems(x))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  const byId = useMemo(() => new Map(items.map((d) => [d.id, d])), [items]);
  return { items, byId };
}

// The field app's outbox: every submission (a report, a verify or check action) is stored in
// IndexedDB first, with its photos as Blobs and an Idempotency-Key generated once, then sent.
// A submission that fails for a network reason (no answer, 5xx, 429) stays queued and is
// retried with the same key — on the `online` event, on a backoff timer and when the app
// starts — so the server files it exactly once however many times it is sent. Photos are
// uploaded before the submission; the file store is content-addressed, so an upload repeated
// after a lost response is harmless.
import { api, ApiError, NETWORK_ERROR } from '../../lib/api';
import { errorText } from '../../lib/errors';
import { newIdempotencyKey, uploadPhoto } from '../cases/caseApi';

export type OutboxState = 'pending' | 'sending' | 'sent' | 'failed';

export interface OutboxItem {
  /** Also the Idempotency-Key of the submission. */
  id: string;
  userId: string;
  kind: 'report' | 'action';
  createdAt: number;
  /** What the user sees in the list (the description, or the action and case number). */
  label: string;
  /** For actions: the case and the workflow action. */
  caseId?: string;
  caseNumber?: string;
  action?: string;
  /** The request body without photos. */
  body: Record<string, unknown>;
  /** Photos still to upload, and the file ids of those already uploaded (same order). */
  photos: Blob[];
  uploaded: (string | null)[];
  state: OutboxState;
  attempts: number;
  /** The last failure, for the user. */
  error?: string;
  /** The case number once the server has it. */
  resultNumber?: string;
  sentAt?: number;
}

const DB = 'civicgrid-field';
const STORE = 'outbox';

/** IndexedDB, or a plain map where it is unavailable (private windows of some browsers). */
interface Store {
  all(): Promise<OutboxItem[]>;
  put(item: OutboxItem): Promise<void>;
  remove(id: string): Promise<void>;
}

function idbStore(): Store | null {
  if (typeof indexedDB === 'undefined') return null;
  let dbP: Promise<IDBDatabase> | null = null;
  const db = () =>
    (dbP ??= new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'id' });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('indexedDB.open failed'));
    }));
  const run = <T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>) =>
    db().then(
      (d) =>
        new Promise<T>((resolve, reject) => {
          const tx = d.transaction(STORE, mode);
          const req = f(tx.objectStore(STORE));
          tx.oncomplete = () => resolve(req.result);
          tx.onerror = () => reject(tx.error ?? new Error('indexedDB transaction failed'));
        }),
    );
  return {
    all: () => run<OutboxItem[]>('readonly', (s) => s.getAll() as IDBRequest<OutboxItem[]>),
    put: (item) => run('readwrite', (s) => s.put(item)).then(() => undefined),
    remove: (id) => run('readwrite', (s) => s.delete(id)).then(() => undefined),
  };
}

function memoryStore(): Store {
  const m = new Map<string, OutboxItem>();
  return {
    all: async () => [...m.values()],
    put: async (item) => void m.set(item.id, item),
    remove: async (id) => void m.delete(id),
  };
}

/** Failures worth retrying: no HTTP answer, server trouble, rate limiting, a lost session (after sign-in). */
function retryable(e: unknown): boolean {
  if (!(e instanceof ApiError)) return true;
  return e.code === NETWORK_ERROR || e.status === 0 || e.status >= 500 || e.status === 429 || e.status === 408 || e.status === 401;
}

const RETRY_MS = [2_000, 5_000, 10_000, 20_000, 30_000];
/** Sent items stay visible (with their case number) for a day. */
const KEEP_SENT_MS = 24 * 3_600_000;

type Listener = () => void;

export class Outbox {
  private items = new Map<string, OutboxItem>();
  private readonly listeners = new Set<Listener>();
  private flushing = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private userId: string | null = null;
  private loaded: Promise<void> | null = null;
  private snapshot: OutboxItem[] = [];

  constructor(private readonly store: Store = idbStore() ?? memoryStore()) {}

  /** Load the queue of this user and start sending (call once the user is known). */
  start(userId: string): Promise<void> {
    if (this.userId === userId && this.loaded) {
      void this.loaded.then(() => this.flush());
      return this.loaded;
    }
    this.userId = userId;
    this.loaded = this.store
      .all()
      .catch(() => [] as OutboxItem[])
      .then(async (all) => {
        this.items = new Map();
        for (const it of all) {
          if (it.state === 'sent' && Date.now() - (it.sentAt ?? 0) > KEEP_SENT_MS) {
            await this.store.remove(it.id).catch(() => undefined);
            continue;
          }
          // A send interrupted by closing the app is simply sent again (same key).
          this.items.set(it.id, it.state === 'sending' ? { ...it, state: 'pending' } : it);
        }
        this.changed();
        void this.flush();
      });
    return this.loaded;
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** The current user's items, newest first (a stable array between changes). */
  list(): OutboxItem[] {
    return this.snapshot;
  }

  async add(input: Pick<OutboxItem, 'kind' | 'label' | 'body' | 'caseId' | 'caseNumber' | 'action'> & { photos?: Blob[] }): Promise<OutboxItem> {
    if (!this.userId) throw new Error('outbox not started');
    const photos = input.photos ?? [];
    const item: OutboxItem = {
      ...input,
      id: newIdempotencyKey(),
      userId: this.userId,
      createdAt: Date.now(),
      photos,
      uploaded: photos.map(() => null),
      state: 'pending',
      attempts: 0,
    };
    await this.save(item);
    void this.flush();
    return item;
  }

  retry(id: string): void {
    const it = this.items.get(id);
    if (it && it.state === 'failed') void this.save({ ...it, state: 'pending', error: undefined }).then(() => this.flush());
    else void this.flush();
  }

  async remove(id: string): Promise<void> {
    this.items.delete(id);
    this.changed();
    await this.store.remove(id).catch(() => undefined);
  }

  /** Send every pending item, oldest first; stops at the first network failure and retries later. */
  async flush(): Promise<void> {
    if (this.flushing || !this.userId) return;
    this.flushing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let blocked = false;
    try {
      const queue = [...this.items.values()].filter((i) => i.userId === this.userId && i.state === 'pending').sort((a, b) => a.createdAt - b.createdAt);
      for (const it of queue) {
        if (typeof navigator !== 'undefined' && navigator.onLine === false) {
          blocked = true;
          break;
        }
        if (!(await this.send(it))) {
          blocked = true;
          break;
        }
      }
    } finally {
      this.flushing = false;
    }
    const left = [...this.items.values()].filter((i) => i.userId === this.userId && i.state === 'pending');
    if (left.length) {
      const attempts = Math.max(...left.map((i) => i.attempts));
      this.timer = setTimeout(() => void this.flush(), RETRY_MS[Math.min(attempts, RETRY_MS.length - 1)]!);
      // Items added while this flush ran are picked up now rather than after the backoff.
      if (!blocked) void this.flush();
    }
  }

  /** One attempt; false when it failed for a reason worth retrying. */
  private async send(item: OutboxItem): Promise<boolean> {
    let it: OutboxItem = { ...item, state: 'sending', attempts: item.attempts + 1 };
    await this.save(it);
    try {
      const uploaded = [...it.uploaded];
      for (let i = 0; i < it.photos.length; i++) {
        if (uploaded[i]) continue;
        uploaded[i] = (await uploadPhoto(it.photos[i]!, `photo-${i + 1}.jpg`)).sha256;
        it = { ...it, uploaded };
        await this.save(it);
      }
      const photos = uploaded.filter((x): x is string => !!x);
      const body = { ...it.body, ...(photos.length ? { photos } : {}) };
      const headers = { 'Idempotency-Key': it.id };
      let number: string | undefined;
      if (it.kind === 'report') {
        const res = await api<{ case: { number: string } }>('/cases', { method: 'POST', body, headers });
        number = res.case.number;
      } else {
        const res = await api<{ number: string }>(`/cases/${it.caseId}/${it.action}`, { method: 'POST', body, headers });
        number = res.number;
      }
      // Delivered: the photos are on the server now; keep only the record.
      await this.save({ ...it, state: 'sent', photos: [], resultNumber: number, sentAt: Date.now(), error: undefined });
      return true;
    } catch (e) {
      const again = retryable(e);
      await this.save({ ...it, state: again ? 'pending' : 'failed', error: errorText(e) });
      return !again;
    }
  }

  private async save(item: OutboxItem): Promise<void> {
    this.items.set(item.id, item);
    this.changed();
    try {
      await this.store.put(item);
    } catch {
      // Kept in memory for this session; the queue still works while the page stays open.
    }
  }

  private changed() {
    this.snapshot = [...this.items.values()].filter((i) => i.userId === this.userId).sort((a, b) => b.createdAt - a.createdAt);
    for (const l of [...this.listeners]) l();
  }
}

export const outbox = new Outbox();

if (typeof window !== 'undefined') {
  window.addEventListener('online', () => void outbox.flush());
}

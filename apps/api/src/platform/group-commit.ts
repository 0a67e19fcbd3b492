/**
 * Group commit: requests that arrive while earlier work is being written are queued and handed to
 * `run` together, so N concurrent writes cost one transaction (and one multi-row statement per
 * table) instead of N. Generic — the caller decides what an item is and how a batch is written.
 *
 * - No timer by default: an item that finds a free slot starts on the next turn of the event loop
 *   (so requests parsed in the same turn go together) and adds no latency when the system is idle;
 *   under load, batches form by themselves while the previous ones are in flight. `lingerMs` waits
 *   longer for a fuller batch.
 * - At most `concurrency` batches run at once (1 for a single-connection database), each of at most
 *   `maxBatch` items, in arrival order.
 * - `run` returns one outcome per item, in order: an item can fail alone (e.g. a business refusal
 *   found inside the transaction) while the others commit. Validate items before submitting them.
 * - If `run` throws, the batch is assumed to have written nothing (one transaction) and every item
 *   of it is run again ALONE, in order, so a single bad item gets its own error and does not fail
 *   the others. A batch of one that throws rejects its item with that error.
 */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown }

export interface GroupCommitOptions<I, R> {
  /** Write a batch (typically in one transaction); one outcome per item, in the same order. */
  run: (items: I[]) => Promise<Outcome<R>[]>
  /** Largest batch handed to `run`. */
  maxBatch: number
  /** Batches in flight at once. */
  concurrency: number
  /** Extra wait before a batch starts, for fuller batches (default 0: the next event-loop turn). */
  lingerMs?: number
}

export interface GroupCommitStats {
  batches: number
  items: number
  /** Batches whose `run` threw and whose items were retried one by one. */
  split: number
  largest: number
}

interface Pending<I, R> {
  item: I
  resolve: (value: R) => void
  reject: (error: unknown) => void
}

export class GroupCommit<I, R> {
  private readonly queue: Pending<I, R>[] = []
  private running = 0
  private scheduled = false
  readonly stats: GroupCommitStats = { batches: 0, items: 0, split: 0, largest: 0 }

  constructor(private readonly options: GroupCommitOptions<I, R>) {
    if (options.maxBatch < 1 || options.concurrency < 1) throw new Error('maxBatch and concurrency must be at least 1')
  }

  /** Queue one item; settles with its own outcome once its batch has committed (or failed). */
  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      this.schedule()
    })
  }

  /** Items waiting for a slot (not counting those being written). */
  get waiting(): number {
    return this.queue.length
  }

  private schedule() {
    if (this.scheduled || this.running >= this.options.concurrency || this.queue.length === 0) return
    this.scheduled = true
    const start = () => {
      this.scheduled = false
      this.startBatch()
    }
    if (this.options.lingerMs) setTimeout(start, this.options.lingerMs)
    else setImmediate(start)
  }

  private startBatch() {
    if (this.running >= this.options.concurrency || this.queue.length === 0) return
    const batch = this.queue.splice(0, this.options.maxBatch)
    this.running += 1
    void this.write(batch).finally(() => {
      this.running -= 1
      this.schedule()
    })
    // Another free slot takes what queues up by the next turn, so batches fill rather than split.
    this.schedule()
  }

  private async write(batch: Pending<I, R>[]) {
    this.stats.batches += 1
    this.stats.items += batch.length
    this.stats.largest = Math.max(this.stats.largest, batch.length)
    let outcomes: Outcome<R>[]
    try {
      outcomes = await this.options.run(batch.map((b) => b.item))
      if (outcomes.length !== batch.length) throw new Error(`group commit: run returned ${outcomes.length} outcomes for ${batch.length} items`)
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error)
        return
      }
      // Nothing of the batch was written: retry each item alone so only the bad one fails.
      this.stats.split += 1
      for (const one of batch) await this.write([one])
      return
    }
    batch.forEach((b, i) => {
      const o = outcomes[i]!
      if (o.ok) b.resolve(o.value)
      else b.reject(o.error)
    })
  }
}

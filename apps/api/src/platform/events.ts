import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import type { Database } from './db/database.js'

/**
 * What modules announce after a change commits. The audience fields decide who may receive it
 * on the SSE stream: users whose region scopes cover `regionCode`, members of `departmentId`,
 * everyone signed in when `broadcast`, and admins always. Keep `data` small: server mode sends
 * events through NOTIFY, whose payload is limited to 8000 bytes.
 */
export interface BusEvent {
  id: string
  type: string
  at: string
  regionCode?: string | null
  departmentId?: string | null
  broadcast?: boolean
  data: Record<string, unknown>
}

export type NewBusEvent = Omit<BusEvent, 'id' | 'at'> & { at?: string }
type Listener = (event: BusEvent) => void

const CHANNEL = 'civicgrid_events'

export class EventBus {
  private readonly listeners = new Set<Listener>()
  private readonly instanceId = randomUUID()
  private unlisten: (() => Promise<void>) | null = null

  constructor(private readonly database: Database | null = null) {}

  /** In server mode, join the NOTIFY channel so events of other instances arrive here too. */
  async start(): Promise<void> {
    if (this.database?.kind !== 'postgres') return
    this.unlisten = await this.database.listen(CHANNEL, (payload) => {
      try {
        const msg = JSON.parse(payload) as { from: string; event: BusEvent }
        if (msg.from !== this.instanceId) this.deliver(msg.event)
      } catch {
        // A malformed payload is someone else's NOTIFY on our channel; ignore it.
      }
    })
  }

  async stop(): Promise<void> {
    await this.unlisten?.()
    this.unlisten = null
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Deliver locally at once and, in server mode, to the other instances. Call after commit. */
  async publish(input: NewBusEvent): Promise<BusEvent> {
    const event: BusEvent = { ...input, id: randomUUID(), at: input.at ?? new Date().toISOString() }
    this.deliver(event)
    if (this.database?.kind === 'postgres') {
      const payload = JSON.stringify({ from: this.instanceId, event })
      if (Buffer.byteLength(payload) > 7900) throw new Error(`Event ${event.type} is too large for NOTIFY; send ids, not documents`)
      await sql`select pg_notify(${CHANNEL}, ${payload})`.execute(this.database.db)
    }
    return event
  }

  /**
   * `publish` for many events at once (group commit): delivered locally in order and, in server
   * mode, sent to the other instances with ONE statement instead of one NOTIFY round trip each.
   */
  async publishAll(inputs: NewBusEvent[]): Promise<BusEvent[]> {
    const events: BusEvent[] = inputs.map((input) => ({ ...input, id: randomUUID(), at: input.at ?? new Date().toISOString() }))
    const payloads = this.database?.kind === 'postgres' ? events.map((event) => JSON.stringify({ from: this.instanceId, event })) : []
    const tooLarge = events.find((_, i) => Buffer.byteLength(payloads[i] ?? '') > 7900)
    if (tooLarge) throw new Error(`Event ${tooLarge.type} is too large for NOTIFY; send ids, not documents`)
    for (const event of events) this.deliver(event)
    if (payloads.length) await sql`select pg_notify(${CHANNEL}, p) from unnest(${payloads}::text[]) as p`.execute(this.database!.db)
    return events
  }

  private deliver(event: BusEvent) {
    for (const l of this.listeners) {
      try {
        l(event)
      } catch {
        // One broken subscriber must not stop the others.
      }
    }
  }
}

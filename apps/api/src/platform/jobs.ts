import { randomUUID } from 'node:crypto'
import { sql, type Generated } from 'kysely'
import type { FastifyBaseLogger } from 'fastify'
import type { Clock } from './clock.js'
import type { Db, Executor } from './db/database.js'

declare module './db/schema.js' {
  interface DB {
    jobs: {
      name: string
      intervalMs: number
      nextRunAt: Date
      lockedBy: Generated<string | null>
      lockedUntil: Generated<Date | null>
      lastStartedAt: Generated<Date | null>
      lastFinishedAt: Generated<Date | null>
      lastError: Generated<string | null>
      runs: Generated<number>
    }
    jobTasks: {
      id: Generated<number>
      kind: string
      payload: unknown
      runAt: Date
      dedupeKey: string | null
      attempts: number
      maxAttempts: number
      lockedBy: string | null
      lockedUntil: Date | null
      doneAt: Date | null
      failedAt: Date | null
      lastError: string | null
      createdAt: Date
    }
  }
}

export interface JobContext {
  now: Date
  db: Db
  log: FastifyBaseLogger
}
type PeriodicHandler = (ctx: JobContext) => Promise<void>
type TaskHandler = (payload: any, ctx: JobContext) => Promise<void>

/** Enqueue one-off due work, inside the caller's transaction so it exists only if the change commits. */
export async function enqueueTask(
  db: Executor,
  task: { kind: string; payload?: Record<string, unknown>; runAt: Date; dedupeKey?: string; maxAttempts?: number },
): Promise<void> {
  await db
    .insertInto('jobTasks')
    .values({
      kind: task.kind,
      payload: JSON.stringify(task.payload ?? {}),
      runAt: task.runAt,
      dedupeKey: task.dedupeKey ?? null,
      maxAttempts: task.maxAttempts ?? 5,
    } as never)
    .onConflict((oc) => oc.column('dedupeKey').doNothing())
    .execute()
}

/**
 * Database-backed scheduler. Periodic jobs and due tasks are claimed with
 * `FOR UPDATE SKIP LOCKED` and a lease, so several instances never run the same work at once
 * and a crashed instance's claim expires; nothing lives only in memory.
 */
export class JobRunner {
  readonly instanceId = randomUUID()
  private readonly periodic = new Map<string, { intervalMs: number; handler: PeriodicHandler }>()
  private readonly tasks = new Map<string, TaskHandler>()
  private timer: NodeJS.Timeout | null = null
  private running: Promise<unknown> | null = null

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
    private readonly leaseMs = 5 * 60_000,
  ) {}

  /** Declare a periodic job; its row is created on start (the first run is due at once). */
  every(name: string, intervalMs: number, handler: PeriodicHandler) {
    this.periodic.set(name, { intervalMs, handler })
  }

  /** Declare the handler of a task kind. */
  on(kind: string, handler: TaskHandler) {
    this.tasks.set(kind, handler)
  }

  async register(): Promise<void> {
    const now = this.clock.now()
    for (const [name, { intervalMs }] of this.periodic) {
      await this.db
        .insertInto('jobs')
        .values({ name, intervalMs, nextRunAt: now })
        .onConflict((oc) => oc.column('name').doUpdateSet({ intervalMs }))
        .execute()
    }
  }

  start(pollMs: number) {
    if (this.timer) return
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.runDue().catch((err) => this.log.error({ err }, 'job poll failed')).finally(() => (this.running = null))
    }, pollMs)
    this.timer.unref()
  }

  async stop() {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
  }

  /** Run everything due now once; returns what this instance ran. Tests call it directly. */
  async runDue(): Promise<{ jobs: string[]; tasks: number[] }> {
    const ran = { jobs: [] as string[], tasks: [] as number[] }
    for (;;) {
      const name = await this.claimJob()
      if (!name) break
      await this.runJob(name)
      ran.jobs.push(name)
    }
    for (;;) {
      const task = await this.claimTask()
      if (!task) break
      await this.runTask(task)
      ran.tasks.push(task.id)
    }
    return ran
  }

  private async claimJob(): Promise<string | null> {
    const now = this.clock.now()
    const names = [...this.periodic.keys()]
    if (names.length === 0) return null
    const until = new Date(now.getTime() + this.leaseMs)
    const row = await sql<{ name: string }>`
      update jobs set locked_by = ${this.instanceId}, locked_until = ${until}, last_started_at = ${now}
      where name = (
        select name from jobs
        where name = any(${names}::text[]) and next_run_at <= ${now} and (locked_until is null or locked_until < ${now})
        order by next_run_at limit 1 for update skip locked)
      returning name`.execute(this.db)
    return row.rows[0]?.name ?? null
  }

  private async runJob(name: string) {
    const job = this.periodic.get(name)!
    const now = this.clock.now()
    let error: string | null = null
    try {
      await job.handler({ now, db: this.db, log: this.log })
    } catch (err) {
      error = err instanceof Error ? err.message : String(err)
      this.log.error({ err, job: name }, 'job failed')
    }
    const finished = this.clock.now()
    await this.db
      .updateTable('jobs')
      .set((eb) => ({
        lockedBy: null,
        lockedUntil: null,
        lastFinishedAt: finished,
        lastError: error,
        nextRunAt: new Date(now.getTime() + job.intervalMs),
        runs: eb('runs', '+', 1),
      }))
      .where('name', '=', name)
      .where('lockedBy', '=', this.instanceId)
      .execute()
  }

  private async claimTask() {
    const now = this.clock.now()
    const kinds = [...this.tasks.keys()]
    if (kinds.length === 0) return null
    const until = new Date(now.getTime() + this.leaseMs)
    const row = await sql<{ id: number; kind: string; payload: unknown; attempts: number; maxAttempts: number }>`
      update job_tasks set locked_by = ${this.instanceId}, locked_until = ${until}, attempts = attempts + 1
      where id = (
        select id from job_tasks
        where kind = any(${kinds}::text[]) and done_at is null and failed_at is null and run_at <= ${now}
          and (locked_until is null or locked_until < ${now})
        order by run_at limit 1 for update skip locked)
      returning id, kind, payload, attempts, max_attempts as "maxAttempts"`.execute(this.db)
    return row.rows[0] ?? null
  }

  private async runTask(task: { id: number; kind: string; payload: unknown; attempts: number; maxAttempts: number }) {
    const now = this.clock.now()
    try {
      await this.tasks.get(task.kind)!(task.payload, { now, db: this.db, log: this.log })
      await this.db.updateTable('jobTasks').set({ doneAt: this.clock.now(), lockedBy: null, lockedUntil: null }).where('id', '=', task.id).execute()
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      this.log.error({ err, task: task.id, kind: task.kind }, 'task failed')
      const giveUp = task.attempts >= task.maxAttempts
      // Exponential back-off: 2 s, 4 s, 8 s …
      const retryAt = new Date(now.getTime() + 1000 * 2 ** task.attempts)
      await this.db
        .updateTable('jobTasks')
        .set({ lastError: message, lockedBy: null, lockedUntil: null, runAt: retryAt, failedAt: giveUp ? now : null })
        .where('id', '=', task.id)
        .execute()
    }
  }
}

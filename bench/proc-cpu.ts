// CPU accounting shared by the benchmarks: what a process, and the PostgreSQL backends serving a
// database, have used so far (Linux /proc). Differences of two readings give CPU per operation.
import { readFileSync } from 'node:fs'
import pg from 'pg'

/** CPU time (user + system, or system only) a process has used so far, in ms; 0 when it is gone. */
export function cpuMs(pid: number, which: 'all' | 'sys' = 'all'): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ')
    // utime and stime, in USER_HZ (100 per second)
    return ((which === 'sys' ? Number(fields[12]) : Number(fields[11]) + Number(fields[12])) * 1000) / 100
  } catch {
    return 0
  }
}

/** Per-pid CPU so far of the PostgreSQL backends serving one database (this reading's own excluded). */
export async function backendsCpu(url: string, dbName: string): Promise<Map<number, number>> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    const r = await c.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [dbName])
    return new Map(r.rows.map((x) => [x.pid, cpuMs(x.pid)]))
  } finally {
    await c.end()
  }
}

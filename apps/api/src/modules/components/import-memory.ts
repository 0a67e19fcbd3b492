import { getHeapStatistics } from 'node:v8'
import type { Database } from '../../platform/db/database.js'

/**
 * Where an import's memory goes, sampled at every batch and phase of the import (a running
 * PGlite statement blocks the event loop, so a timer would miss the peaks): the process's
 * resident set, the main thread's V8 heap, memory outside it (external, array buffers — the
 * PGlite WASM heap is one), the WASM heap itself, and the reading thread's V8 heap (it reports
 * its own with each batch). Logged with the import's result, per phase, in MB.
 */
export interface MemorySample {
  rss: number
  heapUsed: number
  external: number
  arrayBuffers: number
  wasm: number
  workerHeap: number
}

const MB = 1024 * 1024
const round = (n: number) => Math.round(n / MB)

/** The size of PGlite's WASM linear memory (it grows and never shrinks); 0 on a server. */
export function wasmHeapBytes(database: Database): number {
  const mod = (database.pglite as unknown as { mod?: { HEAPU8?: Uint8Array } } | null)?.mod
  return mod?.HEAPU8?.length ?? 0
}

/** This thread's V8 heap in use, bytes (the reading thread sends its own). */
export const threadHeapBytes = () => getHeapStatistics().used_heap_size

export class MemoryTrack {
  /** peak of each measure over the whole import */
  readonly peak: MemorySample = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0, wasm: 0, workerHeap: 0 }
  /** peak resident set per phase */
  readonly rssByPhase: Record<string, number> = {}
  workerHeap = 0
  /** the first sample (the process before the import) */
  before: MemorySample | null = null

  constructor(private readonly database: Database) {}

  sample(phase: string): void {
    const m = process.memoryUsage()
    const s: MemorySample = {
      rss: round(m.rss),
      heapUsed: round(m.heapUsed),
      external: round(m.external),
      arrayBuffers: round(m.arrayBuffers),
      wasm: round(wasmHeapBytes(this.database)),
      workerHeap: round(this.workerHeap),
    }
    this.before ??= s
    for (const k of Object.keys(s) as (keyof MemorySample)[]) this.peak[k] = Math.max(this.peak[k], s[k])
    this.rssByPhase[phase] = Math.max(this.rssByPhase[phase] ?? 0, s.rss)
  }
}

/**
 * The simulator switch of the console: one simulator per server process, driving the demo
 * accounts through this server's own HTTP port (see demo/simulator.ts). Demo mode only.
 */
import type { AuthUser } from '../../platform/access.js'
import { appendAudit, type Actor } from '../../platform/audit.js'
import { DomainError } from '../../platform/errors.js'
import type { Platform } from '../../platform/platform.js'
import { Simulator } from '../demo/index.js'
import { simulatorPolicy } from './simulator.policy.js'
import type { SimulatorInput, SimulatorStatus } from './simulator.schemas.js'

const running = new WeakMap<Platform, Simulator>()

export function simulatorStatus(p: Platform, opts: { caller: AuthUser }): SimulatorStatus {
  simulatorPolicy.assert(opts.caller, 'simulator.read')
  const s = running.get(p)?.stats
  return {
    available: p.config.demo,
    running: s?.running ?? false,
    startedAt: s?.startedAt ?? null,
    rate: s?.rate ?? 0,
    reported: s?.reported ?? 0,
    actions: s?.actions ?? {},
    conflicts: s?.conflicts ?? 0,
    errors: s?.errors ?? 0,
    lastError: s?.lastError ?? null,
  }
}

/** Start, re-rate or stop the simulator. `url` is this server's own address (null when it does not listen). */
export async function controlSimulator(p: Platform, opts: { caller: AuthUser; actor: Actor; input: SimulatorInput; url: string | null }): Promise<SimulatorStatus> {
  simulatorPolicy.assert(opts.caller, 'simulator.control')
  if (!p.config.demo) throw new DomainError('CONFLICT', 'The simulator runs only on a demo server (DEMO=true)')
  const current = running.get(p)
  const rate = opts.input.rate ?? 2
  if (opts.input.running) {
    if (current?.stats.running) {
      current.setRate(rate)
    } else {
      const password = opts.input.password ?? p.config.demoPassword
      if (!password) throw new DomainError('VALIDATION_FAILED', 'Send the password of the demo accounts (or start the server with DEMO_PASSWORD)', { errors: [{ field: 'password', reason: 'required' }] })
      if (!opts.url) throw new DomainError('CONFLICT', 'The server does not listen on an HTTP port')
      const sim = new Simulator({ url: opts.url, rate, password, pace: opts.input.pace ?? 1, log: (line) => p.log.info(line) })
      try {
        await sim.start()
      } catch (err) {
        throw new DomainError('CONFLICT', err instanceof Error ? err.message : String(err))
      }
      running.set(p, sim)
    }
  } else if (current) {
    await current.stop()
  }
  await p.db.transaction().execute((tx) =>
    appendAudit(tx, opts.actor, { action: opts.input.running ? 'simulator.start' : 'simulator.stop', entityType: 'simulator', entityId: 'simulator', after: { running: opts.input.running, rate } }),
  )
  return simulatorStatus(p, opts)
}

/** Stop the simulator when the server closes. */
export async function stopSimulator(p: Platform) {
  await running.get(p)?.stop()
  running.delete(p)
}

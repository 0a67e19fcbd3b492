/** Time source for business rules; tests swap in a ManualClock to move time deterministically. */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

export class ManualClock implements Clock {
  private t: number
  constructor(start: Date | string) {
    this.t = new Date(start).getTime()
  }
  now() {
    return new Date(this.t)
  }
  set(at: Date | string) {
    this.t = new Date(at).getTime()
  }
  advance(ms: number) {
    this.t += ms
  }
}

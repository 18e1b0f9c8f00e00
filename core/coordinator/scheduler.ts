import type { ManualClock } from "../clock";

/** Whatever `setTimer` returned; only ever handed back to `cancel`. */
export type TimerHandle = unknown;

/**
 * Timers as a port: Node maps it to `setTimeout`, a Durable Object to its single alarm, and tests
 * to `ManualScheduler`, so flush intervals and backoff are exercised without sleeping.
 */
export interface Scheduler {
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  cancel(handle: TimerHandle): void;
}

interface ManualTimer {
  id: number;
  atMs: number;
  fn: () => void;
}

/** A scheduler driven by a ManualClock: `advance` moves time and fires what fell due, in order. */
export class ManualScheduler implements Scheduler {
  private readonly timers = new Map<number, ManualTimer>();
  private nextId = 1;

  constructor(private readonly clock: ManualClock) {}

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer = { id: this.nextId++, atMs: this.clock.now() + Math.max(0, delayMs), fn };
    this.timers.set(timer.id, timer);
    return timer.id;
  }

  cancel(handle: TimerHandle): void {
    if (typeof handle === "number") this.timers.delete(handle);
  }

  /** Due times of the armed timers, earliest first. */
  pending(): number[] {
    return [...this.timers.values()].map((t) => t.atMs).sort((a, b) => a - b);
  }

  /** Moves the clock forward, firing every timer due on the way (also ones armed while firing). */
  advance(ms: number): void {
    const target = this.clock.now() + ms;
    for (let next = this.earliest(target); next; next = this.earliest(target)) {
      if (next.atMs > this.clock.now()) this.clock.set(next.atMs);
      this.timers.delete(next.id);
      next.fn();
    }
    this.clock.set(target);
  }

  /** Fires the timers already due without moving the clock. */
  runDue(): void {
    this.advance(0);
  }

  private earliest(limitMs: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers.values()) {
      if (t.atMs <= limitMs && (!best || t.atMs < best.atMs || (t.atMs === best.atMs && t.id < best.id))) best = t;
    }
    return best;
  }
}

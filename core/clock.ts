/** Injected time source, so tests move time (dedup windows, flush timers, retention) without sleeping. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/**
 * `source`, never going back: a wall clock stepped back (NTP) stands still until it catches up.
 * Stamps and cutoffs taken later are then never earlier, which deletes by filter rely on (a
 * memory written after one must not look stamped before it).
 */
export function monotonic(source: Clock): Clock {
  let last = Number.NEGATIVE_INFINITY;
  return {
    now: () => {
      last = Math.max(last, source.now());
      return last;
    },
  };
}

export const systemClock: Clock = monotonic({ now: () => Date.now() });

/** A clock tests can set and advance by hand. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  set(ms: number): void {
    this.current = ms;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

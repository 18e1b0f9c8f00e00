import type { Clock } from "../../core/clock";
import type { Scheduler, TimerHandle } from "../../core/coordinator/scheduler";
import type { Logger } from "../../core/logger";

interface AlarmTimer {
  atMs: number;
  fn: () => void;
}

export interface DurableObjectAlarmSchedulerOptions {
  storage: DurableObjectStorage;
  clock: Clock;
  logger: Pick<Logger, "error">;
}

/**
 * The coordinator's timers on a Durable Object, which has one alarm. Timers live in memory; the
 * stored alarm is kept at (or before) the earliest of them, so the object wakes up for it even
 * after it was evicted: its constructor then rebuilds the timers from the outbox, and `alarm()`
 * calls `fireDue`. An alarm that finds nothing due (a cancelled timer) just re-arms for the next.
 */
export class DurableObjectAlarmScheduler implements Scheduler {
  private readonly timers = new Map<number, AlarmTimer>();
  private nextId = 1;
  /** The stored alarm as this instance last set it; unknown (undefined) after a wake-up. */
  private armedAtMs: number | undefined;

  constructor(private readonly options: DurableObjectAlarmSchedulerOptions) {}

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    const atMs = this.options.clock.now() + Math.max(0, delayMs);
    this.timers.set(id, { atMs, fn });
    this.wakeBy(atMs);
    return id;
  }

  /** The alarm stays where it is: waking early for nothing costs one call, re-arming costs a write. */
  cancel(handle: TimerHandle): void {
    if (typeof handle === "number") this.timers.delete(handle);
  }

  /**
   * Makes sure the object wakes up no later than `atMs`. The storage write is not awaited: the
   * object's output gate holds every reply until it is durable.
   */
  wakeBy(atMs: number): void {
    if (this.armedAtMs !== undefined && this.armedAtMs <= atMs) return;
    this.armedAtMs = atMs;
    this.options.storage.setAlarm(atMs).catch((error: unknown) => {
      this.armedAtMs = undefined;
      this.options.logger.error("could not set the durable object alarm", { error: String(error) });
    });
  }

  /** For `alarm()`: the stored alarm has fired; runs the timers now due and arms the next one. */
  fireDue(): void {
    this.armedAtMs = undefined;
    const now = this.options.clock.now();
    const due = [...this.timers].filter(([, timer]) => timer.atMs <= now).sort(([a, x], [b, y]) => x.atMs - y.atMs || a - b);
    for (const [id, timer] of due) {
      if (!this.timers.delete(id)) continue;
      timer.fn();
    }
    const next = this.earliest();
    if (next !== undefined) this.wakeBy(next);
  }

  /** Due times of the armed timers, earliest first. */
  pending(): number[] {
    return [...this.timers.values()].map((t) => t.atMs).sort((a, b) => a - b);
  }

  private earliest(): number | undefined {
    let best: number | undefined;
    for (const { atMs } of this.timers.values()) if (best === undefined || atMs < best) best = atMs;
    return best;
  }
}

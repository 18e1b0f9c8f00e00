import type { Clock } from "../clock";
import { decideFlush, type BatchingLimits, type OrgFlushState } from "./batching-policy";
import type { Scheduler, TimerHandle } from "./scheduler";

export interface FlushTimersOptions {
  clock: Clock;
  scheduler: Scheduler;
  limits: BatchingLimits;
  /** The org's current state, read fresh at every decision. */
  stateOf(orgId: string): OrgFlushState;
  /** Start a delivery for the org; it must call `reschedule` again when it ends. */
  deliver(orgId: string): void;
}

/**
 * Turns the policy's decisions into at most one armed timer per org. The coordinator calls
 * `reschedule` whenever an org's state changes (rows committed, a delivery ended); a timer that
 * fires just asks the policy again.
 */
export class FlushTimers {
  private readonly armed = new Map<string, { handle: TimerHandle; atMs: number }>();
  private stopped = false;

  constructor(private readonly options: FlushTimersOptions) {}

  reschedule(orgId: string): void {
    if (this.stopped) return;
    const { clock, scheduler, limits } = this.options;
    const now = clock.now();
    const decision = decideFlush(this.options.stateOf(orgId), now, limits);
    const current = this.armed.get(orgId);
    if (decision.kind === "at" && current?.atMs === decision.atMs) return;
    if (current) {
      scheduler.cancel(current.handle);
      this.armed.delete(orgId);
    }
    if (decision.kind === "now") {
      this.options.deliver(orgId);
    } else if (decision.kind === "at") {
      const handle = scheduler.setTimer(decision.atMs - now, () => {
        this.armed.delete(orgId);
        this.reschedule(orgId);
      });
      this.armed.set(orgId, { handle, atMs: decision.atMs });
    }
  }

  /** When the org's timer will fire, if one is armed. */
  armedAt(orgId: string): number | undefined {
    return this.armed.get(orgId)?.atMs;
  }

  /** Cancels every timer; later `reschedule` calls do nothing (the coordinator is closing). */
  stop(): void {
    this.stopped = true;
    for (const { handle } of this.armed.values()) this.options.scheduler.cancel(handle);
    this.armed.clear();
  }
}

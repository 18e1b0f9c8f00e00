import type { Scheduler, TimerHandle } from "../../core/coordinator/scheduler";

/** setTimeout's largest delay; longer ones would fire at once. */
const MAX_DELAY_MS = 2_147_483_647;

/**
 * The coordinator's timers on Node. Timers are unref'd: a pending flush never keeps the process
 * alive, because shutdown runs `close()`, which delivers what is left.
 */
export const timeoutScheduler: Scheduler = {
  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer = setTimeout(fn, Math.min(Math.max(0, delayMs), MAX_DELAY_MS));
    timer.unref();
    return timer;
  },
  cancel(handle: TimerHandle): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

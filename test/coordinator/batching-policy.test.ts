import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import {
  backoffCeilingMs,
  backoffDelayMs,
  decideFlush,
  type BatchingLimits,
  type OrgFlushState,
} from "../../core/coordinator/batching-policy";
import { FlushTimers } from "../../core/coordinator/flush-timers";
import { ManualScheduler } from "../../core/coordinator/scheduler";

const limits: BatchingLimits = { maxBatchSize: 100, maxBatchBytes: 1_000_000, maxIntervalMs: 5_000, backoffBaseMs: 500, backoffCapMs: 60_000 };
const idle: OrgFlushState = { pendingRows: 0, oldestPendingAtMs: undefined, deliveryInFlight: false, retryAtMs: undefined };

describe("decideFlush", () => {
  it("waits for the interval while the batch is not full", () => {
    expect(decideFlush({ ...idle, pendingRows: 5, oldestPendingAtMs: 1_000 }, 2_000, limits)).toEqual({ kind: "at", atMs: 6_000 });
    expect(decideFlush({ ...idle, pendingRows: 5, oldestPendingAtMs: 1_000 }, 6_000, limits)).toEqual({ kind: "now" });
  });

  it("flushes at once when the batch is full", () => {
    expect(decideFlush({ ...idle, pendingRows: 100, oldestPendingAtMs: 1_000 }, 1_000, limits)).toEqual({ kind: "now" });
  });

  it("does nothing with no rows or a delivery running", () => {
    expect(decideFlush(idle, 0, limits)).toEqual({ kind: "idle" });
    expect(decideFlush({ ...idle, pendingRows: 500, oldestPendingAtMs: 0, deliveryInFlight: true }, 99_999, limits)).toEqual({
      kind: "idle",
    });
  });

  it("lets the backoff deadline win over a full batch, then retries whatever the size", () => {
    const backingOff = { ...idle, pendingRows: 500, oldestPendingAtMs: 0, retryAtMs: 9_000 };
    expect(decideFlush(backingOff, 8_000, limits)).toEqual({ kind: "at", atMs: 9_000 });
    expect(decideFlush({ ...backingOff, pendingRows: 1 }, 9_000, limits)).toEqual({ kind: "now" });
  });
});

describe("backoff", () => {
  it("doubles from the base up to the cap", () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => backoffCeilingMs(n, true, limits));
    expect(ceilings).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    expect(backoffCeilingMs(10_000, true, limits)).toBe(60_000);
  });

  it("goes straight to the cap for errors retrying cannot fix", () => {
    expect(backoffCeilingMs(1, false, limits)).toBe(60_000);
  });

  it("draws the delay between half the ceiling and the ceiling", () => {
    expect(backoffDelayMs(3, true, limits, () => 0)).toBe(1_000);
    expect(backoffDelayMs(3, true, limits, () => 0.999_999)).toBe(2_000);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 80 }), fc.boolean(), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, retryable, r) => {
        const ceiling = backoffCeilingMs(n, retryable, limits);
        const delay = backoffDelayMs(n, retryable, limits, () => r);
        return delay >= ceiling / 2 && delay <= ceiling;
      }),
    );
  });
});

describe("FlushTimers with a manual clock and scheduler", () => {
  function setup() {
    const clock = new ManualClock(0);
    const scheduler = new ManualScheduler(clock);
    const state: OrgFlushState = { ...idle };
    const delivered: number[] = [];
    const timers = new FlushTimers({
      clock,
      scheduler,
      limits,
      stateOf: () => state,
      deliver: () => {
        delivered.push(clock.now());
        state.pendingRows = 0;
        state.oldestPendingAtMs = undefined;
      },
    });
    return { clock, scheduler, state, delivered, timers };
  }

  it("flushes on size immediately", () => {
    const { state, delivered, timers } = setup();
    state.pendingRows = 100;
    state.oldestPendingAtMs = 0;
    timers.reschedule("org_a");
    expect(delivered).toEqual([0]);
  });

  it("flushes on the interval, timed from the oldest row", () => {
    const { clock, scheduler, state, delivered, timers } = setup();
    state.pendingRows = 1;
    state.oldestPendingAtMs = 0;
    timers.reschedule("org_a");
    clock.advance(3_000);
    state.pendingRows = 2;
    timers.reschedule("org_a");
    expect(timers.armedAt("org_a")).toBe(5_000);
    scheduler.advance(1_999);
    expect(delivered).toEqual([]);
    scheduler.advance(1);
    expect(delivered).toEqual([5_000]);
    expect(scheduler.pending()).toEqual([]);
  });

  it("re-arms for the retry time after a failure, replacing the interval timer", () => {
    const { scheduler, state, delivered, timers } = setup();
    state.pendingRows = 3;
    state.oldestPendingAtMs = 0;
    state.retryAtMs = 20_000;
    timers.reschedule("org_a");
    expect(scheduler.pending()).toEqual([20_000]);
    scheduler.advance(19_999);
    expect(delivered).toEqual([]);
    scheduler.advance(1);
    expect(delivered).toEqual([20_000]);
  });

  it("arms nothing after stop", () => {
    const { scheduler, state, delivered, timers } = setup();
    state.pendingRows = 1;
    state.oldestPendingAtMs = 0;
    timers.reschedule("org_a");
    timers.stop();
    timers.reschedule("org_a");
    scheduler.advance(60_000);
    expect(delivered).toEqual([]);
  });
});

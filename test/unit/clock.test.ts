import { describe, expect, it } from "vitest";
import { ManualClock, monotonic } from "../../core/clock";

describe("monotonic", () => {
  it("stands still while its source is stepped back, and follows it again once it catches up", () => {
    const source = new ManualClock(10_000);
    const clock = monotonic(source);
    expect(clock.now()).toBe(10_000);
    source.set(5_000);
    expect(clock.now()).toBe(10_000);
    source.set(10_001);
    expect(clock.now()).toBe(10_001);
  });
});

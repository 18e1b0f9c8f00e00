import { describe, expect, it } from "vitest";
import type { ArcRouter, ArcTarget } from "../../core/arc-routing/router";
import { ManualClock } from "../../core/clock";
import { embeddedArcConfirmation } from "../../core/coordinator/arc-hooks";

// The embedded engine's flush covers every org's database, so a purge over many orgs must ask it
// once; a flush that began before the rows were delivered, or that failed, must not count.
class FlushingEngine {
  flushes = 0;
  failing: Error | undefined;
  async flushBuffers(): Promise<void> {
    this.flushes++;
    if (this.failing) throw this.failing;
  }
}

function router(engine: FlushingEngine, remote: FlushingEngine): ArcRouter {
  const target = (orgId: string) =>
    ({ source: orgId.startsWith("bound") ? "instance" : "default", client: orgId.startsWith("bound") ? remote : engine }) as unknown as ArcTarget;
  return { targetFor: async (orgId) => target(orgId) } as ArcRouter;
}

describe("embeddedArcConfirmation", () => {
  it("flushes the engine once for every org a purge asks about, and never a bound Arc", async () => {
    const clock = new ManualClock();
    const engine = new FlushingEngine();
    const remote = new FlushingEngine();
    const confirm = embeddedArcConfirmation(router(engine, remote), clock);
    const deliveredThrough = clock.now() - 2_000;
    for (const orgId of ["org_a", "org_b", "bound_c", "org_d"]) await confirm(orgId, deliveredThrough);
    expect(engine.flushes).toBe(1);
    expect(remote.flushes).toBe(0);
  });

  it("flushes again for rows delivered after the last flush began", async () => {
    const clock = new ManualClock();
    const engine = new FlushingEngine();
    const confirm = embeddedArcConfirmation(router(engine, new FlushingEngine()), clock);
    await confirm("org_a", clock.now() - 2_000);
    // A row delivered in the very millisecond the flush began may have reached the engine after it.
    await confirm("org_a", clock.now());
    expect(engine.flushes).toBe(2);
    clock.advance(1_000);
    await confirm("org_a", clock.now() - 2_000);
    expect(engine.flushes).toBe(2);
  });

  it("does not let a failed flush confirm anything", async () => {
    const clock = new ManualClock();
    const engine = new FlushingEngine();
    const confirm = embeddedArcConfirmation(router(engine, new FlushingEngine()), clock);
    engine.failing = new Error("the Arc engine thread is restarting");
    await expect(confirm("org_a", clock.now() - 2_000)).rejects.toThrow("restarting");
    engine.failing = undefined;
    await confirm("org_b", clock.now() - 2_000);
    expect(engine.flushes).toBe(2);
  });
});

import { describe, expect, it } from "vitest";
import type { ArcRouter, ArcTarget } from "../../core/arc-routing/router";
import { ArcRequestError } from "../../core/arc/request-error";
import { ManualClock } from "../../core/clock";
import { deliveredConfirmation } from "../../core/coordinator/arc-hooks";

// The embedded engine's flush covers every org's database, so a purge over many orgs must ask it
// once; a flush that began before the rows were delivered, or that failed, must not count.
class FlushingEngine {
  flushes = 0;
  failing: Error | undefined;
  /** A remote Arc's start, as its /health tells it (by this clock, and by its own unless `arcClock` says otherwise); `probes` counts the asking. */
  started: number | undefined = 0;
  arcClock: number | null | undefined;
  probes = 0;
  constructor(readonly baseUrl = "http://arc.test") {}
  async flushBuffers(): Promise<void> {
    this.flushes++;
    if (this.failing) throw this.failing;
  }
  async startedAt(): Promise<{ byThisClock: number; byArcClock?: number } | undefined> {
    this.probes++;
    if (this.failing) throw this.failing;
    if (this.started === undefined) return undefined;
    const byArcClock = this.arcClock === undefined ? this.started : this.arcClock;
    return { byThisClock: this.started, ...(byArcClock === null ? {} : { byArcClock }) };
  }
}

function router(engine: FlushingEngine, remote: FlushingEngine): ArcRouter {
  const target = (orgId: string) =>
    ({ source: orgId.startsWith("bound") ? "instance" : "default", client: orgId.startsWith("bound") ? remote : engine }) as unknown as ArcTarget;
  return { targetFor: async (orgId) => target(orgId) } as ArcRouter;
}

const delivered = (atMs: number) => ({ sinceMs: atMs, throughMs: atMs });

describe("deliveredConfirmation on the embedded engine", () => {
  it("flushes the engine once for every org a purge asks about, and never a bound Arc", async () => {
    const clock = new ManualClock();
    const engine = new FlushingEngine();
    const remote = new FlushingEngine();
    const confirm = deliveredConfirmation(router(engine, remote), clock, { embedded: true });
    const deliveredThrough = clock.now() - 2_000;
    for (const orgId of ["org_a", "org_b", "bound_c", "org_d"]) await confirm(orgId, { sinceMs: deliveredThrough, throughMs: deliveredThrough });
    expect(engine.flushes).toBe(1);
    expect(remote.flushes).toBe(0);
  });

  it("flushes again for rows delivered after the last flush began", async () => {
    const clock = new ManualClock();
    const engine = new FlushingEngine();
    const confirm = deliveredConfirmation(router(engine, new FlushingEngine()), clock, { embedded: true });
    await confirm("org_a", delivered(clock.now() - 2_000));
    // A row delivered in the very millisecond the flush began may have reached the engine after it.
    await confirm("org_a", delivered(clock.now()));
    expect(engine.flushes).toBe(2);
    clock.advance(1_000);
    await confirm("org_a", delivered(clock.now() - 2_000));
    expect(engine.flushes).toBe(2);
  });

  it("does not let a failed flush confirm anything", async () => {
    const clock = new ManualClock();
    const engine = new FlushingEngine();
    const confirm = deliveredConfirmation(router(engine, new FlushingEngine()), clock, { embedded: true });
    engine.failing = new Error("the Arc engine thread is restarting");
    await expect(confirm("org_a", delivered(clock.now() - 2_000))).rejects.toThrow("restarting");
    engine.failing = undefined;
    await confirm("org_b", delivered(clock.now() - 2_000));
    expect(engine.flushes).toBe(2);
  });
});

describe("deliveredConfirmation on a remote Arc", () => {
  it("answers lost for rows delivered before the Arc last started, stored for rows delivered after", async () => {
    const clock = new ManualClock(100_000);
    const remote = new FlushingEngine();
    const confirm = deliveredConfirmation(router(remote, remote), clock, { embedded: false });
    remote.started = 50_000;
    expect(await confirm("org_a", { sinceMs: 60_000, throughMs: 90_000 })).toBe("stored");
    clock.advance(2_000);
    // It restarted after some of the rows went to it.
    remote.started = 70_000;
    expect(await confirm("org_a", { sinceMs: 60_000, throughMs: 90_000 })).toBe("lost");
    expect(await confirm("org_a", { sinceMs: 70_200, throughMs: 90_000 })).toBe("lost");
    expect(await confirm("org_a", { sinceMs: 70_300, throughMs: 90_000 })).toBe("stored");
    expect(remote.flushes).toBe(0);
  });

  it("needs its own clock to agree, within seconds, that it started after the rows", async () => {
    const clock = new ManualClock(100_000);
    const remote = new FlushingEngine();
    const confirm = deliveredConfirmation(router(remote, remote), clock, { embedded: false });
    remote.started = 70_000;
    // Whole seconds on another host's clock: up to 3 s before the rows still counts as after.
    remote.arcClock = 57_500;
    expect(await confirm("org_a", { sinceMs: 60_000, throughMs: 90_000 })).toBe("lost");
    clock.advance(1_000);
    // This process's clock jumped ahead: by it, Arc seems to have started after the rows; by Arc's, long before.
    remote.arcClock = 20_000;
    expect(await confirm("org_a", { sinceMs: 60_000, throughMs: 90_000 })).toBe("stored");
    clock.advance(1_000);
    // An Arc that tells no time is placed by this clock alone.
    remote.arcClock = null;
    expect(await confirm("org_a", { sinceMs: 60_000, throughMs: 90_000 })).toBe("lost");
  });

  it("asks one Arc once for every org a purge asks about, and again at the next purge", async () => {
    const clock = new ManualClock(100_000);
    const remote = new FlushingEngine();
    const confirm = deliveredConfirmation(router(remote, remote), clock, { embedded: false });
    for (const orgId of ["org_a", "org_b", "bound_c"]) await confirm(orgId, delivered(90_000));
    expect(remote.probes).toBe(1);
    clock.advance(1_000);
    await confirm("org_a", delivered(90_000));
    expect(remote.probes).toBe(2);
  });

  it("keeps the rows while the Arc does not answer, and takes an Arc that gives no uptime, or refuses /health for good, at its word", async () => {
    const clock = new ManualClock(100_000);
    const remote = new FlushingEngine();
    const confirm = deliveredConfirmation(router(remote, remote), clock, { embedded: false });
    remote.failing = new Error("connection refused");
    await expect(confirm("org_a", delivered(90_000))).rejects.toThrow("refused");
    remote.failing = undefined;
    remote.started = undefined;
    expect(await confirm("org_a", delivered(90_000))).toBe("stored");
    expect(remote.probes).toBe(2);
    // One that refuses /health for good (a gateway routing only the API) cannot tell either.
    clock.advance(1_000);
    remote.failing = new ArcRequestError({ operation: "health", kind: "http", status: 404 });
    expect(await confirm("org_a", delivered(90_000))).toBe("stored");
    clock.advance(1_000);
    remote.failing = new ArcRequestError({ operation: "health", kind: "http", status: 503 });
    await expect(confirm("org_a", delivered(90_000))).rejects.toThrow("503");
  });

  it("asks a bound Arc, not the engine, when the default Arc is embedded", async () => {
    const clock = new ManualClock(100_000);
    const engine = new FlushingEngine();
    const remote = new FlushingEngine("http://bound.test");
    remote.started = 95_000;
    const confirm = deliveredConfirmation(router(engine, remote), clock, { embedded: true });
    expect(await confirm("bound_c", delivered(90_000))).toBe("lost");
    expect(engine.flushes + engine.probes + remote.flushes).toBe(0);
  });
});

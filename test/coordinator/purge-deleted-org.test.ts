import { describe, expect, it } from "vitest";
import type { ArcRouter, ArcTarget } from "../../core/arc-routing/router";
import { deliveredConfirmation } from "../../core/coordinator/arc-hooks";
import { notFound } from "../../core/errors";
import { FakeSink, makeRecord, storedIds, useOutboxFile } from "./support";

const { open } = useOutboxFile();

// A remote Arc (Workers, or Node with arc.url) that has run since long before the rows went to it.
class RemoteArc extends FakeSink {
  readonly baseUrl = "http://arc.test";
  probes = 0;
  async startedAt(): Promise<{ byThisClock: number; byArcClock: number }> {
    this.probes++;
    return { byThisClock: -1_000_000, byArcClock: -1_000_000 };
  }
}

describe("purge of a deleted org's delivered rows", () => {
  it("lets the rows of an org deleted after they were delivered leave the outbox, as before Arc was asked when it started", async () => {
    const arc = new RemoteArc();
    let orgDeleted = false;
    // MetadataArcRouter.targetFor, once the org is deleted: not_found (what deliveries drop an org's rows for).
    const router = {
      targetFor: async (orgId: string) => {
        if (orgDeleted) throw notFound("organization no longer exists");
        return { source: "default", client: arc } as unknown as ArcTarget;
      },
    } as ArcRouter;
    let confirm: ReturnType<typeof deliveredConfirmation> | undefined;
    const h = await open(
      {
        config: { visibilityDelayMs: 1_000 },
        confirmDelivered: (orgId, delivered) => confirm!(orgId, delivered),
      },
      { sink: arc },
    );
    confirm = deliveredConfirmation(router, h.clock, { embedded: false });
    await h.coordinator.accept("org_a", [makeRecord(), makeRecord()]);
    await h.coordinator.flush("org_a");
    expect(arc.total).toBe(2);
    // The org is deleted (admin API or CLI): nothing tells the coordinator.
    orgDeleted = true;
    for (let i = 0; i < 10; i++) {
      h.scheduler.advance(1_000);
      await h.coordinator.whenIdle();
    }
    // Without Arc being asked (Workers before 6de72a0) the rows were purged after the delay; now
    // they stay in memory and in the outbox for good, and a purge runs every second forever.
    expect(await storedIds(h)).toEqual([]);
    expect(h.scheduler.pending()).toEqual([]);
  });
});

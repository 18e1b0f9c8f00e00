import { describe, expect, it } from "vitest";
import { heldBytes } from "../../core/coordinator/org-outbox";
import { OutboxStore } from "../../core/coordinator/outbox-store";
import { makeRecord, openHarness, useOutboxFile } from "./support";

const { open, file } = useOutboxFile();

describe("outbox byte cap while Arc cannot confirm what it holds", () => {
  it("bounds what the outbox holds and what a start loads, as write_buffer.max_outbox_bytes says", async () => {
    // A remote Arc that takes writes but whose /health does not answer: the purge keeps delivered
    // rows while it cannot ask when Arc started, so they count against the cap like waiting ones.
    const config = { maxOutboxBytes: 50_000, maxTotalOutboxBytes: 50_000, visibilityDelayMs: 1_000 };
    const h = await open({
      config,
      confirmDelivered: async () => {
        throw new Error("GET /health: no answer within 5000 ms");
      },
    });
    const big = () => makeRecord({ content: "x".repeat(10_000) });
    let refused = 0;
    for (let i = 0; i < 30; i++) {
      try {
        await h.coordinator.accept("org_a", [big()]);
      } catch {
        refused++;
      }
      await h.coordinator.flush("org_a");
      h.scheduler.advance(1_000);
      await h.coordinator.whenIdle();
    }
    // Each holds about 20 kB: the 50 kB cap fits two (and a third that arrives while less is held),
    // delivered or not, so later writes are refused rather than held past it.
    const held = await new OutboxStore(h.sql).loadAll();
    const heldTotal = held.reduce((sum, row) => sum + heldBytes(row.record), 0);
    await h.close();
    // A start loads what was held, within the cap.
    const again = await openHarness(file(), { config, confirmDelivered: async () => "stored" });
    const loaded = again.coordinator.pendingRows("org_a");
    await again.close();
    expect(refused).toBe(30 - held.length);
    expect(held.length).toBeLessThanOrEqual(3);
    expect(heldTotal).toBeLessThanOrEqual(config.maxOutboxBytes + heldBytes(big()));
    expect(loaded * heldBytes(big())).toBeLessThanOrEqual(config.maxOutboxBytes + heldBytes(big()));
  });
});

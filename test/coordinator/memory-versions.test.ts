import { describe, expect, it } from "vitest";
import type { MemoryRecord } from "../../core/memory/schema";
import { makeRecord, useOutboxFile, type Harness } from "./support";

/*
 * The writer keeps when each updated memory's latest version was ingested, after it is delivered,
 * so a get by id can read Arc at that time instead of every row of the org.
 */

const { open } = useOutboxFile();

/** Stores a new version of `memory` and answers it. */
async function update(h: Harness, memory: MemoryRecord, content: string): Promise<MemoryRecord> {
  const result = await h.coordinator.replace(memory.org_id, memory, { ...memory, content }, { readAtMs: h.clock.now() });
  if (result.status !== "created") throw new Error(`update answered ${result.status}`);
  return result.record;
}

describe("the latest version of updated memories", () => {
  it("is kept for each updated memory, after delivery and across a restart, and dropped with the memory", async () => {
    let h = await open();
    const [updated, untouched] = [makeRecord({ org_id: "org_a" }), makeRecord({ org_id: "org_a" })];
    await h.coordinator.accept("org_a", [updated, untouched]);
    await h.coordinator.flush("org_a");
    expect(await h.coordinator.latestVersionUs("org_a", updated.id)).toBeNull();

    h.clock.advance(5);
    const v2 = await update(h, updated, "v2");
    h.clock.advance(5);
    const v3 = await update(h, v2, "v3");
    expect(v3.ingested_at_us).toBeGreaterThan(v2.ingested_at_us);
    expect(await h.coordinator.latestVersionUs("org_a", updated.id)).toBe(v3.ingested_at_us);
    expect(await h.coordinator.latestVersionUs("org_a", untouched.id)).toBeNull();
    // Another org's memory of the same id is another memory.
    expect(await h.coordinator.latestVersionUs("org_b", updated.id)).toBeNull();

    await h.coordinator.flush("org_a");
    h.scheduler.advance(60_000);
    await h.coordinator.whenIdle();
    expect(h.coordinator.pendingRows("org_a")).toBe(0);
    await h.close();
    h = await open({}, { sink: h.sink, clock: h.clock });
    expect(await h.coordinator.latestVersionUs("org_a", updated.id)).toBe(v3.ingested_at_us);

    await h.coordinator.forget("org_a", [v3], { inArc: true });
    expect(await h.coordinator.latestVersionUs("org_a", updated.id)).toBeNull();
  });

  it("is kept for the newest versionsPerOrg updates of each org; older ones are pruned with the dedup sweep", async () => {
    const h = await open({ config: { versionsPerOrg: 2, dedupPruneIntervalMs: 1_000 } });
    const mine = [1, 2, 3].map(() => makeRecord({ org_id: "org_a" }));
    const theirs = makeRecord({ org_id: "org_b" });
    await h.coordinator.accept("org_a", mine);
    await h.coordinator.accept("org_b", [theirs]);
    const versions: MemoryRecord[] = [];
    for (const memory of mine) {
      h.clock.advance(10);
      versions.push(await update(h, memory, "changed"));
    }
    h.clock.advance(10);
    const theirVersion = await update(h, theirs, "changed");
    await h.coordinator.flush();

    h.scheduler.advance(60_000);
    await h.coordinator.whenIdle();
    expect(await h.coordinator.latestVersionUs("org_a", mine[0]!.id)).toBeNull();
    expect(await h.coordinator.latestVersionUs("org_a", mine[1]!.id)).toBe(versions[1]!.ingested_at_us);
    expect(await h.coordinator.latestVersionUs("org_a", mine[2]!.id)).toBe(versions[2]!.ingested_at_us);
    expect(await h.coordinator.latestVersionUs("org_b", theirs.id)).toBe(theirVersion.ingested_at_us);
  });
});

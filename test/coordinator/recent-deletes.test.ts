import { describe, expect, it } from "vitest";
import { matchesFilter } from "../../core/arc/filter-match";
import { LATE_ARRIVAL_MS, RecentDeletes } from "../../core/coordinator/recent-deletes";
import { makeRecord } from "./support";

const ORG = "org_test";

describe("RecentDeletes", () => {
  it("forgets ids a minute after their delete, so deletes without updates do not grow it", () => {
    const recent = new RecentDeletes(matchesFilter);
    for (let i = 0; i < 1_000; i++) recent.addIds([`a${i}`], i);
    expect(recent.size().ids).toBe(1_000);
    // Each later delete prunes what has passed its minute: only the last minute's are left.
    recent.addIds(["last"], 999 + LATE_ARRIVAL_MS);
    expect(recent.size().ids).toBe(1);
  });

  it("keeps an id deleted again for a minute from its last delete", () => {
    const recent = new RecentDeletes(matchesFilter);
    const record = makeRecord({ id: "again" });
    recent.addIds(["again", "other"], 0);
    recent.addIds(["again"], 30_000);
    // The prune stops at the first id still in its minute: "again" moved behind "other".
    expect(recent.took(makeRecord({ id: "other" }), LATE_ARRIVAL_MS)).toBe(false);
    expect(recent.took(record, LATE_ARRIVAL_MS + 29_999)).toBe(true);
    expect(recent.took(record, LATE_ARRIVAL_MS + 30_000)).toBe(false);
    expect(recent.size().ids).toBe(0);
  });

  it("covers late arrivals a delete by filter matches, for a minute", () => {
    const recent = new RecentDeletes(matchesFilter);
    recent.addFilter({ org_id: ORG, agent_id: "gone", ingested_before_us: 5_000_000 }, 1_000);
    const stampedBefore = makeRecord({ org_id: ORG, agent_id: "gone", ingested_at_us: 4_000_000 });
    const stampedAfter = makeRecord({ org_id: ORG, agent_id: "gone", ingested_at_us: 6_000_000 });
    const otherAgent = makeRecord({ org_id: ORG, agent_id: "kept", ingested_at_us: 4_000_000 });
    expect(recent.coversArrival(stampedBefore, 2_000)).toBe(true);
    expect(recent.coversArrival(stampedAfter, 2_000)).toBe(false);
    expect(recent.coversArrival(otherAgent, 2_000)).toBe(false);
    expect(recent.took(stampedBefore, 2_000)).toBe(true);
    expect(recent.coversArrival(stampedBefore, 1_000 + LATE_ARRIVAL_MS)).toBe(false);
    expect(recent.size().filters).toBe(0);
  });

  it("withdraws a delete that failed, and restores the ones an outbox kept", () => {
    const recent = new RecentDeletes(matchesFilter);
    const record = makeRecord({ org_id: ORG, agent_id: "a", ingested_at_us: 1_000 });
    const failed = recent.addFilter({ org_id: ORG, agent_id: "a", ingested_before_us: 2_000 }, 0);
    recent.withdraw(failed);
    expect(recent.coversArrival(record, 1)).toBe(false);
    recent.restore([{ filter: { org_id: ORG, agent_id: "a", ingested_before_us: 2_000 }, untilMs: 10 }]);
    expect(recent.coversArrival(record, 9)).toBe(true);
    expect(recent.coversArrival(record, 10)).toBe(false);
  });
});

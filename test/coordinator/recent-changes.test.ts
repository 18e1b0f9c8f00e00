import { describe, expect, it } from "vitest";
import { matchesFilter } from "../../core/arc/filter-match";
import { LATE_ARRIVAL_MS, RecentChanges } from "../../core/coordinator/recent-changes";
import { makeRecord } from "./support";

const ORG = "org_test";

describe("RecentChanges", () => {
  it("forgets changes by id a minute after they were made, so deletes without updates do not grow it", () => {
    const recent = new RecentChanges(matchesFilter);
    for (let i = 0; i < 1_000; i++) recent.addId(recent.idChange(`a${i}`, null, i), i);
    expect(recent.size().ids).toBe(1_000);
    // Each later change prunes what has passed its minute: only the last minute's are left.
    recent.addId(recent.idChange("last", null, 999 + LATE_ARRIVAL_MS), 999 + LATE_ARRIVAL_MS);
    expect(recent.size().ids).toBe(1);
  });

  it("forgets deletes by filter a minute after they were made, so deletes without writes do not grow it", () => {
    const recent = new RecentChanges(matchesFilter);
    // A retention pass an hour over 1,000 orgs of a server no memory reaches any more.
    for (let pass = 0; pass < 24; pass++) {
      const nowMs = pass * 3_600_000;
      for (let i = 0; i < 1_000; i++) recent.addFilter(recent.filterDelete({ org_id: `org-${i}`, until_us: 1, ingested_before_us: nowMs * 1000 }, nowMs), nowMs);
    }
    // Only the last pass's are within their minute.
    expect(recent.size().filters).toBe(1_000);
  });

  it("keeps an id changed again for a minute from its last change, which is the one it answers for", () => {
    const recent = new RecentChanges(matchesFilter);
    const record = makeRecord({ id: "again", ingested_at_us: 10 });
    recent.addId(recent.idChange("again", 20, 0), 0);
    recent.addId(recent.idChange("other", null, 0), 0);
    expect(recent.replacedSince(record, 1)).toBe(true);
    expect(recent.took(record, 1)).toBe(false);
    recent.addId(recent.idChange("again", null, 30_000), 30_000);
    // The prune stops at the first id still in its minute: "again" moved behind "other".
    expect(recent.deletedById("other", LATE_ARRIVAL_MS)).toBe(false);
    expect(recent.took(record, LATE_ARRIVAL_MS + 29_999)).toBe(true);
    expect(recent.replacedSince(record, LATE_ARRIVAL_MS + 29_999)).toBe(false);
    expect(recent.took(record, LATE_ARRIVAL_MS + 30_000)).toBe(false);
    expect(recent.size().ids).toBe(0);
  });

  it("tells a later version from the one a caller holds", () => {
    const recent = new RecentChanges(matchesFilter);
    recent.addId(recent.idChange("m", 500, 0), 0);
    expect(recent.replacedSince({ id: "m", ingested_at_us: 499 }, 1)).toBe(true);
    expect(recent.replacedSince({ id: "m", ingested_at_us: 500 }, 1)).toBe(false);
    expect(recent.replacedSince({ id: "unknown", ingested_at_us: 1 }, 1)).toBe(false);
  });

  it("covers late arrivals a delete by filter matches, for a minute", () => {
    const recent = new RecentChanges(matchesFilter);
    recent.addFilter(recent.filterDelete({ org_id: ORG, agent_id: "gone", ingested_before_us: 5_000_000 }, 1_000), 1_000);
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

  it("checks an arrival against its own org's deletes only", () => {
    let calls = 0;
    const recent = new RecentChanges((record, filter) => {
      calls++;
      return matchesFilter(record, filter);
    });
    for (let i = 0; i < 1_000; i++) recent.addFilter(recent.filterDelete({ org_id: `other-${i}`, ingested_before_us: 5_000_000 }, 1_000), 1_000);
    expect(recent.coversArrival(makeRecord({ org_id: ORG, ingested_at_us: 1 }), 2_000)).toBe(false);
    expect(calls).toBe(0);
    // Expired entries leave both indexes.
    recent.coversArrival(makeRecord({ org_id: ORG }), 1_000 + LATE_ARRIVAL_MS);
    expect(recent.size().filters).toBe(0);
  });

  it("drops on arrival only what was stamped before the delete began, and counts as taken what was stored until it was", () => {
    const recent = new RecentChanges(matchesFilter);
    // Began at 5,000 ms (5,000,000 µs), stored by the writer at 5,000 ms: it took everything before 5,001,000 µs.
    recent.addFilter(recent.filterDelete({ org_id: ORG, agent_id: "gone", ingested_before_us: 5_000_000 }, 5_000), 5_000);
    const sameMs = makeRecord({ org_id: ORG, agent_id: "gone", ingested_at_us: 5_000_000 });
    expect(recent.coversArrival(sameMs, 5_000)).toBe(false);
    expect(recent.took(sameMs, 5_000)).toBe(true);
    expect(recent.stampFloorUs(ORG, 5_000)).toBe(5_001_000);
    expect(recent.stampFloorUs("elsewhere", 5_000)).toBe(0);
  });

  it("restores what an outbox kept, the later change of an id winning", () => {
    const recent = new RecentChanges(matchesFilter);
    const record = makeRecord({ id: "kept", org_id: ORG, agent_id: "a", ingested_at_us: 1_000 });
    recent.restore(
      [{ filter: { org_id: ORG, agent_id: "a", ingested_before_us: 2_000 }, tookBeforeUs: 3_000, untilMs: 10 }],
      [
        { id: "kept", versionUs: 1_500, untilMs: 10 },
        { id: "kept", versionUs: null, untilMs: 20 },
      ],
    );
    expect(recent.coversArrival(record, 9)).toBe(true);
    expect(recent.coversArrival(record, 10)).toBe(false);
    expect(recent.deletedById("kept", 19)).toBe(true);
  });
});

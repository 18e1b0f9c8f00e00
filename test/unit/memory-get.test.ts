import { describe, expect, it } from "vitest";
import type { ArcRouter } from "../../core/arc-routing/router";
import { ManualClock } from "../../core/clock";
import type { RecentIds, WriteCoordinator } from "../../core/coordinator/port";
import type { MemoryRecord } from "../../core/memory/schema";
import { MemoryService } from "../../core/memory/service";

const clock = new ManualClock(1_800_000_000_000);
const memory: MemoryRecord = {
  id: "0190f5a2-0000-7000-8000-000000000001",
  org_id: "org_a",
  agent_id: "agent",
  session_id: "",
  memory_type: "episodic",
  event_type: "general",
  content: "in Arc",
  metadata_json: "{}",
  tags: [],
  dedup_key: "",
  importance: 0.5,
  parent_id: "",
  time_us: 1_700_000_000_000_000,
  ingested_at_us: clock.now() * 1000,
};
const nothingHidden: RecentIds = { oldestIngestedAtUs: null, byType: [], hiddenInArc: [], hiddenFilters: [], updateMark: "none" };

/** A service over Arc holding `memory`, recording the version hint its reader was handed. */
function serviceWith(latestVersionUs: WriteCoordinator["latestVersionUs"]) {
  const hints: Array<number | null | undefined> = [];
  const coordinator = { recent: async () => [], recentIds: async () => nothingHidden, latestVersionUs } as unknown as WriteCoordinator;
  const reader = {
    getById: async (_org: string, id: string, laterVersionUs?: () => Promise<number | null>) => {
      hints.push(await laterVersionUs?.());
      return id === memory.id ? memory : null;
    },
  };
  const arc = { targetFor: async () => ({ reader }) } as unknown as ArcRouter;
  const service = new MemoryService({ coordinator, arc, clock, dedup: { enabled: true, windowMs: 1 }, closedSessions: { closedAmong: async () => new Set() } });
  return { service, hints };
}

describe("get by id", () => {
  it("hands Arc's reader where the writer says the latest version is", async () => {
    const { service, hints } = serviceWith(async (_org, id) => (id === memory.id ? 42 : null));
    expect(await service.get("org_a", memory.id)).toEqual(memory);
    expect(hints).toEqual([42]);
  });

  it("still answers when the writer cannot say (one from before it, on a rolling deploy)", async () => {
    const { service, hints } = serviceWith(async () => {
      throw new TypeError("The RPC receiver does not implement the method \"latestVersionUs\".");
    });
    expect(await service.get("org_a", memory.id)).toEqual(memory);
    expect(hints).toEqual([null]);
  });
});

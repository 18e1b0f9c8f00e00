import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import type { RecentIds, WriteCoordinator } from "../../core/coordinator/port";
import type { ArcRouter } from "../../core/arc-routing/router";
import { dedupKeyOf } from "../../core/memory/dedup-key";
import { applyMergePatch, memoryPatchSchema, patchedRecord } from "../../core/memory/patch";
import type { MemoryRecord } from "../../core/memory/schema";
import { MemoryService } from "../../core/memory/service";
import { sha256HexSync } from "../../core/crypto/sha256";
import { memoryIdGenerator } from "../../core/ids";

const clock = new ManualClock(1_800_000_000_000);
const options = { clock, memoryId: memoryIdGenerator(), dedupEnabled: true, sha256Hex: sha256HexSync };

const stored = (overrides: Partial<MemoryRecord> = {}): MemoryRecord => ({
  id: "0190f5a2-0000-7000-8000-000000000001",
  org_id: "org_a",
  agent_id: "agent",
  session_id: "s",
  memory_type: "decision",
  event_type: "choice",
  content: "old content",
  metadata_json: '{"a":1}',
  tags: ["t"],
  dedup_key: dedupKeyOf("agent", "choice", "old content"),
  importance: 0.5,
  parent_id: "",
  time_us: 1_700_000_000_000_000,
  ingested_at_us: clock.now() * 1000,
  ...overrides,
});

describe("applyMergePatch (RFC 7396)", () => {
  it("removes keys set to null, merges objects, replaces the rest, and changes neither argument", () => {
    const target = { a: 1, b: { c: 2, d: 3 }, list: [1, 2] };
    const patch = { a: null, b: { d: null, e: 4 }, list: [3], f: "new" };
    expect(applyMergePatch(target, patch)).toEqual({ b: { c: 2, e: 4 }, list: [3], f: "new" });
    expect(target).toEqual({ a: 1, b: { c: 2, d: 3 }, list: [1, 2] });
    expect(patch).toEqual({ a: null, b: { d: null, e: 4 }, list: [3], f: "new" });
  });

  it("keeps a __proto__ key as data, and the keys after it", () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}, "after": 1}');
    const merged = applyMergePatch({}, patch) as Record<string, unknown>;
    expect(Object.keys(merged)).toEqual(["__proto__", "after"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(merged)).toBe('{"__proto__":{"polluted":true},"after":1}');
  });
});

describe("patchedRecord", () => {
  it("keeps the id, agent and event time, and always moves ingested_at past the old one's", () => {
    const current = stored();
    const next = patchedRecord(current, { content: "new content" }, options);
    expect([next.id, next.agent_id, next.time_us]).toEqual([current.id, current.agent_id, current.time_us]);
    // Same millisecond as the write: still later, since the old version is deleted by its ingest time.
    expect(next.ingested_at_us).toBe(current.ingested_at_us + 1);
  });

  it("derives a derived key again, and keeps a chosen one", () => {
    expect(patchedRecord(stored(), { content: "new content" }, options).dedup_key).toBe(dedupKeyOf("agent", "choice", "new content"));
    expect(patchedRecord(stored(), { event_type: "other" }, options).dedup_key).toBe(dedupKeyOf("agent", "other", "old content"));
    expect(patchedRecord(stored({ dedup_key: "chosen" }), { content: "new content" }, options).dedup_key).toBe("chosen");
    expect(patchedRecord(stored({ dedup_key: "chosen" }), { dedup_key: "" }, options).dedup_key).toBe(dedupKeyOf("agent", "choice", "old content"));
  });

  it("checks the result as a create would", () => {
    expect(() => patchedRecord(stored(), { time: "2999-01-01T00:00:00Z" }, options)).toThrow(/future/);
    expect(() => patchedRecord(stored(), { metadata: { big: "x".repeat(70_000) } }, options)).toThrow(/metadata is larger/);
  });
});

describe("memoryPatchSchema", () => {
  it("needs a field to change and refuses the agent and unknown fields", () => {
    expect(memoryPatchSchema.safeParse({}).success).toBe(false);
    expect(memoryPatchSchema.safeParse({ content: null, tags: null }).success).toBe(false);
    expect(memoryPatchSchema.safeParse({ agent_id: "other", content: "x" }).success).toBe(false);
    expect(memoryPatchSchema.safeParse({ tags: [] }).success).toBe(true);
  });
});

describe("reading while an old version is still in Arc", () => {
  it("shows the later version from the recent window, not Arc's older copy", async () => {
    const old = stored();
    const next = { ...old, content: "new content", ingested_at_us: old.ingested_at_us + 1 };
    const nothingHidden: RecentIds = { oldestIngestedAtUs: null, byType: [], hiddenInArc: [], hiddenFilters: [], updateMark: "none" };
    const coordinator = { recent: async () => [next], recentIds: async () => nothingHidden } as unknown as WriteCoordinator;
    const arc = { targetFor: async () => ({ reader: { list: async () => [old] } }) } as unknown as ArcRouter;
    const service = new MemoryService({ coordinator, arc, clock, dedup: { enabled: true, windowMs: 1 }, closedSessions: { closedAmong: async () => new Set() } });
    const page = await service.list({ filter: { org_id: "org_a" }, order: "desc", order_by: "time", limit: 10 });
    expect(page.records.map((r) => r.content)).toEqual(["new content"]);
  });
});

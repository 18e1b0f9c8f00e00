import { describe, expect, it } from "vitest";
import { pageOf } from "../../core/arc/filter-match";
import type { MemoryPageRequest } from "../../core/memory/filter";
import { firstChunk, restOfPage, serializedBytes } from "../../functions/worker/recent-chunk";
import { makeRecord } from "../coordinator/support";

/**
 * The Worker reads a recent page from its coordinator object in chunks under a byte budget; put
 * together, the chunks must be exactly the page read at once, whatever its order, offset and cursor.
 */
describe("recent pages in chunks", () => {
  const base = 1_767_225_600_000_000;
  const records = Array.from({ length: 40 }, (_, i) => makeRecord({ time_us: base + ((i * 7) % 40), importance: i % 3, content: "x".repeat(100 + i * 10) }));
  const budget = 3 * serializedBytes(records[39]!);

  /** As DurableWriteCoordinator.recent does it, with pageOf standing in for the object. */
  function chunked(page: MemoryPageRequest): { ids: string[]; calls: number } {
    const received: typeof records = [];
    let calls = 0;
    for (let next = page; ; next = restOfPage(page, received)) {
      calls++;
      const chunk = firstChunk(pageOf(records, next), budget);
      received.push(...chunk.records);
      if (chunk.complete) return { ids: received.map((r) => r.id), calls };
    }
  }

  const pages: MemoryPageRequest[] = [
    { filter: { org_id: "org_a" }, order: "asc", order_by: "time", limit: 30 },
    { filter: { org_id: "org_a" }, order: "desc", order_by: "time", limit: 25, offset: 7 },
    { filter: { org_id: "org_a" }, order: "desc", order_by: "importance", limit: 40 },
    { filter: { org_id: "org_a" }, order: "asc", order_by: "time", limit: 20, after: { time_us: base + 5, id: "" } },
  ];
  for (const page of pages) {
    it(`matches the page read at once: ${page.order} by ${page.order_by}, offset ${page.offset ?? 0}${page.after ? ", after a cursor" : ""}`, () => {
      const { ids, calls } = chunked(page);
      expect(ids).toEqual(pageOf(records, page).map((r) => r.id));
      expect(calls).toBeGreaterThan(1);
    });
  }

  it("always hands out at least one record, however large", () => {
    expect(firstChunk(records, 1).records).toHaveLength(1);
    expect(firstChunk([], 1)).toEqual({ records: [], complete: true });
  });

  it("bounds what V8 serializes: two bytes for each UTF-16 unit of a string", () => {
    const wide = makeRecord({ content: "é".repeat(1000) + "日本".repeat(1000) });
    const strings = Object.values(wide).flatMap((v) => (typeof v === "string" ? [v] : Array.isArray(v) ? v.map(String) : []));
    expect(serializedBytes(wide)).toBeGreaterThan(2 * strings.reduce((n, s) => n + s.length, 0));
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { wellFormed } from "../../core/well-formed";
import { matchesFilter, pageOf } from "../../core/arc/filter-match";
import { ArcMemoryReader } from "../../core/arc/memory-reader";
import type { MemoryPageRequest } from "../../core/memory/filter";
import type { MemoryRecord } from "../../core/memory/schema";
import { filterArb, pageArb, recordSet } from "./support/arbitraries";
import { createMemoryTable, duckdbArcPort, insertRecords, useDuckdb } from "./support/duckdb";

// The read-your-writes proof: memories not yet visible in Arc are paged in memory by pageOf,
// the rest by the SQL builder in DuckDB. Both must give the same ids in the same order.

const duckdb = useDuckdb();

async function loaded(records: readonly MemoryRecord[], timePruning: boolean) {
  await createMemoryTable(duckdb.connection(), "events");
  await insertRecords(duckdb.connection(), "events", records);
  return new ArcMemoryReader(duckdbArcPort(duckdb.connection(), "events"), { timePruning });
}

const ids = (records: readonly MemoryRecord[]) => records.map((r) => wellFormed(r.id));

describe("pageOf and the SQL list query agree", () => {
  it("on random records, filters, orders, cursors and offsets", async () => {
    await fc.assert(
      fc.asyncProperty(
        recordSet.chain((records) => fc.tuple(fc.constant(records), pageArb(records), fc.boolean())),
        async ([records, page, timePruning]) => {
          const reader = await loaded(records, timePruning);
          expect(ids(await reader.list(page))).toEqual(ids(pageOf(records, page)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("is not trivially empty: the generated pages often return rows", async () => {
    let nonEmpty = 0;
    fc.assert(
      fc.property(recordSet.chain((records) => fc.tuple(fc.constant(records), pageArb(records))), ([records, page]) => {
        if (pageOf(records, page).length > 0) nonEmpty++;
      }),
      { numRuns: 300, seed: 42 },
    );
    expect(nonEmpty).toBeGreaterThan(60);
  });
});

describe("both paths on known traps", () => {
  const base: Omit<MemoryRecord, "id" | "content" | "tags" | "time_us"> = {
    org_id: "org_a", agent_id: "agent_1", session_id: "", memory_type: "episodic", event_type: "general",
    metadata_json: "{}", dedup_key: "", importance: 0.5, parent_id: "", ingested_at_us: 1,
  };
  const T = 1_767_225_600_000_000;
  const records: MemoryRecord[] = [
    { ...base, id: "r1", content: "ΣΑΣ İstanbul", tags: ["production"], time_us: T + 1 },
    { ...base, id: "r2", content: "50%_off", tags: ["prod", "x"], time_us: T + 2 },
    { ...base, id: "r3", content: "50x off", tags: ["pro"], time_us: T + 3 },
    { ...base, id: "\uE000", content: "it's", tags: [], time_us: T + 4 },
    { ...base, id: "\u{10000}", content: "C:\\dir\\", tags: [], time_us: T + 4 },
  ];
  const cases: Array<[string, Partial<MemoryPageRequest>, string[]]> = [
    ["tags match exactly, not as substrings", { filter: { org_id: "org_a", tags_all: ["prod"] } }, ["r2"]],
    ["tags_any is any-of", { filter: { org_id: "org_a", tags_any: ["pro", "production"] } }, ["r3", "r1"]],
    ["% and _ are literal", { filter: { org_id: "org_a", content_contains: "50%_" } }, ["r2"]],
    ["case folds per code point like DuckDB (final sigma)", { filter: { org_id: "org_a", content_contains: "σας" } }, []],
    ["case folds İ to i", { filter: { org_id: "org_a", content_contains: "istanbul" } }, ["r1"]],
    ["case-sensitive search", { filter: { org_id: "org_a", content_contains: "σ", case_sensitive: true } }, []],
    ["quotes and backslashes", { filter: { org_id: "org_a", content_contains: "\\dir\\" } }, ["\u{10000}"]],
    ["ties on time break on id by code point", { filter: { org_id: "org_a" }, order: "asc", limit: 2, after: { time_us: T + 3, id: "r3" } }, ["\uE000", "\u{10000}"]],
  ];
  it.each(cases)("%s", async (_, overrides, expected) => {
    const page: MemoryPageRequest = { filter: { org_id: "org_a" }, order: "desc", order_by: "time", limit: 10, ...overrides };
    const reader = await loaded(records, true);
    expect(ids(pageOf(records, page))).toEqual(expected);
    expect(ids(await reader.list(page))).toEqual(expected);
  });
});

describe("counts agree with matchesFilter", () => {
  it("count and countByType count each matching memory once", async () => {
    await fc.assert(
      fc.asyncProperty(recordSet, filterArb, async (records, filter) => {
        const reader = await loaded(records, true);
        const matching = new Map(records.filter((r) => matchesFilter(r, filter)).map((r) => [r.id, r]));
        expect(await reader.count(filter)).toBe(matching.size);
        const byType: Record<string, number> = {};
        for (const r of matching.values()) byType[r.memory_type] = (byType[r.memory_type] ?? 0) + 1;
        expect(await reader.countByType(filter)).toEqual(byType);
      }),
      { numRuns: 150 },
    );
  });
});

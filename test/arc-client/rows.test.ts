import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arcCount, arcNumber, arcTimeToMicros, rowsByName } from "../../core/arc/arc-values";
import { ArcRequestError } from "../../core/arc/request-error";
import { rowToMemoryRecord, rowsToMemoryRecords } from "../../core/arc/rows";
import { arcJsonTime } from "./support/duckdb";

describe("arcTimeToMicros", () => {
  it("reads Arc's trimmed RFC 3339 back to the exact µs", () => {
    fc.assert(
      fc.property(fc.integer({ min: -2_000_000_000_000_000, max: 8_000_000_000_000_000 }), (us) => {
        expect(arcTimeToMicros(arcJsonTime(BigInt(us)))).toBe(us);
      }),
    );
  });

  it("handles the formats Arc and DuckDB emit", () => {
    expect(arcTimeToMicros("2026-01-01T12:59:59.6Z")).toBe(Date.UTC(2026, 0, 1, 12, 59, 59, 600) * 1000);
    expect(arcTimeToMicros("2026-01-01T13:00:00Z")).toBe(Date.UTC(2026, 0, 1, 13) * 1000);
    expect(arcTimeToMicros("2026-01-01T00:00:00.123456789Z")).toBe(Date.UTC(2026, 0, 1) * 1000 + 123_456);
    expect(arcTimeToMicros("2026-01-01 02:00:00.5+02:00")).toBe(Date.UTC(2026, 0, 1) * 1000 + 500_000);
    expect(arcTimeToMicros("0050-03-01T00:00:00Z")).toBe(Date.parse("0050-03-01T00:00:00Z") * 1000);
  });

  it("reads a numeric time with Arc's unit guess", () => {
    const us = 1_767_225_600_123_456;
    expect(arcTimeToMicros(1_767_225_600)).toBe(1_767_225_600_000_000);
    expect(arcTimeToMicros(1_767_225_600_123)).toBe(1_767_225_600_123_000);
    expect(arcTimeToMicros(us)).toBe(us);
    expect(arcTimeToMicros(us * 1000)).toBe(us);
  });

  it("refuses what is not a timestamp", () => {
    for (const bad of [null, "yesterday", "2026-02-30T00:00:00Z", "2026-01-01T24:00:00Z", true]) {
      expect(() => arcTimeToMicros(bad)).toThrow(ArcRequestError);
    }
  });
});

describe("aggregates", () => {
  it("accept numbers and the numeric strings Arc sends for HUGEINT sums", () => {
    expect(arcCount(3)).toBe(3);
    expect(arcCount("12")).toBe(12);
    expect(arcNumber("0.5")).toBe(0.5);
    expect(arcNumber("1e-3")).toBe(0.001);
    for (const bad of [null, "abc", "1.5", -1, Number.NaN]) expect(() => arcCount(bad)).toThrow(ArcRequestError);
  });
});

describe("rows", () => {
  const base = {
    time: "2026-01-01T00:00:00.000001Z",
    id: "m1",
    org_id: "org_a",
    agent_id: "agent_1",
    session_id: "sess_1",
    memory_type: "decision",
    event_type: "general",
    content: "c",
    metadata_json: '{"a":1}',
    tags_csv: "a,b",
    dedup_key: "k",
    importance: 0.5,
    parent_id: "p",
    ingested_at: 1_767_225_600_000_009,
  };

  it("map by column name whatever the column order", () => {
    const names = Object.keys(base).reverse();
    const result = { columns: names, rows: [names.map((name) => base[name as keyof typeof base])] };
    expect(rowsToMemoryRecords(result)).toEqual([
      {
        id: "m1", org_id: "org_a", agent_id: "agent_1", session_id: "sess_1", memory_type: "decision", event_type: "general",
        content: "c", metadata_json: '{"a":1}', tags: ["a", "b"], dedup_key: "k", importance: 0.5, parent_id: "p",
        time_us: 1_767_225_600_000_001, ingested_at_us: 1_767_225_600_000_009,
      },
    ]);
    expect(rowsByName({ columns: ["b", "a"], rows: [[2, 1]] })).toEqual([{ a: 1, b: 2 }]);
  });

  it("fill columns an older batch lacked with defaults", () => {
    const record = rowToMemoryRecord({ time: base.time, id: "m1", org_id: "org_a", importance: null, tags_csv: "" });
    expect(record).toMatchObject({
      session_id: "", memory_type: "episodic", metadata_json: "{}", tags: [], importance: 0, parent_id: "",
      ingested_at_us: record.time_us,
    });
  });

  it("read importance and ingested_at sent as strings after type unification", () => {
    const record = rowToMemoryRecord({ ...base, importance: "1", ingested_at: "1767225600000009" });
    expect(record.importance).toBe(1);
    expect(record.ingested_at_us).toBe(1_767_225_600_000_009);
  });
});

import { Decoder } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { ARC_MAX_TIME_US, ARC_MIN_TIME_US, MEMORY_COLUMNS } from "../../core/arc/memory-columns";
import { encodeColumnar, encodeMemoryBatch } from "../../core/arc/msgpack-encode";
import type { MemoryRecord } from "../../core/memory/schema";

const decoder = new Decoder({ useBigInt64: true });

function record(overrides: Partial<MemoryRecord> = {}): MemoryRecord {
  return {
    id: "0190a1b2-0000-7000-8000-000000000001",
    org_id: "org_a",
    agent_id: "agent_1",
    session_id: "",
    memory_type: "episodic",
    event_type: "general",
    content: "it's 50%_off",
    metadata_json: "{}",
    tags: ["a", "b"],
    dedup_key: "k1",
    importance: 1,
    parent_id: "",
    time_us: 1_767_225_600_123_456,
    ingested_at_us: 1_767_225_600_200_000,
    ...overrides,
  };
}

/** The msgpack type bytes of each element of `columns[name]` (fixed-size elements only). */
function elementTypes(bytes: Uint8Array, name: string, count: number): number[] {
  const key = [0xa0 + name.length, ...new TextEncoder().encode(name)];
  const at = bytes.findIndex((_, i) => key.every((b, j) => bytes[i + j] === b));
  expect(at).toBeGreaterThan(0);
  let pos = at + key.length;
  expect(bytes[pos]).toBe(0x90 + count);
  pos++;
  const types: number[] = [];
  for (let i = 0; i < count; i++) {
    const type = bytes[pos]!;
    types.push(type);
    pos += 1 + (type === 0xcb || type === 0xcf || type === 0xd3 ? 8 : type === 0xc0 ? 0 : Number.NaN);
  }
  return types;
}

describe("encodeMemoryBatch", () => {
  it("is one columnar map {m, columns} with every Arc column", () => {
    const decoded = decoder.decode(encodeMemoryBatch("events", [record(), record({ id: "x2", tags: [] })])) as {
      m: string;
      columns: Record<string, unknown[]>;
    };
    expect(Object.keys(decoded)).toEqual(["m", "columns"]);
    expect(decoded.m).toBe("events");
    expect(Object.keys(decoded.columns).sort()).toEqual([...MEMORY_COLUMNS].sort());
    expect(decoded.columns.tags_csv).toEqual(["a,b", ""]);
    expect(decoded.columns.content).toEqual(["it's 50%_off", "it's 50%_off"]);
    expect(decoded.columns.time).toEqual([1_767_225_600_123_456n, 1_767_225_600_123_456n]);
    expect(decoded.columns.ingested_at).toEqual([1_767_225_600_200_000n, 1_767_225_600_200_000n]);
  });

  it("sends importance as float64 even for 0 and 1, and times as 64-bit integers", () => {
    const bytes = encodeMemoryBatch("events", [record({ importance: 1 }), record({ importance: 0 }), record({ importance: 0.5 })]);
    expect(elementTypes(bytes, "importance", 3)).toEqual([0xcb, 0xcb, 0xcb]);
    expect(elementTypes(bytes, "time", 3)).toEqual([0xcf, 0xcf, 0xcf]);
    expect(elementTypes(bytes, "ingested_at", 3)).toEqual([0xcf, 0xcf, 0xcf]);
    const decoded = decoder.decode(bytes) as { columns: { importance: number[] } };
    expect(decoded.columns.importance).toEqual([1, 0, 0.5]);
  });

  it("sends strings well-formed (lone surrogates repaired, as Arc would store them)", () => {
    const decoded = decoder.decode(encodeMemoryBatch("events", [record({ content: "a\uD800b" })])) as { columns: { content: string[] } };
    expect(decoded.columns.content).toEqual(["a\uFFFDb"]);
  });
});

describe("encodeColumnar", () => {
  const T = 1_767_225_600_000_000;

  it("omits a column that is null in every row, keeps one with some values", () => {
    const bytes = encodeColumnar("events", {
      time: { kind: "int", values: [T, T + 1] },
      empty: { kind: "float", values: [null, null] },
      partial: { kind: "float", values: [null, 2] },
    });
    const decoded = decoder.decode(bytes) as { columns: Record<string, unknown[]> };
    expect(Object.keys(decoded.columns)).toEqual(["time", "partial"]);
    expect(decoded.columns.partial).toEqual([null, 2]);
    expect(elementTypes(bytes, "partial", 2)).toEqual([0xc0, 0xcb]);
  });

  it("refuses what Arc would reject or mistype", () => {
    const time = { kind: "int" as const, values: [T] };
    expect(() => encodeColumnar("events", {})).toThrow(/at least one row/);
    expect(() => encodeColumnar("bad name", { time })).toThrow(/measurement/);
    expect(() => encodeColumnar("events", { time, x: { kind: "string", values: ["a", "b"] } })).toThrow(/expected 1/);
    expect(() => encodeColumnar("events", { time: { kind: "int", values: [null] } })).toThrow(/time/);
    expect(() => encodeColumnar("events", { time: { kind: "float", values: [T] } })).toThrow(/time/);
    // Arc would read these as seconds or milliseconds (scaling the batch), or as nanoseconds.
    for (const us of [1_000_000, ARC_MIN_TIME_US - 1, ARC_MAX_TIME_US]) {
      expect(() => encodeColumnar("events", { time: { kind: "int", values: [us] } })).toThrow(/Arc reads as µs/);
      expect(() => encodeColumnar("events", { time: { kind: "int", values: [T, us] } })).toThrow(/Arc reads as µs/);
    }
    expect(() => encodeColumnar("events", { time: { kind: "int", values: [ARC_MIN_TIME_US] } })).not.toThrow();
    expect(() => encodeColumnar("events", { time, _hidden: { kind: "string", values: ["a"] } })).toThrow(/start with _/);
    expect(() => encodeColumnar("events", { time, n: { kind: "int", values: [1.5] } })).toThrow(/safe integer/);
    expect(() => encodeColumnar("events", { time, f: { kind: "float", values: [Number.NaN] } })).toThrow(/finite/);
    expect(() => encodeColumnar("events", { time, s: { kind: "string", values: [3] } })).toThrow(/not a string/);
  });
});

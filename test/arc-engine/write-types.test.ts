import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArcServer, micros } from "./harness";

// Checklist items 6-9, 24 and 26 of arc-wire.md §11: time units, type inference and widening.
let arc: ArcServer;
beforeAll(async () => {
  arc = await ArcServer.start({ flushDelayMs: 0 });
});
afterAll(() => arc.close());

const T0 = micros("2026-01-01T00:00:00Z");

describe("the time column (item 6)", () => {
  it("guesses s, ms, µs and ns from element 0 and stores µs", async () => {
    const instant = "2026-03-04T05:06:07.123456Z";
    const us = BigInt(micros("2026-03-04T05:06:07Z")) + 123_456n;
    await arc.write({ m: "units", columns: { time: [Number(us / 1_000_000n)], unit: ["s"] } });
    await arc.write({ m: "units", columns: { time: [Number(us / 1000n)], unit: ["ms"] } });
    await arc.write({ m: "units", columns: { time: [us], unit: ["us"] } }, { encoder: { useBigInt64: true } });
    await arc.write({ m: "units", columns: { time: [us * 1000n + 789n], unit: ["ns"] } }, { encoder: { useBigInt64: true } });
    const rows = await arc.query("SELECT unit, time FROM units ORDER BY unit");
    expect(Object.fromEntries(rows.json.data)).toEqual({
      s: "2026-03-04T05:06:07Z",
      ms: "2026-03-04T05:06:07.123Z",
      us: instant,
      ns: instant,
    });
  });

  it("applies element 0's unit to the whole column and truncates floats", async () => {
    const s = Date.parse("2026-01-01T00:00:00Z") / 1000;
    await arc.write({ m: "unit0", columns: { time: [s, s + 1.9], i: [0, 1] } });
    const rows = await arc.query("SELECT time FROM unit0 ORDER BY i");
    expect(rows.json.data).toEqual([["2026-01-01T00:00:00Z"], ["2026-01-01T00:00:01Z"]]);
  });

  it.each([
    ["a nil", [T0, null]],
    ["a string", ["2026-01-01"]],
    ["a bool", [true]],
  ])("refuses %s in time with 400", async (_name, time) => {
    const res = await arc.write({ m: "badtime", columns: { time, v: time.map(() => 1) } });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/^Invalid MessagePack payload: .*time/);
  });

  it("stamps the server's now on every row when time is missing", async () => {
    const before = Date.now();
    await arc.write({ m: "notime", columns: { v: [1, 2] } });
    const after = Date.now();
    const rows = await arc.query("SELECT DISTINCT epoch_ms(time) FROM notime");
    expect(rows.json.data).toHaveLength(1);
    const stamped = rows.json.data[0][0] as number;
    expect(stamped).toBeGreaterThanOrEqual(before - 1);
    expect(stamped).toBeLessThanOrEqual(after + 1);
  });
});

describe("column types (items 7-9)", () => {
  it("types by the first non-null value: ints truncate floats, floats take ints", async () => {
    await arc.write({
      m: "infer",
      columns: { time: [T0, T0 + 1, T0 + 2], i: [null, 2, 2.7], f: [0.5, 3, 1], s: ["a", null, "b"], b: [true, false, true] },
    });
    const rows = await arc.query("SELECT i, typeof(i), f, typeof(f), typeof(s), typeof(b) FROM infer ORDER BY time");
    expect(rows.json.data).toEqual([
      [null, "BIGINT", 0.5, "DOUBLE", "VARCHAR", "BOOLEAN"],
      [2, "BIGINT", 3, "DOUBLE", "VARCHAR", "BOOLEAN"],
      [2, "BIGINT", 1, "DOUBLE", "VARCHAR", "BOOLEAN"],
    ]);
  });

  it("types each request on its own: a later batch starting with a float widens the column", async () => {
    await arc.write({ m: "perreq", columns: { time: [T0], i: [1] } });
    await arc.write({ m: "perreq", columns: { time: [T0 + 1], i: [2.7] } });
    const rows = await arc.query("SELECT i, typeof(i) FROM perreq ORDER BY time");
    expect(rows.json.data).toEqual([
      [1, "DOUBLE"],
      [2.7, "DOUBLE"],
    ]);
  });

  it("sees 1.0 as a float when the client encodes it as one", async () => {
    await arc.write({ m: "floaty", columns: { time: [T0], score: [1] } }, { encoder: { forceIntegerToFloat: true } });
    await arc.write({ m: "floaty", columns: { time: [T0 + 1], score: [0.5] } });
    const rows = await arc.query("SELECT score, typeof(score) FROM floaty ORDER BY time");
    expect(rows.json.data).toEqual([
      [1, "DOUBLE"],
      [0.5, "DOUBLE"],
    ]);
  });

  it.each([
    ["an int after a string", { s: ["a", 1] }],
    ["a string after a bool", { b: [true, "x"] }],
    ["a string after an int", { i: [1, "x"] }],
    ["a binary value", { x: [new Uint8Array([1, 2])] }],
    ["an array value", { x: [[1, 2]] }],
    ["a map value", { x: [{ a: 1 }] }],
  ])("answers 500 Failed to write records for %s", async (_name, columns) => {
    const [first] = Object.values(columns);
    const time = (first as unknown[]).map((_, i) => T0 + i);
    const res = await arc.write({ m: "conflict", columns: { time, ...columns } });
    expect(res.status).toBe(500);
    expect(res.json.error).toMatch(/^Failed to write records: /);
  });

  it("answers 500 for a uint64 above 2^63-1", async () => {
    const res = await arc.write({ m: "huge", columns: { time: [T0], n: [2n ** 63n + 5n] } }, { encoder: { useBigInt64: true } });
    expect(res.status).toBe(500);
    expect(res.json.error).toMatch(/^Failed to write records: .*overflows int64/);
  });

  it("keeps items buffered before the failing one of a batch", async () => {
    const res = await arc.write({
      batch: [
        { m: "partial", columns: { time: [T0], v: [1] } },
        { m: "partial", columns: { time: [T0, T0], v: ["x", 1] } },
      ],
    });
    expect(res.status).toBe(500);
    expect((await arc.query("SELECT v FROM partial")).json.data).toEqual([[1]]);
  });

  it("stores an all-null column as VARCHAR, which widens a numeric column (item 8)", async () => {
    await arc.write({ m: "nulls", columns: { time: [T0], n: [1] } });
    await arc.write({ m: "nulls", columns: { time: [T0 + 1], n: [null] } });
    const rows = await arc.query("SELECT n, typeof(n) FROM nulls ORDER BY time");
    expect(rows.json.data).toEqual([
      ["1", "VARCHAR"],
      [null, "VARCHAR"],
    ]);
  });

  it.each([
    ["BIGINT then DOUBLE", [1], [1.5], "DOUBLE", [1, 1.5]],
    ["DOUBLE then BIGINT", [1.5], [2], "DOUBLE", [1.5, 2]],
    ["BIGINT then VARCHAR", [1], ["x"], "VARCHAR", ["1", "x"]],
    ["BOOLEAN then BIGINT", [true], [7], "BIGINT", [1, 7]],
    ["VARCHAR then BOOLEAN", ["x"], [false], "VARCHAR", ["x", "false"]],
  ])("widens %s across batches (item 8)", async (name, first, second, type, values) => {
    const m = `widen_${name.replaceAll(" ", "_")}`;
    await arc.write({ m, columns: { time: [T0], c: first } });
    await arc.write({ m, columns: { time: [T0 + 1], c: second } });
    const rows = await arc.query(`SELECT c, typeof(c) FROM ${m} ORDER BY time`);
    expect(rows.json.data).toEqual(values.map((v) => [v, type]));
  });

  it("adds new columns between batches; older rows read NULL (items 8, 26)", async () => {
    await arc.write({ m: "evolve", columns: { time: [T0], a: [1] } });
    await arc.write({ m: "evolve", columns: { time: [T0 + 1], b: ["x"] } });
    const rows = await arc.query("SELECT a, b FROM evolve ORDER BY time");
    expect(rows.json.data).toEqual([
      [1, null],
      [null, "x"],
    ]);
  });

  it("drops columns whose names start with _ (item 9)", async () => {
    await arc.write({ m: "underscore", columns: { time: [T0], _secret: [1], keep: [1] } });
    const rows = await arc.query("SELECT * FROM underscore");
    expect(rows.json.columns.sort()).toEqual(["keep", "time"]);
  });

  it("never de-duplicates: the same row twice is two rows (item 24)", async () => {
    const row = { m: "dupes", columns: { time: [T0], id: ["same"] } };
    await arc.write(row);
    await arc.write(row);
    expect((await arc.query("SELECT count(*) FROM dupes")).json.data).toEqual([[2]]);
  });
});

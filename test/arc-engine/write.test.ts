import { gzipSync } from "node:zlib";
import { encode } from "@msgpack/msgpack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArcServer, micros } from "./harness";

// Checklist items 1-5 and 10 of arc-wire.md §11 (payload shapes, names, compression), over a real socket.
let arc: ArcServer;
beforeAll(async () => {
  arc = await ArcServer.start({ flushDelayMs: 0, maxBodyBytes: 64 * 1024 });
});
afterAll(() => arc.close());

const T0 = micros("2026-01-01T00:00:00Z");

describe("POST /api/v1/write/msgpack", () => {
  it("answers 204 with an empty body (item 1)", async () => {
    const res = await arc.write({ m: "ok204", columns: { time: [T0], v: [1] } });
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
  });

  it("takes the database from x-arc-database only, default when absent or empty (item 2)", async () => {
    await arc.write({ m: "dbsel", columns: { time: [T0], v: [1] } }, { database: "other" });
    await arc.write({ m: "dbsel", columns: { time: [T0], v: [2] } }, { database: "" });
    await arc.write({ m: "dbsel", columns: { time: [T0], v: [3] } }, { query: "?db=other&database=other" });
    expect((await arc.query("SELECT v FROM dbsel ORDER BY v", { database: "other" })).json.data).toEqual([[1]]);
    expect((await arc.query("SELECT v FROM dbsel ORDER BY v")).json.data).toEqual([[2], [3]]);
  });

  it("keeps databases named like DuckDB catalogs apart", async () => {
    const names = ["memory", "system", "temp", "main", "arc_engine", "information"];
    for (const [i, database] of names.entries()) {
      expect((await arc.write({ m: "m", columns: { time: [T0], v: [i] } }, { database })).status).toBe(204);
    }
    for (const [i, database] of names.entries()) {
      expect((await arc.query("SELECT v FROM m", { database })).json.data).toEqual([[i]]);
      expect((await arc.query(`SELECT v FROM ${database}.m`)).json.data).toEqual([[i]]);
    }
  });

  it("rejects a bad database header with 400 {error} (item 2)", async () => {
    for (const bad of ["1abc", "has space", "a".repeat(65), "_x"]) {
      const res = await arc.write({ m: "x", columns: { time: [T0], v: [1] } }, { database: bad });
      expect(res.status).toBe(400);
      expect(Object.keys(res.json)).toEqual(["error"]);
      expect(res.json.error).toMatch(/^invalid database name/);
    }
  });

  it("ignores top-level tags, fields, t and h in columnar form (item 3)", async () => {
    const res = await arc.write({
      m: "colonly",
      columns: { time: [T0], v: [1] },
      tags: { host: "h1" },
      fields: { extra: 1 },
      t: 1,
      h: "host",
    });
    expect(res.status).toBe(204);
    const rows = await arc.query("SELECT * FROM colonly LIMIT 0");
    expect(rows.json.columns.sort()).toEqual(["time", "v"]);
  });

  it("accepts batch and top-level arrays, dropping bad items silently (item 3)", async () => {
    const good = { m: "batched", columns: { time: [T0], v: [1] } };
    const batch = await arc.write({ batch: [good, { columns: { v: [1] } }, "junk", { m: "batched", columns: { v: [1, 2], w: [1] } }] });
    expect(batch.status).toBe(204);
    const array = await arc.write([{ m: "batched", columns: { time: [T0 + 1], v: [2] } }, 42]);
    expect(array.status).toBe(204);
    expect((await arc.query("SELECT v FROM batched ORDER BY v")).json.data).toEqual([[1], [2]]);
    expect(arc.logger.entries.filter((e) => e.message.includes("skipped")).length).toBeGreaterThanOrEqual(4);
  });

  it("pivots row-form records, always with a host tag (item 3, row form)", async () => {
    const res = await arc.write({
      batch: [
        { m: "rows", t: T0, tags: { region: "eu" }, fields: { value: 1.5, region: "x" } },
        { m: "rows", t: T0 + 1, h: "box", f: [7] },
      ],
    });
    expect(res.status).toBe(204);
    const rows = await arc.query("SELECT host, region, value, region_value, field_0 FROM rows ORDER BY time");
    expect(rows.json.data).toEqual([
      ["unknown", "eu", 1.5, "x", null],
      ["box", null, null, null, 7],
    ]);
  });

  it.each([
    ["missing m", { columns: { time: [T0] } }, /missing required field 'm'/],
    ["empty columns", { m: "x", columns: {} }, /columns/],
    ["unequal lengths", { m: "x", columns: { time: [T0, T0], v: [1] } }, /array length mismatch \(expected 2, got 1 for 'v'\)/],
    ["a scalar body", "hello", /map or an array/],
  ])("answers 400 Invalid MessagePack payload for %s (item 4)", async (_name, body, detail) => {
    const res = await arc.write(body);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/^Invalid MessagePack payload: /);
    expect(res.json.error).toMatch(detail);
  });

  it("answers 400 for bytes that are not msgpack (item 4)", async () => {
    const res = await arc.writeRaw(new Uint8Array([0xc1, 0x00]));
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/^Invalid MessagePack payload: /);
  });

  it("answers 400 Empty payload for an empty body", async () => {
    const res = await arc.writeRaw(new Uint8Array(0));
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: "Empty payload" });
  });

  it("validates measurement names (item 5)", async () => {
    for (const bad of ["1m", "has space", "a.b", "", "m".repeat(129)]) {
      const res = await arc.write({ m: bad, columns: { time: [T0], v: [1] } });
      expect(res.status, bad).toBe(400);
      expect(res.json.error).toMatch(/^invalid measurement name/);
    }
    expect((await arc.write({ m: "m".repeat(128), columns: { time: [T0], v: [1] } })).status).toBe(204);
    expect((await arc.write({ m: "ok-name_2", columns: { time: [T0], v: [1] } })).status).toBe(204);
  });
});

describe("compression and size (item 10)", () => {
  it("recognises gzip by magic bytes whatever Content-Encoding says", async () => {
    const body = gzipSync(encode({ m: "gz", columns: { time: [T0], v: [1] } }));
    const plain = await arc.writeRaw(body);
    const mislabelled = await arc.writeRaw(body, { headers: { "content-encoding": "br" } });
    expect([plain.status, mislabelled.status]).toEqual([204, 204]);
    expect((await arc.query("SELECT count(*) FROM gz")).json.data).toEqual([[2]]);
  });

  it("ignores Content-Encoding: gzip on a raw msgpack body", async () => {
    const res = await arc.writeRaw(encode({ m: "gzlabel", columns: { time: [T0], v: [1] } }), {
      headers: { "content-encoding": "gzip" },
    });
    expect(res.status).toBe(204);
  });

  it("answers 400 for a corrupt gzip or zstd stream", async () => {
    const gz = await arc.writeRaw(new Uint8Array([0x1f, 0x8b, 1, 2, 3]));
    expect(gz.status).toBe(400);
    expect(gz.json.error).toMatch(/^Invalid gzip compression: /);
    const zstd = await arc.writeRaw(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]));
    expect(zstd.status).toBe(400);
    expect(zstd.json.error).toMatch(/^Invalid zstd compression: /);
  });

  it("answers 413 above maxBodyBytes, and caps the decompressed size too", async () => {
    const big = encode({ m: "big", columns: { time: [T0], s: ["x".repeat(70 * 1024)] } });
    const res = await arc.writeRaw(big);
    expect(res.status).toBe(413);
    expect(res.json.error).toMatch(/too large/i);
    const bomb = await arc.writeRaw(gzipSync(big));
    expect(bomb.status).toBe(400);
    expect(bomb.json.error).toMatch(/^Invalid gzip compression: /);
  });
});

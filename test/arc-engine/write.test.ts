import { readFileSync } from "node:fs";
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

/**
 * The columnar write compressed in `fixtures/rows.msgpack.zst`: that file is `zstd -19` (zstd
 * 1.5.4) of `encode(zstdRows)` read from stdin, so its one frame declares no content size and an
 * 8 MiB window. Node 20 has no zstd compressor to make it here.
 */
const ZSTD_ROWS = 200;
const zstdRows = {
  m: "zstd_rows",
  columns: {
    time: Array.from({ length: ZSTD_ROWS }, (_, i) => T0 + i * 1000),
    host: Array.from({ length: ZSTD_ROWS }, (_, i) => `host-${i % 5}`),
    v: Array.from({ length: ZSTD_ROWS }, (_, i) => i),
    note: Array.from({ length: ZSTD_ROWS }, (_, i) => `the same few words, again and again (${i % 7})`),
  },
};
const zstdFixture = new Uint8Array(readFileSync(new URL("./fixtures/rows.msgpack.zst", import.meta.url)));

type ZstdBlock = { raw: Uint8Array } | { rle: number; size: number };

/**
 * One zstd frame of raw and RLE blocks, built by hand to test framing and limits: with
 * `contentSize` it is a single-segment frame declaring that size, else it declares a window of
 * 2^`windowLog` bytes and no size.
 */
function zstdFrame(blocks: ZstdBlock[], header: { contentSize?: number; windowLog?: number } = {}): Uint8Array {
  const out = [0x28, 0xb5, 0x2f, 0xfd];
  if (header.contentSize !== undefined) {
    const size = header.contentSize;
    out.push(0xa0, size & 0xff, (size >>> 8) & 0xff, (size >>> 16) & 0xff, (size >>> 24) & 0xff);
  } else {
    out.push(0x00, ((header.windowLog ?? 17) - 10) << 3);
  }
  blocks.forEach((block, i) => {
    const last = i === blocks.length - 1 ? 1 : 0;
    const [type, size, bytes] = "raw" in block ? [0, block.raw.length, [...block.raw]] : [1, block.size, [block.rle]];
    const head = last | (type << 1) | (size << 3);
    out.push(head & 0xff, (head >>> 8) & 0xff, (head >>> 16) & 0xff, ...bytes);
  });
  return new Uint8Array(out);
}

const concat = (...parts: Uint8Array[]) => new Uint8Array(parts.flatMap((p) => [...p]));

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

  it("takes host from h as Arc's row decoder does: unknown without one, whatever tags say (row form)", async () => {
    const res = await arc.write({
      batch: [
        { m: "hosts", t: T0, tags: { host: "from-tags" }, fields: { v: 1 } },
        { m: "hosts", t: T0 + 1, h: 42, fields: { v: 2 } },
        { m: "hosts", t: T0 + 2, h: 1.5, fields: { v: 3 } },
        { m: "hosts", t: T0 + 3, h: true, fields: { v: 4 } },
        { m: "hosts", t: T0 + 4, h: "", tags: { host: "kept" }, fields: { v: 5 } },
        { m: "hosts", t: T0 + 5, h: "box", tags: { host: "replaced" }, fields: { v: 6 } },
      ],
    });
    expect(res.status).toBe(204);
    expect((await arc.query("SELECT host, v FROM hosts ORDER BY time")).json.data).toEqual([
      ["unknown", 1],
      ["host_42", 2],
      ["unknown", 3],
      ["unknown", 4],
      ["kept", 5],
      ["box", 6],
    ]);
  });

  it("stores tag values that are not strings as Go's %v text, null and lists included (row form)", async () => {
    const tags = {
      nil: null,
      list: ["x", 1, null, [true]],
      map: { k: 2, a: "z" },
      bin: new Uint8Array([104, 105]),
      float: 1.5,
      big: 1234567.5,
      tiny: 0.00001,
      int: 7,
      bool: false,
      empty: [],
      stamp: new Date("2026-01-02T03:04:05.5Z"),
    };
    expect((await arc.write({ m: "tag_text", t: T0, tags, fields: { v: 1 } })).status).toBe(204);
    // A float32 keeps float32's shortest digits, as Go formats a float32.
    const narrow = await arc.write({ m: "tag_text", t: T0 + 1, tags: { float: 0.1 }, fields: { v: 2 } }, { encoder: { forceFloat32: true } });
    expect(narrow.status).toBe(204);
    const res = await arc.query("SELECT nil, list, map, bin, float, big, tiny, int, bool, empty, stamp FROM tag_text ORDER BY time");
    expect(res.json.data).toEqual([
      ["<nil>", "[x 1 <nil> [true]]", "map[a:z k:2]", "[104 105]", "1.5", "1.2345675e+06", "1e-05", "7", "false", "[]", "2026-01-02 03:04:05.5 +0000 UTC"],
      [null, null, null, null, "0.1", null, null, null, null, null, null],
    ]);
  });

  it("reads an f that is no array as no fields, and a fields that is no map as absent (row form)", async () => {
    expect((await arc.write({ m: "compact", t: T0, f: "not an array" })).status).toBe(204);
    expect((await arc.write({ m: "compact", t: T0 + 1, fields: "not a map", f: [7] })).status).toBe(204);
    expect((await arc.query("SELECT host, field_0 FROM compact ORDER BY time")).json.data).toEqual([
      ["unknown", null],
      ["unknown", 7],
    ]);
    const neither = await arc.write({ m: "compact", t: T0, fields: "not a map", f: null });
    expect(neither.status).toBe(400);
    expect(neither.json.error).toMatch(/^Invalid MessagePack payload: .*'fields'/);
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

  it("decompresses a zstd body from the zstd tool, recognised by its magic bytes", async () => {
    const res = await arc.writeRaw(zstdFixture, { headers: { "content-encoding": "gzip" } });
    expect(res.status).toBe(204);
    const rows = await arc.query("SELECT count(*) AS c, sum(v)::BIGINT AS s, count(DISTINCT host) AS h, min(note) AS n FROM zstd_rows");
    expect(rows.json.data).toEqual([[ZSTD_ROWS, (ZSTD_ROWS * (ZSTD_ROWS - 1)) / 2, 5, zstdRows.columns.note[0]]]);
  });

  it("reads a zstd body made of several frames, skippable ones included", async () => {
    const body = encode({ m: "zstd_frames", columns: { time: [T0, T0 + 1], s: ["first", "second"] } });
    const half = Math.floor(body.length / 2);
    const skippable = new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
    const frames = concat(
      zstdFrame([{ raw: body.subarray(0, 5) }, { raw: body.subarray(5, half) }]),
      skippable,
      zstdFrame([{ raw: body.subarray(half) }], { contentSize: body.length - half }),
    );
    expect((await arc.writeRaw(frames)).status).toBe(204);
    expect((await arc.query("SELECT s FROM zstd_frames ORDER BY time")).json.data).toEqual([["first"], ["second"]]);
  });

  it.each([
    ["output past maxBodyBytes", zstdFrame([{ rle: 0x90, size: 40_000 }, { rle: 0x90, size: 40_000 }]), /exceeds the limit of 65536 bytes/],
    ["a declared content size past maxBodyBytes", zstdFrame([{ rle: 0x90, size: 10 }], { contentSize: 100_000 }), /exceeds the limit of 65536 bytes/],
    ["a window larger than zstd's default limit", zstdFrame([{ rle: 0x90, size: 10 }], { windowLog: 28 }), /window/],
    [
      "tiny blocks under a huge window, which would take the decoder seconds",
      zstdFrame(Array.from({ length: 129 }, () => ({ rle: 0x90, size: 1 })), { windowLog: 27 }),
      /too costly/,
    ],
  ])("answers 400 Invalid zstd compression for %s", async (_name, body, detail) => {
    const res = await arc.writeRaw(body);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/^Invalid zstd compression: /);
    expect(res.json.error).toMatch(detail);
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

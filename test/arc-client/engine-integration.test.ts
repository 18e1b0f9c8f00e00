import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArcClient } from "../../core/arc/client";
import { wellFormed } from "../../core/well-formed";
import { pageOf } from "../../core/arc/filter-match";
import { dedupClaim } from "../../core/memory/dedup-key";
import { ArcMemoryReader } from "../../core/arc/memory-reader";
import { buildDeleteMemoryWhere } from "../../core/arc/memory-queries";
import { ArcRequestError } from "../../core/arc/request-error";
import { memoryIdGenerator, uuidv7Millis } from "../../core/ids";
import type { MemoryRecord } from "../../core/memory/schema";
import { ArcEngine, serveArcEngine, type ServedArcEngine } from "../../node-adapter/arc-engine";
import { HOSTILE_PIECES, pageArb, recordSet } from "./support/arbitraries";

// The client against the embedded engine: over loopback HTTP and through the engine's own fetch
// (the embedded mode), the same records must come back the same.

const TOKEN = "integration-token-0123456789abcdef";
let engine: ArcEngine;
let served: ServedArcEngine;
let database = 0;

beforeAll(async () => {
  engine = await ArcEngine.open({ dataDir: ":memory:", token: TOKEN, flushDelayMs: 60_000, logger: { warn: () => {}, error: () => {} } });
  served = await serveArcEngine(engine, { host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await served.close();
  await engine.close();
});

const transports = {
  loopback: () => ({ fetch: globalThis.fetch, baseUrl: served.url }),
  "in-process": () => ({ fetch: engine.fetch, baseUrl: "http://arc.embedded" }),
};

/** A client on a fresh Arc database, so each test sees only its own rows. */
function freshClient(transport: keyof typeof transports, token = TOKEN) {
  database++;
  return new ArcClient({ ...transports[transport](), token, database: `it_${database}`, measurement: "events", timeoutMs: 10_000 });
}

const T = 1_767_225_600_000_000;
function memory(i: number, overrides: Partial<MemoryRecord> = {}): MemoryRecord {
  return {
    id: `0190a1b2-0000-7000-8000-${String(i).padStart(12, "0")}`,
    org_id: "org_a",
    agent_id: "agent_1",
    session_id: i % 2 ? "sess_1" : "",
    memory_type: i % 3 ? "episodic" : "decision",
    event_type: "general",
    content: `memory ${i}`,
    metadata_json: "{}",
    tags: i % 2 ? ["a", "b"] : [],
    dedup_key: `key${i}`,
    importance: i % 4 === 0 ? 1 : i % 4 === 1 ? 0 : 0.25 * (i % 4),
    parent_id: "",
    time_us: T + i * 1_000_001,
    ingested_at_us: T + i * 1_000_001 + 5,
    ...overrides,
  };
}

describe.each(Object.keys(transports) as Array<keyof typeof transports>)("ArcClient and ArcMemoryReader over the engine (%s)", (transport) => {
  it("writes records and reads them back identically, hostile strings included", async () => {
    const client = freshClient(transport);
    const reader = new ArcMemoryReader(client);
    const hostile = HOSTILE_PIECES.map((piece, i) =>
      memory(i, { content: `x${piece} | ${piece}${piece}`, tags: [`t${i}`], metadata_json: JSON.stringify({ piece }), dedup_key: `d${piece}` }),
    );
    await client.write(hostile);
    expect(await reader.list({ filter: { org_id: "org_a" }, order: "asc", order_by: "time", limit: 100 })).toEqual([]);
    await engine.flush();
    const expected = hostile.map((r) => ({ ...r, content: wellFormed(r.content), dedup_key: wellFormed(r.dedup_key) }));
    expect(await reader.list({ filter: { org_id: "org_a" }, order: "asc", order_by: "time", limit: 100 })).toEqual(expected);
    for (const record of expected.slice(0, 5)) {
      const needle = record.content.split(" | ")[0]!;
      const found = await reader.list({ filter: { org_id: "org_a", content_contains: needle, case_sensitive: true }, order: "asc", order_by: "time", limit: 100 });
      expect(found.map((r) => r.id)).toContain(record.id);
      expect(found).toEqual(pageOf(expected, { filter: { org_id: "org_a", content_contains: needle, case_sensitive: true }, order: "asc", order_by: "time", limit: 100 }));
    }
  });

  // @duckdb/node-api's default TextDecoder drops a leading U+FEFF; the engine swaps it (text-decoding.ts).
  it("keeps a leading U+FEFF in text", async () => {
    const client = freshClient(transport);
    const record = memory(1, { content: "\uFEFFbom first" });
    await client.write([record]);
    await engine.flush();
    expect(await new ArcMemoryReader(client).getById("org_a", record.id)).toEqual(record);
  });

  it("flushBuffers makes what Arc buffered queryable, and needs an admin token", async () => {
    const client = freshClient(transport);
    const record = memory(7);
    await client.write([record]);
    const reader = new ArcMemoryReader(client);
    expect(await reader.getById("org_a", record.id)).toBeNull();
    await client.flushBuffers();
    expect(await reader.getById("org_a", record.id)).toEqual(record);
    await expect(freshClient(transport, "not-the-token").flushBuffers()).rejects.toMatchObject({ operation: "flush", status: 401 });
  });

  it("deleteWhere removes one memory's stored copies (a dry run only counts them), and needs an admin token", async () => {
    const client = freshClient(transport);
    const [gone, kept] = [memory(8), memory(9)];
    await client.write([gone, kept, gone]);
    await client.flushBuffers();
    const where = buildDeleteMemoryWhere("org_a", gone.id, gone.ingested_at_us, gone.ingested_at_us + 1);
    expect(await client.deleteWhere(where, { dryRun: true })).toBe(2);
    expect(await client.deleteWhere(where)).toBe(2);
    const reader = new ArcMemoryReader(client);
    expect(await reader.getById("org_a", gone.id)).toBeNull();
    expect(await reader.getById("org_a", kept.id)).toEqual(kept);
    expect(await client.deleteWhere(where)).toBe(0);
    await expect(freshClient(transport, "not-the-token").deleteWhere(where)).rejects.toMatchObject({ operation: "delete", status: 401 });
  });

  it("dropDatabase removes the database's rows and answers false once there is none, and needs an admin token", async () => {
    const client = freshClient(transport);
    const neighbour = freshClient(transport);
    await client.write([memory(10), memory(11)]);
    await neighbour.write([memory(12)]);
    await client.flushBuffers();
    expect(await client.dropDatabase()).toBe(true);
    const reader = new ArcMemoryReader(client);
    expect(await reader.getById("org_a", memory(10).id)).toBeNull();
    expect(await new ArcMemoryReader(neighbour).getById("org_a", memory(12).id)).toEqual(memory(12));
    expect(await client.dropDatabase()).toBe(false);
    const stranger = new ArcClient({ ...transports[transport](), token: "not-the-token", database: neighbour.database, measurement: "events" });
    await expect(stranger.dropDatabase()).rejects.toMatchObject({ operation: "drop database", status: 401 });
  });

  it("gets by id from the rows ingested near the id's time, and looks everywhere when that misses", async () => {
    const client = freshClient(transport);
    const sqls: string[] = [];
    const reader = new ArcMemoryReader({ measurement: client.measurement, query: (sql) => (sqls.push(sql), client.query(sql)) });
    const nowMs = T / 1000 + 5_000;
    const uuidv7 = memoryIdGenerator();
    const stamped = memory(1, { id: uuidv7(nowMs), ingested_at_us: nowMs * 1000 });
    const stepped = memory(2, { id: uuidv7(nowMs), ingested_at_us: nowMs * 1000 - 1_500_000 });
    const imported = memory(3, { id: uuidv7(nowMs), ingested_at_us: T + 3_600_000_000 });
    expect(uuidv7Millis(stamped.id)).toBe(nowMs);
    await client.write([stamped, stepped, imported]);
    await engine.flush();
    expect(await reader.getById("org_a", stamped.id)).toEqual(stamped);
    expect(sqls).toHaveLength(1);
    expect(sqls[0]).toMatch(/ingested_at = \d+$/);
    expect(await reader.getById("org_a", stepped.id)).toEqual(stepped);
    expect(sqls).toHaveLength(3);
    expect(sqls[2]).toMatch(/ingested_at >= \d+ AND ingested_at < \d+/);
    expect(await reader.getById("org_a", imported.id)).toEqual(imported);
    expect(sqls).toHaveLength(6);
    expect(sqls[5]).not.toMatch(/ingested_at [>=]/);
    expect(await reader.getById("org_a", "not-a-uuid")).toBeNull();
    expect(sqls).toHaveLength(7);
  });

  it("gets an updated memory at the ingest time the writer names once the id's time misses, and looks further when that misses too", async () => {
    const client = freshClient(transport);
    const sqls: string[] = [];
    const reader = new ArcMemoryReader({ measurement: client.measurement, query: (sql) => (sqls.push(sql), client.query(sql)) });
    const nowMs = T / 1000 + 5_000;
    const uuidv7 = memoryIdGenerator();
    const updated = memory(1, { id: uuidv7(nowMs), content: "v2", ingested_at_us: (nowMs + 3_600_000) * 1000 });
    const original = memory(2, { id: uuidv7(nowMs), ingested_at_us: nowMs * 1000 });
    await client.write([updated, original]);
    await engine.flush();
    let asked = 0;
    const hint = (versionUs: number | null) => async () => ((asked += 1), versionUs);

    expect(await reader.getById("org_a", updated.id, hint(updated.ingested_at_us))).toEqual(updated);
    expect(sqls).toEqual([expect.stringMatching(`ingested_at = ${nowMs * 1000}$`), expect.stringMatching(`ingested_at = ${updated.ingested_at_us}$`)]);
    // The id's own time holds the memory: the writer is not asked.
    expect(await reader.getById("org_a", original.id, hint(updated.ingested_at_us))).toEqual(original);
    expect(sqls).toHaveLength(3);
    expect(asked).toBe(1);
    // A hint out of date (a later update since): found by the longer reads, as with none.
    expect(await reader.getById("org_a", updated.id, hint(updated.ingested_at_us - 1))).toEqual(updated);
    expect(sqls.slice(3).map((sql) => /ingested_at (=|>=)/.exec(sql)?.[1] ?? "none")).toEqual(["=", "=", ">=", "none"]);
    expect(await reader.getById("org_a", updated.id, hint(null))).toEqual(updated);
    expect(sqls).toHaveLength(10);
    expect(asked).toBe(3);
  });

  it("collapses a redelivered batch, counts distinct memories, and finds dedup keys", async () => {
    const client = freshClient(transport);
    const reader = new ArcMemoryReader(client);
    const batch = Array.from({ length: 12 }, (_, i) => memory(i));
    await client.write(batch);
    await client.write(batch.slice(0, 5));
    await engine.flush();
    const listed = await reader.list({ filter: { org_id: "org_a" }, order: "desc", order_by: "importance", limit: 50 });
    expect(listed).toEqual(pageOf(batch, { filter: { org_id: "org_a" }, order: "desc", order_by: "importance", limit: 50 }));
    expect(await reader.count({ org_id: "org_a" })).toBe(12);
    expect(await reader.countByType({ org_id: "org_a" })).toEqual({ decision: 4, episodic: 8 });
    expect(await reader.getById("org_a", batch[3]!.id)).toEqual(batch[3]);
    const claims = ["key1", "key2", "nope"].map((key) => dedupClaim(batch[1]!.agent_id, key));
    const found = await reader.findDedupClaims({ org_id: "org_a" }, claims, T);
    expect(found).toEqual(new Map([[claims[0], batch[1]!.id], [claims[1], batch[2]!.id]]));
  });

  it("agrees with pageOf on random data written through the wire", async () => {
    await fc.assert(
      fc.asyncProperty(recordSet.chain((records) => fc.tuple(fc.constant(records), pageArb(records))), async ([records, page]) => {
        const client = freshClient(transport);
        await client.write(records);
        await engine.flush();
        const listed = await new ArcMemoryReader(client).list(page);
        expect(listed.map((r) => r.id)).toEqual(pageOf(records, page).map((r) => wellFormed(r.id)));
      }),
      { numRuns: 25 },
    );
  });

  it("answers an empty database with nothing, and a wrong token with a final 401", async () => {
    const reader = new ArcMemoryReader(freshClient(transport));
    expect(await reader.count({ org_id: "org_a" })).toBe(0);
    const error = await freshClient(transport, "wrong-token-0123456789abcdef0123")
      .write([memory(1)])
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ArcRequestError);
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect(await freshClient(transport).health()).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorkerTestServer, type WorkerTestServer } from "./support/worker-server";

/**
 * Reads while the write coordinator's recent window holds more than Workers RPC carries in one
 * value (32 MiB): the Durable Object must answer a read with what the read needs, not with every
 * memory it holds. Few large memories rather than many small ones keep the test quick.
 */
const CONTENT_CHARS = 60_000;
// 64 × 60 KB: under the 4 MiB body limit, and over the 2 MB a Durable Object's SQLite takes in one
// value, which the outbox must split.
const PER_BATCH = 64;
const BATCHES = 10; // 640 memories, about 37 MiB of content
const TOTAL = PER_BATCH * BATCHES;

// A long interval and a large batch: every memory stays pending in the object (in its recent window),
// past the memory wrangler.toml lets one org's waiting memories hold.
const settings = { write_buffer: { max_interval: "1h", max_size: 100_000, max_outbox_bytes: 256 * 1024 * 1024 } };

let server: WorkerTestServer;
let key: string;
let firstId: string;

beforeAll(async () => {
  server = await startWorkerTestServer({ settings });
  ({ key } = await server.newOrg("large-window"));
  for (let batch = 0; batch < BATCHES; batch++) {
    const memories = Array.from({ length: PER_BATCH }, (_, i) => ({
      agent_id: "bulk",
      event_type: "page_crawled",
      content: `${batch}-${i} `.padEnd(CONTENT_CHARS, "x"),
    }));
    const res = await server.api("POST", "/api/v1/memories", { key, body: { memories } });
    expect(res.status, res.text.slice(0, 200)).toBe(201);
    firstId ??= res.body.results[0].id;
  }
}, 120_000);
afterAll(async () => {
  await server?.close();
});

describe("reads over a recent window larger than one RPC value", () => {
  it("lists one memory", async () => {
    const res = await server.api("GET", "/api/v1/memories?limit=1", { key });
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    expect(res.body.memories).toHaveLength(1);
    expect(res.body.has_more).toBe(true);
  });

  it("lists a full page whose memories together pass the RPC limit", async () => {
    const res = await server.api("GET", "/api/v1/memories?limit=1000&order=asc", { key });
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    expect(res.body.memories).toHaveLength(TOTAL);
    expect(res.body.has_more).toBe(false);
    const ids: string[] = res.body.memories.map((m: { id: string }) => m.id);
    expect(new Set(ids).size).toBe(TOTAL);
    expect(ids[0]).toBe(firstId);
  });

  it("gets one memory by id and counts them all", async () => {
    const one = await server.api("GET", `/api/v1/memories/${firstId}`, { key });
    expect(one.status, one.text.slice(0, 200)).toBe(200);
    expect(one.body.id).toBe(firstId);

    const stats = await server.api("GET", "/api/v1/agents/bulk/stats", { key });
    expect(stats.status, stats.text.slice(0, 200)).toBe(200);
    expect(stats.body.memory_count).toBe(TOTAL);
    expect(stats.body.memories_24h).toBe(TOTAL);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArcClient } from "../../core/arc/client";
import { ArcMemoryReader } from "../../core/arc/memory-reader";
import type { ArcQueryPort } from "../../core/arc/client";
import type { MemoryRecord } from "../../core/memory/schema";
import { ArcEngine } from "../../node-adapter/arc-engine";

// ArcMemoryReader.list collapses redelivered copies itself (its SQL has no window): a page whose
// LIMIT was filled by copies must be topped up with a larger query, and offsets count memories.

let engine: ArcEngine;
let database = 0;

beforeAll(async () => {
  engine = await ArcEngine.open({ dataDir: ":memory:", flushDelayMs: 60_000, logger: { warn: () => {}, error: () => {} } });
});

afterAll(async () => {
  await engine.close();
});

/** A client on a fresh database that counts the queries it runs. */
function freshClient(): ArcQueryPort & { write(records: MemoryRecord[]): Promise<void>; queries: number } {
  database++;
  const client = new ArcClient({
    fetch: engine.fetch,
    baseUrl: "http://arc.embedded",
    database: `collapse_${database}`,
    measurement: "events",
  });
  const counted = {
    measurement: client.measurement,
    queries: 0,
    query: (sql: string) => {
      counted.queries++;
      return client.query(sql);
    },
    write: (records: MemoryRecord[]) => client.write(records),
  };
  return counted;
}

const T = 1_767_225_600_000_000;
const memory = (i: number): MemoryRecord => ({
  id: `0190a1b2-0000-7000-8000-${String(i).padStart(12, "0")}`,
  org_id: "org_a",
  agent_id: "agent_1",
  session_id: "",
  memory_type: "episodic",
  event_type: "general",
  content: `memory ${i}`,
  metadata_json: "{}",
  tags: [],
  dedup_key: `key${i}`,
  importance: 0,
  parent_id: "",
  time_us: T + i * 1_000_000,
  ingested_at_us: T + i * 1_000_000 + 5,
});

describe("ArcMemoryReader.list with redelivered copies", () => {
  it("fills a page that copies cut short, and counts the offset in memories", async () => {
    const client = freshClient();
    const records = Array.from({ length: 20 }, (_, i) => memory(i));
    await client.write(records);
    // The newest ten delivered three more times: the first 10 rows of a newest-first page are copies.
    const newest = records.slice(10);
    for (let copy = 0; copy < 3; copy++) await client.write(newest);
    await engine.flush();
    const reader = new ArcMemoryReader(client);
    const newestFirst = [...records].reverse();

    const page = await reader.list({ filter: { org_id: "org_a" }, order: "desc", order_by: "time", limit: 15 });
    expect(page.map((r) => r.id)).toEqual(newestFirst.slice(0, 15).map((r) => r.id));
    expect(client.queries).toBeGreaterThan(1);

    const offsetPage = await reader.list({ filter: { org_id: "org_a" }, order: "desc", order_by: "time", limit: 5, offset: 12 });
    expect(offsetPage).toEqual(newestFirst.slice(12, 17));

    const all = await reader.list({ filter: { org_id: "org_a" }, order: "asc", order_by: "time", limit: 100 });
    expect(all).toEqual(records);
  });

  it("runs one query when no copy is on the page", async () => {
    const client = freshClient();
    await client.write(Array.from({ length: 8 }, (_, i) => memory(i)));
    await engine.flush();
    const page = await new ArcMemoryReader(client).list({ filter: { org_id: "org_a" }, order: "desc", order_by: "time", limit: 5 });
    expect(page).toHaveLength(5);
    expect(client.queries).toBe(1);
  });
});

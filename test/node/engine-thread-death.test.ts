import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeTestServer, type NodeTestServer } from "../support/harness";
import { waitFor } from "../support/memory-server";

// The outbox lets go of a memory once Arc has answered 204 and the visibility delay has passed,
// but the embedded engine answers 204 with the rows still in its buffer. Here the buffer holds
// them for ten minutes, so when the engine's thread dies they exist nowhere else: the server must
// still find every one afterwards.
let server: NodeTestServer;
let key: string;

beforeAll(async () => {
  server = await startNodeTestServer({
    settings: { embedded_arc: { flush_delay: "10m", visibility_delay: "300ms" }, write_buffer: { max_interval: "50ms" } },
  });
  ({ key } = await server.newOrg("thread-death", ["read", "write", "admin"]));
});
afterAll(() => server.close());

const listed = async (agent: string): Promise<string[]> => {
  const res = await server.api("GET", `/api/v1/memories?agent_id=${agent}&limit=100`, { key });
  expect(res.status).toBe(200);
  return res.body.memories.map((m: { id: string }) => m.id);
};

describe("death of the embedded Arc engine's thread", () => {
  it("loses no memory the outbox had already handed over, and serves again", async () => {
    const res = await server.api("POST", "/api/v1/memories", {
      key,
      body: { memories: Array.from({ length: 50 }, (_, i) => ({ agent_id: "buffered", content: `held only by the engine ${i}` })) },
    });
    expect(res.status).toBe(201);
    const acked: string[] = res.body.results.map((r: { id: string }) => r.id);
    // Delivered, past the visibility delay and retired from the outbox, not yet flushed by Arc.
    await waitFor(async () => (await listed("buffered")).length === 0, 10_000, "the outbox to retire the delivered rows");

    const engine = server.server.arcEngine!;
    await engine["live"]!["worker"].terminate();

    // Memtrace's admin flush delivers the outbox; Arc's own buffer flush is the engine's to do.
    const flushed = () => engine.flush().then(() => true, () => false);
    await waitFor(flushed, 15_000, "a new engine thread");
    expect((await listed("buffered")).sort()).toEqual([...acked].sort());
    expect((await server.api("GET", `/api/v1/memories/${acked[0]}`, { key })).status).toBe(200);

    const after = await server.api("POST", "/api/v1/memories", { key, body: { agent_id: "after", content: "written to the new thread" } });
    expect(after.status).toBe(201);
    expect((await server.api("POST", "/api/v1/admin/flush", { key })).status).toBe(200);
    expect(await flushed()).toBe(true);
    expect(await listed("after")).toEqual([after.body.id]);
  }, 40_000);
});

import { afterEach, describe, expect, it } from "vitest";
import { startNodeTestServer, type NodeTestServer } from "../support/harness";

// The embedded engine answers a write once the rows are in its buffer, and stores them in DuckDB
// later: after its flush delay, or sooner when the outbox's purge asks it to flush. Under load
// that store can wait seconds behind deletes, past the visibility delay. Here the flush delay is
// ten minutes, so the rows stay in the buffer until the purge's own flush: every read in between
// must still find them, in the outbox's window since Arc cannot show them yet.
const servers: NodeTestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

describe("an engine slower to store than the visibility delay", () => {
  it("never hides an acknowledged memory from lists, gets or stats while the engine holds it in its buffer", async () => {
    const server = await startNodeTestServer({
      settings: { embedded_arc: { flush_delay: "10m", visibility_delay: "100ms" }, write_buffer: { max_interval: "20ms" } },
    });
    servers.push(server);
    const { key } = await server.newOrg("slow-flush", ["read", "write"]);
    const written = await server.api("POST", "/api/v1/memories", {
      key,
      body: { memories: Array.from({ length: 20 }, (_, i) => ({ agent_id: "slow", session_id: "s1", content: `buffered ${i}` })) },
    });
    expect(written.status).toBe(201);
    const ids: string[] = written.body.results.map((r: { id: string }) => r.id).sort();

    // From before delivery until well past the first purge (at least a second after it).
    const until = Date.now() + 2_500;
    let reads = 0;
    while (Date.now() < until) {
      const list = await server.api("GET", "/api/v1/memories?agent_id=slow&limit=100", { key });
      expect(list.status).toBe(200);
      expect(list.body.memories.map((m: { id: string }) => m.id).sort()).toEqual(ids);
      const one = await server.api("GET", `/api/v1/memories/${ids[reads % ids.length]}`, { key });
      expect(one.status).toBe(200);
      const stats = await server.api("GET", "/api/v1/agents/slow/stats", { key });
      expect(stats.status).toBe(200);
      expect(stats.body.memory_count).toBe(ids.length);
      reads++;
    }
    expect(reads).toBeGreaterThan(5);
  }, 30_000);
});

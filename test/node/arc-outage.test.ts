import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectAllPages, startMemoryServer, waitFor, type MemoryTestEnv } from "../support/memory-server";

let env: MemoryTestEnv;
let key: string;
let orgId: string;

beforeAll(async () => {
  env = await startMemoryServer({ visibility: "300ms", settings: { write_buffer: { max_size: 100, max_interval: "100ms" } } });
  ({ key, orgId } = await env.server.newOrg("outage-org", ["read", "write", "admin"]));
});
afterAll(() => env.close());

/** Rows in the Arc engine itself, counting copies: what "exactly once" means on Arc's side. */
async function arcRows(): Promise<{ rows: number; distinct: number }> {
  const [row] = await env.arc.query(orgId, "SELECT count(*) AS n, count(DISTINCT id) AS d FROM events");
  return { rows: Number(row?.[0] ?? 0), distinct: Number(row?.[1] ?? 0) };
}

describe("Arc outage", () => {
  it("acknowledges 1,000 memories while Arc is down and delivers every one exactly once when it is back", async () => {
    await env.arc.stop();
    const acked: string[] = [];
    for (let b = 0; b < 10; b++) {
      const res = await env.server.api("POST", "/api/v1/memories", {
        key,
        body: { memories: Array.from({ length: 100 }, (_, i) => ({ agent_id: "outage", content: `while down ${b}-${i}` })) },
      });
      expect(res.status).toBe(201);
      acked.push(...res.body.results.map((r: { id: string }) => r.id));
    }
    expect(new Set(acked).size).toBe(1000);
    // A memory is still readable by id from the outbox; a list, which needs Arc too, is an honest 503.
    expect((await env.server.api("GET", `/api/v1/memories/${acked[0]}`, { key })).status).toBe(200);
    const list = await env.server.api("GET", "/api/v1/memories?agent_id=outage", { key });
    expect(list.status).toBe(503);
    expect(list.body.error).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|fetch failed/);
    const flushDown = await env.server.api("POST", "/api/v1/admin/flush", { key });
    expect(flushDown.status).toBe(503);
    expect(flushDown.headers.get("retry-after")).toBeTruthy();

    await env.arc.restart();
    await waitFor(async () => (await env.server.api("POST", "/api/v1/admin/flush", { key })).status === 200, 20_000, "delivery");
    await new Promise((r) => setTimeout(r, 600));

    const ids = await collectAllPages(env.server, key, "/api/v1/memories?agent_id=outage", 250);
    expect(ids).toHaveLength(1000);
    expect(new Set(ids)).toEqual(new Set(acked));
    expect(await arcRows()).toEqual({ rows: 1000, distinct: 1000 });
  });
});

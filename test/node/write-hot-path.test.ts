import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { SqlMetadataStore } from "../../core/metadata/store";
import { ArcSocket } from "../support/arc-socket";
import { startNodeTestServer, type NodeTestServer } from "../support/harness";

// An authenticated write, once its key has been seen, runs no metadata query (so no bcrypt,
// which needs a stored hash) and asks Arc nothing: every lookup it needs is cached in memory.
// The store and Arc are real; the test only counts what reaches them.

let arc: ArcSocket;
let server: NodeTestServer;
const fetchSpy = vi.spyOn(globalThis, "fetch");

beforeAll(async () => {
  arc = await ArcSocket.start();
  // The server takes globalThis.fetch for Arc when it starts, so the spy sees every Arc request.
  server = await startNodeTestServer({ defaultArc: { url: arc.url } });
});
afterAll(async () => {
  await server.close();
  await arc.close();
  fetchSpy.mockRestore();
});

/** Counts the calls to each of the store's methods (its queries are instance functions). */
function countStoreCalls(store: SqlMetadataStore): { calls: Map<string, number>; restore(): void } {
  const calls = new Map<string, number>();
  const originals: Array<[string, unknown]> = [];
  const methods = store as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(methods)) {
    if (typeof value !== "function") continue;
    originals.push([name, value]);
    methods[name] = (...args: unknown[]) => {
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return (value as (...a: unknown[]) => unknown).apply(store, args);
    };
  }
  return { calls, restore: () => originals.forEach(([name, value]) => (methods[name] = value)) };
}

const arcRequests = () => fetchSpy.mock.calls.map(([input]) => String(input instanceof Request ? input.url : input)).filter((url) => url.startsWith(arc.url));

describe("the authenticated write path", () => {
  it("runs no metadata query, no bcrypt and no Arc query once each key has been verified", async () => {
    const org = await server.newOrg("hot-path", ["read", "write"]);
    const writer = await server.newKey(org.orgId, "writer-only", ["write"]);
    const token = await server.api("POST", "/api/v1/tokens", { key: org.key, body: { agent_id: "token-agent" } });
    expect(token.status).toBe(201);
    // An agent token writes only as its own agent.
    const callers = [
      { key: org.key, agent: "hot" },
      { key: writer, agent: "hot" },
      { key: token.body.token as string, agent: "token-agent" },
    ];
    const write = ({ key, agent }: (typeof callers)[number], n: number) =>
      server.api("POST", "/api/v1/memories", { key, body: { agent_id: agent, content: `hot path memory ${n} for ${key.slice(0, 8)}` } });

    // The first request of each credential verifies it (a store lookup and bcrypt) and warms the caches.
    for (const [i, caller] of callers.entries()) expect((await write(caller, -1 - i)).status).toBe(201);

    const counted = countStoreCalls(server.server.services.store);
    const arcBefore = arcRequests().length;
    try {
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, n) => write(callers[n % callers.length]!, n)),
      );
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
      const batch = await server.api("POST", "/api/v1/memories", {
        key: writer,
        body: { memories: Array.from({ length: 50 }, (_, n) => ({ agent_id: "hot", content: `hot path batch memory ${n}` })) },
      });
      expect(batch.status).toBe(201);
      expect(batch.body.count).toBe(50);
      // A duplicate is found in memory too.
      expect((await write(callers[0]!, 0)).status).toBe(409);
    } finally {
      counted.restore();
    }

    // last_used_at is written at most once a minute per key, and agents' last_active_at at most
    // once a minute per agent_id, both off the request path (the warm-up's may still be running); nothing else.
    const queries = [...counted.calls].filter(([name]) => name !== "touchApiKey" && name !== "touchAgents");
    expect(queries).toEqual([]);
    expect(counted.calls.get("touchApiKey") ?? 0).toBeLessThanOrEqual(callers.length);
    expect(counted.calls.get("touchAgents") ?? 0).toBeLessThanOrEqual(new Set(callers.map((c) => c.agent)).size);
    // Deliveries may run meanwhile; a query would mean a write asked Arc about duplicates.
    const paths = arcRequests().slice(arcBefore).map((url) => new URL(url).pathname);
    expect(paths.filter((path) => path !== "/api/v1/write/msgpack")).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectAllPages, startMemoryServer, type MemoryTestEnv } from "../support/memory-server";

let env: MemoryTestEnv;
let org: { orgId: string; key: string };
let outsider: { orgId: string; key: string };
/** One key per agent, as three separate agent processes would hold. */
const keys: Record<string, string> = {};
const AGENTS = ["researcher", "planner", "writer"] as const;

beforeAll(async () => {
  env = await startMemoryServer();
  org = await env.server.newOrg("team", ["read", "write", "admin"]);
  outsider = await env.server.newOrg("outsider");
  for (const agent of AGENTS) {
    keys[agent] = await env.server.newKey(org.orgId, `${agent}-key`, ["read", "write"]);
    expect((await env.server.api("POST", "/api/v1/agents", { key: keys[agent]!, body: { name: agent } })).status).toBe(201);
  }
  await env.server.api("POST", "/api/v1/memories", {
    key: outsider.key,
    body: { agent_id: "researcher", content: "outsider memory about the customer", tags: ["customer"] },
  });
});
afterAll(() => env.close());

const as = (agent: string, method: string, path: string, body?: unknown) =>
  env.server.api(method, path, { key: keys[agent]!, ...(body !== undefined ? { body } : {}) });

describe("organization scope", () => {
  it("lets every agent of the org read every agent's memories, and no other org's", async () => {
    for (const agent of AGENTS) {
      expect((await as(agent, "POST", "/api/v1/memories", { agent_id: agent, content: `${agent} learned something`, tags: ["org-scope"] })).status).toBe(201);
    }
    for (const reader of AGENTS) {
      const res = await as(reader, "GET", "/api/v1/memories?tags=org-scope&order=asc");
      expect(res.body.memories.map((m: { agent_id: string }) => m.agent_id)).toEqual([...AGENTS]);
      const search = await as(reader, "POST", "/api/v1/search", { content_contains: "customer" });
      expect(search.body.results).toEqual([]);
    }
    const other = await env.server.api("GET", "/api/v1/memories?tags=org-scope", { key: outsider.key });
    expect(other.body.memories).toEqual([]);
    const stats = await env.server.api("GET", "/api/v1/agents/researcher/stats", { key: outsider.key });
    expect(stats.body.memory_count).toBe(1);
  });
});

describe("session sharing", () => {
  it("interleaves three agents' writes to one session in time order, in lists and in context", async () => {
    const planner = (await as("planner", "GET", "/api/v1/agents/planner")).body;
    const session = (await as("planner", "POST", "/api/v1/sessions", { agent_id: planner.id })).body.id;
    const base = Math.floor(Date.now() / 1000) * 1000 - 600_000;
    const plan = [
      ["researcher", 1, "found three sources"],
      ["planner", 2, "ordered the sources"],
      ["writer", 3, "drafted section one"],
      ["researcher", 4, "found a fourth source"],
      ["writer", 5, "drafted section two"],
      ["planner", 6, "approved the draft"],
    ] as const;
    await Promise.all(
      plan.map(([agent, minute, content]) =>
        as(agent, "POST", "/api/v1/memories", { agent_id: agent, session_id: session, content, time: new Date(base + minute * 60_000).toISOString() }),
      ),
    );
    const listed = await as("writer", "GET", `/api/v1/sessions/${session}/memories?order=asc`);
    expect(listed.body.memories.map((m: { content: string }) => m.content)).toEqual(plan.map((p) => p[2]));
    const context = await as("researcher", "POST", `/api/v1/sessions/${session}/context`, {});
    const lines = context.body.context.split("\n").filter((l: string) => l.startsWith("- "));
    expect(lines.map((l: string) => /\] (\w+) · general: (.*)$/.exec(l)?.slice(1).join(":"))).toEqual(
      [...plan].reverse().map(([agent, , content]) => `${agent}:${content}`),
    );
    expect((await env.server.api("POST", `/api/v1/sessions/${session}/context`, { key: outsider.key, body: {} })).status).toBe(404);
  });
});

describe("tag filtering", () => {
  beforeAll(async () => {
    await as("researcher", "POST", "/api/v1/memories", {
      memories: [
        { agent_id: "researcher", content: "about cats", tags: ["cat"] },
        { agent_id: "planner", content: "about categories", tags: ["category"] },
        { agent_id: "writer", content: "about both", tags: ["cat", "dog"] },
        { agent_id: "writer", content: "about dogs", tags: ["dog"] },
      ],
    });
  });

  const contents = (res: { body: { memories?: Array<{ content: string }>; results?: Array<{ content: string }> } }) =>
    (res.body.memories ?? res.body.results ?? []).map((m) => m.content).sort();

  it("matches whole tags on list and search: cat never finds category", async () => {
    expect(contents(await as("planner", "GET", "/api/v1/memories?tags=cat"))).toEqual(["about both", "about cats"]);
    expect(contents(await as("planner", "POST", "/api/v1/search", { tags: ["cat"] }))).toEqual(["about both", "about cats"]);
    expect(contents(await as("planner", "GET", "/api/v1/memories?tags=categ"))).toEqual([]);
    expect(contents(await as("planner", "GET", "/api/v1/memories?tags=category"))).toEqual(["about categories"]);
  });

  it("supports all-of (tags) and any-of (any_tags)", async () => {
    expect(contents(await as("writer", "GET", "/api/v1/memories?tags=cat,dog"))).toEqual(["about both"]);
    expect(contents(await as("writer", "GET", "/api/v1/memories?any_tags=cat,category"))).toEqual(["about both", "about categories", "about cats"]);
    expect(contents(await as("writer", "POST", "/api/v1/search", { any_tags: ["dog", "category"], tags: ["dog"] }))).toEqual(["about both", "about dogs"]);
  });

  it("shows another org nothing for the same tags", async () => {
    const res = await env.server.api("GET", "/api/v1/memories?any_tags=cat,dog,category", { key: outsider.key });
    expect(res.body.memories).toEqual([]);
  });
});

describe("search", () => {
  beforeAll(async () => {
    await as("researcher", "POST", "/api/v1/memories", {
      memories: [
        { agent_id: "researcher", content: "The Customer prefers EMAIL", importance: 0.3, tags: ["search"] },
        { agent_id: "planner", content: "customer asked for a call", importance: 0.9, tags: ["search"] },
        { agent_id: "writer", content: "unrelated note", importance: 1, tags: ["search"] },
      ],
    });
  });

  it("matches content case-insensitively by default, exactly on request", async () => {
    const any = await as("writer", "POST", "/api/v1/search", { content_contains: "CUSTOMER", tags: ["search"] });
    expect(any.body.results.map((m: { content: string }) => m.content).sort()).toEqual(["The Customer prefers EMAIL", "customer asked for a call"]);
    expect(typeof any.body.query_time_ms).toBe("number");
    const exact = await as("writer", "POST", "/api/v1/search", { content_contains: "Customer", case_sensitive: true, tags: ["search"] });
    expect(exact.body.results.map((m: { content: string }) => m.content)).toEqual(["The Customer prefers EMAIL"]);
  });

  it("orders by importance on request and pages with a cursor", async () => {
    const byImportance = await as("writer", "POST", "/api/v1/search", { tags: ["search"], order_by: "importance" });
    expect(byImportance.body.results.map((m: { importance: number }) => m.importance)).toEqual([1, 0.9, 0.3]);
    const first = await as("writer", "POST", "/api/v1/search", { tags: ["search"], order_by: "importance", limit: 2 });
    expect(first.body.has_more).toBe(true);
    const second = await as("writer", "POST", "/api/v1/search", { tags: ["search"], order_by: "importance", limit: 2, cursor: first.body.next_cursor });
    expect(second.body.results.map((m: { importance: number }) => m.importance)).toEqual([0.3]);
    expect(second.body.has_more).toBe(false);
  });

  it("pages with offset, with the list endpoint's limits, and never with a cursor too", async () => {
    const importances = async (body: object) =>
      (await as("writer", "POST", "/api/v1/search", { tags: ["search"], order_by: "importance", ...body })).body.results.map(
        (m: { importance: number }) => m.importance,
      );
    expect(await importances({ limit: 2, offset: 1 })).toEqual([0.9, 0.3]);
    expect(await importances({ offset: 2 })).toEqual([0.3]);
    expect(await importances({ offset: 3 })).toEqual([]);
    expect(await importances({ offset: 0 })).toEqual([1, 0.9, 0.3]);
    const page = await as("writer", "POST", "/api/v1/search", { tags: ["search"], order_by: "importance", limit: 1, offset: 1 });
    expect(page.body.has_more).toBe(true);
    const cursor = page.body.next_cursor;
    const cases: Array<[object, RegExp]> = [
      [{ offset: -1 }, /offset must not be negative/],
      [{ offset: 1.5 }, /offset must be an integer/],
      [{ offset: "1" }, /offset/],
      [{ offset: 100_001 }, /offset must be at most 100000; use cursor/],
      [{ offset: 1, cursor }, /either cursor or offset/],
    ];
    for (const [body, message] of cases) {
      const res = await as("writer", "POST", "/api/v1/search", { tags: ["search"], order_by: "importance", ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatch(message);
    }
  });

  it("reads order in any case, and still refuses other words", async () => {
    const contents = async (order: string) =>
      (await as("writer", "POST", "/api/v1/search", { tags: ["search"], order })).body.results.map((m: { content: string }) => m.content);
    const asc = await contents("asc");
    expect(asc).toHaveLength(3);
    expect(await contents("ASC")).toEqual(asc);
    expect(await contents("Asc")).toEqual(asc);
    expect(await contents("DESC")).toEqual([...asc].reverse());
    const refused = await as("writer", "POST", "/api/v1/search", { order: "ascending" });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe("order must be asc or desc");
  });

  it("names the 0 to 1 range when min_importance is out of range or not a number", async () => {
    for (const min_importance of [3, -0.5, "high"]) {
      const res = await as("writer", "POST", "/api/v1/search", { min_importance });
      expect(res.status, JSON.stringify(min_importance)).toBe(400);
      expect(res.body.error).toBe("min_importance must be a number between 0 and 1");
    }
  });

  it("filters by agent, types and minimum importance, and rejects bad input", async () => {
    const res = await as("writer", "POST", "/api/v1/search", { tags: ["search"], agent_id: "planner", memory_types: ["episodic"], min_importance: 0.5 });
    expect(res.body.results.map((m: { content: string }) => m.content)).toEqual(["customer asked for a call"]);
    for (const body of [{ limit: -1 }, { limit: 5000 }, { memory_types: ["x"] }, { tags: ["not ok"] }, { since: "soon" }, { order: "up" }, { min_importance: 3 }]) {
      expect((await as("writer", "POST", "/api/v1/search", body)).status, JSON.stringify(body)).toBe(400);
    }
  });

  it("returns the org's newest memories for an empty search, as the original", async () => {
    const all = await collectAllPages(env.server, keys.writer!, "/api/v1/memories", 100);
    const res = await as("writer", "POST", "/api/v1/search", {});
    expect(res.body.results.map((m: { id: string }) => m.id)).toEqual(all.slice(0, 50));
  });
});

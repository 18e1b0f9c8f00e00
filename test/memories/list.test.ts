import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectAllPages, startMemoryServer, waitFor, type MemoryTestEnv } from "../support/memory-server";

let env: MemoryTestEnv;
let key: string;

// Delivered memories leave the recent window after 300 ms, so most reads here are answered by Arc.
beforeAll(async () => {
  env = await startMemoryServer({ visibility: "300ms" });
  ({ key } = await env.server.newOrg("list-org", ["read", "write", "admin"]));
});
afterAll(() => env.close());

const api = (method: string, path: string, body?: unknown) => env.server.api(method, path, { key, ...(body !== undefined ? { body } : {}) });
const ids = (res: { body: { memories: Array<{ id: string }> } }) => res.body.memories.map((m) => m.id);

async function writeBatch(memories: object[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < memories.length; i += 1000) {
    const res = await api("POST", "/api/v1/memories", { memories: memories.slice(i, i + 1000) });
    if (res.status !== 201) throw new Error(`batch failed: ${res.status} ${res.text}`);
    out.push(...res.body.results.map((r: { id: string }) => r.id));
  }
  return out;
}

/** Delivers everything to Arc and waits until the recent window has let it go. */
async function settleIntoArc() {
  expect((await api("POST", "/api/v1/admin/flush")).status).toBe(200);
  await new Promise((r) => setTimeout(r, 700));
}

describe("GET /api/v1/memories filters", () => {
  const base = Date.UTC(2026, 5, 1, 12);
  const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();

  beforeAll(async () => {
    await writeBatch([
      { agent_id: "f1", session_id: "s1", memory_type: "episodic", event_type: "crawl", content: "alpha", tags: ["cat", "web"], importance: 0.2, time: at(0) },
      { agent_id: "f1", session_id: "s2", memory_type: "decision", event_type: "decision", content: "beta", tags: ["category"], importance: 0.9, time: at(1) },
      { agent_id: "f2", session_id: "s1", memory_type: "entity", event_type: "fact", content: "gamma", tags: ["cat"], importance: 0.5, time: at(2) },
      { agent_id: "f2", session_id: "s2", memory_type: "session", event_type: "error", content: "delta", importance: 0, time: at(3) },
    ]);
    await settleIntoArc();
  });

  const contents = async (query: string) =>
    (await api("GET", `/api/v1/memories?since=2026-06-01T11:00:00Z&until=2026-06-01T13:00:00Z&${query}`)).body.memories.map(
      (m: { content: string }) => m.content,
    );

  it("filters by agent, session, type, event type and importance", async () => {
    expect(await contents("agent_id=f1")).toEqual(["beta", "alpha"]);
    expect(await contents("session_id=s1")).toEqual(["gamma", "alpha"]);
    expect(await contents("memory_type=entity")).toEqual(["gamma"]);
    expect(await contents("event_type=error")).toEqual(["delta"]);
    expect(await contents("min_importance=0.5")).toEqual(["gamma", "beta"]);
    expect(await contents("agent_id=f2&session_id=s2")).toEqual(["delta"]);
  });

  it("matches tags exactly: cat does not find category", async () => {
    expect(await contents("tags=cat")).toEqual(["gamma", "alpha"]);
    expect(await contents("tags=cat,web")).toEqual(["alpha"]);
    expect(await contents("tags=categ")).toEqual([]);
    expect(await contents("any_tags=web,category")).toEqual(["beta", "alpha"]);
  });

  it("bounds time with ISO and relative since/until, exclusive", async () => {
    const after = await api("GET", "/api/v1/memories?since=2026-06-01T12:01:00Z&until=2026-06-01T12:03:00Z&order=asc");
    expect(after.body.memories.map((m: { content: string }) => m.content)).toEqual(["gamma"]);
    const rel = await api("GET", "/api/v1/memories?agent_id=f1&since=1h");
    expect(rel.body.count).toBe(0);
    expect((await api("GET", "/api/v1/memories?agent_id=f1&until=1h&since=3650d")).body.count).toBe(2);
  });

  it("reads since/until without a timezone as UTC, as the original's Arc did", async () => {
    // Python's datetime.utcnow().isoformat() sends exactly these forms.
    for (const [since, until] of [
      ["2026-06-01T12:01:00", "2026-06-01T12:03:00"],
      ["2026-06-01%2012:01:00", "2026-06-01%2012:03"],
      ["2026-06-01T12:01:00.000001", "2026-06-01T12:02:00.000001"],
    ]) {
      const res = await api("GET", `/api/v1/memories?since=${since}&until=${until}&order=asc`);
      expect(res.status, `${since} ${until}`).toBe(200);
      expect(res.body.memories.map((m: { content: string }) => m.content), `${since} ${until}`).toEqual(["gamma"]);
    }
    // An unencoded `+01:00` arrives as ` 01:00` and still reads as that offset, not as UTC.
    const offset = await api("GET", "/api/v1/memories?since=2026-06-01T13:01:00%2001:00&until=2026-06-01T13:03:00+01:00&order=asc");
    expect(offset.body.memories.map((m: { content: string }) => m.content)).toEqual(["gamma"]);
  });

  it("reads order in any case on every list route, and still refuses other words", async () => {
    expect(await contents("order=ASC")).toEqual(["alpha", "beta", "gamma", "delta"]);
    expect(await contents("order=Asc&order_by=importance")).toEqual(["delta", "alpha", "gamma", "beta"]);
    expect(await contents("order=DESC")).toEqual(["delta", "gamma", "beta", "alpha"]);
    const window = "since=2026-06-01T11:00:00Z&until=2026-06-01T13:00:00Z";
    const agent = await api("GET", `/api/v1/agents/f1/memories?${window}&order=ASC`);
    expect(agent.body.memories.map((m: { content: string }) => m.content)).toEqual(["alpha", "beta"]);
    for (const order of ["sideways", "ascending", "up"]) {
      const res = await api("GET", `/api/v1/memories?order=${order}`);
      expect(res.status, order).toBe(400);
      expect(res.body.error).toBe("order must be asc or desc");
    }
  });

  it("names the 0 to 1 range when min_importance is out of range or not a number", async () => {
    for (const value of ["2", "-0.1", "abc", "1e400"]) {
      const res = await api("GET", `/api/v1/memories?min_importance=${value}`);
      expect(res.status, value).toBe(400);
      expect(res.body.error, value).toBe("min_importance must be a number between 0 and 1");
    }
  });

  it("orders ascending, descending and by importance", async () => {
    expect(await contents("order=asc")).toEqual(["alpha", "beta", "gamma", "delta"]);
    expect(await contents("order_by=importance")).toEqual(["beta", "gamma", "alpha", "delta"]);
    expect(await contents("order_by=importance&order=asc")).toEqual(["delta", "alpha", "gamma", "beta"]);
  });

  it("pages with offset as the original did", async () => {
    expect(await contents("limit=2&offset=1")).toEqual(["gamma", "beta"]);
  });

  it("rejects bad parameters with 400", async () => {
    for (const q of ["limit=0", "limit=1001", "limit=abc", "offset=-1", "order=sideways", "since=yesterday", "agent_id=bad%20id", "tags=a%20b", "min_importance=2", "cursor=garbage", "memory_type=procedural"]) {
      const res = await api("GET", `/api/v1/memories?${q}`);
      expect(res.status, q).toBe(400);
      expect(typeof res.body.error).toBe("string");
    }
  });
});

describe("cursor paging", () => {
  it("walks 2,500 memories (half in Arc, half not yet) with nothing missed or repeated", async () => {
    const start = Date.UTC(2026, 4, 1);
    const make = (i: number) => ({ agent_id: "pager", content: `page item ${i}`, time: new Date(start + Math.floor(i / 3) * 1000).toISOString() });
    const inArc = await writeBatch(Array.from({ length: 1500 }, (_, i) => make(i)));
    await settleIntoArc();
    const recent = await writeBatch(Array.from({ length: 1000 }, (_, i) => make(1500 + i)));
    const written = new Set([...inArc, ...recent]);
    expect(written.size).toBe(2500);

    const desc = await collectAllPages(env.server, key, "/api/v1/memories?agent_id=pager&since=3650d", 100);
    expect(desc).toHaveLength(2500);
    expect(new Set(desc)).toEqual(written);
    const asc = await collectAllPages(env.server, key, "/api/v1/memories?agent_id=pager&since=3650d&order=asc", 333);
    expect(asc).toEqual([...desc].reverse());
  });

  it("has_more is false on a full last page", async () => {
    await writeBatch(Array.from({ length: 10 }, (_, i) => ({ agent_id: "exact", content: `exact ${i}` })));
    const page = await api("GET", "/api/v1/memories?agent_id=exact&limit=10");
    expect(page.body.count).toBe(10);
    expect(page.body.has_more).toBe(false);
    expect(page.body).not.toHaveProperty("next_cursor");
    const short = await api("GET", "/api/v1/memories?agent_id=exact&limit=9");
    expect(short.body.has_more).toBe(true);
  });

  it("refuses a cursor from another sort", async () => {
    const page = await api("GET", "/api/v1/memories?agent_id=exact&limit=2");
    const res = await api("GET", `/api/v1/memories?agent_id=exact&limit=2&order=asc&cursor=${page.body.next_cursor}`);
    expect(res.status).toBe(400);
  });
});

describe("get by id, agent and session routes", () => {
  it("gets a memory by its id, and 404s an unknown one", async () => {
    const [id] = await writeBatch([{ agent_id: "g", content: "find me by id" }]);
    const got = await api("GET", `/api/v1/memories/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.content).toBe("find me by id");
    await settleIntoArc();
    expect((await api("GET", `/api/v1/memories/${id}`)).body.id).toBe(id);
    const missing = await api("GET", "/api/v1/memories/01900000-0000-7000-8000-000000000000");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe("memory not found");
  });

  it("lists an agent's memories with every filter", async () => {
    await writeBatch([
      { agent_id: "ag", content: "ag one", tags: ["x"] },
      { agent_id: "ag", content: "ag two", tags: ["y"] },
    ]);
    const res = await api("GET", "/api/v1/agents/ag/memories?tags=y");
    expect(res.status).toBe(200);
    expect(res.body.memories.map((m: { content: string }) => m.content)).toEqual(["ag two"]);
    expect((await api("GET", "/api/v1/agents/bad%20id/memories")).status).toBe(400);
  });

  it("lists a session's memories from every agent, 404 for an unknown session", async () => {
    const agent = (await api("POST", "/api/v1/agents", { name: "sess-owner" })).body;
    const session = (await api("POST", "/api/v1/sessions", { agent_id: agent.id })).body;
    await writeBatch([
      { agent_id: "w1", session_id: session.id, content: "from w1" },
      { agent_id: "w2", session_id: session.id, content: "from w2" },
    ]);
    const res = await api("GET", `/api/v1/sessions/${session.id}/memories?order=asc`);
    expect(res.body.memories.map((m: { agent_id: string }) => m.agent_id)).toEqual(["w1", "w2"]);
    const upper = await api("GET", `/api/v1/sessions/${session.id}/memories?order=ASC`);
    expect(upper.body.memories.map((m: { agent_id: string }) => m.agent_id)).toEqual(["w1", "w2"]);
    expect((await api("GET", "/api/v1/sessions/sess_000000000000000000000000/memories")).status).toBe(404);
  });

  it("reports agent stats including memories not yet in Arc", async () => {
    const agent = (await api("POST", "/api/v1/agents", { name: "statsy" })).body;
    await api("POST", "/api/v1/sessions", { agent_id: agent.id });
    await writeBatch([
      { agent_id: "statsy", content: "s1" },
      { agent_id: "statsy", content: "s2", event_type: "error" },
      { agent_id: "statsy", content: "s3", memory_type: "decision", time: "2026-01-01T00:00:00Z" },
    ]);
    const expected = {
      agent_id: "statsy",
      memory_count: 3,
      memories_24h: 2,
      errors_24h: 1,
      session_count: 1,
      active_sessions: 1,
      memory_types: { episodic: 2, decision: 1 },
    };
    expect((await api("GET", "/api/v1/agents/statsy/stats")).body).toEqual(expected);
    await settleIntoArc();
    await waitFor(async () => (await api("GET", "/api/v1/agents/statsy/stats")).body.memory_count === 3);
    expect((await api("GET", "/api/v1/agents/statsy/stats")).body).toEqual(expected);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/harness";
import { waitFor } from "../support/memory-server";

let server: TestServer;
let key: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ key } = await server.newOrg("agents-org"));
});
afterAll(() => server.close());

describe("agents API", () => {
  it("registers an agent and returns the original's shape", async () => {
    const res = await server.api("POST", "/api/v1/agents", {
      key,
      body: { name: "crawler", description: "crawls pages", config: { depth: 2 } },
    });
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(/^agent_[0-9a-f]{24}$/);
    expect(res.body).toMatchObject({ name: "crawler", description: "crawls pages", config: { depth: 2 } });
    expect(Date.parse(res.body.created_at)).not.toBeNaN();
    expect(res.body.org_id).toMatch(/^org_/);
  });

  it("gets an agent by id and by name", async () => {
    const created = await server.api("POST", "/api/v1/agents", { key, body: { name: "planner" } });
    const byId = await server.api("GET", `/api/v1/agents/${created.body.id}`, { key });
    const byName = await server.api("GET", "/api/v1/agents/planner", { key });
    expect(byId.status).toBe(200);
    expect(byName.status).toBe(200);
    expect(byName.body.id).toBe(created.body.id);
    expect(byId.body).not.toHaveProperty("description");
  });

  it("answers 409 for a duplicate name in the same org", async () => {
    await server.api("POST", "/api/v1/agents", { key, body: { name: "dup" } });
    const again = await server.api("POST", "/api/v1/agents", { key, body: { name: "dup" } });
    expect(again.status).toBe(409);
    expect(again.body.error).toContain("already exists");
  });

  it("lists agents newest first with a count and pages with a cursor", async () => {
    for (const name of ["p1", "p2", "p3"]) await server.api("POST", "/api/v1/agents", { key, body: { name } });
    const all = await server.api("GET", "/api/v1/agents", { key });
    expect(all.status).toBe(200);
    expect(all.body.count).toBe(all.body.agents.length);
    const first = await server.api("GET", "/api/v1/agents?limit=2", { key });
    expect(first.body.agents).toHaveLength(2);
    expect(first.body.next_cursor).toBeTruthy();
    const second = await server.api("GET", `/api/v1/agents?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`, { key });
    const ids = [...first.body.agents, ...second.body.agents].map((a: { id: string }) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(all.body.agents.slice(0, ids.length).map((a: { id: string }) => a.id));
  });

  it("deletes an agent with 204 and then 404s", async () => {
    const created = await server.api("POST", "/api/v1/agents", { key, body: { name: "temp" } });
    const del = await server.api("DELETE", `/api/v1/agents/${created.body.id}`, { key });
    expect(del.status).toBe(204);
    expect(del.text).toBe("");
    expect((await server.api("GET", `/api/v1/agents/${created.body.id}`, { key })).status).toBe(404);
    expect((await server.api("DELETE", `/api/v1/agents/${created.body.id}`, { key })).status).toBe(404);
  });

  it("rejects bad input with 400 and stores nothing", async () => {
    const before = (await server.api("GET", "/api/v1/agents?limit=1000", { key })).body.count;
    for (const body of [{}, { name: "" }, { name: 42 }, { name: "x", config: "nope" }, { name: "y".repeat(300) }]) {
      const res = await server.api("POST", "/api/v1/agents", { key, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(typeof res.body.error).toBe("string");
    }
    const malformed = await server.api("POST", "/api/v1/agents", { key, rawBody: "{not json", headers: { "content-type": "application/json" } });
    expect(malformed.status).toBe(400);
    expect((await server.api("GET", "/api/v1/agents?limit=1000", { key })).body.count).toBe(before);
  });

  it("counts and lists a registered agent's memories under its name and its generated id, by either path value", async () => {
    const agent = (await server.api("POST", "/api/v1/agents", { key, body: { name: "cook" } })).body;
    const write = (agent_id: string, content: string, event_type?: string) =>
      server.api("POST", "/api/v1/memories", { key, body: { agent_id, content, ...(event_type ? { event_type } : {}) } });
    expect((await write("cook", "by name one")).status).toBe(201);
    expect((await write("cook", "by name two", "error")).status).toBe(201);
    expect((await write(agent.id, "by generated id")).status).toBe(201);
    expect((await write("not-cook", "someone else")).status).toBe(201);

    for (const value of ["cook", agent.id]) {
      const stats = await server.api("GET", `/api/v1/agents/${value}/stats`, { key });
      expect(stats.status, value).toBe(200);
      expect(stats.body, value).toMatchObject({ agent_id: value, memory_count: 3, memories_24h: 3, errors_24h: 1, memory_types: { episodic: 3 } });
      const list = await server.api("GET", `/api/v1/agents/${value}/memories?order=asc`, { key });
      expect(list.status, value).toBe(200);
      expect(list.body.memories.map((m: { content: string }) => m.content), value).toEqual(["by name one", "by name two", "by generated id"]);
    }

    // An agent token for "cook" may name its agent either way, and still sees only what it may write (agent_id "cook").
    const token = (await server.api("POST", "/api/v1/tokens", { key, body: { agent_id: "cook" } })).body.token;
    const byId = await server.api("GET", `/api/v1/agents/${agent.id}/stats`, { key: token });
    expect(byId.status).toBe(200);
    expect(byId.body.memory_count).toBe(2);
    expect((await server.api("GET", "/api/v1/agents/not-cook/stats", { key: token })).status).toBe(403);
  });

  it("resolves a registered name that is not an agent_id, and serves unregistered agent_ids as written", async () => {
    const owl = (await server.api("POST", "/api/v1/agents", { key, body: { name: "Night Owl" } })).body;
    await server.api("POST", "/api/v1/memories", { key, body: { agent_id: owl.id, content: "hoot" } });
    const named = await server.api("GET", "/api/v1/agents/Night%20Owl/stats", { key });
    expect(named.status).toBe(200);
    expect(named.body).toMatchObject({ agent_id: "Night Owl", memory_count: 1 });
    expect((await server.api("GET", "/api/v1/agents/Night%20Owl/memories", { key })).body.count).toBe(1);

    await server.api("POST", "/api/v1/memories", { key, body: { agent_id: "never-registered", content: "no registry needed" } });
    expect((await server.api("GET", "/api/v1/agents/never-registered/stats", { key })).body.memory_count).toBe(1);
    expect((await server.api("GET", "/api/v1/agents/never-registered/memories", { key })).body.count).toBe(1);
  });

  it("answers 404 for the stats of a value that is no agent and has no memory, 400 for one that cannot be an agent_id", async () => {
    const stats = await server.api("GET", "/api/v1/agents/nobody-at-all/stats", { key });
    expect(stats.status).toBe(404);
    expect(stats.body).toEqual({ error: "agent not found", request_id: stats.headers.get("x-request-id") });
    const list = await server.api("GET", "/api/v1/agents/nobody-at-all/memories", { key });
    expect(list.status).toBe(200);
    expect(list.body.count).toBe(0);
    expect((await server.api("GET", "/api/v1/agents/bad%20id/stats", { key })).status).toBe(400);
  });

  it("sets last_active_at from memory writes, by generated id or name, at most once a minute per agent_id", async () => {
    const bee = (await server.api("POST", "/api/v1/agents", { key, body: { name: "busy-bee" } })).body;
    const ant = (await server.api("POST", "/api/v1/agents", { key, body: { name: "busy-ant" } })).body;
    expect(bee).not.toHaveProperty("last_active_at");
    const lastActive = async (id: string): Promise<string | undefined> =>
      (await server.api("GET", `/api/v1/agents/${id}`, { key })).body.last_active_at;
    const write = (agent_id: string, content: string) => server.api("POST", "/api/v1/memories", { key, body: { agent_id, content } });

    const before = Date.now();
    expect((await write(bee.id, "first by id")).status).toBe(201);
    expect((await write("busy-ant", "first by name")).status).toBe(201);
    await waitFor(async () => (await lastActive(bee.id)) !== undefined && (await lastActive(ant.id)) !== undefined, 10_000, "last_active_at");
    const first = (await lastActive(bee.id))!;
    expect(Date.parse(first)).toBeGreaterThanOrEqual(before - 1_000);
    expect(Date.parse(first)).toBeLessThanOrEqual(Date.now() + 1_000);

    // Within the minute more writes under the same agent_id cost no metadata write: the time stays.
    await new Promise((r) => setTimeout(r, 20));
    for (let n = 0; n < 5; n++) expect((await write(bee.id, `more ${n}`)).status).toBe(201);
    await new Promise((r) => setTimeout(r, 500));
    expect(await lastActive(bee.id)).toBe(first);
  });

  it("names the missing field", async () => {
    const res = await server.api("POST", "/api/v1/agents", { key, body: {} });
    expect(res.body.error).toBe("name is required");
  });
});

describe("DELETE /api/v1/agents/:id and its closed sessions", () => {
  it("a write naming a closed session the agent's delete removed is taken at once, as after DELETE /sessions/:id (not a 409 asking to reopen a session that is gone)", async () => {
    const org = await server.newOrg("agent-delete-closed");
    await server.api("POST", "/api/v1/agents", { key: org.key, body: { name: "closer" } });
    const session = (await server.api("POST", "/api/v1/sessions", { key: org.key, body: { agent_id: "closer" } })).body;
    expect((await server.api("PUT", `/api/v1/sessions/${session.id}`, { key: org.key, body: { status: "closed" } })).status).toBe(200);
    const refused = await server.api("POST", "/api/v1/memories", { key: org.key, body: { agent_id: "closer", session_id: session.id, content: "while closed" } });
    expect(refused.status).toBe(409);

    expect((await server.api("DELETE", "/api/v1/agents/closer", { key: org.key })).status).toBe(204);
    expect((await server.api("GET", `/api/v1/sessions/${session.id}`, { key: org.key })).status).toBe(404);
    // A session id no session has is open; the session cannot be reopened, so a 409 would refuse it for no reason.
    const write = await server.api("POST", "/api/v1/memories", { key: org.key, body: { agent_id: "closer", session_id: session.id, content: "after delete" } });
    expect(write.status, write.text).toBe(201);
  });
});

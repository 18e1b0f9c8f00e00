import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/harness";

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

  it("names the missing field", async () => {
    const res = await server.api("POST", "/api/v1/agents", { key, body: {} });
    expect(res.body.error).toBe("name is required");
  });
});

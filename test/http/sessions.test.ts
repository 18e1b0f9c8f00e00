import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/harness";

let server: TestServer;
let key: string;
let agentId: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ key } = await server.newOrg("sessions-org"));
  agentId = (await server.api("POST", "/api/v1/agents", { key, body: { name: "worker" } })).body.id;
});
afterAll(() => server.close());

describe("sessions API", () => {
  it("creates an active session for an agent of the org", async () => {
    const res = await server.api("POST", "/api/v1/sessions", { key, body: { agent_id: agentId, metadata: { ticket: 7 } } });
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(/^sess_[0-9a-f]{24}$/);
    expect(res.body).toMatchObject({ agent_id: agentId, status: "active", metadata: { ticket: 7 } });
    expect(res.body).not.toHaveProperty("closed_at");
    expect(res.body.created_at).toBe(res.body.updated_at);
  });

  it("accepts the agent's name and stores its id", async () => {
    const res = await server.api("POST", "/api/v1/sessions", { key, body: { agent_id: "worker" } });
    expect(res.status).toBe(201);
    expect(res.body.agent_id).toBe(agentId);
  });

  it("refuses an unknown agent with a 4xx and creates nothing", async () => {
    const before = (await server.api("GET", "/api/v1/sessions", { key })).body.count;
    const res = await server.api("POST", "/api/v1/sessions", { key, body: { agent_id: "agent_000000000000000000000000" } });
    expect([400, 404]).toContain(res.status);
    expect((await server.api("GET", "/api/v1/sessions", { key })).body.count).toBe(before);
  });

  it("closes, reopens and merges metadata", async () => {
    const created = (await server.api("POST", "/api/v1/sessions", { key, body: { agent_id: agentId, metadata: { a: 1, b: 2 } } })).body;
    const closed = await server.api("PUT", `/api/v1/sessions/${created.id}`, { key, body: { status: "closed", metadata: { b: null, c: 3 } } });
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe("closed");
    expect(closed.body.closed_at).toBeTruthy();
    expect(closed.body.metadata).toEqual({ a: 1, c: 3 });
    const reopened = await server.api("PUT", `/api/v1/sessions/${created.id}`, { key, body: { status: "active" } });
    expect(reopened.body.status).toBe("active");
    expect(reopened.body).not.toHaveProperty("closed_at");
    const got = await server.api("GET", `/api/v1/sessions/${created.id}`, { key });
    expect(got.body).toEqual(reopened.body);
  });

  it("reads an empty or null status and a null metadata as no change, as the original did", async () => {
    const created = (await server.api("POST", "/api/v1/sessions", { key, body: { agent_id: agentId, metadata: { keep: "me" } } })).body;
    const emptyStatus = await server.api("PUT", `/api/v1/sessions/${created.id}`, { key, body: { status: "", metadata: { step: 1 } } });
    expect(emptyStatus.status).toBe(200);
    expect(emptyStatus.body).toMatchObject({ status: "active", metadata: { keep: "me", step: 1 } });
    // Go decoded `"metadata": null` into a nil map and left the stored metadata alone.
    const nullMetadata = await server.api("PUT", `/api/v1/sessions/${created.id}`, { key, body: { status: "closed", metadata: null } });
    expect(nullMetadata.status).toBe(200);
    expect(nullMetadata.body).toMatchObject({ status: "closed", metadata: { keep: "me", step: 1 } });
    const both = await server.api("PUT", `/api/v1/sessions/${created.id}`, { key, body: { status: null, metadata: null } });
    expect(both.status).toBe(200);
    expect(both.body).toMatchObject({ status: "closed", metadata: { keep: "me", step: 1 } });
    expect(both.body.closed_at).toBe(nullMetadata.body.closed_at);
    expect((await server.api("GET", `/api/v1/sessions/${created.id}`, { key })).body).toEqual(both.body);
  });

  it("rejects statuses other than active and closed", async () => {
    const created = (await server.api("POST", "/api/v1/sessions", { key, body: { agent_id: agentId } })).body;
    for (const status of ["paused", " ", 1, {}]) {
      const res = await server.api("PUT", `/api/v1/sessions/${created.id}`, { key, body: { status } });
      expect(res.status, JSON.stringify(status)).toBe(400);
    }
    expect((await server.api("GET", `/api/v1/sessions/${created.id}`, { key })).body.status).toBe("active");
  });

  it("lists sessions filtered by agent and status", async () => {
    const other = (await server.api("POST", "/api/v1/agents", { key, body: { name: "other" } })).body.id;
    await server.api("POST", "/api/v1/sessions", { key, body: { agent_id: other } });
    const byAgent = await server.api("GET", `/api/v1/sessions?agent_id=${other}`, { key });
    expect(byAgent.status).toBe(200);
    expect(byAgent.body.count).toBe(1);
    expect(byAgent.body.sessions[0].agent_id).toBe(other);
    const closed = await server.api("GET", "/api/v1/sessions?status=closed", { key });
    expect(closed.body.sessions.every((s: { status: string }) => s.status === "closed")).toBe(true);
    expect((await server.api("GET", "/api/v1/sessions?status=weird", { key })).status).toBe(400);
  });

  it("404s an unknown session on GET and PUT", async () => {
    expect((await server.api("GET", "/api/v1/sessions/sess_nope", { key })).status).toBe(404);
    const put = await server.api("PUT", "/api/v1/sessions/sess_nope", { key, body: { status: "closed" } });
    expect(put.status).toBe(404);
    expect(put.body.error).toBe("session not found");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/harness";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

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

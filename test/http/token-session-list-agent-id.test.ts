import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/harness";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe("GET /api/v1/sessions?agent_id= with an agent token", () => {
  it("takes the token's own agent by generated id or by name, as every other agent route does; another agent is still a 403", async () => {
    const org = await server.newOrg("token-session-list");
    const alpha = (await server.api("POST", "/api/v1/agents", { key: org.key, body: { name: "alpha" } })).body;
    await server.api("POST", "/api/v1/agents", { key: org.key, body: { name: "beta" } });
    const session = (await server.api("POST", "/api/v1/sessions", { key: org.key, body: { agent_id: "alpha" } })).body;
    await server.api("POST", "/api/v1/sessions", { key: org.key, body: { agent_id: "beta" } });
    // Sessions name their agent by its generated id, so that is the value a client filters with.
    expect(session.agent_id).toBe(alpha.id);

    for (const mintedFor of ["alpha", alpha.id]) {
      const token = (await server.api("POST", "/api/v1/tokens", { key: org.key, body: { agent_id: mintedFor } })).body.token;
      // The routes that already take either form.
      expect((await server.api("GET", `/api/v1/agents/${alpha.id}`, { key: token })).status).toBe(200);
      expect((await server.api("GET", "/api/v1/agents/alpha", { key: token })).status).toBe(200);
      for (const filter of ["alpha", alpha.id]) {
        const list = await server.api("GET", `/api/v1/sessions?agent_id=${filter}`, { key: token });
        expect(list.status, `token for ${mintedFor}, ?agent_id=${filter}: ${list.text}`).toBe(200);
        expect(list.body.sessions.map((s: { id: string }) => s.id)).toEqual([session.id]);
      }
      expect((await server.api("GET", "/api/v1/sessions?agent_id=beta", { key: token })).status).toBe(403);
    }
    // A token bound to one session still sees that session alone.
    const other = (await server.api("POST", "/api/v1/sessions", { key: org.key, body: { agent_id: "alpha" } })).body;
    const bound = (await server.api("POST", "/api/v1/tokens", { key: org.key, body: { agent_id: "alpha", session_id: other.id } })).body.token;
    const own = await server.api("GET", `/api/v1/sessions?agent_id=${alpha.id}`, { key: bound });
    expect(own.status).toBe(200);
    expect(own.body.sessions.map((s: { id: string }) => s.id)).toEqual([other.id]);
  });
});

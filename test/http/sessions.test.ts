import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/harness";

let server: TestServer;
let key: string;
let orgId: string;
let agentId: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ key, orgId } = await server.newOrg("sessions-org"));
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
    // Empty parameters are not sent, as on the memory lists.
    const all = await server.api("GET", "/api/v1/sessions", { key });
    const empty = await server.api("GET", "/api/v1/sessions?agent_id=&status=", { key });
    expect(empty.status).toBe(200);
    expect(empty.body.count).toBeGreaterThan(1);
    expect(empty.body.sessions.map((s: { id: string }) => s.id)).toEqual(all.body.sessions.map((s: { id: string }) => s.id));
  });

  it("404s an unknown session on GET and PUT", async () => {
    expect((await server.api("GET", "/api/v1/sessions/sess_nope", { key })).status).toBe(404);
    const put = await server.api("PUT", "/api/v1/sessions/sess_nope", { key, body: { status: "closed" } });
    expect(put.status).toBe(404);
    expect(put.body.error).toBe("session not found");
  });
});

describe("DELETE /api/v1/sessions/:id", () => {
  const newSession = async (agent = agentId): Promise<string> => {
    const res = await server.api("POST", "/api/v1/sessions", { key, body: { agent_id: agent } });
    expect(res.status).toBe(201);
    return res.body.id;
  };
  const exists = async (id: string) => (await server.api("GET", `/api/v1/sessions/${id}`, { key })).status === 200;
  const mint = async (body: Record<string, unknown>): Promise<string> => {
    const res = await server.api("POST", "/api/v1/tokens", { key, body });
    expect(res.status, res.text).toBe(201);
    return res.body.token;
  };

  it("deletes the session's record (204) and keeps its memories, still found by session_id", async () => {
    const id = await newSession();
    const memory = await server.api("POST", "/api/v1/memories", { key, body: { agent_id: agentId, session_id: id, content: "kept after the session goes" } });
    expect(memory.status).toBe(201);
    const deleted = await server.api("DELETE", `/api/v1/sessions/${id}`, { key });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe("");
    expect(await exists(id)).toBe(false);
    const listed = (await server.api("GET", "/api/v1/sessions?limit=1000", { key })).body.sessions.map((s: { id: string }) => s.id);
    expect(listed).not.toContain(id);
    // The session's own routes know it no more; its memories stay, as when an agent is deleted.
    expect((await server.api("GET", `/api/v1/sessions/${id}/memories`, { key })).status).toBe(404);
    expect((await server.api("POST", `/api/v1/sessions/${id}/context`, { key, body: {} })).status).toBe(404);
    const memories = await server.api("GET", `/api/v1/memories?session_id=${id}`, { key });
    expect(memories.body.memories.map((m: { id: string }) => m.id)).toEqual([memory.body.id]);
    const again = await server.api("DELETE", `/api/v1/sessions/${id}`, { key });
    expect(again.status).toBe(404);
    expect(again.body.error).toBe("session not found");
  });

  it("404s a session of another org and a read-only key gets 403; neither deletes anything", async () => {
    const id = await newSession();
    const outsider = await server.newOrg("sessions-outsider", ["read", "write", "admin"]);
    const other = await server.api("DELETE", `/api/v1/sessions/${id}`, { key: outsider.key });
    expect(other.status).toBe(404);
    expect(other.body.error).toBe("session not found");
    const readOnly = await server.newKey(orgId, "sessions-read-only", ["read"]);
    const refused = await server.api("DELETE", `/api/v1/sessions/${id}`, { key: readOnly });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toContain("'write' permission");
    expect(await exists(id)).toBe(true);
  });

  it("lets an agent token delete only its agent's sessions, or only its own session", async () => {
    const otherAgent = (await server.api("POST", "/api/v1/agents", { key, body: { name: "delete-other" } })).body.id as string;
    const [mine, alsoMine, theirs, bound, boundSibling] = [
      await newSession(),
      await newSession(),
      await newSession(otherAgent),
      await newSession(),
      await newSession(),
    ];
    const agentToken = await mint({ agent_id: "worker" });
    expect((await server.api("DELETE", `/api/v1/sessions/${theirs}`, { key: agentToken })).status).toBe(404);
    expect(await exists(theirs)).toBe(true);
    expect((await server.api("DELETE", `/api/v1/sessions/${mine}`, { key: agentToken })).status).toBe(204);
    expect(await exists(mine)).toBe(false);

    const readToken = await mint({ agent_id: "worker", permissions: ["read"] });
    expect((await server.api("DELETE", `/api/v1/sessions/${alsoMine}`, { key: readToken })).status).toBe(403);
    expect(await exists(alsoMine)).toBe(true);

    const sessionToken = await mint({ agent_id: "worker", session_id: bound });
    expect((await server.api("DELETE", `/api/v1/sessions/${boundSibling}`, { key: sessionToken })).status).toBe(404);
    expect(await exists(boundSibling)).toBe(true);
    expect((await server.api("DELETE", `/api/v1/sessions/${bound}`, { key: sessionToken })).status).toBe(204);
    expect(await exists(bound)).toBe(false);
  });
});

describe("PUT /api/v1/sessions/:id metadata", () => {
  it("cannot merge a session's metadata past the 65536 bytes a create refuses; the refused PUT changes nothing", async () => {
    const org = await server.newOrg("session-metadata-limit");
    await server.api("POST", "/api/v1/agents", { key: org.key, body: { name: "meta" } });
    const tooBig = await server.api("POST", "/api/v1/sessions", { key: org.key, body: { agent_id: "meta", metadata: { a: "x".repeat(40_000), b: "y".repeat(40_000) } } });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error).toContain("65536");

    const session = (await server.api("POST", "/api/v1/sessions", { key: org.key, body: { agent_id: "meta", metadata: { a: "x".repeat(40_000) } } })).body;
    const grow = await server.api("PUT", `/api/v1/sessions/${session.id}`, { key: org.key, body: { status: "closed", metadata: { b: "y".repeat(40_000) } } });
    expect(grow.status).toBe(400);
    expect(grow.body.error).toContain("65536");
    const after = await server.api("GET", `/api/v1/sessions/${session.id}`, { key: org.key });
    expect(after.body.status).toBe("active");
    expect(Object.keys(after.body.metadata)).toEqual(["a"]);

    // Replacing a key (or removing one) within the limit still works.
    const replace = await server.api("PUT", `/api/v1/sessions/${session.id}`, { key: org.key, body: { metadata: { a: null, b: "y".repeat(40_000) } } });
    expect(replace.status).toBe(200);
    expect(Object.keys(replace.body.metadata)).toEqual(["b"]);
    expect((await server.api("PUT", "/api/v1/sessions/sess_000000000000000000000000", { key: org.key, body: { metadata: { c: 1 } } })).status).toBe(404);
  });
});

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

describe("a bad cursor on the agent and session lists", () => {
  it("is a 400 naming the query parameter the client sent (cursor), not an internal name", async () => {
    for (const path of ["/api/v1/agents?cursor=garbage", "/api/v1/sessions?cursor=WyJ4Il0"]) {
      const res = await server.api("GET", path);
      expect(res.status, path).toBe(400);
      expect(res.body.error).toBe("invalid cursor");
      expect(res.body.field, path).toBe("cursor");
    }
  });
});

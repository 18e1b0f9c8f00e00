import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentTokens } from "../../core/auth/agent-token";
import { deriveAgentTokenKey } from "../../core/auth/token-key";
import { generateMasterKey } from "../../core/crypto/envelope";
import { MARKERS, mintToken, orgSnapshot, startSecurityWorld, type SecurityWorld } from "./support";

let w: SecurityWorld;
beforeAll(async () => {
  w = await startSecurityWorld();
});
afterAll(() => w.close());

const as = (key: string) => ({
  get: (path: string) => w.server.api("GET", path, { key }),
  post: (path: string, body: unknown) => w.server.api("POST", path, { key, body }),
});
const contents = (memories: Array<{ content: string }>) => memories.map((m) => m.content).sort();

describe("minting", () => {
  it("returns a bearer token for one agent, with the key's read and write by default and an hour to live", async () => {
    const res = await as(w.a.key).post("/api/v1/tokens", { agent_id: "alpha" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ token_type: "Bearer", org_id: w.a.orgId, agent_id: "alpha", permissions: ["read", "write"], expires_in: 3600 });
    expect(res.body.token).toMatch(/^mtt_[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(Date.parse(res.body.expires_at) - Date.now()).toBeGreaterThan(3_500_000);
  });

  it("never grants more than the key has, never admin, and names the bounds of expires_in", async () => {
    const reader = await w.server.newKey(w.a.orgId, "reader", ["read"]);
    const escalate = await as(reader).post("/api/v1/tokens", { agent_id: "alpha", permissions: ["write"] });
    expect(escalate.status).toBe(403);
    expect(escalate.body.error).toContain("'write'");
    expect((await as(reader).post("/api/v1/tokens", { agent_id: "alpha" })).body.permissions).toEqual(["read"]);
    expect((await as(w.server.adminKey).post("/api/v1/tokens", { agent_id: "x", permissions: ["admin"] })).status).toBe(400);
    for (const expires_in of [59, 86_401, 1.5]) {
      const res = await as(w.a.key).post("/api/v1/tokens", { agent_id: "alpha", expires_in });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/expires_in/);
    }
    expect((await as(w.a.key).post("/api/v1/tokens", { agent_id: "alpha", session_id: "sess_nope" })).status).toBe(404);
  });

  it("never outlives the key that minted it", async () => {
    const res = await w.server.api("POST", `/api/v1/admin/orgs/${w.a.orgId}/keys`, {
      body: { name: "short", permissions: ["read"], expires_at: new Date(Date.now() + 600_000).toISOString() },
    });
    const token = await as(res.body.key).post("/api/v1/tokens", { agent_id: "alpha", expires_in: 86_400 });
    expect(token.body.expires_in).toBeLessThanOrEqual(600);
  });

  it("a token cannot mint tokens or reach admin routes", async () => {
    const minted = await as(w.a.tokens.alpha).post("/api/v1/tokens", { agent_id: "alpha" });
    expect(minted.status).toBe(403);
    expect(minted.body.error).toMatch(/agent tokens cannot mint tokens/);
    const adminToken = await mintToken(w.server, w.server.adminKey, { agent_id: "ops" });
    expect((await as(adminToken).get(`/api/v1/admin/orgs/${w.a.orgId}/keys`)).status).toBe(403);
    expect((await as(adminToken).get("/api/v1/admin/orgs")).status).toBe(403);
    expect((await as(adminToken).post("/api/v1/admin/flush", {})).status).toBe(403);
  });
});

describe("using a token", () => {
  it("works in x-api-key and in Authorization: Bearer", async () => {
    expect((await as(w.a.tokens.alpha).get("/api/v1/memories")).status).toBe(200);
    const bearer = await w.server.api("GET", "/api/v1/memories", { key: null, headers: { authorization: `Bearer ${w.a.tokens.alpha}` } });
    expect(bearer.status).toBe(200);
  });

  it("writes only as its agent: another agent's memory, alone or in a batch, is a 403 and nothing is stored", async () => {
    const t = as(w.a.tokens.alpha);
    expect((await t.post("/api/v1/memories", { agent_id: "alpha", content: "own write" })).status).toBe(201);
    const before = await orgSnapshot(w.services, w.a.orgId);
    const foreign = await t.post("/api/v1/memories", { agent_id: "beta", content: "impersonation" });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error).toContain("'alpha'");
    const batch = await t.post("/api/v1/memories", { memories: [{ agent_id: "alpha", content: "fine" }, { agent_id: "beta", content: "not fine" }] });
    expect(batch.status).toBe(403);
    expect(await orgSnapshot(w.services, w.a.orgId)).toBe(before);
  });

  it("reads only its agent's memories on every read path", async () => {
    const t = as(w.a.tokens.alpha);
    const listed = (await t.get("/api/v1/memories?limit=1000")).body.memories;
    expect(listed.every((m: { agent_id: string }) => m.agent_id === "alpha")).toBe(true);
    expect(contents(listed)).toEqual(expect.arrayContaining([MARKERS.alphaInSession, MARKERS.alphaLoose, MARKERS.alphaOtherSession]));
    expect(JSON.stringify((await t.post("/api/v1/search", { content_contains: "MARKER" })).body)).not.toContain(MARKERS.beta);
    expect((await t.get(`/api/v1/memories/${w.a.memories.beta}`)).status).toBe(404);
    expect((await t.get(`/api/v1/memories/${w.a.memories.alphaLoose}`)).status).toBe(200);
    expect((await t.get("/api/v1/memories?agent_id=beta")).status).toBe(403);
    expect((await t.get("/api/v1/agents/beta/stats")).status).toBe(403);
    expect((await t.get("/api/v1/agents/alpha/stats")).body.memory_count).toBeGreaterThanOrEqual(3);
  });

  it("bound to a session: writes land in it, reads see only it, other sessions are 403/404", async () => {
    const t = as(w.a.tokens.alphaS2);
    const written = await t.post("/api/v1/memories", { agent_id: "alpha", content: "in s2 by default" });
    expect(written.status).toBe(201);
    expect(written.body.session_id).toBe(w.a.s2);
    expect((await t.post("/api/v1/memories", { agent_id: "alpha", content: "x", session_id: w.a.s1 })).status).toBe(403);
    const listed = (await t.get("/api/v1/memories?limit=1000")).body.memories;
    expect(listed.every((m: { session_id?: string }) => m.session_id === w.a.s2)).toBe(true);
    expect(contents(listed)).toContain(MARKERS.alphaOtherSession);
    expect((await t.get(`/api/v1/sessions/${w.a.s1}`)).status).toBe(404);
    expect((await t.get(`/api/v1/sessions/${w.a.s2}`)).status).toBe(200);
    expect((await t.get("/api/v1/sessions")).body.sessions.map((s: { id: string }) => s.id)).toEqual([w.a.s2]);
    expect((await t.post(`/api/v1/sessions/${w.a.s2}/context`, {})).body.context).toContain(MARKERS.alphaOtherSession);
  });

  it("carries only the permissions it was minted with", async () => {
    const reader = await mintToken(w.server, w.a.key, { agent_id: "alpha", permissions: ["read"] });
    const denied = await as(reader).post("/api/v1/memories", { agent_id: "alpha", content: "nope" });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toBe("this agent token lacks the 'write' permission");
  });
});

describe("refusing a token", () => {
  it("expired: 401 naming the expiry", async () => {
    const { token } = await w.services.tokens.mint({ orgId: w.a.orgId, keyId: w.a.keyId, agentId: "alpha", permissions: ["read"], expiresAtMs: Date.now() - 1000 });
    const res = await as(token).get("/api/v1/memories");
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: "agent token expired", request_id: res.headers.get("x-request-id") });
  });

  it("wrong signature or tampered claims: 401", async () => {
    const forger = new AgentTokens({ key: await deriveAgentTokenKey(generateMasterKey()), clock: { now: () => Date.now() } });
    const { token } = await forger.mint({ orgId: w.a.orgId, keyId: w.a.keyId, agentId: "alpha", permissions: ["read", "write"], expiresAtMs: Date.now() + 60_000 });
    expect(await as(token).get("/api/v1/memories")).toMatchObject({ status: 401, body: { error: "invalid agent token" } });
    const [header, payload, signature] = w.a.tokens.beta.slice(4).split(".");
    const claims = JSON.parse(atob(payload!.replaceAll("-", "+").replaceAll("_", "/")));
    const swapped = btoa(JSON.stringify({ ...claims, agt: "alpha" })).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    expect((await as(`mtt_${header}.${swapped}.${signature}`).get("/api/v1/memories")).status).toBe(401);
  });

  it("its minting key revoked: 401 from the next request on", async () => {
    const key = await w.server.newKey(w.a.orgId, "to-revoke", ["read", "write"]);
    const token = await mintToken(w.server, key, { agent_id: "alpha" });
    expect((await as(token).get("/api/v1/memories")).status).toBe(200);
    const keys = (await w.server.api("GET", `/api/v1/admin/orgs/${w.a.orgId}/keys`)).body.keys as Array<{ id: number; name: string }>;
    const id = keys.find((k) => k.name === "to-revoke")!.id;
    expect((await w.server.api("DELETE", `/api/v1/admin/orgs/${w.a.orgId}/keys/${id}`)).status).toBe(204);
    const after = await as(token).get("/api/v1/memories");
    expect(after.status).toBe(401);
    expect(after.body.error).toMatch(/revoked/);
  });
});

describe("a token over MCP", () => {
  const rpc = async (token: string, name: string, args: Record<string, unknown>) => {
    const res = await fetch(`${w.server.url}/mcp`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
    });
    expect(res.status).toBe(200);
    return (await res.json()).result as { isError?: boolean; content: Array<{ text: string }> };
  };

  it("recalls its own agent's memories and is refused another agent's", async () => {
    const own = await rpc(w.a.tokens.alpha, "memtrace_recall", { agent_id: "alpha" });
    expect(own.isError).toBeFalsy();
    expect(own.content[0]!.text).toContain(MARKERS.alphaLoose);
    const other = await rpc(w.a.tokens.alpha, "memtrace_recall", { agent_id: "beta" });
    expect(other.isError).toBe(true);
    expect(other.content[0]!.text).toContain("403");
    expect(other.content[0]!.text).not.toContain(MARKERS.beta);
  });
});

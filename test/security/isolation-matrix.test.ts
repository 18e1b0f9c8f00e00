import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MARKERS, orgSnapshot, startSecurityWorld, type SecurityWorld } from "./support";

/**
 * For every /api/v1 endpoint, a request aimed at org A's alpha resources, sent by callers who
 * must not reach them: org B's keys (read/write and admin) and agent tokens of org A whose scope
 * excludes them (agent `beta`; alpha bound to session s2, aimed at s1 and alpha's loose memory).
 * Each must be refused (403/404) or, where the endpoint answers about the caller's own org or
 * scope, see nothing: no marker of A's protected memories in the answer, A's state unchanged.
 */

let w: SecurityWorld;
beforeAll(async () => {
  w = await startSecurityWorld();
});
afterAll(() => w.close());

interface Probe {
  path: string;
  body?: unknown;
  /** For B's keys: refused (403/404), or answered about B's own org (any 2xx-4xx) where the route is org-wide. */
  outsider: "refused" | "own-org";
  /** For out-of-scope tokens: refused (403/404), or answered about the token's own scope only. */
  token: "refused" | "own-scope";
}

const probes = (w: SecurityWorld): Record<string, Probe> => {
  const { a } = w;
  const alphaTarget = { agent_id: "alpha", session_id: a.s1 };
  return {
    "POST /api/v1/memories": { path: "/api/v1/memories", body: { ...alphaTarget, content: "planted" }, outsider: "own-org", token: "refused" },
    "GET /api/v1/memories": { path: `/api/v1/memories?agent_id=alpha&session_id=${a.s1}`, outsider: "own-org", token: "refused" },
    "GET /api/v1/memories/:id": { path: `/api/v1/memories/${a.memories.alphaInSession}`, outsider: "refused", token: "refused" },
    "DELETE /api/v1/memories": { path: `/api/v1/memories?agent_id=alpha&session_id=${a.s1}`, outsider: "own-org", token: "refused" },
    "PATCH /api/v1/memories/:id": { path: `/api/v1/memories/${a.memories.alphaInSession}`, body: { content: "hijacked" }, outsider: "refused", token: "refused" },
    "DELETE /api/v1/memories/:id": { path: `/api/v1/memories/${a.memories.alphaInSession}`, outsider: "refused", token: "refused" },
    "POST /api/v1/search": { path: "/api/v1/search", body: { ...alphaTarget, content_contains: "MARKER" }, outsider: "own-org", token: "refused" },
    "POST /api/v1/agents": { path: "/api/v1/agents", body: { name: "alpha-2" }, outsider: "own-org", token: "refused" },
    "GET /api/v1/agents": { path: "/api/v1/agents", outsider: "own-org", token: "own-scope" },
    "GET /api/v1/agents/:id": { path: `/api/v1/agents/${a.alpha.id}`, outsider: "refused", token: "own-scope" },
    "DELETE /api/v1/agents/:id": { path: `/api/v1/agents/${a.alpha.id}`, outsider: "refused", token: "refused" },
    "GET /api/v1/agents/:id/memories": { path: "/api/v1/agents/alpha/memories", outsider: "own-org", token: "own-scope" },
    "GET /api/v1/agents/:id/stats": { path: "/api/v1/agents/alpha/stats", outsider: "own-org", token: "own-scope" },
    // B names an agent its org does not have: the original's 400 "agent not found".
    "POST /api/v1/sessions": { path: "/api/v1/sessions", body: { agent_id: a.alpha.id }, outsider: "own-org", token: "refused" },
    // The alpha token bound to s2 names its own agent here (by id): it gets s2 alone, never s1 (see token-session-list-agent-id.test.ts).
    "GET /api/v1/sessions": { path: `/api/v1/sessions?agent_id=${a.alpha.id}`, outsider: "own-org", token: "own-scope" },
    "GET /api/v1/sessions/:id": { path: `/api/v1/sessions/${a.s1}`, outsider: "refused", token: "refused" },
    "PUT /api/v1/sessions/:id": { path: `/api/v1/sessions/${a.s1}`, body: { status: "closed", metadata: { owned: true } }, outsider: "refused", token: "refused" },
    "DELETE /api/v1/sessions/:id": { path: `/api/v1/sessions/${a.s1}`, outsider: "refused", token: "refused" },
    "GET /api/v1/sessions/:id/memories": { path: `/api/v1/sessions/${a.s1}/memories`, outsider: "refused", token: "refused" },
    "POST /api/v1/sessions/:id/context": { path: `/api/v1/sessions/${a.s1}/context`, body: {}, outsider: "refused", token: "refused" },
    "GET /api/v1/admin/orgs": { path: "/api/v1/admin/orgs", outsider: "refused", token: "refused" },
    "POST /api/v1/admin/orgs": { path: "/api/v1/admin/orgs", body: { name: "rogue" }, outsider: "refused", token: "refused" },
    "GET /api/v1/admin/orgs/:org_id": { path: `/api/v1/admin/orgs/${a.orgId}`, outsider: "refused", token: "refused" },
    "DELETE /api/v1/admin/orgs/:org_id": { path: `/api/v1/admin/orgs/${a.orgId}`, outsider: "refused", token: "refused" },
    "GET /api/v1/admin/orgs/:org_id/keys": { path: `/api/v1/admin/orgs/${a.orgId}/keys`, outsider: "refused", token: "refused" },
    "POST /api/v1/admin/orgs/:org_id/keys": { path: `/api/v1/admin/orgs/${a.orgId}/keys`, body: { name: "backdoor" }, outsider: "refused", token: "refused" },
    "DELETE /api/v1/admin/orgs/:org_id/keys/:key_id": { path: `/api/v1/admin/orgs/${a.orgId}/keys/${a.keyId}`, outsider: "refused", token: "refused" },
    "GET /api/v1/admin/orgs/:org_id/arc": { path: `/api/v1/admin/orgs/${a.orgId}/arc`, outsider: "refused", token: "refused" },
    "POST /api/v1/admin/orgs/:org_id/arc": { path: `/api/v1/admin/orgs/${a.orgId}/arc`, body: { url: "http://127.0.0.1:9", database: "stolen" }, outsider: "refused", token: "refused" },
    "DELETE /api/v1/admin/orgs/:org_id/arc": { path: `/api/v1/admin/orgs/${a.orgId}/arc`, outsider: "refused", token: "refused" },
    "POST /api/v1/admin/flush": { path: "/api/v1/admin/flush", body: {}, outsider: "own-org", token: "refused" },
    "GET /api/v1/admin/metrics": { path: "/api/v1/admin/metrics", outsider: "refused", token: "refused" },
    "POST /api/v1/tokens": { path: "/api/v1/tokens", body: { agent_id: "alpha", session_id: a.s1 }, outsider: "refused", token: "refused" },
  };
};

/** What tokens outside the alpha/s1 scope must never see: alpha's memories in s1 and outside any session. */
const PROTECTED = [MARKERS.alphaInSession, MARKERS.alphaLoose];

describe("isolation matrix", () => {
  it("covers every /api/v1 endpoint the app registers", () => {
    const registered = new Set(
      w.server.server.app.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api/v1/")).map((r) => `${r.method} ${r.path}`),
    );
    expect([...registered].sort()).toEqual(Object.keys(probes(w)).sort());
  });

  const callers = (w: SecurityWorld) => [
    { name: "org B read/write key", key: w.b.key, kind: "outsider" as const },
    { name: "org B admin key", key: w.b.adminKey, kind: "outsider" as const },
    { name: "token for agent beta", key: w.a.tokens.beta, kind: "token" as const },
    { name: "alpha token bound to session s2", key: w.a.tokens.alphaS2, kind: "token" as const },
  ];

  it("refuses or shows nothing, and changes nothing in org A, for every endpoint and caller", async () => {
    const failures: string[] = [];
    for (const [route, probe] of Object.entries(probes(w))) {
      const method = route.split(" ")[0]!;
      for (const caller of callers(w)) {
        const before = await orgSnapshot(w.services, w.a.orgId);
        const res = await w.server.api(method, probe.path, { key: caller.key, ...(probe.body !== undefined ? { body: probe.body } : {}) });
        const expectation = caller.kind === "outsider" ? probe.outsider : probe.token;
        const refused = res.status === 403 || res.status === 404;
        const where = `${route} as ${caller.name}: ${res.status} ${res.text.slice(0, 160)}`;
        if (expectation === "refused" && !refused) failures.push(`not refused: ${where}`);
        if (res.status >= 500) failures.push(`server error: ${where}`);
        for (const marker of PROTECTED) if (res.text.includes(marker)) failures.push(`leaked ${marker}: ${where}`);
        if (caller.kind === "outsider" && res.text.includes(w.a.orgId)) failures.push(`named org A: ${where}`);
        if ((await orgSnapshot(w.services, w.a.orgId)) !== before) failures.push(`changed org A: ${where}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("narrows the collection reads of an out-of-scope token to its own scope", async () => {
    const beta = await w.server.api("GET", "/api/v1/memories?limit=1000", { key: w.a.tokens.beta });
    expect(beta.body.memories.map((m: { content: string }) => m.content)).toEqual([MARKERS.beta]);
    const agents = await w.server.api("GET", "/api/v1/agents", { key: w.a.tokens.beta });
    expect(agents.body.agents.map((a: { name: string }) => a.name)).toEqual(["beta"]);
    expect((await w.server.api("GET", "/api/v1/sessions", { key: w.a.tokens.beta })).body.count).toBe(0);
    const search = await w.server.api("POST", "/api/v1/search", { key: w.a.tokens.alphaS2, body: { content_contains: "MARKER" } });
    expect(search.body.results.map((m: { content: string }) => m.content)).toEqual([MARKERS.alphaOtherSession]);
  });

  it("still serves org A's own key everything the probes aimed at (the probes point at real resources)", async () => {
    expect((await w.server.api("GET", `/api/v1/memories/${w.a.memories.alphaInSession}`, { key: w.a.key })).status).toBe(200);
    expect((await w.server.api("GET", `/api/v1/sessions/${w.a.s1}/memories`, { key: w.a.key })).body.count).toBe(1);
    expect((await w.server.api("GET", `/api/v1/agents/${w.a.alpha.id}`, { key: w.a.key })).status).toBe(200);
    expect((await w.server.api("GET", "/api/v1/agents/alpha/memories", { key: w.a.key })).body.count).toBe(3);
  });
});

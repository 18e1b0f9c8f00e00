import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../functions/app";
import type { Services } from "../../functions/env";
import { documentedOperations, OpenApiResponseValidator } from "./support/openapi-validator";
import { apiError, startEcosystemServer, type EcosystemServer } from "./support/ecosystem-server";

let env: EcosystemServer;
beforeAll(async () => {
  // A small body limit, so the 413 check sends a body small enough for any server to read before refusing.
  env = await startEcosystemServer({ settings: { server: { max_body_bytes: 64 * 1024 } } });
});
afterAll(() => env?.close());

/**
 * The routes the app factory registers (handlers, not middleware), as "method /path/{param}".
 * Registration needs no services, so a bare app shows the same list the server runs.
 */
function registeredOperations(): string[] {
  const app = createApp({ settings: { maxBodyBytes: 1024 } } as Services);
  const ops = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL") continue;
    ops.add(`${route.method.toLowerCase()} ${route.path.replace(/:([A-Za-z_]+)/g, "{$1}")}`);
  }
  return [...ops].sort();
}

describe("OpenAPI document", () => {
  it("is OpenAPI 3.1, served without a key, with API-key security on /api/v1 and /mcp", async () => {
    const res = await fetch(`${env.server.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.apiKey).toEqual({ type: "apiKey", in: "header", name: "x-api-key" });
    expect(doc.paths["/health"].get.security).toEqual([]);
    expect(doc.paths["/api/v1/memories"].post.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
    expect(doc.paths["/mcp"].post.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
  });

  it("serves an interactive reference at /docs that loads the document", async () => {
    const res = await fetch(`${env.server.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain("SwaggerUIBundle");
    expect(html).toContain("/openapi.json");
  });

  it("describes every registered route, and nothing that is not registered", () => {
    const documented = documentedOperations(env.validator.doc).sort();
    const registered = registeredOperations().filter((op) => !["get /openapi.json", "get /docs"].includes(op));
    expect(registered.length).toBeGreaterThan(20);
    expect(documented).toEqual(registered);
  });

  it("documents the real request bodies, parameters and errors", () => {
    const paths = env.validator.doc.paths as Record<string, any>;
    const create = paths["/api/v1/memories"].post;
    expect(create.requestBody.content["application/json"].schema.anyOf).toEqual([
      { $ref: "#/components/schemas/MemoryInput" },
      { $ref: "#/components/schemas/MemoryBatchInput" },
    ]);
    const schemas = (env.validator.doc as any).components.schemas;
    expect(schemas.MemoryInput.required).toEqual(["agent_id", "content"]);
    expect(schemas.MemoryBatchInput.properties.memories.maxItems).toBe(1000);
    expect(Object.keys(create.responses).sort()).toEqual(["201", "400", "401", "403", "409", "413", "415", "429", "500", "503"]);
    expect(Object.keys(paths["/health"].get.responses).sort()).toEqual(["200", "500"]);
    const listParams = paths["/api/v1/memories"].get.parameters.map((p: { name: string }) => p.name);
    expect(listParams).toEqual(expect.arrayContaining(["agent_id", "session_id", "tags", "any_tags", "since", "until", "limit", "cursor", "order_by"]));
    const offset = paths["/api/v1/memories"].get.parameters.find((p: { name: string }) => p.name === "offset");
    expect(offset.schema.type).toBe("integer");
    // Search pages like the list (a null filter is one not sent, as the original's Go decoding read
    // it), and the context's body may be null (the original Go SDK's "no options").
    const search = paths["/api/v1/search"].post.requestBody.content["application/json"].schema;
    expect(search.properties.offset).toEqual({ ...offset.schema, type: ["integer", "null"] });
    // A session delete says what it leaves behind.
    expect(paths["/api/v1/sessions/{id}"].delete.description).toMatch(/memories stay in Arc/);
    expect(paths["/api/v1/sessions/{id}/context"].post.requestBody.content["application/json"].schema.type).toEqual(["object", "null"]);
  });
});

describe("responses validate against the document", () => {
  it("the check itself rejects what the document does not allow", () => {
    const validator = new OpenApiResponseValidator(env.validator.doc);
    const url = env.server.url;
    expect(() => validator.check("GET", `${url}/nowhere`, 200, "{}")).toThrow(/not in the OpenAPI document/);
    expect(() => validator.check("GET", `${url}/api/v1/agents/x`, 418, "{}")).toThrow(/does not list/);
    expect(() => validator.check("GET", `${url}/api/v1/agents/x`, 200, JSON.stringify({ id: "a" }))).toThrow(/does not match/);
    expect(() => validator.check("GET", `${url}/api/v1/memories`, 200, "not json")).toThrow(/not JSON/);
    expect(() => validator.check("DELETE", `${url}/api/v1/agents/x`, 204, "{}")).toThrow(/no body/);
    const memory = { id: "m", time: "2026-01-01T00:00:00Z", ingested_at: "2026-01-01T00:00:00Z", org_id: "o", agent_id: "a", memory_type: "episodic", event_type: "general", content: "c" };
    expect(() => validator.check("GET", `${url}/api/v1/memories/m`, 200, JSON.stringify({ ...memory, memory_type: "other" }))).toThrow(/does not match/);
    expect(() => validator.check("GET", `${url}/api/v1/memories/m`, 200, JSON.stringify(memory))).not.toThrow();
  });

  it("for every operation, on success and on error", async () => {
    const admin = env.client();
    const { validator } = env;

    // health and admin
    expect((await admin.health()).status).toBe("ok");
    expect((await admin.ready()).status).toBe("ready");
    const org = await admin.admin.createOrg("Conformance");
    const key = await admin.admin.createKey(org.id, { name: "rw", permissions: ["read", "write"] });
    const readOnly = await admin.admin.createKey(org.id, { name: "ro", permissions: ["read"] });
    expect((await admin.admin.listKeys(org.id)).count).toBe(2);
    expect((await admin.admin.listOrgs()).organizations.map((o) => o.id)).toContain(org.id);
    const spare = await admin.admin.createOrg("Spare");
    expect((await apiError(admin.admin.getArc(spare.id))).status).toBe(404);
    await admin.admin.addArc(spare.id, { url: "http://127.0.0.1:9", database: "spare" });
    expect((await admin.admin.getArc(spare.id)).database).toBe("spare");
    await admin.admin.removeArc(spare.id);
    await admin.admin.deleteOrg(spare.id);
    expect((await admin.admin.getOrg(org.id)).name).toBe("Conformance");
    expect((await apiError(admin.admin.getOrg(spare.id))).status).toBe(404);
    await admin.admin.revokeKey(org.id, readOnly.id);
    expect((await admin.admin.flush()).flushed).toBe(true);
    expect(await admin.admin.metrics()).toContain("# TYPE memtrace_http_requests_total counter");

    // agents and sessions
    const api = env.client(key.key);
    const agent = await api.agents.create({ name: "crawler", description: "crawls" });
    expect((await apiError(api.agents.create({ name: "crawler" }))).status).toBe(409);
    expect((await api.agents.get("crawler")).id).toBe(agent.id);
    expect((await apiError(api.agents.get("nobody"))).status).toBe(404);
    expect((await api.agents.list({ limit: 10 })).count).toBe(1);
    const session = await api.sessions.create({ agent_id: "crawler", metadata: { goal: "index" } });
    expect((await api.sessions.list({ agent_id: agent.id })).sessions[0]?.id).toBe(session.id);
    expect((await api.sessions.get(session.id)).status).toBe("active");
    expect((await api.sessions.update(session.id, { metadata: { step: 2 } })).metadata).toEqual({ goal: "index", step: 2 });
    expect((await apiError(api.sessions.get("sess_missing"))).status).toBe(404);

    // memories
    const first = await api.memories.create({ agent_id: "crawler", session_id: session.id, content: "Crawled a page", tags: ["web"], importance: 0.4 });
    const dup = await apiError(api.memories.create({ agent_id: "crawler", session_id: session.id, content: "Crawled a page" }));
    expect([dup.status, dup.body.existing_id]).toEqual([409, first.id]);
    const batch = await api.memories.createBatch([
      { agent_id: "crawler", memory_type: "decision", event_type: "decision", content: "Skip pagination", metadata: { reasoning: "slow" } },
      { agent_id: "crawler", event_type: "error", content: "Timed out", session_id: session.id },
    ]);
    expect(batch.count).toBe(2);
    const refused = await apiError(api.memories.createBatch([{ agent_id: "crawler", content: "ok" }, { agent_id: "1bad", content: "x" }]));
    expect(refused.status).toBe(400);
    expect(refused.body.results).toHaveLength(2);
    const partial = await api.memories.createBatch([{ agent_id: "crawler", content: "kept" }, { agent_id: "crawler", content: "" }], { partial: true });
    expect([partial.count, partial.invalid]).toEqual([1, 1]);
    expect((await api.memories.list({ agent_id: "crawler", tags: ["web"] })).memories.map((m) => m.id)).toEqual([first.id]);
    expect((await api.memories.get(first.id)).content).toBe("Crawled a page");
    const edited = await api.memories.update(first.id, { importance: 0.8 });
    expect([edited.id, edited.importance, edited.content]).toEqual([first.id, 0.8, "Crawled a page"]);
    expect((await apiError(api.memories.update(first.id, {}))).status).toBe(400);
    const conditional = await api.memories.update(first.id, { importance: 0.9 }, { ifMatch: edited.ingested_at });
    const lost = await apiError(api.memories.update(first.id, { importance: 0.1 }, { ifMatch: edited.ingested_at }));
    expect([lost.status, lost.body.ingested_at]).toEqual([412, conditional.ingested_at]);
    expect((await apiError(api.memories.delete(first.id, { ifMatch: edited.ingested_at }))).status).toBe(412);
    expect((await apiError(api.memories.get("0190f0f0-0000-7000-8000-000000000000"))).status).toBe(404);
    expect((await api.memories.search({ content_contains: "skip" })).count).toBe(1);
    expect((await apiError(api.memories.search({ limit: -1 }))).status).toBe(400);
    expect((await apiError(api.memories.list({ order: "sideways" as "asc" }))).status).toBe(400);
    expect((await api.agents.memories("crawler", { since: "1h" })).count).toBe(4);
    expect((await api.agents.stats("crawler")).errors_24h).toBe(1);
    expect((await api.sessions.memories(session.id)).count).toBe(2);
    expect((await api.sessions.context(session.id, { max_tokens: 500 })).memory_count).toBe(2);
    expect((await api.sessions.close(session.id)).status).toBe("closed");

    // agent tokens: minted by the key, then used like one
    const token = await api.tokens.mint({ agent_id: "crawler", permissions: ["read"] });
    expect((await env.client(token.token).memories.list()).memories.every((m) => m.agent_id === "crawler")).toBe(true);
    expect((await apiError(api.tokens.mint({ agent_id: "crawler", session_id: "sess_missing" }))).status).toBe(404);

    // auth and permissions
    expect((await apiError(env.client("mtk_not_a_key").agents.list())).status).toBe(401);
    expect((await apiError(env.client(null).agents.list())).status).toBe(401);
    const ro = await admin.admin.createKey(org.id, { name: "ro2", permissions: ["read"] });
    expect((await apiError(env.client(ro.key).memories.create({ agent_id: "crawler", content: "nope" }))).status).toBe(403);

    // bodies the framework refuses
    const raw = validator.fetch();
    const headers = { "x-api-key": key.key };
    const tooLarge = await raw(`${env.server.url}/api/v1/memories`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ agent_id: "crawler", content: "x".repeat(65 * 1024) }),
    });
    expect(tooLarge.status).toBe(413);
    const wrongType = await raw(`${env.server.url}/api/v1/agents`, { method: "POST", headers: { ...headers, "content-type": "text/plain" }, body: "{}" });
    expect(wrongType.status).toBe(415);

    // MCP endpoint answers as documented
    const mcpHeaders = { ...headers, "content-type": "application/json", accept: "application/json, text/event-stream" };
    const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } };
    expect((await raw(`${env.server.url}/mcp`, { method: "POST", headers: mcpHeaders, body: JSON.stringify(init) })).status).toBe(200);
    expect((await raw(`${env.server.url}/mcp`, { method: "POST", headers: { ...mcpHeaders, accept: "application/json" }, body: JSON.stringify(init) })).status).toBe(406);
    expect((await raw(`${env.server.url}/mcp`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(401);
    expect((await raw(`${env.server.url}/mcp`, { headers })).status).toBe(405);
    expect((await raw(`${env.server.url}/mcp`, { method: "DELETE", headers })).status).toBe(405);

    // deleting a session (its memories stay), then the agent (its sessions go with it)
    await api.sessions.delete(session.id);
    expect((await apiError(api.sessions.delete(session.id))).status).toBe(404);
    expect((await api.memories.list({ session_id: session.id })).count).toBe(2);
    await api.memories.delete(first.id);
    expect((await apiError(api.memories.delete(first.id))).status).toBe(404);
    expect((await api.memories.list({ session_id: session.id })).count).toBe(1);
    expect(await api.memories.deleteMatching({ session_id: session.id })).toEqual({ deleted: 1 });
    expect((await apiError(api.memories.deleteMatching({}))).status).toBe(400);
    await api.agents.delete(agent.id);
    expect((await apiError(api.agents.delete(agent.id))).status).toBe(404);

    const exercised = new Set([...validator.seen].map((s) => s.split(" ").slice(0, 2).join(" ")));
    // A new route fails this until the scenario above calls it: the document is only proven for what is exercised.
    const missing = documentedOperations(validator.doc).filter((op) => !exercised.has(op));
    expect(missing, "operations the scenario does not exercise yet").toEqual([]);
  });
});

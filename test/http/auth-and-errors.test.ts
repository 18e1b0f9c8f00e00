import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/harness";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ settings: { server: { max_body_bytes: 64 * 1024 } } });
});
afterAll(() => server.close());

describe("authentication", () => {
  it("401s without a key, with the original's message", async () => {
    const res = await server.api("GET", "/api/v1/agents", { key: null });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: "missing API key", request_id: res.headers.get("x-request-id") });
  });

  it("401s a wrong key, and unknown /api/v1 paths before 404", async () => {
    const wrong = await server.api("GET", "/api/v1/agents", { key: `mtk_${"A".repeat(43)}=` });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe("invalid API key");
    expect((await server.api("GET", "/api/v1/nowhere", { key: null })).status).toBe(401);
  });

  it("accepts x-api-key and Authorization: Bearer", async () => {
    const bearer = await server.api("GET", "/api/v1/agents", { key: null, headers: { authorization: `Bearer ${server.adminKey}` } });
    expect(bearer.status).toBe(200);
    expect((await server.api("GET", "/api/v1/agents")).status).toBe(200);
  });

  it("enforces permissions: read cannot write, write cannot admin", async () => {
    const { orgId, key: writer } = await server.newOrg("perm-org");
    const reader = await server.newKey(orgId, "reader", ["read"]);
    expect((await server.api("GET", "/api/v1/agents", { key: reader })).status).toBe(200);
    const denied = await server.api("POST", "/api/v1/agents", { key: reader, body: { name: "x" } });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toContain("write");
    expect((await server.api("GET", "/api/v1/agents", { key: reader })).body.count).toBe(0);
    expect((await server.api("POST", "/api/v1/agents", { key: writer, body: { name: "x" } })).status).toBe(201);
    expect((await server.api("GET", `/api/v1/admin/orgs/${orgId}/keys`, { key: writer })).status).toBe(403);
    expect((await server.api("GET", "/api/v1/admin/orgs", { key: writer })).status).toBe(403);
  });

  it("refuses a revoked key on the very next request", async () => {
    const { orgId, key } = await server.newOrg("revoke-org");
    expect((await server.api("GET", "/api/v1/agents", { key })).status).toBe(200);
    const keys = await server.api("GET", `/api/v1/admin/orgs/${orgId}/keys`);
    const id = keys.body.keys[0].id;
    expect((await server.api("DELETE", `/api/v1/admin/orgs/${orgId}/keys/${id}`)).status).toBe(204);
    const after = await server.api("GET", "/api/v1/agents", { key });
    expect(after.status).toBe(401);
  });
});

describe("error model", () => {
  it("404s unknown routes with JSON", async () => {
    const res = await server.api("GET", "/api/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(typeof res.body.error).toBe("string");
    const outside = await server.api("GET", "/nope", { key: null });
    expect(outside.status).toBe(404);
    expect(typeof outside.body.error).toBe("string");
  });

  it("413s oversized bodies with JSON and stores nothing", async () => {
    const res = await server.api("POST", "/api/v1/agents", { body: { name: "big", description: "x".repeat(100 * 1024) } });
    expect(res.status).toBe(413);
    expect(typeof res.body.error).toBe("string");
    expect((await server.api("GET", "/api/v1/agents/big")).status).toBe(404);
  });

  it("answers a non-JSON content type with a 4xx JSON error", async () => {
    const res = await server.api("POST", "/api/v1/agents", { rawBody: "name=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(typeof res.body.error).toBe("string");
  });

  it("serves /health and /ready without a key", async () => {
    const health = await server.api("GET", "/health", { key: null });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: "ok", service: "memtrace" });
    expect(typeof health.body.uptime).toBe("string");
    const ready = await server.api("GET", "/ready", { key: null });
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe("ready");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/harness";

let server: TestServer;
let key: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ key } = await server.newOrg("request-ids"));
});
afterAll(() => server.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const mcpHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const mcpInit = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } };

describe("X-Request-Id", () => {
  it("is on every answer, success or error, handler-built or not, and new for each request", async () => {
    const answers = [
      await server.api("GET", "/health", { key: null }),
      await server.api("POST", "/api/v1/agents", { key, body: { name: "rid" } }),
      await server.api("GET", "/api/v1/agents/rid", { key }),
      await server.api("DELETE", "/api/v1/agents/rid", { key }),
      await server.api("GET", "/api/v1/agents", { key: null }),
      await server.api("POST", "/api/v1/memories", { key, body: { agent_id: "rid" } }),
      await server.api("GET", "/api/v1/nowhere", { key }),
      await server.api("OPTIONS", "/api/v1/memories", { key: null, headers: { origin: "https://example.com", "access-control-request-method": "POST" } }),
      // The MCP transport builds its own Response, which does not take the app's prepared headers.
      await server.api("POST", "/mcp", { key, headers: mcpHeaders, body: mcpInit }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 201, 200, 204, 401, 400, 404, 204, 200]);
    const ids = answers.map((a) => a.headers.get("x-request-id"));
    for (const [i, id] of ids.entries()) expect(String(id), `answer ${i}`).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("takes a well-formed incoming id and replaces anything too long or outside [A-Za-z0-9_=-]", async () => {
    for (const id of ["a", "trace-0af7651916cd43dd8448eb211c80319c", "Root_1=abc-DEF", "x".repeat(128)]) {
      const res = await server.api("GET", "/health", { key: null, headers: { "x-request-id": id } });
      expect(res.headers.get("x-request-id")).toBe(id);
    }
    for (const id of ["x".repeat(129), "has space", "semi;colon", "quote\"", "slash/../", "ünïcode", "{\"json\":1}", ""]) {
      const res = await server.api("GET", "/health", { key: null, headers: { "x-request-id": id } });
      expect(res.headers.get("x-request-id"), JSON.stringify(id)).toMatch(UUID);
    }
  });

  it("is in error bodies as request_id, next to the original's error key", async () => {
    const failures = [
      await server.api("GET", "/api/v1/memories", { key: null }),
      await server.api("GET", "/api/v1/memories?limit=0", { key }),
      await server.api("GET", "/api/v1/sessions/sess_nope", { key }),
      await server.api("GET", "/api/v1/nowhere", { key }),
      await server.api("POST", "/api/v1/agents", { key, rawBody: "{", headers: { "content-type": "application/json" } }),
      await server.api("POST", "/api/v1/agents", { key, rawBody: "{}", headers: { "content-type": "text/plain" } }),
    ];
    expect(failures.map((f) => f.status)).toEqual([401, 400, 404, 404, 400, 415]);
    for (const failure of failures) {
      expect(typeof failure.body.error, failure.text).toBe("string");
      expect(failure.body.request_id, failure.text).toBe(failure.headers.get("x-request-id"));
    }
    const quoted = await server.api("GET", "/api/v1/sessions/sess_nope", { key, headers: { "x-request-id": "support-ticket-42" } });
    expect(quoted.body).toEqual({ error: "session not found", request_id: "support-ticket-42" });
  });

  it("keeps an error's Retry-After and status when adding the id to its body", async () => {
    const limited = await startTestServer({ settings: { rate_limit: { per_key_rps: 1, per_key_burst: 1 } } });
    try {
      let refused;
      for (let i = 0; i < 5 && !refused; i++) {
        const res = await limited.api("GET", "/api/v1/agents");
        if (res.status === 429) refused = res;
      }
      expect(refused?.headers.get("retry-after")).toMatch(/^[1-9][0-9]*$/);
      expect(refused?.body.request_id).toBe(refused?.headers.get("x-request-id"));
      expect(refused?.body.error).toMatch(/rate limit exceeded/);
    } finally {
      await limited.close();
    }
  });
});

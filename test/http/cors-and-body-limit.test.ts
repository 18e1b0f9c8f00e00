import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/harness";

// CORS and the body limit run in front of every route (functions/middleware/cors.ts and
// body-limit.ts): the CORS header must be on every kind of answer, and a body with no
// Content-Length must still be counted and refused past the limit.

const MAX_BODY = 16 * 1024;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ settings: { server: { max_body_bytes: MAX_BODY } } });
});
afterAll(() => server.close());

/** A POST whose body goes out chunked, without a Content-Length. */
function postChunked(path: string, key: string, chunks: string[]): Promise<{ status: number; text: string }> {
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "POST", headers: { "x-api-key": key, "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe("CORS", () => {
  it("allows any origin on successes, errors and unknown routes", async () => {
    const ok = await server.api("GET", "/api/v1/agents", { headers: { origin: "https://app.example" } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("*");
    const created = await server.api("POST", "/api/v1/agents", { body: { name: "cors-agent" } });
    expect(created.status).toBe(201);
    expect(created.headers.get("access-control-allow-origin")).toBe("*");
    const denied = await server.api("GET", "/api/v1/agents", { key: null });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("access-control-allow-origin")).toBe("*");
    const missing = await server.api("GET", "/nope", { key: null });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("lets a page read the version, back-off and request id headers", async () => {
    for (const res of [
      await server.api("GET", "/api/v1/agents", { headers: { origin: "https://app.example" } }),
      await server.api("GET", "/api/v1/agents", { key: null }),
    ]) {
      const exposed = (res.headers.get("access-control-expose-headers") ?? "").toLowerCase().split(/,\s*/);
      expect(exposed).toEqual(expect.arrayContaining(["etag", "retry-after", "x-request-id"]));
    }
  });

  it("answers a preflight with the allowed methods", async () => {
    const res = await server.api("OPTIONS", "/api/v1/memories", {
      key: null,
      headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "x-api-key" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")).toContain("x-api-key");
  });
});

describe("body limit", () => {
  it("takes a declared length under the limit and refuses one over it", async () => {
    const small = await server.api("POST", "/api/v1/memories", { body: { agent_id: "limit-agent", content: "fits" } });
    expect(small.status).toBe(201);
    const big = await server.api("POST", "/api/v1/memories", { body: { agent_id: "limit-agent", content: "x".repeat(MAX_BODY) } });
    expect(big.status).toBe(413);
    expect(big.body.error).toBe(`request body exceeds ${MAX_BODY} bytes`);
  });

  it("counts a chunked body with no Content-Length", async () => {
    const fits = await postChunked("/api/v1/memories", server.adminKey, ['{"agent_id":"limit-agent",', '"content":"chunked and small"}']);
    expect(fits.status).toBe(201);
    const content = "y".repeat(1024);
    const chunks = ['{"agent_id":"limit-agent","content":"', ...Array.from({ length: 20 }, () => content), '"}'];
    const tooBig = await postChunked("/api/v1/memories", server.adminKey, chunks);
    expect(tooBig.status).toBe(413);
    expect(JSON.parse(tooBig.text).error).toBe(`request body exceeds ${MAX_BODY} bytes`);
    const listed = await server.api("GET", "/api/v1/memories?agent_id=limit-agent&limit=10");
    expect(listed.body.memories.map((m: { content: string }) => m.content).sort()).toEqual(["chunked and small", "fits"]);
  });
});

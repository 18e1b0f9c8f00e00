import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeTestServer, type NodeTestServer } from "../support/harness";

const MAX_BODY = 256 * 1024;
let server: NodeTestServer;
let key: string;
let orgId: string;

beforeAll(async () => {
  server = await startNodeTestServer({ settings: { server: { max_body_bytes: MAX_BODY } } });
  ({ key, orgId } = await server.newOrg("limits"));
  const agent = await server.api("POST", "/api/v1/agents", { key, body: { name: "a" } });
  expect(agent.status).toBe(201);
});
afterAll(() => server.close());

const post = (path: string, body: unknown) => server.api("POST", path, { key, body });
const stored = async () => JSON.stringify(await server.server.services.memories.countByType({ org_id: orgId }));
const nested = (depth: number): unknown => (depth === 0 ? "leaf" : { n: nested(depth - 1) });

describe("request limits: each a 4xx whose message names the limit, and nothing stored", () => {
  const cases: Array<[string, () => Promise<{ status: number; body: any }>, number, string]> = [
    ["body size", () => post("/api/v1/memories", { agent_id: "a", content: "x".repeat(MAX_BODY) }), 413, `request body exceeds ${MAX_BODY} bytes`],
    ["batch size", () => post("/api/v1/memories", { memories: Array.from({ length: 1001 }, (_, i) => ({ agent_id: "a", content: `m${i}` })) }), 400, "a batch holds at most 1000 memories"],
    ["content length", () => post("/api/v1/memories", { agent_id: "a", content: "x".repeat(65_537) }), 400, "content is longer than 65536 characters"],
    ["tag count", () => post("/api/v1/memories", { agent_id: "a", content: "t", tags: Array.from({ length: 65 }, (_, i) => `t${i}`) }), 400, "at most 64 tags"],
    ["metadata depth", () => post("/api/v1/memories", { agent_id: "a", content: "d", metadata: nested(17) as object }), 400, "metadata nests deeper than 16 levels"],
    ["metadata size", () => post("/api/v1/memories", { agent_id: "a", content: "s", metadata: { blob: "y".repeat(70_000) } }), 400, "metadata is larger than 65536 bytes as JSON"],
    ["JSON nesting (memories)", () => server.api("POST", "/api/v1/memories", { key, rawBody: `{"agent_id":"a","content":"c","metadata":{"m":${"[".repeat(100_000)}${"]".repeat(100_000)}}}`, headers: { "content-type": "application/json" } }), 400, "JSON body nests deeper than 32 levels"],
    ["JSON nesting (session metadata)", () => server.api("POST", "/api/v1/sessions", { key, rawBody: `{"agent_id":"a","metadata":{"m":${"[".repeat(100_000)}${"]".repeat(100_000)}}}`, headers: { "content-type": "application/json" } }), 400, "JSON body nests deeper than 32 levels"],
    ["query limit", () => server.api("GET", "/api/v1/memories?limit=1001", { key }), 400, "limit must be between 1 and 1000"],
    ["search limit", () => post("/api/v1/search", { limit: 1001 }), 400, "limit must be between 1 and 1000"],
    ["agents page limit", () => server.api("GET", "/api/v1/agents?limit=5000", { key }), 400, "limit must be between 1 and 1000"],
  ];

  for (const [name, send, status, message] of cases) {
    it(name, async () => {
      const before = await stored();
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.body.error).toContain(message);
      expect(await stored()).toBe(before);
    });
  }

  it("answers 404 to a route that does not exist, whatever its body", async () => {
    const res = await server.api("PATCH", "/api/v1/agents/some-id", {
      key,
      rawBody: `${"[".repeat(100)}${"]".repeat(100)}`,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(404);
    expect(res.body.error).toBe("no route for PATCH /api/v1/agents/some-id");
  });

  it("accepts what is just inside the limits", async () => {
    const res = await post("/api/v1/memories", {
      agent_id: "a",
      content: "x".repeat(65_536),
      tags: Array.from({ length: 64 }, (_, i) => `t${i}`),
      metadata: nested(15) as object,
    });
    expect(res.status).toBe(201);
  });

  it("counts a body sent without Content-Length as it arrives", async () => {
    const chunk = new TextEncoder().encode(`{"agent_id":"a","content":"${"z".repeat(64 * 1024)}`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(`${server.url}/api/v1/memories`, {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json()).error).toBe(`request body exceeds ${MAX_BODY} bytes`);
  });
});

describe("slow clients", () => {
  let slow: NodeTestServer;
  beforeAll(async () => {
    slow = await startNodeTestServer({ settings: { server: { read_timeout: "1s", write_timeout: "1s" } } });
  });
  afterAll(() => slow.close());

  /** Sends `first`, then one `drip` every 250 ms (up to 40), and reports what the server answered before closing. */
  function trickle(first: string, drip: string): Promise<{ answer: string; closedEarly: boolean }> {
    const port = Number(new URL(slow.url).port);
    return new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1");
      let answer = "";
      let drips = 0;
      socket.on("data", (data) => (answer += data.toString()));
      socket.on("error", () => undefined);
      socket.write(first);
      const timer = setInterval(() => {
        if (drips++ >= 40) {
          clearInterval(timer);
          socket.destroy();
          resolve({ answer, closedEarly: false });
        } else if (!socket.destroyed) socket.write(drip);
      }, 250);
      socket.on("close", () => {
        clearInterval(timer);
        resolve({ answer, closedEarly: drips < 40 });
      });
    });
  }

  /** The body of a raw HTTP answer, which must be JSON like every other error. */
  const jsonBodyOf = (answer: string): unknown => {
    expect(answer).toMatch(/\r\ncontent-type: application\/json\r\n/i);
    return JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
  };

  it("cuts off a client that never finishes its headers with 408", async () => {
    const result = await trickle("GET /health HTTP/1.1\r\nHost: memtrace\r\n", "X-Slow: yes\r\n");
    expect(result.closedEarly).toBe(true);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(jsonBodyOf(result.answer)).toEqual({ error: expect.stringMatching(/^request timed out/), request_id: expect.any(String) });
  });

  it("answers headers too large with a JSON 431 that a page on another origin can read", async () => {
    const port = Number(new URL(slow.url).port);
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      let text = "";
      socket.on("data", (data) => (text += data.toString()));
      socket.on("error", () => undefined);
      socket.on("close", () => resolve(text));
      socket.write(`GET /api/v1/agents HTTP/1.1\r\nHost: memtrace\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 431/);
    expect(jsonBodyOf(answer)).toEqual({ error: "request headers too large", request_id: expect.any(String) });
    expect(answer).toMatch(/\r\naccess-control-allow-origin: \*\r\n/i);
    expect(answer).toMatch(/\r\naccess-control-expose-headers: ETag, Retry-After, X-Request-Id\r\n/i);
  });

  it("cuts off a client that never finishes its body with 408", async () => {
    const head = `POST /api/v1/agents HTTP/1.1\r\nHost: memtrace\r\nx-api-key: ${slow.adminKey}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{`;
    const result = await trickle(head, " ");
    expect(result.closedEarly).toBe(true);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(jsonBodyOf(result.answer)).toEqual({ error: expect.stringMatching(/^request timed out/), request_id: expect.any(String) });
  });

  it("cuts off a client that stops reading an answer once none of it could be written for write_timeout", async () => {
    // About 10 MB of answer: more than the loopback socket's buffers take from a reader that reads nothing.
    const content = "w".repeat(10_000);
    for (let batch = 0; batch < 4; batch++) {
      const memories = Array.from({ length: 250 }, (_, i) => ({ agent_id: "reader", content: `${batch}-${i} ${content}` }));
      expect((await slow.api("POST", "/api/v1/memories", { key: slow.adminKey, body: { memories } })).status).toBe(201);
    }
    const path = "/api/v1/memories?agent_id=reader&limit=1000";
    const whole = Buffer.byteLength(JSON.stringify((await slow.api("GET", path, { key: slow.adminKey })).body));
    const port = Number(new URL(slow.url).port);
    const received = await new Promise<number>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      let bytes = 0;
      socket.on("error", () => undefined);
      socket.write(`GET ${path} HTTP/1.1\r\nHost: memtrace\r\nx-api-key: ${slow.adminKey}\r\n\r\n`);
      // Nothing is read for 3 s (no 'data' listener), then everything that still comes.
      setTimeout(() => {
        let quiet: ReturnType<typeof setTimeout> | undefined;
        const done = () => {
          clearTimeout(quiet);
          socket.destroy();
          resolve(bytes);
        };
        socket.on("data", (data: Buffer) => {
          bytes += data.length;
          clearTimeout(quiet);
          quiet = setTimeout(done, 2_000);
        });
        socket.once("close", done);
        quiet = setTimeout(done, 2_000);
      }, 3_000);
    });
    expect(whole).toBeGreaterThan(10_000_000);
    expect(received, `received ${received} of ${whole}`).toBeLessThan(whole);
    expect((await slow.api("GET", "/health")).status).toBe(200);
  });

  it("answers a malformed request line with a JSON 400", async () => {
    const result = await trickle("NOT AN HTTP REQUEST\r\n\r\n", "");
    expect(result.answer).toMatch(/^HTTP\/1\.1 400/);
    const body = jsonBodyOf(result.answer) as { request_id: string };
    expect(body).toEqual({ error: "malformed HTTP request", request_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(result.answer).toContain(`\r\nX-Request-Id: ${body.request_id}\r\n`);
  });
});

import { rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settingsSchema } from "../../core/config/schema";
import { generateMasterKey } from "../../core/crypto/envelope";
import type { Logger } from "../../core/logger";
import { createApp } from "../../functions/app";
import { closeHttp, listen } from "../../node-adapter/http-server";
import { startServer, type RunningServer } from "../../node-adapter/server";
import { tempDir } from "../support/harness";
import { withFailingListAgents } from "../support/failing-store";

/** The server's log lines as they were emitted, fields and all. */
const lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
const record =
  (level: string) =>
  (message: string, fields: Record<string, unknown> = {}) =>
    void lines.push({ level, message, fields });
const capture: Logger = { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") };
const linesFor = (requestId: string | null) => lines.filter((line) => line.fields.request_id === requestId);

let failingArc: Server;
let failingArcUrl: string;
let running: RunningServer;
let dir: string;

beforeAll(async () => {
  // An Arc that fails every call: a read through it fails the request, which the server logs.
  failingArc = createServer((req, res) => {
    req.resume();
    res.writeHead(500, { "content-type": "application/json" }).end('{"error":"disk on fire"}');
  });
  await new Promise<void>((resolve) => failingArc.listen(0, "127.0.0.1", resolve));
  failingArcUrl = `http://127.0.0.1:${(failingArc.address() as AddressInfo).port}`;
  dir = tempDir();
  running = await startServer({
    settings: settingsSchema.parse({ data: { dir }, server: { host: "127.0.0.1", port: 0 } }),
    env: { MEMTRACE_MASTER_KEY: generateMasterKey() },
    logger: capture,
    print: () => undefined,
  });
});

afterAll(async () => {
  await running?.close();
  await new Promise((resolve) => failingArc?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const call = (url: string, key: string, headers: Record<string, string> = {}) => fetch(url, { headers: { "x-api-key": key, ...headers } });

describe("log lines about a request name its request id", () => {
  it("a request Arc fails: the line carries the id the client sent, or the one the answer names", async () => {
    const admin = running.adminKey!;
    const post = (path: string, body: unknown) =>
      fetch(`${running.url}${path}`, { method: "POST", headers: { "x-api-key": admin, "content-type": "application/json" }, body: JSON.stringify(body) });
    const org = await (await post("/api/v1/admin/orgs", { name: "arc-on-fire" })).json();
    expect((await post(`/api/v1/admin/orgs/${org.id}/arc`, { url: failingArcUrl, database: "fire" })).status).toBe(201);
    const { key } = await (await post(`/api/v1/admin/orgs/${org.id}/keys`, { name: "k", permissions: ["read"] })).json();

    const sent = await call(`${running.url}/api/v1/memories?agent_id=a`, key, { "x-request-id": "probe-arc-1" });
    expect(sent.status).toBeGreaterThanOrEqual(500);
    expect((await sent.json()).request_id).toBe("probe-arc-1");
    const logged = linesFor("probe-arc-1");
    expect(logged.map((l) => l.level)).toEqual(expect.arrayContaining([expect.stringMatching(/^(warn|error)$/)]));
    expect(logged.every((l) => l.fields.path === "/api/v1/memories")).toBe(true);

    const generated = await call(`${running.url}/api/v1/memories?agent_id=b`, key);
    const id = generated.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(linesFor(id)).toHaveLength(logged.length);
  });

  it("an unexpected failure: logged with the id, answered as a bare 500 that quotes it", async () => {
    const failing = withFailingListAgents(running.services, "SQLITE_ERROR: the metadata database went away");
    const server = await listen(createApp(failing).fetch, settingsSchema.parse({ server: { host: "127.0.0.1", port: 0 } }).server);
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/agents`;
      const res = await call(url, running.adminKey!, { "x-request-id": "probe-crash-1" });
      expect(res.status).toBe(500);
      expect(res.headers.get("x-request-id")).toBe("probe-crash-1");
      expect(await res.json()).toEqual({ error: "internal server error", request_id: "probe-crash-1" });
      const [logged, ...more] = linesFor("probe-crash-1");
      expect(more).toEqual([]);
      expect(logged).toMatchObject({ level: "error", message: "unhandled error", fields: { path: "/api/v1/agents" } });
      expect(String(logged?.fields.error)).toContain("SQLITE_ERROR");
    } finally {
      await closeHttp(server, 1_000);
    }
  });
});

/** One raw request on its own connection, which the answer then closes; resolves the answer's text. */
function rawRequest(url: string, head: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1");
    let answer = "";
    socket.on("data", (data) => (answer += data.toString()));
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
    socket.write(`${head}Connection: close\r\n\r\n`);
  });
}

describe("what never reaches the app is answered as the app answers", () => {
  const cases: Array<[string, string, string]> = [
    ["a Host header no URL can hold", "GET /health HTTP/1.1\r\nHost: a b\r\n", "malformed request: invalid URL"],
    ["a backslash in the path", "GET /api\\v1/agents HTTP/1.1\r\nHost: memtrace\r\n", "malformed request: backslash in request path"],
    ["a request target of *", "OPTIONS * HTTP/1.1\r\nHost: memtrace\r\n", "malformed request: invalid URL"],
    ["HTTP/1.1 without a Host header", "GET /health HTTP/1.1\r\n", "malformed request: missing host header"],
  ];
  for (const [name, head, message] of cases) {
    it(`${name}: a JSON 400 whose request id is in its header, its body and the log line, readable from any origin`, async () => {
      const answer = await rawRequest(running.url, head);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toMatch(/\r\ncontent-type: application\/json\r\n/i);
      expect(answer).toMatch(/\r\naccess-control-allow-origin: \*\r\n/i);
      const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
      expect(body).toEqual({ error: message, request_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(answer).toMatch(new RegExp(`\\r\\nx-request-id: ${body.request_id}\\r\\n`, "i"));
      expect(linesFor(body.request_id)).toMatchObject([{ level: "info", message: "refused a request that names no valid URL" }]);
    });
  }

  it("HTTP/1.0 may leave out the Host header", async () => {
    const answer = await rawRequest(running.url, "GET /health HTTP/1.0\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))).toMatchObject({ status: "ok" });
  });

  it("a handler that fails outside the app's error handling: a JSON 500 quoting the logged request id", async () => {
    const failing = () => Promise.reject(new Error("handler blew up"));
    const server = await listen(failing, settingsSchema.parse({ server: { host: "127.0.0.1", port: 0 } }).server, capture);
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/health`);
      expect(res.status).toBe(500);
      const body = await res.json();
      expect(body).toEqual({ error: "internal server error", request_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(res.headers.get("x-request-id")).toBe(body.request_id);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      const [logged, ...more] = linesFor(body.request_id);
      expect(more).toEqual([]);
      expect(logged).toMatchObject({ level: "error", message: "request failed outside the app" });
      expect(String(logged?.fields.error)).toContain("handler blew up");
    } finally {
      await closeHttp(server, 1_000);
    }
  });
});

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redactSecrets } from "../../core/auth/redact";
import { settingsSchema } from "../../core/config/schema";
import { generateMasterKey } from "../../core/crypto/envelope";
import type { Logger } from "../../core/logger";
import { createApp } from "../../functions/app";
import { startServer, type RunningServer } from "../../node-adapter/server";
import { tempDir } from "../support/harness";

const ARC_SECRET = "arc-cred-Zq81xL0pW2";
const lines: string[] = [];
const capture: Logger = {
  debug: (m, f) => void lines.push(`debug ${m} ${JSON.stringify(f ?? {})}`),
  info: (m, f) => void lines.push(`info ${m} ${JSON.stringify(f ?? {})}`),
  warn: (m, f) => void lines.push(`warn ${m} ${JSON.stringify(f ?? {})}`),
  error: (m, f) => void lines.push(`error ${m} ${JSON.stringify(f ?? {})}`),
};

/** An Arc that fails every call and echoes the credential it was sent, with SQL, in its error. */
let hostileArc: Server;
let running: RunningServer;
let dir: string;
const answers: string[] = [];
const secrets: string[] = [];

/** Records the answer (status, headers, body) unless it is the one-time reveal of a new key or token. */
async function call(method: string, path: string, key: string | null, body?: unknown, reveal = false): Promise<{ status: number; text: string }> {
  const res = await fetch(`${running.url}${path}`, {
    method,
    headers: { ...(key ? { "x-api-key": key } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!reveal) answers.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`);
  return { status: res.status, text };
}

beforeAll(async () => {
  hostileArc = createServer((req, res) => {
    req.resume();
    res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: `query failed: SELECT * FROM events WHERE token = '${req.headers.authorization}' -- ${req.url}` }));
  });
  await new Promise<void>((resolve) => hostileArc.listen(0, "127.0.0.1", resolve));
  dir = tempDir();
  running = await startServer({
    settings: settingsSchema.parse({ data: { dir }, server: { host: "127.0.0.1", port: 0 }, write_buffer: { max_interval: "50ms" } }),
    env: { MEMTRACE_MASTER_KEY: generateMasterKey() },
    logger: capture,
    print: () => undefined,
  });
  secrets.push(running.adminKey!, ARC_SECRET);
});

afterAll(async () => {
  await running.close();
  await new Promise((resolve) => hostileArc.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe("no credential, stack trace or SQL leaks", () => {
  it("keeps keys, tokens and Arc credentials out of every log line and response, through Arc failures and bad credentials", async () => {
    const admin = running.adminKey!;
    const org = JSON.parse((await call("POST", "/api/v1/admin/orgs", admin, { name: "leaky" })).text);
    const key = JSON.parse((await call("POST", `/api/v1/admin/orgs/${org.id}/keys`, admin, { name: "k", permissions: ["read", "write", "admin"] }, true)).text).key;
    const token = JSON.parse((await call("POST", "/api/v1/tokens", key, { agent_id: "spy" }, true)).text).token;
    secrets.push(key, token);
    const arcUrl = `http://127.0.0.1:${(hostileArc.address() as AddressInfo).port}`;
    expect((await call("POST", `/api/v1/admin/orgs/${org.id}/arc`, admin, { url: arcUrl, database: "leaky", api_key: ARC_SECRET })).status).toBe(201);

    expect((await call("POST", "/api/v1/memories", token, { agent_id: "spy", content: "goes to a hostile Arc" })).status).toBe(201);
    expect((await call("GET", "/api/v1/memories", token)).status).toBeGreaterThanOrEqual(500);
    await call("POST", "/api/v1/search", key, { content_contains: "x" });
    await call("GET", "/api/v1/agents/spy/stats", token);
    await call("POST", "/api/v1/admin/flush", key);
    await call("GET", `/api/v1/admin/orgs/${org.id}/arc`, admin);
    await call("GET", "/ready", null);
    // Bad credentials, and credentials echoed by the client itself in a path.
    await call("GET", "/api/v1/agents", `${key.slice(0, -2)}x=`);
    await call("GET", "/api/v1/agents", `${token.slice(0, -3)}abc`);
    await call("GET", `/api/v1/nowhere/${key}/${token}`, key);
    await call("GET", `/nowhere/${token}`, null);
    // Let the flusher fail against the hostile Arc and log it.
    for (let i = 0; i < 50 && !lines.some((l) => l.includes("arc rejected a batch")); i++) await new Promise((r) => setTimeout(r, 50));
    expect(lines.some((l) => l.includes("arc rejected a batch"))).toBe(true);
    expect(lines.some((l) => l.includes("Bearer [REDACTED]"))).toBe(true);

    const everything = [...lines, ...answers];
    for (const secret of secrets) {
      const hits = everything.filter((line) => line.includes(secret));
      expect(hits, `a secret (${secret.slice(0, 6)}…) leaked`).toEqual([]);
    }
    for (const answer of answers) {
      expect(answer).not.toMatch(/\bSELECT\b|\bINSERT INTO\b|\bWHERE\b/);
      expect(answer).not.toMatch(/\n\s+at |\bat (async )?\S+ \(|\.ts:\d+/);
    }
  });

  it("answers an unexpected failure with a bare 500: no message, no SQL, no stack", async () => {
    const failing = {
      ...running.services,
      store: new Proxy(running.services.store, {
        get(target, prop, receiver) {
          if (prop !== "listAgents") return Reflect.get(target, prop, receiver);
          return async () => {
            throw new Error(`SQLITE_ERROR: no such column in SELECT key_hash FROM api_keys WHERE key = '${running.adminKey}'`);
          };
        },
      }),
    };
    const res = await createApp(failing).request("/api/v1/agents", { headers: { "x-api-key": running.adminKey! } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: "internal server error" });
    const logged = lines.find((l) => l.includes("unhandled error"));
    expect(logged).toContain("SQLITE_ERROR");
    expect(logged).not.toContain(running.adminKey!);
  });

  it("scrubs each credential shape", () => {
    expect(redactSecrets(`key mtk_${"a".repeat(43)}= and mtt_eyJ.eyJ.sig`)).toBe("key mtk_[REDACTED] and mtt_[REDACTED]");
    expect(redactSecrets("Authorization: Bearer s3cr3t, x-api-key: abc123")).toBe("Authorization: Bearer [REDACTED], x-api-key: [REDACTED]");
    expect(redactSecrets("http://user:hunter2@arc:8000/x")).toBe("http://user:[REDACTED]@arc:8000/x");
    expect(redactSecrets("nothing to hide here")).toBe("nothing to hide here");
  });
});

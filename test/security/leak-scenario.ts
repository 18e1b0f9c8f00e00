import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";

/**
 * The credential-leak scenario both runtimes go through (test/security/no-leaks.test.ts on Node,
 * test/workerd/no-leaks.test.ts on the Worker): a hostile Arc, keys and tokens used, misused and
 * echoed, then every log line and answer searched for them.
 */

/** The Arc credential bound to the hostile Arc; it must never appear in a log line or an answer. */
export const ARC_SECRET = "arc-cred-Zq81xL0pW2";

export interface HostileArc {
  url: string;
  close(): Promise<void>;
}

/** An Arc that fails every call and echoes the credential it was sent, with SQL, in its error. */
export async function startHostileArc(): Promise<HostileArc> {
  const server: Server = createServer((req, res) => {
    req.resume();
    res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: `query failed: SELECT * FROM events WHERE token = '${req.headers.authorization}' -- ${req.url}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface LeakScenarioTarget {
  url: string;
  adminKey: string;
  /** Everything the server has logged so far, one entry per line or chunk. */
  logs(): string[];
}

/**
 * Creates an org bound to the hostile Arc, a key and an agent token, drives every path that
 * touches Arc or a credential, waits until the failed delivery is logged, and returns the answers
 * (all but the one-time reveals of the new key and token) and the secrets to look for.
 */
export async function runLeakScenario(target: LeakScenarioTarget, arc: HostileArc): Promise<{ answers: string[]; secrets: string[] }> {
  const answers: string[] = [];
  const call = async (method: string, path: string, key: string | null, body?: unknown, reveal = false) => {
    const res = await fetch(`${target.url}${path}`, {
      method,
      headers: { ...(key ? { "x-api-key": key } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!reveal) answers.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`);
    return { status: res.status, text };
  };

  const admin = target.adminKey;
  const org = JSON.parse((await call("POST", "/api/v1/admin/orgs", admin, { name: "leaky" })).text);
  const key = JSON.parse((await call("POST", `/api/v1/admin/orgs/${org.id}/keys`, admin, { name: "k", permissions: ["read", "write", "admin"] }, true)).text).key;
  const token = JSON.parse((await call("POST", "/api/v1/tokens", key, { agent_id: "spy" }, true)).text).token;
  expect((await call("POST", `/api/v1/admin/orgs/${org.id}/arc`, admin, { url: arc.url, database: "leaky", api_key: ARC_SECRET })).status).toBe(201);

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
  // Let the delivery fail against the hostile Arc and log it.
  const delivered = () => target.logs().some((l) => l.includes("arc rejected a batch"));
  for (let i = 0; i < 100 && !delivered(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(delivered(), "the failed delivery was never logged").toBe(true);
  return { answers, secrets: [admin, ARC_SECRET, key, token] };
}

/** No secret in any log line or answer; the echoed bearer was logged, scrubbed; answers carry no SQL or stack. */
export function expectNoLeaks(logs: string[], answers: string[], secrets: string[]): void {
  const everything = [...logs, ...answers];
  for (const secret of secrets) {
    const hits = everything.filter((line) => line.includes(secret));
    expect(hits, `a secret (${secret.slice(0, 6)}…) leaked`).toEqual([]);
  }
  expect(logs.some((l) => l.includes("Bearer [REDACTED]")), "the hostile Arc's echo was never logged").toBe(true);
  for (const answer of answers) {
    expect(answer).not.toMatch(/\bSELECT\b|\bINSERT INTO\b|\bWHERE\b/);
    expect(answer).not.toMatch(/\n\s+at |\bat (async )?\S+ \(|\.ts:\d+/);
  }
}

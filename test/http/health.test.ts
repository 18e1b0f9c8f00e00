import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../../core/auth/api-key";
import { startTestServer, testTarget, type TestServer } from "../support/harness";
import { waitFor } from "../support/memory-server";

/** An Arc on a loopback port that takes every call and counts the health probes and writes it gets. */
async function startCountingArc(): Promise<{ url: string; hits: () => number; writes: () => number; close(): Promise<void> }> {
  let hits = 0;
  let writes = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === "/health") hits++;
    if (req.url?.startsWith("/api/v1/write")) writes++;
    req.resume();
    res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    writes: () => writes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let server: TestServer;
let arc: Awaited<ReturnType<typeof startCountingArc>>;
let up: { orgId: string; key: string };
let down: { orgId: string; key: string };

beforeAll(async () => {
  arc = await startCountingArc();
  // Deliveries within a fraction of a second, so the outbox's count is seen going down; delivered
  // rows stay for an hour, so no purge asks the counting Arc's /health when it started.
  server = await startTestServer({
    settings: { write_buffer: { max_interval: "200ms" }, arc: { visibility_delay: "1h" }, embedded_arc: { visibility_delay: "1h" } },
  });
  up = await server.newOrg("health-up", ["read", "write", "admin"]);
  down = await server.newOrg("health-down", ["read", "write", "admin"]);
  expect((await server.api("POST", `/api/v1/admin/orgs/${up.orgId}/arc`, { body: { url: arc.url, database: "up" } })).status).toBe(201);
  // Port 9 (discard) refuses connections on loopback: an Arc that is down.
  expect((await server.api("POST", `/api/v1/admin/orgs/${down.orgId}/arc`, { body: { url: "http://127.0.0.1:9", database: "down" } })).status).toBe(201);
});
afterAll(async () => {
  await server?.close();
  await arc?.close();
});

describe("/health and /ready", () => {
  it("tell a caller without an operator's admin key only the aggregate, never an org id", async () => {
    const aggregate = { arc: { default: true, bound_orgs: false }, arc_orgs: { up: 1, down: 1 } };
    // No key, a tenant's own admin key, a well-formed unknown key, an agent-token-shaped value.
    for (const key of [null, up.key, generateApiKey(), "mtt_not-a-token"]) {
      const ready = await server.api("GET", "/ready", { key });
      expect(ready.status, String(key)).toBe(503);
      expect(ready.body, String(key)).toEqual({ status: "not ready", ...aggregate });
      const health = await server.api("GET", "/health", { key });
      expect(health.status, String(key)).toBe(200);
      expect(health.body, String(key)).toMatchObject({ status: "ok", ...aggregate });
      for (const text of [ready.text, health.text]) {
        expect(text).not.toContain(up.orgId);
        expect(text).not.toContain(down.orgId);
      }
    }
  });

  it("name each org with its own Arc for an operator's admin key, as the original did for everyone", async () => {
    const detail = { default: true, [up.orgId]: true, [down.orgId]: false };
    const ready = await server.api("GET", "/ready", { key: server.adminKey });
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: "not ready", arc: detail, arc_orgs: { up: 1, down: 1 } });
    expect((await server.api("GET", "/health", { key: server.adminKey })).body.arc).toEqual(detail);
  });

  it("report the outbox's depth, every org together, on Node; null on Workers, where each org's outbox is its own object", async () => {
    const outbox = async () => (await server.api("GET", "/health", { key: null })).body.outbox;
    if (testTarget() === "workerd") {
      expect(await outbox()).toBeNull();
      return;
    }
    expect(await outbox()).toEqual({ pending: 0 });
    // The down org's Arc refuses connections, so what it writes waits in the outbox.
    const written = await server.api("POST", "/api/v1/memories", {
      key: down.key,
      body: { memories: [1, 2, 3].map((i) => ({ agent_id: "waiting", content: `undelivered ${i}` })) },
    });
    expect(written.status).toBe(201);
    const health = await server.api("GET", "/health", { key: null });
    expect(health.body.outbox).toEqual({ pending: 3 });
    expect(health.text).not.toContain(down.orgId);
    // The up org's Arc takes its memories: they leave the count once delivered, the down org's stay.
    expect((await server.api("POST", "/api/v1/memories", { key: up.key, body: { agent_id: "delivered", content: "to an Arc that is up" } })).status).toBe(201);
    await waitFor(async () => (await outbox())?.pending === 3 && arc.writes() > 0, 15_000, "the up org's memory to be delivered");
  });

  it("answer /ready from one probe for a few seconds, and probe again once a binding changes or the probe is old", async () => {
    await server.api("GET", "/ready", { key: null });
    const before = arc.hits();
    const answers = await Promise.all(Array.from({ length: 8 }, () => server.api("GET", "/ready", { key: null })));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 503));
    expect(arc.hits() - before).toBeLessThanOrEqual(1);

    expect((await server.api("DELETE", `/api/v1/admin/orgs/${down.orgId}/arc`)).status).toBe(204);
    const afterChange = arc.hits();
    const ready = await server.api("GET", "/ready", { key: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: "ready", arc: { default: true, bound_orgs: true }, arc_orgs: { up: 1, down: 0 } });
    expect(arc.hits()).toBe(afterChange + 1);

    await new Promise((r) => setTimeout(r, 5_200));
    await server.api("GET", "/ready", { key: null });
    expect(arc.hits()).toBe(afterChange + 2);
  });
});

describe("/health on its own (no /ready called)", () => {
  it("shows every Arc in use from its first call, and an Arc that went down once a later probe saw it", async () => {
    const own = await startCountingArc();
    const fresh = await startTestServer();
    let arcOpen = true;
    try {
      const org = await fresh.newOrg("health-alone", ["read", "write", "admin"]);
      expect((await fresh.api("POST", `/api/v1/admin/orgs/${org.orgId}/arc`, { body: { url: own.url, database: "alone" } })).status).toBe(201);
      const arcOf = async () => (await fresh.api("GET", "/health", { key: fresh.adminKey })).body.arc;
      expect(await arcOf()).toEqual({ default: true, [org.orgId]: true });

      await own.close();
      arcOpen = false;
      // A probe is reused for 5 s, then made again in the background of a call: a later call shows it.
      await waitFor(async () => (await arcOf())[org.orgId] === false, 20_000, "/health to show the Arc down");
      expect((await arcOf()).default).toBe(true);
    } finally {
      await fresh.close();
      if (arcOpen) await own.close();
    }
  });
});

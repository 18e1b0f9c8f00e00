import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MetadataArcRouter } from "../../core/arc-routing/router";
import { MemoryService } from "../../core/memory/service";
import { createApp } from "../../functions/app";
import type { Services } from "../../functions/env";
import { MemtraceClient } from "memtrace/client";
import { startNodeTestServer, type NodeTestServer } from "../support/harness";
import { apiError } from "./support/ecosystem-server";
import { classifySdkError } from "./support/original-sdk-contracts";
import { pyRequest, tsRequest } from "./support/original-sdk-requests";
import { OpenApiResponseValidator } from "./support/openapi-validator";

/*
 * On Node every org falls back to the embedded engine, so "no arc instance" needs a server built
 * without a default Arc: the same services (metadata, keys, coordinator) with an Arc router that
 * has no default, served over HTTP like the real server. Orgs then have Arc only if bound.
 */
let base: NodeTestServer;
let http: ServerType;
let url: string;
let key: string;

beforeAll(async () => {
  base = await startNodeTestServer();
  const services = base.server.services;
  const arc = new MetadataArcRouter({
    store: services.store,
    masterKey: services.masterKey,
    clock: services.clock,
    logger: services.logger,
    fetch: globalThis.fetch,
    timeoutMs: 5_000,
  });
  const noDefaultArc: Services = {
    ...services,
    arc,
    memories: new MemoryService({
      coordinator: services.coordinator,
      arc,
      clock: services.clock,
      dedup: services.settings.dedup,
      closedSessions: services.closedSessions,
    }),
  };
  const app = createApp(noDefaultArc);
  http = await new Promise<ServerType>((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(server));
  });
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  key = (await base.newOrg("no-arc")).key;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
  await base?.close();
});

describe("an org without an Arc instance", () => {
  it("answers reads with the original's 503 body, Retry-After, and a documented shape", async () => {
    const doc = await (await fetch(`${url}/openapi.json`)).json();
    const validator = new OpenApiResponseValidator(doc);
    const client = new MemtraceClient({ baseUrl: url, apiKey: key, fetch: validator.fetch() });
    const error = await apiError(client.memories.list({ agent_id: "a" }));
    expect(error.status).toBe(503);
    expect(error.body).toEqual({
      error: "no arc instance configured for this org",
      hint: "ask an admin to run `memtrace org add-arc <org_id>`",
      request_id: expect.any(String),
    });
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expect(error.isNoArcInstance).toBe(true);
    for (const call of [client.memories.search({}), client.agents.stats("a"), client.agents.memories("a")]) {
      expect((await apiError(call)).status).toBe(503);
    }
    expect([...validator.seen]).toContain("get /api/v1/memories 503");
  });

  it("is NoArcInstanceError for both original SDKs", async () => {
    for (const request of [
      tsRequest(key, "GET", "/api/v1/memories?agent_id=a&since=24h&order=desc&limit=100"),
      pyRequest(key, "POST", "/api/v1/search", { json: { agent_id: "a" } }),
    ]) {
      const res = await fetch(`${url}${request.path}`, { method: request.method, headers: request.headers, ...(request.body ? { body: request.body } : {}) });
      const classified = classifySdkError(res.status, await res.text());
      expect(classified).toEqual({ errorClass: "NoArcInstanceError", message: "no arc instance configured for this org" });
    }
  });

  it("differs from a 503 for another reason, which the SDKs keep a plain MemtraceError", async () => {
    const other = await base.newOrg("arc-down");
    const bind = await base.api("POST", `/api/v1/admin/orgs/${other.orgId}/arc`, { body: { url: "http://127.0.0.1:9", database: "down" } });
    expect(bind.status).toBe(201);
    const res = await fetch(`${url}/api/v1/memories?agent_id=a`, { headers: { "x-api-key": other.key } });
    const text = await res.text();
    expect(res.status).toBe(503);
    expect(classifySdkError(res.status, text).errorClass).toBe("MemtraceError");
  });
});

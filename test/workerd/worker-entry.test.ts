import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateApiKey } from "../../core/auth/api-key";
import { generateMasterKey } from "../../core/crypto/envelope";
import { ArcEngine, serveArcEngine, type ServedArcEngine } from "../../node-adapter/arc-engine";
import { ArcSocket } from "../support/arc-socket";
import { tempDir } from "../support/harness";
import { idsInArc } from "./support/coordinator-hooks";
import { HranaServer } from "./support/hrana-server";
import { startWorkerd } from "./support/miniflare";
import { startWorkerTestServer, type WorkerTestServer } from "./support/worker-server";

describe("Worker configuration", () => {
  it("answers every request with a 500 naming the missing and malformed bindings", async () => {
    const workerd = await startWorkerd({
      bundle: inject("workerBundle"),
      bindings: { MEMTRACE_WRITE_BUFFER_MAX_INTERVAL: "soon", MEMTRACE_BOOTSTRAP_ADMIN_KEY: "not-a-key", MEMTRACE_AUTH_ENABLED: "false" },
    });
    try {
      const res = await fetch(`${workerd.url}/health`, { headers: { "x-request-id": "config-probe-1" } });
      expect(res.status).toBe(500);
      const { error, request_id } = (await res.json()) as { error: string; request_id: string };
      // An id, as every other error carries, in the answer and the log line about it.
      expect(res.headers.get("x-request-id")).toBe("config-probe-1");
      expect(request_id).toBe("config-probe-1");
      expect(workerd.output()).toContain("request_id=config-probe-1");
      const unnamed = await fetch(`${workerd.url}/health`, { headers: { "x-request-id": "not valid!" } });
      expect(unnamed.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      expect(((await unnamed.json()) as { request_id: string }).request_id).toBe(unnamed.headers.get("x-request-id"));
      expect(error).toContain("MEMTRACE_MASTER_KEY: required");
      expect(error).toContain("MEMTRACE_WRITE_BUFFER_MAX_INTERVAL: not a duration");
      expect(error).toContain("MEMTRACE_BOOTSTRAP_ADMIN_KEY: must be an API key");
      expect(error).toContain("MEMTRACE_AUTH_ENABLED: auth cannot be disabled");
    } finally {
      await workerd.dispose();
    }
  });

  it("bootstraps org_default from MEMTRACE_BOOTSTRAP_ADMIN_KEY only while the metadata store is empty", async () => {
    const dir = tempDir("memtrace-bootstrap-");
    const masterKey = generateMasterKey();
    const first = await startWorkerTestServer({ dir, masterKey });
    const firstKey = first.adminKey;
    const orgs = await first.api("GET", "/api/v1/admin/orgs");
    expect(orgs.status).toBe(200);
    expect(orgs.body.organizations.map((o: { id: string }) => o.id)).toEqual(["org_default"]);
    await first.close();

    const secondKey = generateApiKey();
    const second = await startWorkerTestServer({ dir, masterKey, bindings: { MEMTRACE_BOOTSTRAP_ADMIN_KEY: secondKey } });
    try {
      expect((await second.api("GET", "/api/v1/admin/orgs", { key: firstKey })).status).toBe(200);
      expect((await second.api("GET", "/api/v1/admin/orgs", { key: secondKey })).status).toBe(401);
    } finally {
      await second.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Arc routing on Workers", () => {
  const TENANT_TOKEN = "tenant-arc-token-0123456789";
  let defaultArc: ArcSocket;
  let tenantEngine: ArcEngine;
  let tenant: ServedArcEngine;
  let server: WorkerTestServer;

  beforeAll(async () => {
    defaultArc = await ArcSocket.start();
    tenantEngine = await ArcEngine.open({ dataDir: ":memory:", token: TENANT_TOKEN, flushDelayMs: 0, logger: { warn() {}, error() {} } });
    tenant = await serveArcEngine(tenantEngine);
    server = await startWorkerTestServer({ defaultArc: { url: defaultArc.url } });
  });
  afterAll(async () => {
    await server?.close();
    await tenant?.close();
    await tenantEngine?.close();
    await defaultArc?.close();
  });

  it("delivers to the default Arc per org, then to the org's own Arc as soon as the admin API binds it", async () => {
    const { orgId, key } = await server.newOrg("routed-org", ["read", "write", "admin"]);
    const write = async (content: string) => {
      const res = await server.api("POST", "/api/v1/memories", { key, body: { agent_id: "router", content } });
      expect(res.status).toBe(201);
      expect((await server.api("POST", "/api/v1/admin/flush", { key })).status).toBe(200);
      return res.body.id as string;
    };

    const before = await write("to the default Arc");
    expect(await idsInArc(defaultArc, orgId)).toEqual([before]);

    const bind = await server.api("POST", `/api/v1/admin/orgs/${orgId}/arc`, {
      body: { url: tenant.url, database: "tenant_db", api_key: TENANT_TOKEN },
    });
    expect(bind.status).toBe(201);
    // The org's coordinator object reloads the binding at once and opens the stored (encrypted) token.
    const after = await write("to the org's own Arc");
    expect(await idsInArc({ engine: tenantEngine }, "tenant_db", TENANT_TOKEN)).toEqual([after]);
    expect(await idsInArc(defaultArc, orgId)).toEqual([before]);

    const listed = await server.api("GET", "/api/v1/memories", { key });
    expect(listed.body.memories.map((m: { id: string }) => m.id)).toContain(after);
  });
});

describe("metadata on remote libSQL", () => {
  let hrana: HranaServer;
  let server: WorkerTestServer;

  beforeAll(async () => {
    hrana = await HranaServer.start();
    server = await startWorkerTestServer({ withoutD1: true, settings: { auth: { db_url: hrana.url } } });
  });
  afterAll(async () => {
    await server?.close();
    await hrana?.close();
  });

  it("serves the API with no D1 binding, keeping orgs, keys, agents and Arc bindings in libSQL over HTTP", async () => {
    const before = hrana.pipelines;
    const { orgId, key } = await server.newOrg("libsql-org");
    const agent = await server.api("POST", "/api/v1/agents", { key, body: { name: "remote" } });
    expect(agent.status).toBe(201);
    expect((await server.api("GET", "/api/v1/agents/remote", { key })).body.id).toBe(agent.body.id);
    const written = await server.api("POST", "/api/v1/memories", { key, body: { agent_id: "remote", content: "kept" } });
    expect(written.status).toBe(201);
    expect((await server.api("GET", `/api/v1/memories/${written.body.id}`, { key })).body.content).toBe("kept");
    // A sealed Arc credential is a BLOB: it must survive the trip through Hrana's base64.
    const bind = await server.api("POST", `/api/v1/admin/orgs/${orgId}/arc`, {
      body: { url: "http://127.0.0.1:9", database: "remote_db", api_key: "remote-secret-key-0001" },
    });
    expect(bind.status).toBe(201);
    expect((await server.api("GET", `/api/v1/admin/orgs/${orgId}/arc`)).body.api_key_masked).toBe("remo**************0001");
    expect(hrana.pipelines).toBeGreaterThan(before);
  });
});

import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { ArcClient } from "../../core/arc/client";
import { generateMasterKey } from "../../core/crypto/envelope";
import { runCli } from "../../node-adapter/cli/run";
import { startNodeTestServer, tempDir, type NodeTestServer } from "../support/harness";
import { waitFor } from "../support/memory-server";
import { makeRecord } from "../coordinator/support";

// The embedded engine holds each org's memories in a database of its own. Deleting the org owes
// that database a drop, stored with the delete: made at once, again by every pass until no late
// write can come (a cached binding's life, a request's timeout and the visibility delay: here
// 1 s + 2 s + 0.1 s), and at the next start when the delete came while no server ran.
const SETTINGS = {
  auth: { key_cache_ttl: "1s" },
  arc: { query_timeout: "2s" },
  embedded_arc: { visibility_delay: "100ms" },
  write_buffer: { max_interval: "50ms" },
};

const servers: NodeTestServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(dir?: string, masterKey?: string): Promise<NodeTestServer> {
  const server = await startNodeTestServer({ settings: SETTINGS, ...(dir ? { dir } : {}), ...(masterKey ? { masterKey } : {}) });
  servers.push(server);
  return server;
}

/** The engine's own client for an org's database, as a delivery has it. */
const engineClient = (server: NodeTestServer, orgId: string) =>
  new ArcClient({ fetch: server.server.arcEngine!.fetch, baseUrl: "http://embedded-arc.local", database: orgId, measurement: "events" });

async function databases(server: NodeTestServer): Promise<string[]> {
  const { rows } = await engineClient(server, "default").query("SHOW DATABASES");
  return rows.map((row) => String(row[0]));
}

async function orgWithMemories(server: NodeTestServer, name: string): Promise<string> {
  const { orgId, key } = await server.newOrg(name, ["read", "write", "admin"]);
  const res = await server.api("POST", "/api/v1/memories", { key, body: { memories: [1, 2].map((i) => ({ agent_id: "a", content: `${name} ${i}` })) } });
  expect(res.status, res.text).toBe(201);
  expect((await server.api("POST", "/api/v1/admin/flush", { key })).status).toBe(200);
  await server.server.arcEngine!.flush();
  expect(await databases(server)).toContain(orgId);
  return orgId;
}

const owed = async (server: NodeTestServer) => (await server.server.services.store.listDeletedOrgData(100)).map((row) => row.orgId);

describe("a deleted org's memories in the embedded engine", () => {
  it("are dropped at once, dropped again after a late write, and the drop is settled once no write can come", async () => {
    const server = await start();
    const orgId = await orgWithMemories(server, "late");
    const deletedAt = Date.now();
    expect((await server.api("DELETE", `/api/v1/admin/orgs/${orgId}`)).status).toBe(204);
    await waitFor(async () => !(await databases(server)).includes(orgId), 10_000, "the first drop");
    expect(await owed(server)).toEqual([orgId]);

    // A delivery that found the org's Arc before the delete lands after it.
    const late = engineClient(server, orgId);
    await late.write([makeRecord({ org_id: orgId })]);
    await late.flushBuffers();
    expect(await databases(server)).toContain(orgId);
    await waitFor(async () => !(await databases(server)).includes(orgId), 10_000, "the late write dropped again");

    await waitFor(async () => (await owed(server)).length === 0, 15_000, "the drop to settle");
    expect(Date.now() - deletedAt).toBeGreaterThanOrEqual(3_100);
  }, 40_000);

  it("are dropped at the next start when the org was deleted while no server ran, and others' stay", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const masterKey = generateMasterKey();
    const first = await start(dir, masterKey);
    const gone = await orgWithMemories(first, "offline");
    const kept = await orgWithMemories(first, "kept");
    await first.close();
    servers.splice(servers.indexOf(first), 1);

    const out: string[] = [];
    expect(await runCli(["org", "delete", gone], { out: (t) => out.push(t), err: (t) => out.push(t), env: { MEMTRACE_DATA_DIR: dir } })).toBe(0);

    const second = await start(dir, masterKey);
    await waitFor(async () => !(await databases(second)).includes(gone), 10_000, "the drop at start");
    expect(await databases(second)).toContain(kept);
  }, 40_000);

  it("are kept, with the drop settled, when an org is made again under the same id", async () => {
    const server = await start();
    const store = server.server.services.store;
    // Only the bootstrap org's id can come back (a first start taken back, then the next start).
    const orgId = await orgWithMemories(server, "reborn");
    await store.deleteOrg(orgId);
    await store.createOrg("reborn again", orgId);
    await server.server.services.deletedOrgData.drop();
    expect(await owed(server)).toEqual([]);
    expect(await databases(server)).toContain(orgId);
  }, 40_000);
});

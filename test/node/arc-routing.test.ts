import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArcClient } from "../../core/arc/client";
import { ArcSocket } from "../support/arc-socket";
import { startMemoryServer, type MemoryTestEnv } from "../support/memory-server";

let env: MemoryTestEnv;
let tenantArc: ArcSocket;
const TOKEN = "tenant-arc-token-0123456789abcdef0123";

beforeAll(async () => {
  env = await startMemoryServer({ visibility: "200ms" });
  tenantArc = await ArcSocket.start({ token: TOKEN });
});
afterAll(async () => {
  await env.close();
  await tenantArc.close();
});

describe("per-org Arc routing", () => {
  it("writes and reads an org's memories in its own Arc instance and database, with its encrypted token", async () => {
    const org = await env.server.newOrg("tenant", ["read", "write", "admin"]);
    const bind = await env.server.api("POST", `/api/v1/admin/orgs/${org.orgId}/arc`, {
      body: { url: tenantArc.url, database: "tenant_db", api_key: TOKEN },
    });
    expect(bind.status).toBe(201);

    const written = await env.server.api("POST", "/api/v1/memories", { key: org.key, body: { agent_id: "t", content: "lives in the tenant's Arc" } });
    expect(written.status).toBe(201);
    expect((await env.server.api("POST", "/api/v1/admin/flush", { key: org.key })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 400));

    expect(await tenantArc.query("tenant_db", "SELECT id, org_id, content FROM events")).toEqual([[written.body.id, org.orgId, "lives in the tenant's Arc"]]);
    expect(await env.arc.query(org.orgId, "SELECT count(*) FROM events")).toEqual([]);
    const listed = await env.server.api("GET", "/api/v1/memories", { key: org.key });
    expect(listed.body.memories.map((m: { id: string }) => m.id)).toEqual([written.body.id]);

    // Another org keeps using the default Arc, in a database of its own.
    const other = await env.server.newOrg("default-user", ["read", "write", "admin"]);
    await env.server.api("POST", "/api/v1/memories", { key: other.key, body: { agent_id: "d", content: "in the default Arc" } });
    expect((await env.server.api("POST", "/api/v1/admin/flush", { key: other.key })).status).toBe(200);
    expect(await env.arc.query(other.orgId, "SELECT content FROM events")).toEqual([["in the default Arc"]]);
  });

  it("has an org's own Arc flush before every delete: it may buffer rows for longer than the visibility delay", async () => {
    const org = await env.server.newOrg("tenant-deletes", ["read", "write", "admin"]);
    const bind = await env.server.api("POST", `/api/v1/admin/orgs/${org.orgId}/arc`, {
      body: { url: tenantArc.url, database: "tenant_deletes", api_key: TOKEN },
    });
    expect(bind.status).toBe(201);
    const written = await env.server.api("POST", "/api/v1/memories", { key: org.key, body: { agent_id: "t", content: "deleted at once" } });
    expect(written.status).toBe(201);

    // Deleted before its delivery (200 ms) most likely: the default Arc would then skip the flush.
    const recording = tenantArc.recordPaths();
    expect((await env.server.api("DELETE", `/api/v1/memories/${written.body.id}`, { key: org.key })).status).toBe(204);
    recording.stop();
    const flush = recording.paths.indexOf("/api/v1/write/line-protocol/flush");
    expect(flush).toBeGreaterThanOrEqual(0);
    expect(recording.paths.lastIndexOf("/api/v1/delete")).toBeGreaterThan(flush);
  });

  it("answers 503 without leaking Arc's text when an org's Arc refuses our token", async () => {
    const org = await env.server.newOrg("wrong-token", ["read", "write", "admin"]);
    await env.server.api("POST", `/api/v1/admin/orgs/${org.orgId}/arc`, { body: { url: tenantArc.url, database: "other_db", api_key: "wrong-token-xxxxxxxxxxxxxxxxxxxxxxxxxx" } });
    const res = await env.server.api("GET", "/api/v1/memories", { key: org.key });
    expect(res.status).toBeGreaterThanOrEqual(502);
    expect(res.text).not.toMatch(/Invalid or expired token|wrong-token/);
  });

  it("checks dedup keys against an Arc database that holds memories from before the binding", async () => {
    const org = await env.server.newOrg("legacy", ["read", "write", "admin"]);
    const nowUs = Date.now() * 1000;
    // History written to the tenant's Arc by an earlier Memtrace, unknown to this one's outbox.
    const legacy = new ArcClient({ fetch: globalThis.fetch, baseUrl: tenantArc.url, token: TOKEN, database: "legacy_db", measurement: "events" });
    await legacy.write([
      {
        id: "0190aaaa-0000-7000-8000-000000000001",
        org_id: org.orgId,
        agent_id: "old",
        session_id: "",
        memory_type: "episodic",
        event_type: "general",
        content: "written long ago",
        metadata_json: "{}",
        tags: [],
        dedup_key: "legacy-key",
        importance: 0,
        parent_id: "",
        time_us: nowUs - 3_600_000_000,
        ingested_at_us: nowUs - 3_600_000_000,
      },
    ]);
    await tenantArc.engine.flush();
    expect((await env.server.api("POST", `/api/v1/admin/orgs/${org.orgId}/arc`, { body: { url: tenantArc.url, database: "legacy_db", api_key: TOKEN } })).status).toBe(201);

    const dup = await env.server.api("POST", "/api/v1/memories", { key: org.key, body: { agent_id: "old", content: "again", dedup_key: "legacy-key" } });
    expect(dup.status).toBe(409);
    expect(dup.body.existing_id).toBe("0190aaaa-0000-7000-8000-000000000001");
    // A key is its agent's own: another agent's memory with it is no duplicate.
    const otherAgent = await env.server.api("POST", "/api/v1/memories", { key: org.key, body: { agent_id: "new", content: "again", dedup_key: "legacy-key" } });
    expect(otherAgent.status).toBe(201);
    const fresh = await env.server.api("POST", "/api/v1/memories", { key: org.key, body: { agent_id: "new", content: "again", dedup_key: "fresh-key" } });
    expect(fresh.status).toBe(201);

    // Deleted while the tenant's Arc refuses deletes: its key is free again, though Arc still holds it.
    tenantArc.failDeletes(1_000);
    try {
      const deleted = await env.server.api("DELETE", "/api/v1/memories/0190aaaa-0000-7000-8000-000000000001", { key: org.key });
      expect(deleted.status).toBe(503);
      expect(await tenantArc.query("legacy_db", "SELECT count(*) FROM events WHERE dedup_key = 'legacy-key' AND agent_id = 'old'")).toEqual([[1]]);
      const reused = await env.server.api("POST", "/api/v1/memories", { key: org.key, body: { agent_id: "old", content: "anew", dedup_key: "legacy-key" } });
      expect(reused.status, reused.text).toBe(201);
    } finally {
      tenantArc.failDeletes(0);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMemoryServer, waitFor, type MemoryTestEnv } from "../support/memory-server";

// An org's memories in the default Arc live in a database of its own, which nothing can read once
// the org is deleted: the delete drops it, in the background, and leaves every other org's.
let env: MemoryTestEnv;
beforeAll(async () => {
  env = await startMemoryServer({ visibility: "100ms" });
});
afterAll(() => env?.close());

async function orgWithMemories(name: string): Promise<{ orgId: string; key: string; ids: string[] }> {
  const { orgId, key } = await env.server.newOrg(name, ["read", "write", "admin"]);
  const res = await env.server.api("POST", "/api/v1/memories", {
    key,
    body: { memories: [1, 2, 3].map((i) => ({ agent_id: "keeper", content: `${name} memory ${i}` })) },
  });
  expect(res.status, res.text).toBe(201);
  expect((await env.server.api("POST", "/api/v1/admin/flush", { key })).status).toBe(200);
  await waitFor(async () => (await env.arc.databases()).includes(orgId), 15_000, `${name}'s memories in Arc`);
  return { orgId, key, ids: res.body.results.map((r: { id: string }) => r.id) };
}

describe("deleting an organization", () => {
  it("drops its memories from the default Arc and keeps every other org's", async () => {
    const gone = await orgWithMemories("leaving");
    const kept = await orgWithMemories("staying");
    expect((await env.server.api("DELETE", `/api/v1/admin/orgs/${gone.orgId}`)).status).toBe(204);

    await waitFor(async () => !(await env.arc.databases()).includes(gone.orgId), 15_000, "the deleted org's database to go");
    expect(await env.arc.query(gone.orgId, "SELECT count(*) FROM events")).toEqual([]);
    expect((await env.arc.databases()).includes(kept.orgId)).toBe(true);
    const listed = await env.server.api("GET", "/api/v1/memories?agent_id=keeper", { key: kept.key });
    expect(listed.status).toBe(200);
    expect(listed.body.memories.map((m: { id: string }) => m.id).sort()).toEqual([...kept.ids].sort());
    // Its key went with it.
    expect((await env.server.api("GET", "/api/v1/memories?agent_id=keeper", { key: gone.key })).status).toBe(401);
  });

  it("drops them once Arc takes deletes again, when the first try failed", async () => {
    const gone = await orgWithMemories("retried");
    const seen = env.arc.recordPaths();
    env.arc.failDeletes(1_000);
    try {
      expect((await env.server.api("DELETE", `/api/v1/admin/orgs/${gone.orgId}`)).status).toBe(204);
      await waitFor(() => seen.paths.includes(`/api/v1/databases/${gone.orgId}`), 15_000, "a try to drop the deleted org's database");
      expect(await env.arc.databases()).toContain(gone.orgId);
    } finally {
      env.arc.failDeletes(0);
      seen.stop();
    }
    // The drop is owed still: the next pass (here asked for by another org's delete) makes it.
    const other = await env.server.newOrg("trigger");
    expect((await env.server.api("DELETE", `/api/v1/admin/orgs/${other.orgId}`)).status).toBe(204);
    await waitFor(async () => !(await env.arc.databases()).includes(gone.orgId), 15_000, "the deleted org's database to go");
  });
});

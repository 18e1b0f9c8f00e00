import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeTestServer } from "../support/harness";
import { startMemoryServer, waitFor, type MemoryTestEnv } from "../support/memory-server";

let env: MemoryTestEnv;
beforeAll(async () => {
  env = await startMemoryServer({ visibility: "200ms" });
});
afterAll(() => env.close());

describe("an organization deleted with memories still waiting for Arc", () => {
  it("drops them instead of retrying forever, and still delivers other orgs'", async () => {
    const pending = (orgId: string) => (env.server as NodeTestServer).server.services.coordinator.pendingRows?.(orgId);
    const doomed = await env.server.newOrg("doomed");
    const kept = await env.server.newOrg("kept", ["read", "write", "admin"]);
    await env.arc.stop();
    for (const org of [doomed, kept]) {
      for (const content of ["first", "second"]) {
        const res = await env.server.api("POST", "/api/v1/memories", { key: org.key, body: { agent_id: "a", content } });
        expect(res.status).toBe(201);
      }
    }
    expect((await env.server.api("DELETE", `/api/v1/admin/orgs/${doomed.orgId}`)).status).toBe(204);
    await env.arc.restart();

    await waitFor(() => pending(doomed.orgId) === 0 && pending(kept.orgId) === 0, 20_000, "both outboxes to empty");
    expect((await env.server.api("POST", "/api/v1/admin/flush", { key: kept.key })).status).toBe(200);
    expect(await env.arc.query(kept.orgId, "SELECT content FROM events ORDER BY content")).toEqual([["first"], ["second"]]);
    expect(await env.arc.query(doomed.orgId, "SELECT count(*) FROM events")).toEqual([]);
  });
});

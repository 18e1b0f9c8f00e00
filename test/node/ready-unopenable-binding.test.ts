import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateMasterKey, parseMasterKey } from "../../core/crypto/envelope";
import { startNodeTestServer, type NodeTestServer } from "../support/harness";

let server: NodeTestServer;

beforeAll(async () => {
  server = await startNodeTestServer();
});
afterAll(() => server.close());

describe("GET /ready with an Arc binding this server cannot open", () => {
  it("reports that org's Arc as down (503), not a 500 that hides every other Arc", async () => {
    const good = await server.newOrg("ready-good");
    const bad = await server.newOrg("ready-bad");
    expect((await server.api("GET", "/ready", { key: null })).status).toBe(200);
    // `memtrace org add-arc` run with another MEMTRACE_MASTER_KEY than the server's seals the Arc key with it.
    const otherMaster = await parseMasterKey(generateMasterKey());
    await server.server.services.store.addArcInstance(bad.orgId, { url: "http://127.0.0.1:1", database: "d", apiKey: "arc-token-1234" }, otherMaster);
    server.server.services.arc.invalidate(bad.orgId);

    const ready = await server.api("GET", "/ready", { key: server.adminKey });
    expect(ready.status, ready.text).toBe(503);
    expect(ready.body).toMatchObject({ status: "not ready", arc: { default: true, [bad.orgId]: false } });
    const anonymous = await server.api("GET", "/ready", { key: null });
    expect(anonymous.status).toBe(503);
    expect(anonymous.body).toMatchObject({ arc: { default: true, bound_orgs: false }, arc_orgs: { up: 0, down: 1 } });
    // Other orgs are untouched.
    expect((await server.api("GET", "/api/v1/memories", { key: good.key })).status).toBe(200);
  });
});

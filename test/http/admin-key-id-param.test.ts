import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/harness";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe("DELETE /api/v1/admin/orgs/:org_id/keys/:key_id", () => {
  it("takes a key id of plain digits only, never reading 0x.., 1e.. or 4.0 as another key's id (as `key revoke` refuses them)", async () => {
    const org = await server.newOrg("key-id-param", ["read", "write", "admin"]);
    const list = await server.api("GET", `/api/v1/admin/orgs/${org.orgId}/keys`);
    const id: number = list.body.keys[0].id;
    const other = await server.newKey(org.orgId, "kept", ["read"]);
    for (const spelled of [`0x${id.toString(16)}`, `${id}e0`, `${id}.0`, `%20${id}`, `+${id}`, `0${id}`]) {
      const res = await server.api("DELETE", `/api/v1/admin/orgs/${org.orgId}/keys/${spelled}`);
      expect(res.status, spelled).toBe(400);
      expect(res.body.error).toMatch(/key_id/);
    }
    // Nothing was revoked: both keys still work.
    expect((await server.api("GET", "/api/v1/agents", { key: org.key })).status).toBe(200);
    expect((await server.api("GET", "/api/v1/agents", { key: other })).status).toBe(200);
    expect((await server.api("GET", `/api/v1/admin/orgs/${org.orgId}/keys`)).body.count).toBe(2);
  });
});

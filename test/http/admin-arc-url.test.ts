import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/harness";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe("POST /api/v1/admin/orgs/:org_id/arc", () => {
  it("refuses a URL no Arc request could be made to (credentials, a query or a fragment), storing nothing and echoing no secret", async () => {
    const org = await server.newOrg("arc-url");
    for (const url of [
      "http://arcuser:TopSecretPw99@127.0.0.1:1",
      "http://arcuser@127.0.0.1:1",
      "http://127.0.0.1:1/base?token=QuerySecret77",
      "http://127.0.0.1:1/#frag",
    ]) {
      const res = await server.api("POST", `/api/v1/admin/orgs/${org.orgId}/arc`, { body: { url, database: "tenant_db" } });
      expect(res.status, url).toBe(400);
      expect(res.body.error).toMatch(/url/);
      expect(res.text).not.toMatch(/TopSecretPw99|QuerySecret77/);
      // Nothing was bound: the org still writes to the default Arc.
      expect((await server.api("GET", `/api/v1/admin/orgs/${org.orgId}/arc`)).status, url).toBe(404);
    }
    const ok = await server.api("POST", `/api/v1/admin/orgs/${org.orgId}/arc`, { body: { url: "http://127.0.0.1:1/arc/", database: "tenant_db" } });
    expect(ok.status).toBe(201);
    expect(ok.body.url).toBe("http://127.0.0.1:1/arc");
  });
});

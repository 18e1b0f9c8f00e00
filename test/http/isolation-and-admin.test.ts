import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/harness";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe("organization isolation", () => {
  it("keeps agents and sessions of two orgs apart (another org's is a 404)", async () => {
    const a = await server.newOrg("org-a");
    const b = await server.newOrg("org-b");
    const agent = (await server.api("POST", "/api/v1/agents", { key: a.key, body: { name: "secret-agent" } })).body;
    const session = (await server.api("POST", "/api/v1/sessions", { key: a.key, body: { agent_id: agent.id } })).body;

    expect((await server.api("GET", "/api/v1/agents", { key: b.key })).body.count).toBe(0);
    expect((await server.api("GET", "/api/v1/sessions", { key: b.key })).body.count).toBe(0);
    expect((await server.api("GET", `/api/v1/agents/${agent.id}`, { key: b.key })).status).toBe(404);
    expect((await server.api("GET", "/api/v1/agents/secret-agent", { key: b.key })).status).toBe(404);
    expect((await server.api("DELETE", `/api/v1/agents/${agent.id}`, { key: b.key })).status).toBe(404);
    expect((await server.api("GET", `/api/v1/sessions/${session.id}`, { key: b.key })).status).toBe(404);
    expect((await server.api("PUT", `/api/v1/sessions/${session.id}`, { key: b.key, body: { status: "closed" } })).status).toBe(404);
    const cross = await server.api("POST", "/api/v1/sessions", { key: b.key, body: { agent_id: agent.id } });
    expect([400, 404]).toContain(cross.status);
    // Org B can use the same agent name without conflict.
    expect((await server.api("POST", "/api/v1/agents", { key: b.key, body: { name: "secret-agent" } })).status).toBe(201);
    // Org A still sees its own, unchanged.
    expect((await server.api("GET", `/api/v1/sessions/${session.id}`, { key: a.key })).body.status).toBe("active");
  });

  it("does not let an org admin manage another org", async () => {
    const a = await server.newOrg("admin-a", ["read", "write", "admin"]);
    const b = await server.newOrg("admin-b");
    expect((await server.api("GET", `/api/v1/admin/orgs/${a.orgId}/keys`, { key: a.key })).status).toBe(200);
    expect((await server.api("GET", `/api/v1/admin/orgs/${b.orgId}/keys`, { key: a.key })).status).toBe(404);
    expect((await server.api("POST", `/api/v1/admin/orgs/${b.orgId}/keys`, { key: a.key, body: { name: "x" } })).status).toBe(404);
    expect((await server.api("GET", "/api/v1/admin/orgs", { key: a.key })).status).toBe(403);
    expect((await server.api("GET", `/api/v1/admin/orgs/${a.orgId}`, { key: a.key })).body.name).toBe("admin-a");
    expect((await server.api("GET", `/api/v1/admin/orgs/${b.orgId}`, { key: a.key })).status).toBe(404);
    expect((await server.api("GET", `/api/v1/admin/orgs/${a.orgId}`, { key: b.key })).status).toBe(403);
  });
});

describe("admin API", () => {
  it("creates, lists and deletes orgs with a real cascade", async () => {
    const org = await server.newOrg("doomed");
    const agent = (await server.api("POST", "/api/v1/agents", { key: org.key, body: { name: "a" } })).body;
    await server.api("POST", "/api/v1/sessions", { key: org.key, body: { agent_id: agent.id } });
    const list = await server.api("GET", "/api/v1/admin/orgs");
    expect(list.body.organizations.map((o: { id: string }) => o.id)).toContain(org.orgId);
    const one = await server.api("GET", `/api/v1/admin/orgs/${org.orgId}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(list.body.organizations.find((o: { id: string }) => o.id === org.orgId));
    expect((await server.api("DELETE", `/api/v1/admin/orgs/${org.orgId}`)).status).toBe(204);
    expect((await server.api("GET", "/api/v1/agents", { key: org.key })).status).toBe(401);
    expect((await server.api("DELETE", `/api/v1/admin/orgs/${org.orgId}`)).status).toBe(404);
    const after = await server.api("GET", "/api/v1/admin/orgs");
    expect(after.body.organizations.map((o: { id: string }) => o.id)).not.toContain(org.orgId);
    expect((await server.api("GET", `/api/v1/admin/orgs/${org.orgId}`)).status).toBe(404);
  });

  it("manages keys: create shows the key once, list never shows secrets", async () => {
    const org = await server.newOrg("keys-org");
    const created = await server.api("POST", `/api/v1/admin/orgs/${org.orgId}/keys`, { body: { name: "ci", permissions: ["read"] } });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^mtk_[A-Za-z0-9_-]{43}=$/);
    expect(created.body.permissions).toEqual(["read"]);
    const dup = await server.api("POST", `/api/v1/admin/orgs/${org.orgId}/keys`, { body: { name: "ci" } });
    expect(dup.status).toBe(409);
    const bad = await server.api("POST", `/api/v1/admin/orgs/${org.orgId}/keys`, { body: { name: "x", permissions: ["root"] } });
    expect(bad.status).toBe(400);
    const list = await server.api("GET", `/api/v1/admin/orgs/${org.orgId}/keys`);
    expect(list.body.count).toBe(2);
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    expect(JSON.stringify(list.body)).not.toMatch(/\$2[aby]\$/);
  });

  it("binds, shows (masked) and removes an org's Arc instance", async () => {
    const org = await server.newOrg("arc-org");
    const add = await server.api("POST", `/api/v1/admin/orgs/${org.orgId}/arc`, {
      body: { url: "http://127.0.0.1:1", database: "tenant_db", api_key: "arc-secret-token-123" },
    });
    expect(add.status).toBe(201);
    expect(add.body).toMatchObject({ url: "http://127.0.0.1:1", database: "tenant_db", measurement: "events" });
    expect(JSON.stringify(add.body)).not.toContain("arc-secret-token-123");
    expect((await server.api("POST", `/api/v1/admin/orgs/${org.orgId}/arc`, { body: { url: "http://127.0.0.1:2", database: "d" } })).status).toBe(409);
    const show = await server.api("GET", `/api/v1/admin/orgs/${org.orgId}/arc`);
    expect(show.body.api_key_masked).toMatch(/^arc-\*+-123$/);
    expect((await server.api("DELETE", `/api/v1/admin/orgs/${org.orgId}/arc`)).status).toBe(204);
    expect((await server.api("GET", `/api/v1/admin/orgs/${org.orgId}/arc`)).status).toBe(404);
  });

  it("lets only the operator bind or unbind an Arc: an org's own admin sees its binding, but cannot aim the server at a URL", async () => {
    const org = await server.newOrg("arc-tenant", ["read", "write", "admin"]);
    const own = { key: org.key };
    const bind = await server.api("POST", `/api/v1/admin/orgs/${org.orgId}/arc`, { ...own, body: { url: "http://169.254.169.254", database: "d" } });
    expect(bind.status).toBe(403);
    expect(bind.body.error).toMatch(/operator/);
    expect((await server.api("GET", `/api/v1/admin/orgs/${org.orgId}/arc`, own)).status).toBe(404);

    expect((await server.api("POST", `/api/v1/admin/orgs/${org.orgId}/arc`, { body: { url: "http://127.0.0.1:1", database: "tenant_db" } })).status).toBe(201);
    const shown = await server.api("GET", `/api/v1/admin/orgs/${org.orgId}/arc`, own);
    expect(shown.status).toBe(200);
    expect(shown.body.url).toBe("http://127.0.0.1:1");
    expect((await server.api("DELETE", `/api/v1/admin/orgs/${org.orgId}/arc`, own)).status).toBe(403);
    expect((await server.api("GET", `/api/v1/admin/orgs/${org.orgId}/arc`, own)).body.url).toBe("http://127.0.0.1:1");
  });
});

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

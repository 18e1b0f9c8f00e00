import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_PATTERN, keyLookupPrefix } from "../../core/auth/api-key";
import { apiKeyInfoSchema, organizationSchema } from "../../core/metadata/schemas";
import { type StoreHarness, errorCode, openStoreHarness } from "./harness";

describe("organizations", () => {
  let h: StoreHarness;
  beforeAll(async () => {
    h = await openStoreHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it("creates with a generated or given id, lists oldest first, counts", async () => {
    const a = await h.store.createOrg("  Acme  ");
    expect(a.id).toMatch(/^org_[0-9a-f]{24}$/);
    expect(a.name).toBe("Acme");
    expect(organizationSchema.parse(a)).toEqual(a);
    h.clock.advance(1000);
    const d = await h.store.createOrg("Default", "org_default");
    expect(d).toEqual({ id: "org_default", name: "Default", created_at: "2026-01-01T12:00:01.000Z" });
    expect((await h.store.listOrgs()).map((o) => o.id)).toEqual([a.id, "org_default"]);
    expect(await h.store.countOrgs()).toBe(2);
    expect(await h.store.getOrg("org_default")).toEqual(d);
    expect(await h.store.getOrg("org_missing")).toBeNull();
  });

  it("refuses a taken id (409) and an empty name (400)", async () => {
    expect((await errorCode(h.store.createOrg("Again", "org_default"))).code).toBe("conflict");
    expect(await errorCode(h.store.createOrg("   "))).toEqual({ code: "bad_request", message: "name is required" });
    expect((await errorCode(h.store.createOrg("x", "1bad id"))).code).toBe("bad_request");
  });

  it("deletes an org with everything it owns, and nothing of another org", async () => {
    const doomed = await h.store.createOrg("Doomed");
    const kept = await h.store.createOrg("Kept");
    for (const org of [doomed, kept]) {
      const agent = await h.store.createAgent(org.id, { name: "bot" });
      await h.store.createSession(org.id, { agent_id: agent.id });
      await h.store.createApiKey({ orgId: org.id, name: "k", permissions: ["read"] });
    }
    const masterKey = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
    await h.store.addArcInstance(doomed.id, { url: "http://arc:8000", database: "doomed" }, masterKey);

    expect(await h.store.deleteOrg(doomed.id)).toBe(true);
    expect(await h.store.deleteOrg(doomed.id)).toBe(false);
    for (const table of ["agents", "sessions", "api_keys", "arc_instances"]) {
      const { rows } = await h.sql.execute(`SELECT COUNT(*) AS n FROM ${table} WHERE org_id = ?`, [doomed.id]);
      expect(Number(rows[0]?.n), table).toBe(0);
    }
    expect((await h.store.listAgents(kept.id)).agents).toHaveLength(1);
    expect((await h.store.listSessions(kept.id)).sessions).toHaveLength(1);
    expect(await h.store.listApiKeys(kept.id)).toHaveLength(1);
  });
});

describe("API keys", () => {
  let h: StoreHarness;
  let orgA: string;
  let orgB: string;
  beforeAll(async () => {
    h = await openStoreHarness();
    orgA = (await h.store.createOrg("A")).id;
    orgB = (await h.store.createOrg("B")).id;
  });
  afterAll(async () => {
    await h.close();
  });

  it("returns a 48-char mtk_ key once and stores only its bcrypt hash and SHA-256 prefix", async () => {
    const { key, plaintext } = await h.store.createApiKey({ orgId: orgA, name: "ci", permissions: ["write", "read"] });
    expect(plaintext).toMatch(API_KEY_PATTERN);
    expect(plaintext).toHaveLength(48);
    expect(apiKeyInfoSchema.strict().parse(key)).toEqual(key);
    expect(key).toMatchObject({ org_id: orgA, name: "ci", permissions: ["read", "write"], enabled: true });
    expect(key).not.toHaveProperty("expires_at");

    const { rows } = await h.sql.execute("SELECT * FROM api_keys WHERE id = ?", [key.id]);
    const row = rows[0]!;
    expect(Object.values(row)).not.toContain(plaintext);
    expect(JSON.stringify(Object.values(row).map(String))).not.toContain(plaintext.slice(4));
    expect(row.key_prefix).toBe(await keyLookupPrefix(plaintext));
    expect(row.key_prefix).toMatch(/^[0-9a-f]{16}$/);
    expect(await bcrypt.compare(plaintext, String(row.key_hash))).toBe(true);
    expect(bcrypt.getRounds(String(row.key_hash))).toBe(10);
  });

  it("makes names unique per org, not globally", async () => {
    expect(await errorCode(h.store.createApiKey({ orgId: orgA, name: "ci", permissions: ["read"] }))).toEqual({
      code: "conflict",
      message: "api key 'ci' already exists in this organization",
    });
    const other = await h.store.createApiKey({ orgId: orgB, name: "ci", permissions: ["admin"] });
    expect(other.key.org_id).toBe(orgB);
  });

  it("rejects an unknown org (404), unknown permission, empty permissions and past expiry (400)", async () => {
    expect((await errorCode(h.store.createApiKey({ orgId: "org_nope", name: "x", permissions: ["read"] }))).code).toBe("not_found");
    expect((await errorCode(h.store.createApiKey({ orgId: orgA, name: "x", permissions: ["root" as "read"] }))).code).toBe("bad_request");
    expect((await errorCode(h.store.createApiKey({ orgId: orgA, name: "x", permissions: [] }))).code).toBe("bad_request");
    const past = new Date(h.clock.now() - 1000).toISOString();
    expect(await errorCode(h.store.createApiKey({ orgId: orgA, name: "x", permissions: ["read"], expiresAt: past }))).toEqual({
      code: "bad_request",
      message: "expires_at must be in the future",
    });
  });

  it("lists per org, finds active keys by prefix, touches last_used_at", async () => {
    const future = "2026-06-01T00:00:00+02:00";
    const { key, plaintext } = await h.store.createApiKey({ orgId: orgA, name: "exp", permissions: ["read"], expiresAt: future });
    expect(key.expires_at).toBe("2026-05-31T22:00:00.000Z");
    expect((await h.store.listApiKeys(orgA)).map((k) => k.name)).toEqual(["ci", "exp"]);
    expect((await h.store.listApiKeys(orgB)).map((k) => k.name)).toEqual(["ci"]);

    const found = await h.store.findActiveKeysByPrefix(await keyLookupPrefix(plaintext));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ id: key.id, orgId: orgA, name: "exp", permissions: ["read"], expiresAt: "2026-05-31T22:00:00.000Z" });

    h.clock.advance(5000);
    await h.store.touchApiKey(key.id);
    const listed = (await h.store.listApiKeys(orgA)).find((k) => k.id === key.id);
    expect(listed?.last_used_at).toBe(new Date(h.clock.now()).toISOString());
  });

  it("revokes by deleting, scoped to the org when given", async () => {
    const { key, plaintext } = await h.store.createApiKey({ orgId: orgA, name: "temp", permissions: ["read"] });
    expect(await h.store.revokeApiKey(key.id, orgB)).toBeNull();
    expect(await h.store.findActiveKeysByPrefix(await keyLookupPrefix(plaintext))).toHaveLength(1);
    const revoked = await h.store.revokeApiKey(key.id, orgA);
    expect(revoked).toMatchObject({ id: key.id, name: "temp" });
    expect(await h.store.findActiveKeysByPrefix(await keyLookupPrefix(plaintext))).toEqual([]);
    expect(await h.store.revokeApiKey(key.id)).toBeNull();
    // The name is free again.
    expect((await h.store.createApiKey({ orgId: orgA, name: "temp", permissions: ["read"] })).key.name).toBe("temp");
  });
});

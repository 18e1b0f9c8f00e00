import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentTokens, type AgentTokenGrant } from "../../core/auth/agent-token";
import { deriveAgentTokenKey } from "../../core/auth/token-key";
import { ApiKeyVerifier, type ApiKeyLookup } from "../../core/auth/verifier";
import { ManualClock } from "../../core/clock";
import { generateMasterKey } from "../../core/crypto/envelope";
import { openStoreHarness, type StoreHarness } from "../metadata/harness";

const master = generateMasterKey();
const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
const grant = (overrides: Partial<AgentTokenGrant> = {}): AgentTokenGrant => ({
  orgId: "org_a",
  keyId: 7,
  agentId: "crawler",
  permissions: ["read", "write"],
  expiresAtMs: clock.now() + 3_600_000,
  ...overrides,
});

/** Base64url of a JSON object, for hand-built tokens. */
const part = (value: object) => btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

describe("AgentTokens", () => {
  let tokens: AgentTokens;
  beforeAll(async () => {
    tokens = new AgentTokens({ key: await deriveAgentTokenKey(master), clock });
  });

  it("round-trips a grant, and another instance from the same master key verifies it without any lookup", async () => {
    const { token, tokenId } = await tokens.mint(grant({ sessionId: "sess_1" }));
    expect(token.startsWith("mtt_")).toBe(true);
    const elsewhere = new AgentTokens({ key: await deriveAgentTokenKey(master), clock });
    const check = await elsewhere.verify(token);
    expect(check).toEqual({ ok: true, token: { ...grant({ sessionId: "sess_1" }), tokenId } });
  });

  it("expires: valid a second before its expiry, expired after it", async () => {
    const { token } = await tokens.mint(grant({ expiresAtMs: clock.now() + 60_000 }));
    const later = new ManualClock(clock.now() + 59_000);
    const verifier = new AgentTokens({ key: await deriveAgentTokenKey(master), clock: later });
    expect((await verifier.verify(token)).ok).toBe(true);
    later.advance(2_000);
    expect(await verifier.verify(token)).toEqual({ ok: false, reason: "expired" });
  });

  it("refuses a token signed with another master key, even an expired one, as invalid", async () => {
    const other = new AgentTokens({ key: await deriveAgentTokenKey(generateMasterKey()), clock });
    expect(await tokens.verify((await other.mint(grant())).token)).toEqual({ ok: false, reason: "invalid" });
    const stale = (await other.mint(grant({ expiresAtMs: clock.now() - 1000 }))).token;
    expect(await tokens.verify(stale)).toEqual({ ok: false, reason: "invalid" });
  });

  it("refuses a tampered payload, alg none, a foreign HS256 secret, and junk", async () => {
    const { token } = await tokens.mint(grant());
    const [header, , signature] = token.slice(4).split(".");
    const payload = part({ iss: "memtrace", aud: "memtrace-api", jti: "tok_x", exp: 4_000_000_000, org: "org_a", key: 7, agt: "admin", perm: ["read", "write"] });
    expect((await tokens.verify(`mtt_${header}.${payload}.${signature}`)).ok).toBe(false);
    expect((await tokens.verify(`mtt_${part({ alg: "none", typ: "JWT" })}.${payload}.`)).ok).toBe(false);
    const foreign = await new SignJWT({ org: "org_a", key: 7, agt: "crawler", perm: ["read"] })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("memtrace")
      .setAudience("memtrace-api")
      .setJti("tok_f")
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode("a guessed secret that is long enough"));
    expect((await tokens.verify(`mtt_${foreign}`)).ok).toBe(false);
    for (const junk of ["", "mtt_", "mtt_a.b.c", `mtk_${"A".repeat(43)}=`, token.slice(4), `${token}x`, `mtt_${"a".repeat(5000)}.b.c`]) {
      expect((await tokens.verify(junk)).ok, junk.slice(0, 20)).toBe(false);
    }
  });

  it("refuses claims outside the token contract (admin permission, a malformed agent id)", async () => {
    const key = await deriveAgentTokenKey(master);
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuer("memtrace").setAudience("memtrace-api").setJti("tok_c").setExpirationTime("1h").sign(key);
    const base = { org: "org_a", key: 7, agt: "crawler", perm: ["read"] };
    expect((await tokens.verify(`mtt_${await sign(base)}`)).ok).toBe(true);
    expect((await tokens.verify(`mtt_${await sign({ ...base, perm: ["admin"] })}`)).ok).toBe(false);
    expect((await tokens.verify(`mtt_${await sign({ ...base, agt: "1; DROP" })}`)).ok).toBe(false);
    expect((await tokens.verify(`mtt_${await sign({ ...base, key: "7" })}`)).ok).toBe(false);
  });
});

describe("ApiKeyVerifier.activeKey (the revocation check behind every token)", () => {
  let h: StoreHarness;
  let orgId: string;
  let listings = 0;
  const make = () => {
    const store: ApiKeyLookup = {
      findActiveKeysByPrefix: (prefix) => h.store.findActiveKeysByPrefix(prefix),
      touchApiKey: async () => undefined,
      listApiKeys: (org) => {
        listings++;
        return h.store.listApiKeys(org);
      },
    };
    return new ApiKeyVerifier({ store, clock: h.clock, cacheTtlMs: 60_000, negativeTtlMs: 5_000 });
  };

  beforeAll(async () => {
    h = await openStoreHarness();
    orgId = (await h.store.createOrg("A")).id;
  });
  afterAll(() => h.close());

  it("answers from memory within the TTL: one listing per key, none after the key was verified", async () => {
    const { key, plaintext } = await h.store.createApiKey({ orgId, name: "k1", permissions: ["read"] });
    const verifier = make();
    listings = 0;
    expect(await verifier.activeKey(key.id, orgId)).toMatchObject({ keyId: key.id, orgId, permissions: ["read"] });
    await Promise.all([verifier.activeKey(key.id, orgId), verifier.activeKey(key.id, orgId)]);
    expect(listings).toBe(1);
    const fresh = make();
    await fresh.verify(plaintext);
    listings = 0;
    expect(await fresh.activeKey(key.id, orgId)).not.toBeNull();
    expect(listings).toBe(0);
    expect(await fresh.activeKey(key.id, "org_other")).toBeNull();
  });

  it("a revocation on this process applies at once; on another process within the TTL", async () => {
    const { key } = await h.store.createApiKey({ orgId, name: "k2", permissions: ["read", "write"] });
    const here = make();
    const elsewhere = make();
    expect(await here.activeKey(key.id, orgId)).not.toBeNull();
    expect(await elsewhere.activeKey(key.id, orgId)).not.toBeNull();
    await h.store.revokeApiKey(key.id, orgId);
    here.evictKey(key.id);
    expect(await here.activeKey(key.id, orgId)).toBeNull();
    expect(await elsewhere.activeKey(key.id, orgId)).not.toBeNull();
    h.clock.advance(60_001);
    expect(await elsewhere.activeKey(key.id, orgId)).toBeNull();
  });

  it("an expired key stops standing for its tokens at its expiry, cached or not", async () => {
    const expiresAt = new Date(h.clock.now() + 30_000).toISOString();
    const { key } = await h.store.createApiKey({ orgId, name: "k3", permissions: ["read"], expiresAt });
    const verifier = make();
    expect(await verifier.activeKey(key.id, orgId)).not.toBeNull();
    h.clock.advance(30_001);
    expect(await verifier.activeKey(key.id, orgId)).toBeNull();
  });

  it("evictOrg forgets every key of a deleted org", async () => {
    const other = (await h.store.createOrg("B")).id;
    const { key } = await h.store.createApiKey({ orgId: other, name: "k4", permissions: ["read"] });
    const verifier = make();
    expect(await verifier.activeKey(key.id, other)).not.toBeNull();
    await h.store.deleteOrg(other);
    verifier.evictOrg(other);
    expect(await verifier.activeKey(key.id, other)).toBeNull();
  });
});

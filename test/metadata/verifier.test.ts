import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareApiKey, generateApiKey } from "../../core/auth/api-key";
import { type ApiKeyLookup, ApiKeyVerifier, type ApiKeyVerifierOptions, type StoredApiKey } from "../../core/auth/verifier";
import { type StoreHarness, openStoreHarness } from "./harness";

/** Counts every call the verifier makes to the store and to bcrypt; background tasks are collected. */
function instrumented(h: StoreHarness, options: Partial<ApiKeyVerifierOptions> = {}) {
  const counts = { lookups: 0, touches: 0, compares: 0 };
  const tasks: Promise<void>[] = [];
  const store: ApiKeyLookup = {
    findActiveKeysByPrefix: (prefix) => {
      counts.lookups++;
      return h.store.findActiveKeysByPrefix(prefix);
    },
    touchApiKey: (id) => {
      counts.touches++;
      return h.store.touchApiKey(id);
    },
  };
  const verifier = new ApiKeyVerifier({
    store,
    clock: h.clock,
    compare: (plaintext, hash) => {
      counts.compares++;
      return compareApiKey(plaintext, hash);
    },
    background: (task) => void tasks.push(task),
    ...options,
  });
  return { verifier, counts, settle: () => Promise.all(tasks) };
}

describe("ApiKeyVerifier", () => {
  let h: StoreHarness;
  let orgId: string;
  beforeAll(async () => {
    h = await openStoreHarness();
    orgId = (await h.store.createOrg("A")).id;
  });
  afterAll(async () => {
    await h.close();
  });

  it("accepts a valid key with its org, name and permissions, running bcrypt once while cached", async () => {
    const { key, plaintext } = await h.store.createApiKey({ orgId, name: "ok", permissions: ["read", "write"] });
    const { verifier, counts, settle } = instrumented(h);
    const expected = { keyId: key.id, orgId, name: "ok", permissions: ["read", "write"] };
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => verifier.verify(plaintext)));
    for (const result of concurrent) expect(result).toEqual(expected);
    h.clock.advance(30_000);
    expect(await verifier.verify(plaintext)).toEqual(expected);
    expect(counts).toMatchObject({ compares: 1, lookups: 1 });
    // Past the cache TTL the key is checked against the database again.
    h.clock.advance(31_000);
    expect(await verifier.verify(plaintext)).toEqual(expected);
    expect(counts.compares).toBe(2);
    await settle();
  });

  it("rejects malformed keys without touching the store, and unknown keys via a short negative cache", async () => {
    const { verifier, counts } = instrumented(h);
    for (const bad of ["", "mtk_short", `Bearer ${generateApiKey()}`, generateApiKey().slice(0, 47)]) {
      expect(await verifier.verify(bad)).toBeNull();
    }
    expect(counts.lookups).toBe(0);
    const unknown = generateApiKey();
    expect(await verifier.verify(unknown)).toBeNull();
    expect(await verifier.verify(unknown)).toBeNull();
    expect(counts.lookups).toBe(1);
    h.clock.advance(5_001);
    expect(await verifier.verify(unknown)).toBeNull();
    expect(counts.lookups).toBe(2);
  });

  it("runs bcrypt once for a flood of one wrong key whose prefix matches a stored row", async () => {
    const real = generateApiKey();
    const wrong = generateApiKey();
    const row: StoredApiKey = { id: 1, orgId, name: "x", keyHash: bcrypt.hashSync(real, 4), permissions: ["read"], expiresAt: null };
    let compares = 0;
    const verifier = new ApiKeyVerifier({
      store: { findActiveKeysByPrefix: async () => [row], touchApiKey: async () => undefined },
      clock: h.clock,
      compare: (plaintext, hash) => {
        compares++;
        return compareApiKey(plaintext, hash);
      },
    });
    const results = await Promise.all(Array.from({ length: 10 }, () => verifier.verify(wrong)));
    expect(results.every((r) => r === null)).toBe(true);
    expect(await verifier.verify(wrong)).toBeNull();
    expect(compares).toBe(1);
    expect(await verifier.verify(real)).toMatchObject({ keyId: 1 });
  });

  it("rejects an expired key, and never serves a cached key past its expiry", async () => {
    const expiresAt = new Date(h.clock.now() + 10 * 60_000).toISOString();
    const { plaintext } = await h.store.createApiKey({ orgId, name: "expiring", permissions: ["read"], expiresAt });
    const { verifier, settle } = instrumented(h, { cacheTtlMs: 60 * 60_000 });
    expect(await verifier.verify(plaintext)).not.toBeNull();
    h.clock.advance(10 * 60_000);
    expect(await verifier.verify(plaintext)).toBeNull();

    const { key: old, plaintext: oldKey } = await h.store.createApiKey({ orgId, name: "old", permissions: ["read"] });
    await h.sql.execute("UPDATE api_keys SET expires_at = ? WHERE id = ?", [new Date(h.clock.now() - 1).toISOString(), old.id]);
    expect(await verifier.verify(oldKey)).toBeNull();
    await settle();
  });

  it("stops accepting a revoked key at once after evictKey, and an org's keys after evictOrg", async () => {
    const { key, plaintext } = await h.store.createApiKey({ orgId, name: "revoked", permissions: ["admin"] });
    const { verifier, settle } = instrumented(h, { cacheTtlMs: 60 * 60_000 });
    expect(await verifier.verify(plaintext)).not.toBeNull();
    await h.store.revokeApiKey(key.id, orgId);
    // Still cached: this is what eviction is for.
    expect(await verifier.verify(plaintext)).not.toBeNull();
    verifier.evictKey(key.id);
    expect(await verifier.verify(plaintext)).toBeNull();

    const other = (await h.store.createOrg("Other")).id;
    const k2 = await h.store.createApiKey({ orgId: other, name: "k", permissions: ["read"] });
    expect(await verifier.verify(k2.plaintext)).not.toBeNull();
    await h.store.deleteOrg(other);
    verifier.evictOrg(other);
    expect(await verifier.verify(k2.plaintext)).toBeNull();
    await settle();
  });

  it("does not cache a verification that was in flight when the key was evicted", async () => {
    const { key, plaintext } = await h.store.createApiKey({ orgId, name: "racing", permissions: ["read"] });
    let release!: () => void;
    let entered!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const reachedBcrypt = new Promise<void>((resolve) => (entered = resolve));
    const { verifier, settle } = instrumented(h, {
      compare: async (p, hash) => {
        entered();
        await gate;
        return compareApiKey(p, hash);
      },
    });
    const inFlight = verifier.verify(plaintext);
    await reachedBcrypt;
    await h.store.revokeApiKey(key.id);
    verifier.evictKey(key.id);
    release();
    expect(await inFlight).not.toBeNull();
    expect(await verifier.verify(plaintext)).toBeNull();
    await settle();
  });

  it("writes last_used_at at most once a minute per key, off the request path", async () => {
    const { key, plaintext } = await h.store.createApiKey({ orgId, name: "touched", permissions: ["read"] });
    const { verifier, counts, settle } = instrumented(h);
    const firstUse = new Date(h.clock.now()).toISOString();
    await verifier.verify(plaintext);
    await verifier.verify(plaintext);
    h.clock.advance(59_000);
    await verifier.verify(plaintext);
    expect(counts.touches).toBe(1);
    await settle();
    expect((await h.store.listApiKeys(orgId)).find((k) => k.id === key.id)?.last_used_at).toBe(firstUse);
    h.clock.advance(1_000);
    await verifier.verify(plaintext);
    expect(counts.touches).toBe(2);
    await settle();
    expect((await h.store.listApiKeys(orgId)).find((k) => k.id === key.id)?.last_used_at).toBe(new Date(h.clock.now()).toISOString());
  });

  it("reports a failed last_used_at write without failing the request", async () => {
    const { plaintext } = await h.store.createApiKey({ orgId, name: "touch-fails", permissions: ["read"] });
    const errors: unknown[] = [];
    const tasks: Promise<void>[] = [];
    const verifier = new ApiKeyVerifier({
      store: { findActiveKeysByPrefix: (p) => h.store.findActiveKeysByPrefix(p), touchApiKey: async () => Promise.reject(new Error("db down")) },
      clock: h.clock,
      background: (task) => void tasks.push(task),
      onTouchError: (error) => void errors.push(error),
    });
    expect(await verifier.verify(plaintext)).not.toBeNull();
    await Promise.all(tasks);
    expect(errors).toHaveLength(1);
  });
});

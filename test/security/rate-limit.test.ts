import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { settingsSchema } from "../../core/config/schema";
import { createRateLimiter, InMemoryRateLimiter, unlimitedRateLimiter } from "../../core/rate-limit/limiter";
import { startNodeTestServer, type NodeTestServer } from "../support/harness";
import { mintToken } from "./support";

describe("InMemoryRateLimiter", () => {
  const limiter = (clock: ManualClock, maxBuckets?: number) =>
    new InMemoryRateLimiter({
      perKey: { perSecond: 2, burst: 3 },
      perOrg: { perSecond: 4, burst: 5 },
      clock,
      ...(maxBuckets ? { maxBuckets } : {}),
    });

  it("admits a burst, refuses the next with the wait for one token, and refills at the rate", async () => {
    const clock = new ManualClock();
    const l = limiter(clock);
    for (let i = 0; i < 3; i++) expect(await l.consume({ keyId: 1, orgId: "o" })).toEqual({ allowed: true });
    expect(await l.consume({ keyId: 1, orgId: "o" })).toEqual({ allowed: false, scope: "key", limit: { perSecond: 2, burst: 3 }, retryAfterMs: 500 });
    clock.advance(499);
    expect((await l.consume({ keyId: 1, orgId: "o" })).allowed).toBe(false);
    clock.advance(1);
    expect((await l.consume({ keyId: 1, orgId: "o" })).allowed).toBe(true);
    clock.advance(60_000);
    for (let i = 0; i < 3; i++) expect((await l.consume({ keyId: 1, orgId: "o" })).allowed).toBe(true);
  });

  it("limits the org across its keys, and a refused request takes from neither bucket", async () => {
    const clock = new ManualClock();
    const l = limiter(clock);
    for (let i = 0; i < 3; i++) expect((await l.consume({ keyId: 1, orgId: "o" })).allowed).toBe(true);
    for (let i = 0; i < 10; i++) expect((await l.consume({ keyId: 1, orgId: "o" })).allowed).toBe(false);
    expect((await l.consume({ keyId: 2, orgId: "o" })).allowed).toBe(true);
    expect((await l.consume({ keyId: 2, orgId: "o" })).allowed).toBe(true);
    expect(await l.consume({ keyId: 3, orgId: "o" })).toMatchObject({ allowed: false, scope: "org", retryAfterMs: 250 });
    expect((await l.consume({ keyId: 4, orgId: "other" })).allowed).toBe(true);
  });

  it("holds at most maxBuckets, dropping the least recently used", async () => {
    const clock = new ManualClock();
    const l = limiter(clock, 4);
    for (let i = 0; i < 3; i++) await l.consume({ keyId: 1, orgId: "o1" });
    expect((await l.consume({ keyId: 1, orgId: "o1" })).allowed).toBe(false);
    await l.consume({ keyId: 2, orgId: "o2" });
    await l.consume({ keyId: 3, orgId: "o3" });
    // key 1's bucket was pushed out: it starts full again.
    expect((await l.consume({ keyId: 1, orgId: "o1" })).allowed).toBe(true);
  });

  it("follows [rate_limit]: on by default, off when disabled", () => {
    const settings = settingsSchema.parse({});
    expect(settings.rate_limit).toEqual({ enabled: true, per_key_rps: 2000, per_key_burst: 4000, per_org_rps: 10000, per_org_burst: 20000 });
    expect(createRateLimiter(settings.rate_limit, new ManualClock())).toBeInstanceOf(InMemoryRateLimiter);
    expect(createRateLimiter({ ...settings.rate_limit, enabled: false }, new ManualClock())).toBe(unlimitedRateLimiter);
    expect(settingsSchema.safeParse({ rate_limit: { per_key_rps: 0 } }).success).toBe(false);
  });
});

describe("rate limits over HTTP", () => {
  let server: NodeTestServer;
  beforeAll(async () => {
    // A refill of one request per 1,000 s: nothing refills while the test runs, however slow the machine.
    server = await startNodeTestServer({
      settings: { rate_limit: { per_key_rps: 0.001, per_key_burst: 3, per_org_rps: 0.001, per_org_burst: 5 } },
    });
  });
  afterAll(() => server.close());

  /** Orgs and keys made in-process, so setting up spends no request budget. */
  const newOrg = async (name: string) => {
    const { store } = server.server.services;
    const org = await store.createOrg(name);
    const newKey = async (keyName: string) =>
      (await store.createApiKey({ orgId: org.id, name: keyName, permissions: ["read", "write"] })).plaintext;
    return { orgId: org.id, newKey };
  };

  it("answers 429 with Retry-After and the limit, per key, then per org; agent tokens count against their key", async () => {
    const { orgId, newKey } = await newOrg("limited");
    const key = await newKey("first");
    const second = await newKey("second");
    const token = await mintToken(server, key, { agent_id: "crawler" }); // key: 1 of 3
    expect((await server.api("GET", "/api/v1/agents", { key })).status).toBe(200); // 2 of 3
    expect((await server.api("GET", "/api/v1/agents", { key: token })).status).toBe(200); // 3 of 3
    const limited = await server.api("GET", "/api/v1/agents", { key: token });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toBe("rate limit exceeded: this API key may send 0.001 requests per second (bursts of 3)");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(900);
    expect((await server.api("GET", "/api/v1/agents", { key })).status).toBe(429);

    // The org had 5: 3 went through `key`, 2 more through `second`, then the org is out.
    expect((await server.api("GET", "/api/v1/agents", { key: second })).status).toBe(200);
    expect((await server.api("GET", "/api/v1/agents", { key: second })).status).toBe(200);
    const orgLimited = await server.api("POST", "/api/v1/memories", { key: second, body: { agent_id: "a", content: "refused" } });
    expect(orgLimited.status).toBe(429);
    expect(orgLimited.body.error).toMatch(/this organization may send 0\.001 requests per second \(bursts of 5\)/);
    expect(orgLimited.headers.get("retry-after")).not.toBeNull();

    // Nothing was stored by the refused write, and other orgs are untouched.
    expect(await server.server.services.memories.countByType({ org_id: orgId })).toEqual({});
    const other = await newOrg("unaffected");
    expect((await server.api("GET", "/api/v1/agents", { key: await other.newKey("k") })).status).toBe(200);
  });

  it("never limits unauthenticated paths or refused credentials into someone's bucket", async () => {
    for (let i = 0; i < 6; i++) expect((await server.api("GET", "/health", { key: null })).status).toBe(200);
    for (let i = 0; i < 6; i++) expect((await server.api("GET", "/api/v1/agents", { key: `mtk_${"B".repeat(43)}=` })).status).toBe(401);
  });
});

import { describe, expect, it } from "vitest";
import { MetadataArcRouter } from "../../core/arc-routing/router";
import { ManualClock } from "../../core/clock";
import { silentLogger } from "../../core/logger";
import type { SqlMetadataStore } from "../../core/metadata/store";

const REFRESH_MS = 60_000;

/** Orgs as the metadata store has them: created and deleted from outside the router (the CLI, another isolate). */
function orgStore(live: Set<string>) {
  return {
    getArcInstance: async () => null,
    getOrg: async (id: string) => (live.has(id) ? { id, name: id, created_at: "2026-01-01T00:00:00Z" } : null),
  } as unknown as SqlMetadataStore;
}

describe("MetadataArcRouter's cache of bindings", () => {
  it("lets go of orgs no request names any more, so orgs created and deleted elsewhere do not grow it", async () => {
    const clock = new ManualClock();
    const live = new Set<string>();
    const router = new MetadataArcRouter({
      store: orgStore(live),
      masterKey: {} as CryptoKey,
      clock,
      logger: silentLogger,
      fetch: globalThis.fetch,
      defaultArc: { fetch: globalThis.fetch, baseUrl: "http://arc.test", measurement: "events", databaseFor: (orgId) => orgId },
      timeoutMs: 1_000,
      refreshMs: REFRESH_MS,
    });
    // An org a minute for a week: each is used once, then deleted by the CLI, which tells no server.
    for (let i = 0; i < 7 * 24 * 60; i++) {
      const orgId = `org_${i}`;
      live.add(orgId);
      await router.targetFor(orgId);
      live.delete(orgId);
      clock.advance(REFRESH_MS);
    }
    // At most the orgs of the last two refresh intervals.
    expect(router.cachedOrgCount()).toBeLessThanOrEqual(2);
    // One still in use keeps its binding between refreshes.
    live.add("org_busy");
    const first = router.targetFor("org_busy");
    clock.advance(REFRESH_MS / 2);
    expect(router.targetFor("org_busy")).toBe(first);
  });
});

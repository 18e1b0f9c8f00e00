import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { outboxConfigSchema } from "../../core/coordinator/config";
import { DedupIndex } from "../../core/coordinator/dedup-index";
import { HeldLoad, OrgOutbox, type HeldLoads } from "../../core/coordinator/org-outbox";
import { OutboxPurger } from "../../core/coordinator/outbox-purger";
import type { OutboxStore } from "../../core/coordinator/outbox-store";
import { ManualScheduler } from "../../core/coordinator/scheduler";
import { notFound } from "../../core/errors";
import { makeRecord, recordingLogger, type RecordedLog } from "./support";

describe("OutboxPurger", () => {
  it("lets go of an org whose Arc failed to confirm once the org is gone, so deleted orgs do not grow it", async () => {
    const clock = new ManualClock();
    const scheduler = new ManualScheduler(clock);
    const config = outboxConfigSchema.parse({ visibilityDelayMs: 1_000 });
    const total: HeldLoads = { pending: new HeldLoad(), delivered: new HeldLoad() };
    const orgs = new Map<string, OrgOutbox>();
    const deleted = new Set<string>();
    const logs: RecordedLog[] = [];
    const work: Promise<unknown>[] = [];
    const purger = new OutboxPurger({
      clock,
      scheduler,
      store: { retire: async () => {}, pruneDedup: async () => {}, pruneUnflushedForgets: async () => {} } as unknown as OutboxStore,
      dedupIndex: new DedupIndex(config.dedup.windowMs),
      config,
      logger: recordingLogger(logs),
      orgs: () => orgs.entries(),
      // Each org's Arc is down until the org is deleted; then the router answers not_found.
      confirmDelivered: async (orgId) => {
        throw deleted.has(orgId) ? notFound("organization no longer exists") : new Error("arc down");
      },
      redeliver: () => {},
      afterPurge: () => {
        for (const [orgId, org] of orgs) if (org.isEmpty(clock.now())) orgs.delete(orgId);
      },
      takeVersionedOrgs: () => [],
      track: (promise) => void work.push(promise),
    });
    const settle = async () => {
      while (work.length > 0) await work.shift();
    };
    for (let i = 0; i < 100; i++) {
      const org = new OrgOutbox(total);
      const row = { seq: i, record: makeRecord({ org_id: `org_${i}` }), acceptedAtMs: clock.now() };
      org.addPending(row);
      org.markDelivered([row], clock.now());
      orgs.set(`org_${i}`, org);
    }
    purger.schedule();
    scheduler.advance(1_000);
    await settle();
    expect(purger.unconfirmedOrgs()).toBe(100);
    // The orgs are deleted: their rows leave as stored ones do, and the orgs with them.
    for (let i = 0; i < 100; i++) deleted.add(`org_${i}`);
    scheduler.advance(1_000);
    await settle();
    expect(orgs.size).toBe(0);
    expect(purger.unconfirmedOrgs()).toBe(0);
  });
});

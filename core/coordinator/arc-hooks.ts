import type { ArcRouter } from "../arc-routing/router";
import type { Clock } from "../clock";
import type { ConfirmDelivered, OutboxCoordinatorOptions } from "./options";

type ArcHooks = Required<Pick<OutboxCoordinatorOptions, "resolveSink" | "arcDedupLookup" | "authoritativeSinceUs" | "persistDelivered">>;

/**
 * The write coordinator's ways to the org's Arc, through the org router, as both runtimes wire
 * them. `outboxCreatedAtUs` is when the outbox (and so its dedup log) began.
 */
export function arcHooks(arc: ArcRouter, outboxCreatedAtUs: () => number): ArcHooks {
  return {
    resolveSink: async (orgId) => (await arc.targetFor(orgId)).client,
    arcDedupLookup: async (orgId, claims, sinceUs) => (await arc.targetFor(orgId)).reader.findDedupClaims(orgId, claims, sinceUs),
    // The default Arc's per-org database only ever received rows through this outbox, whose
    // dedup log therefore knows every key; a bound instance may hold older rows of its own.
    authoritativeSinceUs: async (orgId) => {
      const target = await arc.targetFor(orgId);
      return target.source === "default" ? 0 : Math.max(target.boundSinceUs, outboxCreatedAtUs());
    },
    // At close: Arc's admin flush, so delivered rows need no second delivery at the next start.
    persistDelivered: async (orgId) => (await arc.targetFor(orgId)).client.flushBuffers(),
  };
}

/**
 * `confirmDelivered` for orgs on the embedded engine, whose 204 means "buffered" as Arc's does:
 * its buffer flush answers once every row it acknowledged is in DuckDB, and fails while a dead
 * engine thread is being replaced (the new one is given the old one's unflushed writes first).
 * So the outbox keeps rows a crash of the process during such a restart would otherwise lose.
 * The flush covers every database, so one that started after the rows were delivered confirms
 * them for every org: a purge over many orgs asks the engine once. A remote Arc is not asked: a
 * flush per purge would cut its files small, and rows past its visibility delay have left its
 * buffer on its own timer.
 */
export function embeddedArcConfirmation(arc: ArcRouter, clock: Clock): ConfirmDelivered {
  let last: { startedAtMs: number; done: Promise<void> } | undefined;
  return async (orgId, deliveredThroughMs) => {
    const target = await arc.targetFor(orgId);
    if (target.source !== "default") return;
    if (!last || last.startedAtMs <= deliveredThroughMs) {
      const flush = { startedAtMs: clock.now(), done: target.client.flushBuffers() };
      last = flush;
      // A failed flush confirms nothing: the next org or purge asks again.
      flush.done.catch(() => {
        if (last === flush) last = undefined;
      });
    }
    await last.done;
  };
}

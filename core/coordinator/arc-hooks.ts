import { ArcRequestError } from "../arc/request-error";
import type { ArcRouter, ArcTarget } from "../arc-routing/router";
import { withoutHidden } from "../memory/hidden-in-arc";
import type { Clock } from "../clock";
import type { ConfirmDelivered, OutboxCoordinatorOptions } from "./options";
import type { DedupLogStart } from "./outbox-store";

type ArcHooks = Required<Pick<OutboxCoordinatorOptions, "resolveSink" | "arcDedupLookup" | "authoritativeSinceUs" | "persistDelivered">>;

/**
 * The write coordinator's ways to the org's Arc, through the org router, as both runtimes wire
 * them. `dedupLogStart` says what the outbox's dedup log cannot vouch for.
 */
export function arcHooks(arc: ArcRouter, dedupLogStart: () => DedupLogStart): ArcHooks {
  return {
    resolveSink: async (orgId) => {
      const { client, source } = await arc.targetFor(orgId);
      // The visibility delay is set for the default Arc; an org's own instance may buffer longer.
      if (source !== "default") return client;
      return {
        write: (records) => client.write(records),
        flushBuffers: () => client.flushBuffers(),
        deleteWhere: (where) => client.deleteWhere(where),
        flushesWithinVisibilityDelay: true,
      };
    },
    arcDedupLookup: async (orgId, claims, sinceUs, hidden) =>
      (await arc.targetFor(orgId)).reader.findDedupClaims(withoutHidden({ org_id: orgId }, hidden), claims, sinceUs),
    // The default Arc's per-org database only ever received rows through this outbox, whose
    // dedup log therefore knows every key but those a migration dropped; a bound instance may
    // hold older rows of its own.
    authoritativeSinceUs: async (orgId) => {
      const target = await arc.targetFor(orgId);
      const { createdAtUs, keysDroppedAtUs } = dedupLogStart();
      const droppedAtUs = keysDroppedAtUs.get(orgId) ?? 0;
      return target.source === "default" ? droppedAtUs : Math.max(target.boundSinceUs, createdAtUs, droppedAtUs);
    },
    // At close: Arc's admin flush, so delivered rows need no second delivery at the next start.
    persistDelivered: async (orgId) => (await arc.targetFor(orgId)).client.flushBuffers(),
  };
}

/** How long one answer to "when did this Arc start?" serves every org a purge asks about. */
const START_PROBE_REUSE_MS = 1_000;

/**
 * How close to an Arc's start rows count as delivered before it, by this clock (the answer's
 * travel) and by Arc's (whole seconds, another host's clock). A row delivered just after a start
 * is sent once more, which costs a second copy that reads collapse; one delivered just before it
 * must not be missed.
 */
const START_MARGIN_MS = { byThisClock: 250, byArcClock: 3_000 };

/**
 * `confirmDelivered` as both runtimes wire it: whether the org's Arc still holds what it
 * acknowledged, before the outbox lets those rows go.
 *
 * The embedded engine (`embedded`, for orgs on the default Arc) answers a write once the rows are
 * in its buffer, as Arc does: its buffer flush answers once every row it acknowledged is in
 * DuckDB, and fails while a dead engine thread is being replaced (the new one is given the old
 * one's unflushed writes first). The flush covers every database, so one that started after the
 * rows were delivered confirms them for every org: a purge over many orgs asks the engine once.
 *
 * A remote Arc is not asked to flush (a flush per purge would cut its files small), and rows past
 * its visibility delay have left its buffer on its own timer, unless it restarted with them still
 * there: it keeps no log by default (arc-wire.md 1.8). So it is asked when it started (its
 * `/health` uptime), and rows delivered before then (within `START_MARGIN_MS`) are "lost" and go
 * to it again. Its start is placed by this clock and, when it tells its time, by its own clock
 * too; both must put it after the rows, so a clock of this process that jumped ahead (or a test's
 * clock) does not take every purge for a restart. One answer per Arc URL serves a purge's orgs.
 */
export function deliveredConfirmation(arc: ArcRouter, clock: Clock, options: { embedded: boolean }): ConfirmDelivered {
  let lastFlush: { startedAtMs: number; done: Promise<void> } | undefined;
  type Start = Awaited<ReturnType<ArcTarget["client"]["startedAt"]>>;
  const starts = new Map<string, { askedAtMs: number; started: Promise<Start> }>();
  const startOf = (client: ArcTarget["client"]): Promise<Start> => {
    const now = clock.now();
    const known = starts.get(client.baseUrl);
    if (known && now - known.askedAtMs < START_PROBE_REUSE_MS) return known.started;
    // An Arc that refuses /health for good (a gateway that routes only the API, say) cannot tell:
    // taken at its word, as one that gives no uptime, rather than keep its rows forever.
    const started = client.startedAt(() => clock.now()).catch((error: unknown) => {
      if (error instanceof ArcRequestError && !error.retryable) return undefined;
      throw error;
    });
    const probe = { askedAtMs: now, started };
    starts.set(client.baseUrl, probe);
    // A failed probe tells nothing: the next org or purge asks again.
    probe.started.catch(() => {
      if (starts.get(client.baseUrl) === probe) starts.delete(client.baseUrl);
    });
    return probe.started;
  };
  return async (orgId, delivered) => {
    const target = await arc.targetFor(orgId);
    if (options.embedded && target.source === "default") {
      if (!lastFlush || lastFlush.startedAtMs <= delivered.throughMs) {
        const flush = { startedAtMs: clock.now(), done: target.client.flushBuffers() };
        lastFlush = flush;
        // A failed flush confirms nothing: the next org or purge asks again.
        flush.done.catch(() => {
          if (lastFlush === flush) lastFlush = undefined;
        });
      }
      await lastFlush.done;
      return "stored";
    }
    // An Arc that does not say how long it has run is taken at its word, as before it was asked.
    const started = await startOf(target.client);
    if (started === undefined) return "stored";
    const after = (startedAtMs: number | undefined, marginMs: number) => startedAtMs === undefined || startedAtMs > delivered.sinceMs - marginMs;
    return after(started.byThisClock, START_MARGIN_MS.byThisClock) && after(started.byArcClock, START_MARGIN_MS.byArcClock) ? "lost" : "stored";
  };
}

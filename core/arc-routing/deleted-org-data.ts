import type { ArcClient } from "../arc/client";
import type { Clock } from "../clock";
import type { Settings } from "../config/schema";
import type { Logger } from "../logger";
import type { DeletedOrgDataRow } from "../metadata/deleted-org-data";
import type { SqlMetadataStore } from "../metadata/store";
import type { ArcRouter } from "./router";

/** Owed drops one pass takes on; the next pass takes the rest. */
const PASS_LIMIT = 100;

export interface DeletedOrgDataDeps {
  store: Pick<SqlMetadataStore, "listDeletedOrgData" | "settleDeletedOrgData" | "getOrg">;
  arc: Pick<ArcRouter, "defaultClientFor">;
  clock: Clock;
  logger: Pick<Logger, "info" | "warn">;
  /**
   * How long after an org's delete a write may still reach its database: a delivery that found
   * the org's Arc before the delete, within a cached binding's life and a request's timeout, and
   * rows Arc buffered for up to its visibility delay. Until then every pass drops it again.
   */
  settleAfterMs: number;
}

/**
 * `settleAfterMs` from the settings: a binding stays cached up to `auth.key_cache_ttl`, a request
 * to Arc lasts up to `arc.query_timeout`, and Arc buffers rows up to the visibility delay.
 */
export function settleAfterDeleteMs(settings: Settings, visibilityDelayMs: number): number {
  return settings.auth.key_cache_ttl + settings.arc.query_timeout + visibilityDelayMs;
}

/**
 * Drops the memories of deleted orgs from the default Arc, where each org has a database of its
 * own that nothing can read once the org is gone. The org's delete records the drop in its own
 * transaction (`deleted_org_data`), so a drop that fails (Arc down, or refusing deletes) or that
 * a stop interrupts is done by a later pass: right after the delete, then every interval on Node
 * and at each cron trigger on Workers. An org's own Arc instance is never touched.
 *
 * Arc's database delete removes files only, so a pass flushes Arc's buffer before its drops. A write that
 * arrives later makes the database again: the drop is repeated by every pass until one runs
 * `settleAfterMs` after the delete. An org made again under the same id (only the bootstrap
 * org's id can be) settles its drop without one, so the new org keeps what it writes.
 */
export class DeletedOrgData {
  private running: Promise<void> | undefined;
  private again = false;
  /** Orgs whose last drop failed, so an Arc that refuses for days is logged once per org, not every pass. */
  private readonly failing = new Set<string>();

  constructor(private readonly deps: DeletedOrgDataDeps) {}

  /** How often a Node server runs a pass: about once per settle time, so a drop due is settled soon after. */
  get passIntervalMs(): number {
    return Math.min(Math.max(this.deps.settleAfterMs, 1_000), 300_000);
  }

  /** Runs a pass, or one more after the pass under way; resolves when it is over. Never rejects. */
  drop(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again);
    };
    this.running = run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    let rows: DeletedOrgDataRow[];
    try {
      rows = await this.deps.store.listDeletedOrgData(PASS_LIMIT);
    } catch (error) {
      this.deps.logger.warn("could not read which deleted organizations' memories to drop; the next pass tries again", { error: String(error) });
      return;
    }
    // Arc's flush covers every database: one per pass serves all its drops.
    let flush: Promise<number> | undefined;
    const flushOnce = (client: ArcClient) => (flush ??= this.flushedAt(client));
    for (const row of rows) {
      try {
        await this.dropOne(row, flushOnce);
        this.failing.delete(row.orgId);
      } catch (error) {
        if (this.failing.has(row.orgId)) continue;
        this.failing.add(row.orgId);
        this.deps.logger.warn("could not drop a deleted organization's memories from Arc; later passes try again", {
          org_id: row.orgId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  /** Flushes Arc's buffer; answers when the flush began, after which every row it holds came. */
  private async flushedAt(client: ArcClient): Promise<number> {
    const startedAt = this.deps.clock.now();
    await client.flushBuffers();
    return startedAt;
  }

  private async dropOne(row: DeletedOrgDataRow, flushOnce: (client: ArcClient) => Promise<number>): Promise<void> {
    const { store, arc, clock, logger, settleAfterMs } = this.deps;
    if (await store.getOrg(row.orgId)) return store.settleDeletedOrgData(row);
    const client = arc.defaultClientFor(row.orgId);
    // Settled only when nothing could still arrive after the flush that preceded the drop.
    let droppedAfter = clock.now();
    if (client) {
      droppedAfter = await flushOnce(client);
      if (await client.dropDatabase()) logger.info("dropped a deleted organization's memories from Arc", { org_id: row.orgId });
    }
    if (droppedAfter >= Date.parse(row.deletedAt) + settleAfterMs) await store.settleDeletedOrgData(row);
  }
}

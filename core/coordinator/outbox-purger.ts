import type { Clock } from "../clock";
import type { OutboxConfig } from "./config";
import type { DedupIndex } from "./dedup-index";
import type { ConfirmDelivered, CoordinatorLogger } from "./options";
import { isOrgGone } from "./org-delivery";
import type { OrgOutbox } from "./org-outbox";
import type { OutboxStore } from "./outbox-store";
import type { Scheduler, TimerHandle } from "./scheduler";

/**
 * Purges run at most this often, however many deliveries end in between; with a shorter
 * visibility delay, at most once per delay, so delivered rows still leave about when it ends.
 */
const MIN_PURGE_INTERVAL_MS = 1_000;

export interface OutboxPurgerOptions {
  clock: Clock;
  scheduler: Scheduler;
  store: OutboxStore;
  dedupIndex: DedupIndex;
  config: OutboxConfig;
  logger: CoordinatorLogger;
  orgs(): Iterable<[orgId: string, org: OrgOutbox]>;
  /** Asked before an org's delivered rows leave (see `OutboxCoordinatorOptions.confirmDelivered`). */
  confirmDelivered?: ConfirmDelivered;
  /** Starts delivering the org's pending rows (after delivered ones were put back for an Arc that lost them). */
  redeliver(orgId: string): void;
  /** Called after each purge, so the owner can drop orgs left with nothing. */
  afterPurge(): void;
  /** The orgs that stored a new version since the last call, whose kept versions may need pruning. */
  takeVersionedOrgs(): string[];
  track(work: Promise<unknown>): void;
}

/**
 * Removes delivered rows once Arc surely shows them (after `visibilityDelayMs`, and once Arc
 * confirms it stored them where the owner can ask), from memory and from the outbox, and now and
 * then sweeps expired dedup keys from the log and from memory, and versions past the kept number.
 * Reads show every row held, so a purge that waits for Arc keeps the rows readable; a late one
 * costs space and a longer recent window to merge. A failed one is retried by the next start.
 */
export class OutboxPurger {
  private timer: TimerHandle | undefined;
  private stopped = false;
  private lastSweepMs: number;
  /** Orgs whose Arc last failed to confirm, so a long outage is logged once, not every purge. */
  private readonly unconfirmed = new Set<string>();

  constructor(private readonly options: OutboxPurgerOptions) {
    this.lastSweepMs = options.clock.now();
  }

  /** Arms the timer for the next expiry, unless one is armed already. */
  schedule(): void {
    if (this.stopped || this.timer !== undefined) return;
    const delayMs = this.options.config.visibilityDelayMs;
    let next: number | undefined;
    for (const [, org] of this.options.orgs()) {
      const at = org.nextExpiryAtMs(delayMs);
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    if (next === undefined) return;
    const now = this.options.clock.now();
    const waitMs = Math.max(next - now, Math.min(MIN_PURGE_INTERVAL_MS, delayMs));
    this.timer = this.options.scheduler.setTimer(waitMs, () => {
      this.timer = undefined;
      this.options.track(this.purge());
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.options.scheduler.cancel(this.timer);
    this.timer = undefined;
  }

  private async purge(): Promise<void> {
    const { clock, store, config, logger } = this.options;
    const now = clock.now();
    // An org's delivered rows leave in seq order, so its last expired seq retires every group
    // that holds nothing newer.
    const retired: Array<[string, number]> = [];
    // A copy: orgs may come and go while a confirmation is awaited.
    for (const [orgId, org] of [...this.options.orgs()]) {
      const due = org.nextExpiryAtMs(config.visibilityDelayMs);
      if (due === undefined || due > now) continue;
      const verdict = await this.confirmed(orgId, { sinceMs: org.oldestDeliveredAtMs() ?? due, throughMs: now - config.visibilityDelayMs });
      if (verdict === "lost") this.resend(orgId, org);
      if (verdict !== "stored") continue;
      const last = org.expireDelivered(now, config.visibilityDelayMs);
      if (last !== undefined) retired.push([orgId, last]);
    }
    try {
      for (const [orgId, throughSeq] of retired) await store.retire(orgId, throughSeq);
      if (now - this.lastSweepMs >= config.dedupPruneIntervalMs) {
        this.lastSweepMs = now;
        if (config.dedup.enabled) {
          this.options.dedupIndex.dropExpired(now);
          await store.pruneDedup(now * 1000);
        }
        for (const orgId of this.options.takeVersionedOrgs()) await store.pruneVersions(orgId, config.versionsPerOrg);
        await store.pruneUnflushedForgets((now - config.visibilityDelayMs) * 1000);
      }
    } catch (error) {
      logger.warn("outbox purge failed; a later purge removes the rows", {
        error: error instanceof Error ? error.message : String(error),
      });
    }
    // An org left with no delivered rows (confirmed at last, or dropped with its deleted org) is
    // asked nothing more: its entry would otherwise stay for good.
    if (this.unconfirmed.size > 0) {
      const held = new Map(this.options.orgs());
      for (const orgId of this.unconfirmed) if (held.get(orgId)?.oldestDeliveredAtMs() === undefined) this.unconfirmed.delete(orgId);
    }
    this.options.afterPurge();
    this.schedule();
  }

  /** Orgs whose Arc last failed to confirm: for tests. */
  unconfirmedOrgs(): number {
    return this.unconfirmed.size;
  }

  /**
   * Arc lost rows it acknowledged (it restarted since, with them in its buffer): they go back to
   * the org's pending rows and are delivered again; a second copy of any it did keep is harmless,
   * since reads collapse rows by id. A delivery in flight holds the head of the pending rows, so
   * then the next purge does it.
   */
  private resend(orgId: string, org: OrgOutbox): void {
    if (org.deliveryInFlight) return;
    const rows = org.requeueDelivered();
    this.options.logger.warn("Arc restarted after it acknowledged memories it may not have stored; delivering them again", { org_id: orgId, memories: rows });
    this.options.redeliver(orgId);
  }

  /** "stored", "lost", or undefined while Arc cannot say (the rows are kept, and asked about again). */
  private async confirmed(orgId: string, delivered: { sinceMs: number; throughMs: number }): Promise<"stored" | "lost" | undefined> {
    const confirm = this.options.confirmDelivered;
    if (!confirm) return "stored";
    try {
      const verdict = await confirm(orgId, delivered);
      this.unconfirmed.delete(orgId);
      return verdict;
    } catch (error) {
      // The org was deleted: its delivered rows have no one to read them and nowhere to go again
      // (a delivery drops its pending ones for the same answer), so they leave as stored ones do.
      if (isOrgGone(error)) return "stored";
      if (!this.unconfirmed.has(orgId)) {
        this.unconfirmed.add(orgId);
        this.options.logger.warn("Arc did not confirm it stored the memories delivered to it; the outbox keeps them and asks again", {
          org_id: orgId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
      return undefined;
    }
  }
}

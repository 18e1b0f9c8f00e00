import { matchesFilter, pageOf } from "../arc/filter-match";
import { ServiceError } from "../errors";
import { createConsoleLogger } from "../logger";
import type { DeleteFilter, MemoryFilter, MemoryPageRequest } from "../memory/filter";
import type { ForgottenMemory, MemoryRecord } from "../memory/schema";
import type { SqlStatement } from "../sql/executor";
import { findArcDuplicates, type KeyedItem } from "./arc-dedup-check";
import { outboxConfigSchema, type OutboxConfig } from "./config";
import { DedupIndex } from "./dedup-index";
import { FlushTimers } from "./flush-timers";
import { GroupCommitQueue } from "./group-commit";
import type { CoordinatorLogger, OutboxCoordinatorOptions, RecordMatcher } from "./options";
import { deleteOwed, deliverNextChunk, type DeliveryDeps, type DeliveryOutcome } from "./org-delivery";
import { heldBytes, HeldLoad, OrgOutbox, type HeldLoads } from "./org-outbox";
import { OutboxChanges, type CommitItem, type ForgetPlan } from "./outbox-changes";
import { migrateOutbox } from "./outbox-migrations";
import { OutboxPurger } from "./outbox-purger";
import { RecentChanges } from "./recent-changes";
import {
  OutboxStore,
  pendingArcDeleteInsert,
  recentIdChangeStatements,
  versionUpsert,
  type DedupLogStart,
  type OutboxGroup,
  type PendingArcDelete,
  type StoredOutboxRow,
} from "./outbox-store";
import { MAX_HIDDEN_FILTERS, MAX_HIDDEN_IDS, type AcceptResult, type ForgetMatchingOptions, type ForgetOptions, type ForgetResult, type RecentIds, type ReplaceOptions, type ReplaceResult, type WriteCoordinator } from "./port";

/** Memory ids by org and dedup key, in maps per org: a combined string key cost a string per memory. */
class KeyOwners {
  private readonly byOrg = new Map<string, Map<string, string>>();

  get(orgId: string, key: string): string | undefined {
    return this.byOrg.get(orgId)?.get(key);
  }

  set(orgId: string, key: string, memoryId: string): void {
    let owners = this.byOrg.get(orgId);
    if (!owners) {
      owners = new Map();
      this.byOrg.set(orgId, owners);
    }
    owners.set(key, memoryId);
  }
}

/**
 * The write coordinator over a SQLite outbox, shared by both runtimes: an in-process singleton on
 * Node (libSQL file) and one Durable Object per org on Workers (its SQLite storage and alarm).
 * Accepts are group-committed with their dedup claims before they are answered; deliveries to Arc
 * run per org in the background under the batching policy and never hold up accepts. Dedup is
 * decided here, in the single writer, against an in-memory index over the outbox's dedup log.
 * Updates and deletes of accepted memories are `OutboxChanges`, over this writer's state.
 */
export class OutboxWriteCoordinator implements WriteCoordinator {
  private readonly orgs = new Map<string, OrgOutbox>();
  private readonly commits: GroupCommitQueue<CommitItem, AcceptResult>;
  private readonly timers: FlushTimers;
  private readonly purger: OutboxPurger;
  private readonly delivery: DeliveryDeps;
  private readonly logger: CoordinatorLogger;
  private readonly matches: RecordMatcher;
  private readonly background = new Set<Promise<unknown>>();
  private readonly recentChanges: RecentChanges;
  private readonly changes: OutboxChanges;
  /**
   * The latest stamp stored per org: stamps can run ahead of the clock (a new version after the
   * old one, or after a delete by filter in the same millisecond), and a delete by filter must
   * take every memory stored before it.
   */
  private readonly highestStampUs = new Map<string, number>();
  /** Orgs whose Arc failed a dedup lookup, until when their writes skip it (see findArcDuplicates). */
  private readonly arcDedupSkipUntilMs = new Map<string, number>();
  /** Orgs that stored a new version since the purger last pruned their kept versions. */
  private readonly versionedOrgs = new Set<string>();
  /**
   * Every org's pending rows and delivered rows still held, and the rows of accept calls waiting
   * for their commit: what the caps count.
   */
  private readonly load: HeldLoads = { pending: new HeldLoad(), delivered: new HeldLoad() };
  private readonly queuedLoad = new HeldLoad();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly options: OutboxCoordinatorOptions,
    private readonly config: OutboxConfig,
    private readonly store: OutboxStore,
    private readonly dedupIndex: DedupIndex,
    private nextSeq: number,
    /**
     * What this outbox's dedup log cannot vouch for: keys from before the file was created, and
     * keys a migration dropped. An `authoritativeSinceUs` callback returns at least these.
     */
    readonly dedupLogStart: DedupLogStart,
  ) {
    this.logger = options.logger ?? createConsoleLogger();
    this.matches = options.matchesFilter ?? matchesFilter;
    this.recentChanges = new RecentChanges(this.matches);
    this.changes = new OutboxChanges({
      clock: options.clock,
      config,
      store,
      dedupIndex,
      recentChanges: this.recentChanges,
      logger: this.logger,
      matches: this.matches,
      org: (orgId) => this.org(orgId),
      heldOrg: (orgId) => this.orgs.get(orgId),
      nextSeq: () => this.nextSeq++,
      submit: (orgId, items) => this.submit(orgId, items),
      commitsSettled: () => this.commits.settled(),
      startDelivery: (orgId, { rows }) => this.startDelivery(orgId, { rows }),
      highestStampUs: (orgId) => this.highestStampUs.get(orgId) ?? 0,
      closing: () => this.closing !== undefined,
    });
    const limits = config;
    this.delivery = {
      resolveSink: options.resolveSink,
      clock: options.clock,
      limits,
      logger: this.logger,
      random: options.random ?? Math.random,
      ...(options.onDelivery ? { onDelivery: options.onDelivery } : {}),
    };
    this.commits = new GroupCommitQueue((items) => this.commitGroup(items));
    this.timers = new FlushTimers({
      clock: options.clock,
      scheduler: options.scheduler,
      limits,
      stateOf: (orgId) => this.org(orgId).flushState(),
      deliver: (orgId) => void this.startDelivery(orgId),
    });
    this.purger = new OutboxPurger({
      clock: options.clock,
      scheduler: options.scheduler,
      store,
      dedupIndex,
      config,
      logger: this.logger,
      orgs: () => this.orgs.entries(),
      ...(options.confirmDelivered ? { confirmDelivered: options.confirmDelivered } : {}),
      redeliver: (orgId) => void this.startDelivery(orgId),
      afterPurge: () => {
        const nowMs = this.options.clock.now();
        for (const [orgId, org] of this.orgs) if (org.isEmpty(nowMs)) this.orgs.delete(orgId);
        // A stamp the clock has passed bounds nothing a delete by filter takes (see `filterDelete`).
        const nowUs = nowMs * 1000;
        for (const [orgId, stampUs] of this.highestStampUs) if (stampUs <= nowUs) this.highestStampUs.delete(orgId);
        // A skip that has passed skips nothing; an org that never writes again (deleted) would keep it.
        for (const [orgId, untilMs] of this.arcDedupSkipUntilMs) if (untilMs <= nowUs / 1000) this.arcDedupSkipUntilMs.delete(orgId);
      },
      takeVersionedOrgs: () => {
        const orgIds = [...this.versionedOrgs];
        this.versionedOrgs.clear();
        return orgIds;
      },
      track: (work) => this.track(work),
    });
  }

  /** Migrates the outbox, loads what it holds, and starts delivering what a previous run left. */
  static async open(options: OutboxCoordinatorOptions): Promise<OutboxWriteCoordinator> {
    const config = outboxConfigSchema.parse(options.config ?? {});
    const nowMs = options.clock.now();
    await migrateOutbox(options.sql, nowMs * 1000);
    const store = new OutboxStore(options.sql);
    const dedupIndex = new DedupIndex(config.dedup.windowMs, config.dedup.memoryKeys);
    await store.forEachLiveKey(nowMs * 1000, (seq, orgId, key, expiresAtUs) => {
      dedupIndex.add(orgId, key, seq, Math.floor(expiresAtUs / 1000));
    });
    const owed = await store.loadArcDeletes();
    const nextSeq = (await store.maxSeq()) + 1;
    const coordinator = new OutboxWriteCoordinator(options, config, store, dedupIndex, nextSeq, await store.dedupLogStart());
    // Arc may still buffer rows these orgs let go of with no delete owed for them.
    for (const { orgId, atUs } of await store.loadUnflushedForgets((nowMs - config.visibilityDelayMs) * 1000)) {
      coordinator.org(orgId).forgotSentRowsUntilMs = Math.floor(atUs / 1000) + config.visibilityDelayMs;
    }
    const recentFilterDeletes = await store.loadRecentDeletes(nowMs);
    coordinator.recentChanges.restore(recentFilterDeletes, await store.loadRecentIdChanges(nowMs));
    // New memories stored after these deletes were stamped at their bound, maybe ahead of the clock.
    for (const { filter, tookBeforeUs } of recentFilterDeletes) coordinator.noteStamp(filter.org_id, tookBeforeUs);
    await store.forEachRowPage((rows) => coordinator.restoreRows(rows));
    coordinator.resume(owed);
    return coordinator;
  }

  async accept(orgId: string, records: MemoryRecord[]): Promise<AcceptResult[]> {
    if (records.length === 0) return [];
    return this.submit(
      orgId,
      records.map((record) => ({ seq: this.nextSeq++, record, dedupKey: this.changes.claimOf(record) })),
    );
  }

  /** Admits the items (back-pressure) and has them group-committed. */
  private async submit(orgId: string, items: CommitItem[]): Promise<AcceptResult[]> {
    if (this.closing) throw new ServiceError("overloaded", "server is shutting down", { retryAfterSeconds: 1 });
    if (items.some((item) => item.record.org_id !== orgId)) {
      throw new ServiceError("internal", "a record's org_id differs from the org it is accepted for");
    }
    const org = this.org(orgId);
    let bytes = 0;
    for (const item of items) bytes += heldBytes(item.record);
    this.admit(org, items.length, bytes);
    org.queued.add(items.length, bytes);
    this.queuedLoad.add(items.length, bytes);
    try {
      return await this.commits.submit(items);
    } finally {
      org.queued.add(-items.length, -bytes);
      this.queuedLoad.add(-items.length, -bytes);
    }
  }


  /** A new version of a memory, in place of the old one: see `OutboxChanges.replace`. */
  replace(orgId: string, old: MemoryRecord, next: MemoryRecord, options: ReplaceOptions): Promise<ReplaceResult> {
    return this.changes.replace(orgId, old, next, options);
  }

  /** Memories out of the outbox, and with `inArc` out of Arc: see `OutboxChanges.forget`. */
  forget(orgId: string, memories: ForgottenMemory[], options: ForgetOptions = {}): Promise<ForgetResult> {
    return this.changes.forget(orgId, memories, options);
  }

  /** As `forget`, for the memories matching a filter: see `OutboxChanges.forgetMatching`. */
  forgetMatching(orgId: string, filter: MemoryFilter, options: ForgetMatchingOptions = {}): Promise<number> {
    return this.changes.forgetMatching(orgId, filter, options);
  }

  async recent(orgId: string, page: MemoryPageRequest): Promise<MemoryRecord[]> {
    const matched = this.matching(orgId, page.filter);
    // Already matched by `this.matches`: only the org is left for pageOf's filter to check, so
    // the rows are not matched twice (and a custom matcher keeps the last word).
    return pageOf(matched, { ...page, filter: { org_id: page.filter.org_id } });
  }

  async recentIds(orgId: string, filter: MemoryFilter): Promise<RecentIds> {
    const byType = new Map<string, string[]>();
    let oldest: number | null = null;
    for (const record of this.matching(orgId, filter)) {
      if (oldest === null || record.ingested_at_us < oldest) oldest = record.ingested_at_us;
      const ids = byType.get(record.memory_type);
      if (ids) ids.push(record.id);
      else byType.set(record.memory_type, [record.id]);
    }
    const agents = agentsOf(filter);
    const org = this.orgs.get(orgId);
    return {
      oldestIngestedAtUs: oldest,
      byType: [...byType].map(([memory_type, ids]) => ({ memory_type, ids })),
      ...this.hiddenInArc(orgId, agents),
      // With no org outbox, no update: one made later marks differently.
      updateMark: org ? org.updates.markFor(agents) : "none",
    };
  }

  /**
   * What the org's owed deletes hide in Arc (see `RecentIds.hiddenInArc`), among the memories of
   * `agents` (undefined: every agent's). A memory never changes agent: other agents' updates and
   * deletes cannot touch them.
   */
  private hiddenInArc(orgId: string, agents: readonly string[] | undefined): Pick<RecentIds, "hiddenInArc" | "hiddenFilters"> {
    const mayMeet = (theirs: readonly string[] | undefined) => agents === undefined || theirs === undefined || theirs.some((agent) => agents.includes(agent));
    const hidden = new Set<string>();
    const hiddenFilters: DeleteFilter[] = [];
    for (const owed of this.orgs.get(orgId)?.arcDeletes ?? []) {
      if (owed.memory && mayMeet([owed.memory.agentId])) hidden.add(owed.memory.id);
      if (owed.filter && mayMeet(agentsOf(owed.filter))) hiddenFilters.push(owed.filter);
    }
    return {
      hiddenInArc: hidden.size > MAX_HIDDEN_IDS ? null : [...hidden],
      hiddenFilters: hiddenFilters.length > MAX_HIDDEN_FILTERS ? null : hiddenFilters,
    };
  }

  latestVersionUs(orgId: string, memoryId: string): Promise<number | null> {
    return this.store.versionUs(orgId, memoryId);
  }

  private matching(orgId: string, filter: MemoryFilter): MemoryRecord[] {
    const org = this.orgs.get(orgId);
    if (!org) return [];
    return org.recent(filter, this.matches);
  }

  /**
   * Delivers, now and regardless of backoff, every row that is pending when called (in batches).
   * Rejects with `arc_unavailable` when a delivery fails; the rows stay pending.
   */
  async flush(orgId?: string): Promise<void> {
    const orgIds = orgId === undefined ? [...this.orgs.keys()] : [orgId];
    const failures: Array<{ orgId: string; error: unknown }> = [];
    for (const id of orgIds) {
      const error = await this.drain(id);
      if (error !== undefined) failures.push({ orgId: id, error });
    }
    const first = failures[0];
    if (first) {
      const orgs = failures.map((f) => f.orgId).join(", ");
      throw new ServiceError("arc_unavailable", `delivery to Arc failed for ${orgs}`, { cause: first.error });
    }
  }

  /**
   * Stops timers, lets running commits and deliveries finish, then tries one last delivery of
   * everything pending. What cannot be delivered stays in the outbox for the next start; what was
   * delivered leaves it once `persistDelivered` confirms Arc stored it.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.timers.stop();
      this.purger.stop();
      await this.commits.idle();
      await this.settleBackground();
      for (const [orgId, org] of this.orgs) {
        const error = await this.drain(orgId);
        if (error !== undefined) {
          this.logger.error("final delivery failed; rows stay in the outbox for the next start", {
            org_id: orgId,
            rows: org.pending.length,
            error: error instanceof Error ? error.message : String(error),
          });
        }
        await this.retirePersisted(orgId, org);
      }
    })();
    return this.closing;
  }

  /** After a confirmed flush of the org's Arc, drops its delivered rows from the outbox. */
  private async retirePersisted(orgId: string, org: OrgOutbox): Promise<void> {
    const { persistDelivered } = this.options;
    // Only delivered rows older than every pending one can go: groups are retired by seq prefix.
    const through = org.deliveredThroughSeq();
    if (!persistDelivered || through === undefined) return;
    try {
      await persistDelivered(orgId);
      await this.store.retire(orgId, through);
    } catch (error) {
      this.logger.warn("could not confirm Arc stored the delivered rows; they are delivered again at the next start", {
        org_id: orgId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** Undelivered rows, for one org or all: for readiness checks, metrics and tests. */
  pendingRows(orgId?: string): number {
    return orgId === undefined ? this.load.pending.rows : (this.orgs.get(orgId)?.pending.length ?? 0);
  }

  /** Orgs whose writes skip the Arc dedup lookup for now, after one failed: for tests. */
  arcDedupSkips(): number {
    return this.arcDedupSkipUntilMs.size;
  }

  /** Orgs held in memory: for tests (an org with nothing left to do is let go after a purge). */
  heldOrgs(): number {
    return this.orgs.size;
  }

  /** Deletes Arc still owes, across every org (each runs before the org's next delivery). */
  owedArcDeletes(): number {
    let owed = 0;
    for (const org of this.orgs.values()) owed += org.arcDeletes.length;
    return owed;
  }

  /** Resolves once no commit, delivery or purge is running (tests drive timers, then wait here). */
  async whenIdle(): Promise<void> {
    await this.commits.idle();
    await this.settleBackground();
  }

  /**
   * Back-pressure: past a cap, answer 503 + Retry-After rather than grow or drop. The row caps
   * count undelivered memories. The byte caps count the memory of every row held: the outbox keeps
   * its undelivered memories in memory and loads them all at start, so a backlog of large ones must
   * not outgrow what a restart can hold, and it keeps delivered ones through the visibility delay
   * (or until their Arc confirms them).
   */
  private admit(org: OrgOutbox, incomingRows: number, incomingBytes: number): void {
    const { config } = this;
    // An empty outbox admits any request, so one larger than a cap is not refused forever.
    const over = (held: HeldLoads, queued: HeldLoad, maxRows: number, maxBytes: number) => {
      const rows = held.pending.rows + queued.rows;
      const bytes = held.pending.bytes + held.delivered.bytes + queued.bytes;
      return (rows > 0 && rows + incomingRows > maxRows) || (bytes > 0 && bytes + incomingBytes > maxBytes);
    };
    const orgFull = over(org.load, org.queued, config.maxOutboxRows, config.maxOutboxBytes);
    const totalFull = over(this.load, this.queuedLoad, config.maxTotalOutboxRows, config.maxTotalOutboxBytes);
    if (!orgFull && !totalFull) return;
    const waitMs = org.retryAtMs === undefined ? this.config.maxIntervalMs : org.retryAtMs - this.options.clock.now();
    throw new ServiceError("overloaded", "too many memories waiting for delivery; retry later", {
      retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
    });
  }

  /**
   * One transaction for a whole group of accept calls (see GroupCommitQueue). A key is taken by
   * the first record to claim it: a live owner in the dedup log, then one in Arc (for orgs whose
   * log does not yet cover the window), then an earlier record of this group. Commits run one at
   * a time, so nothing claims a key between these checks and the commit.
   */
  private async commitGroup(items: CommitItem[]): Promise<AcceptResult[]> {
    const nowMs = this.options.clock.now();
    const nowUs = nowMs * 1000;
    const windowUs = this.config.dedup.windowMs * 1000;
    const owners = await this.liveOwners(items, nowUs);
    const { arcDedupLookup } = this.options;
    const inArc = arcDedupLookup
      ? await findArcDuplicates(
          items,
          nowUs,
          windowUs,
          {
            lookup: arcDedupLookup,
            authoritativeSinceUs: (orgId) => this.localDedupSinceUs(orgId),
            hiddenOf: (orgId, agentIds) => this.hiddenInArc(orgId, agentIds),
            logger: this.logger,
            skipUntilMs: this.arcDedupSkipUntilMs,
          },
          (item) => owners.get(item.record.org_id, item.dedupKey) !== undefined,
        )
      : new Map<number, string>();

    const groups = new Map<string, OutboxGroup>();
    const replacing: CommitItem[] = [];
    const results = items.map((item): AcceptResult => {
      let { record } = item;
      if (!item.replaces) {
        // Stamped before a delete it matches: answered as created and not stored, as if written
        // and then deleted. (A new version is stamped by `replace`, after any such delete.)
        if (this.recentChanges.coversArrival(record, nowMs)) return { status: "created", record };
        // Stored after the org's recent deletes by filter, so stamped as such: within their
        // millisecond, an older stamp would look taken by them.
        const floorUs = this.recentChanges.stampFloorUs(record.org_id, nowMs);
        if (record.ingested_at_us < floorUs) record = { ...record, ingested_at_us: floorUs };
      }
      let claims = item.dedupKey !== "";
      if (claims) {
        const existing = owners.get(record.org_id, item.dedupKey) ?? inArc.get(item.seq);
        // A new version may keep its key: the old version's claim is released in this commit.
        if (existing !== undefined && existing !== item.replaces?.memory.id) {
          // A key kept from the old version that another memory took once its window had passed:
          // the update is no duplicate (it did not choose the key), and the key stays theirs.
          if (!item.replaces || this.changes.claimOf(item.replaces.memory) !== item.dedupKey) return { status: "duplicate", existing_id: existing };
          claims = false;
        } else owners.set(record.org_id, item.dedupKey, record.id);
      }
      if (item.replaces) replacing.push(item);
      let group = groups.get(record.org_id);
      if (!group) {
        group = { orgId: record.org_id, rows: [], claims: [] };
        groups.set(record.org_id, group);
      }
      group.rows.push({ seq: item.seq, record });
      if (claims) group.claims.push([item.seq, item.dedupKey, record.id]);
      return { status: "created", record };
    });

    const removed: ForgetPlan[] = [];
    try {
      // Before the appends: the old version's claim rows go, then the new version's are added.
      const alongside: SqlStatement[] = [];
      for (const { record, replaces } of replacing) {
        // `replace` holds this org's lock, so no delivery moves its rows meanwhile.
        const plan = await this.changes.forgetPlan(record.org_id, this.org(record.org_id), [replaces!.memory]);
        alongside.push(
          ...plan.statements,
          pendingArcDeleteInsert(replaces!.owed),
          ...recentIdChangeStatements(record.org_id, [replaces!.change], nowMs),
          versionUpsert(record.org_id, record.id, record.ingested_at_us),
        );
        removed.push(plan);
      }
      await this.store.commit([...groups.values()], nowUs, nowUs + windowUs, alongside);
    } catch (error) {
      // The transaction rolled back and no in-memory state has changed yet: nothing was accepted.
      const detail = error instanceof Error ? error.message : String(error);
      this.logger.error("outbox commit failed; its memories were refused", { error: detail, memories: items.length });
      // The body names no detail: a storage error's text can quote SQL.
      throw new ServiceError("storage_unavailable", "could not store the memories durably (the outbox's storage failed); nothing was stored, retry later", {
        retryAfterSeconds: 1,
        cause: error,
      });
    }
    // The old versions leave the in-memory outbox before the new ones, which share their ids, come in.
    replacing.forEach(({ record, replaces }, i) => {
      const org = this.org(record.org_id);
      this.changes.forgotten(org, removed[i]!.rows, [replaces!.owed], nowMs);
      // Marked with the owed delete, before anything can run it.
      org.updates.noteUpdate(record.agent_id);
      this.recentChanges.addId(replaces!.change, nowMs);
      this.versionedOrgs.add(record.org_id);
    });
    for (const group of groups.values()) {
      for (const [seq, key] of group.claims) this.dedupIndex.add(group.orgId, key, seq, nowMs + this.config.dedup.windowMs);
      const org = this.org(group.orgId);
      for (const row of group.rows) {
        org.addPending({ seq: row.seq, record: row.record, acceptedAtMs: nowMs });
        this.noteStamp(group.orgId, row.record.ingested_at_us);
      }
      this.timers.reschedule(group.orgId);
    }
    return results;
  }

  /**
   * Since when the local dedup log and index know every key of the org: the later of what the
   * owner says (`authoritativeSinceUs`, absent: always) and what the index dropped for memory.
   */
  private async localDedupSinceUs(orgId: string): Promise<number> {
    const given = this.options.authoritativeSinceUs ? await this.options.authoritativeSinceUs(orgId) : Number.NEGATIVE_INFINITY;
    return Math.max(given, this.dedupIndex.coveredSinceMs * 1000);
  }

  /** Memory ids by org and key, for the items' keys that a live dedup log row holds. */
  private async liveOwners(items: KeyedItem[], nowUs: number): Promise<KeyOwners> {
    const candidates = new Set<number>();
    for (const item of items) {
      if (item.dedupKey === "") continue;
      for (const seq of this.dedupIndex.candidates(item.record.org_id, item.dedupKey)) candidates.add(seq);
    }
    const owners = new KeyOwners();
    if (candidates.size === 0) return owners;
    for (const entry of await this.store.dedupEntries([...candidates])) {
      if (entry.expiresAtUs > nowUs) owners.set(entry.orgId, entry.key, entry.memoryId);
    }
    return owners;
  }

  /**
   * Starts (or joins) the org's one running delivery: whatever the org's Arc owes, then a chunk
   * of rows (unless `rows` is false).
   */
  private startDelivery(orgId: string, { rows = true } = {}): Promise<DeliveryOutcome> {
    const org = this.org(orgId);
    if (org.deliveryInFlight) return org.deliveryInFlight;
    // A memory being forgotten must not leave in this chunk: start once its removal is stored.
    if (org.forgetting) return org.forgetting.then(() => this.startDelivery(orgId, { rows }));
    const run = (async (): Promise<DeliveryOutcome> => {
      // What Arc owes goes first: a new version must not reach Arc while its old one is there.
      if (org.arcDeletes.length > 0) {
        const deleted = await deleteOwed(orgId, org, this.delivery, (seqs) => this.store.removeArcDeletes(seqs));
        if (!deleted.ok) return deleted;
      }
      if (!rows) return { ok: true, delivered: 0 };
      const delivered = await deliverNextChunk(orgId, org, this.delivery);
      return !delivered.ok && delivered.orgGone ? this.dropDeletedOrg(orgId, org, delivered) : delivered;
    })().then((outcome) => {
      if (outcome.ok && outcome.delivered > 0) this.purger.schedule();
      org.deliveryInFlight = undefined;
      this.timers.reschedule(orgId);
      return outcome;
    });
    org.deliveryInFlight = run;
    this.track(run);
    return run;
  }

  /**
   * An org deleted while rows of it waited: they have no Arc to go to and no one to read them, so
   * they leave the outbox rather than be retried forever. Rows accepted for it later would only
   * come from a key the deletion already revoked.
   */
  private async dropDeletedOrg(orgId: string, org: OrgOutbox, failed: DeliveryOutcome): Promise<DeliveryOutcome> {
    const last = org.pending.at(-1)?.seq;
    if (last === undefined) return { ok: true, delivered: 0 };
    try {
      // Delivered rows precede the pending ones, so this removes every row the org has.
      await this.store.retire(orgId, last);
      await this.store.removeArcDeletes(org.arcDeletes.map((owed) => owed.seq));
      await this.store.pruneVersions(orgId, 0);
    } catch (error) {
      this.logger.warn("could not drop a deleted organization's memories from the outbox; a later delivery tries again", {
        org_id: orgId,
        error: error instanceof Error ? error.message : String(error),
      });
      org.retryAtMs = this.options.clock.now() + this.config.backoffCapMs;
      return failed;
    }
    const dropped = org.pending.length;
    org.clear();
    this.logger.warn("organization no longer exists; dropped its undelivered memories", { org_id: orgId, memories: dropped });
    return { ok: true, delivered: 0 };
  }

  /**
   * Delivers until every row pending at the call is out and marked in the outbox; returns the
   * error that stopped it.
   */
  private async drain(orgId: string): Promise<unknown> {
    const target = this.orgs.get(orgId)?.pending.at(-1)?.seq ?? Number.NEGATIVE_INFINITY;
    for (;;) {
      const org = this.orgs.get(orgId);
      const head = org?.pending[0];
      const rowsLeft = head !== undefined && head.seq <= target;
      if (!org || (!rowsLeft && org.arcDeletes.length === 0)) break;
      const joined = org.deliveryInFlight !== undefined;
      const outcome = await this.startDelivery(orgId);
      if (!outcome.ok && !joined) return outcome.error;
    }
    return undefined;
  }

  /**
   * Every row still in the outbox is delivered again, including rows Arc acknowledged within the
   * visibility window: Arc answers 204 while rows sit in its memory buffer, so a crash of Arc (or
   * of this process with the embedded engine) can lose them. A second copy in Arc is harmless,
   * since every read collapses rows by id.
   */
  private restoreRows(rows: StoredOutboxRow[]): void {
    for (const row of rows) {
      const orgId = row.record.org_id;
      const org = this.org(orgId);
      org.addPending({ seq: row.seq, record: row.record, acceptedAtMs: Math.floor(row.acceptedAtUs / 1000) });
      // The run before may have sent it, and Arc may hold it in its buffer still.
      org.sentThroughSeq = Math.max(org.sentThroughSeq, row.seq);
      this.noteStamp(orgId, row.record.ingested_at_us);
    }
  }

  /** After the rows are restored: the deletes Arc is owed, then deliveries of what waits. */
  private resume(owed: PendingArcDelete[]): void {
    for (const arcDelete of owed) this.org(arcDelete.orgId).arcDeletes.push(arcDelete);
    this.purger.schedule();
    for (const [orgId, org] of this.orgs) if (org.pending.length > 0 || org.arcDeletes.length > 0) void this.startDelivery(orgId);
  }

  private noteStamp(orgId: string, stampUs: number): void {
    const highest = this.highestStampUs.get(orgId);
    if (highest === undefined || stampUs > highest) this.highestStampUs.set(orgId, stampUs);
  }

  private org(orgId: string): OrgOutbox {
    let org = this.orgs.get(orgId);
    if (!org) {
      org = new OrgOutbox(this.load);
      this.orgs.set(orgId, org);
    }
    return org;
  }

  private track(work: Promise<unknown>): void {
    this.background.add(work);
    const forget = () => void this.background.delete(work);
    work.then(forget, forget);
  }

  private async settleBackground(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }
}

/** The agents a filter's memories can belong to (its `agent_id` alone when it names both); undefined for any. */
function agentsOf(filter: Pick<MemoryFilter, "agent_id" | "agent_ids">): readonly string[] | undefined {
  return filter.agent_id !== undefined ? [filter.agent_id] : filter.agent_ids;
}

import { buildDeleteMatchingWhere, buildDeleteMemoryWhere } from "../arc/memory-queries";
import type { Clock } from "../clock";
import { notFound, ServiceError } from "../errors";
import { dedupClaim } from "../memory/dedup-key";
import { deleteFilterSchema, type MemoryFilter } from "../memory/filter";
import type { ForgottenMemory, MemoryRecord } from "../memory/schema";
import type { SqlStatement } from "../sql/executor";
import type { KeyedItem } from "./arc-dedup-check";
import type { OutboxConfig } from "./config";
import type { DedupIndex } from "./dedup-index";
import type { CoordinatorLogger, RecordMatcher } from "./options";
import type { DeliveryOutcome } from "./org-delivery";
import type { CachedRow, OrgOutbox } from "./org-outbox";
import {
  flushesFirst,
  pendingArcDeleteInsert,
  recentDeleteStatements,
  recentIdChangeStatements,
  unflushedForgetUpsert,
  versionDeletes,
  type OutboxStore,
  type PendingArcDelete,
} from "./outbox-store";
import type { AcceptResult, ForgetMatchingOptions, ForgetOptions, ForgetResult, ReplaceOptions, ReplaceResult } from "./port";
import { MAX_READ_AGE_MS, type RecentChanges, type RecentIdChange } from "./recent-changes";

/** A delete by filter's filter that reads can state exactly (nothing a delete filter lacks): see `forgetMatching`. */
const exactDeleteFilter = deleteFilterSchema.strict();

/** A record that takes the place of an earlier version of itself (same id): see `replace`. */
export interface Replacement {
  memory: ForgottenMemory;
  owed: PendingArcDelete;
  change: RecentIdChange;
}

/** A record in a group commit; `replaces` when it is a new version of a memory. */
export type CommitItem = KeyedItem & { replaces?: Replacement };

/** What removing memories from the outbox takes: its statements, and the rows to drop from memory after. */
export interface ForgetPlan {
  statements: SqlStatement[];
  rows: CachedRow[];
}

/** What the changes take from the writer they are part of. */
export interface OutboxChangesDeps {
  clock: Clock;
  config: OutboxConfig;
  store: OutboxStore;
  dedupIndex: DedupIndex;
  recentChanges: RecentChanges;
  logger: CoordinatorLogger;
  matches: RecordMatcher;
  /** The org's outbox, made if it has none. */
  org(orgId: string): OrgOutbox;
  /** The org's outbox, if it has one. */
  heldOrg(orgId: string): OrgOutbox | undefined;
  /** The writer's next sequence number. */
  nextSeq(): number;
  /** Admits the items and has them group-committed. */
  submit(orgId: string, items: CommitItem[]): Promise<AcceptResult[]>;
  /** Resolves once the commits under way have ended. */
  commitsSettled(): Promise<void>;
  /** Starts (or joins) the org's one delivery; `rows: false` runs only what Arc owes. */
  startDelivery(orgId: string, options: { rows: boolean }): Promise<DeliveryOutcome>;
  /** The latest stamp stored for the org, 0 for none known. */
  highestStampUs(orgId: string): number;
  /** Whether the writer is shutting down. */
  closing(): boolean;
}

/**
 * The writer's changes of memories it has accepted: updates (`replace`), deletes by id
 * (`forget`) and by filter (`forgetMatching`), each taken under its org's lock, stored in one
 * outbox transaction with the delete Arc is then owed, and run in Arc before the org's next
 * delivery. Part of `OutboxWriteCoordinator`, which shares its state with them (`deps`).
 */
export class OutboxChanges {
  constructor(private readonly deps: OutboxChangesDeps) {}

  /**
   * Stores `next` as the new version of the memory `old` (same id), stamped here under the org's
   * lock so versions are ordered as they are stored (and after every recent delete by filter of
   * the org, which it must not look covered by), in one transaction with removing `old` from
   * the outbox, releasing its dedup claim and owing Arc the delete of every version from `old`
   * up to the new one (see `awaitArcDelete`). `next` claims its own key as any memory does, and
   * is refused as a duplicate of another memory holding it. A delivery in flight is waited for,
   * so the old version cannot reach Arc after this resolves.
   */
  async replace(orgId: string, old: MemoryRecord, next: MemoryRecord, { readAtMs }: ReplaceOptions): Promise<ReplaceResult> {
    if (next.id !== old.id) throw new ServiceError("internal", "a new version must keep its memory's id");
    // A delete Arc still owes from before the read (Arc failed it) may be of this very memory,
    // read back from Arc and maybe no longer recorded here: it runs first, and the caller reads
    // the memory again. One made since the read is recorded, and found under the lock.
    const stillOwed = this.deps.heldOrg(orgId)?.arcDeletes.findLast((arcDelete) => arcDelete.createdAtUs < readAtMs * 1000);
    if (stillOwed) {
      await this.awaitArcDelete(orgId, stillOwed);
      return { status: "stale" };
    }
    let owed: PendingArcDelete | undefined;
    const [result] = await this.exclusively(orgId, async (org): Promise<ReplaceResult[]> => {
      // Deletes and updates take effect under this same lock, so one that began first is seen
      // here, and one that begins later removes or replaces this new version too.
      const nowMs = this.deps.clock.now();
      if (this.deps.recentChanges.took(old, nowMs)) throw notFound("memory not found");
      if (!this.vouchesFor(org, old, readAtMs, nowMs)) return [{ status: "stale" }];
      // After every version and every delete by filter made so far, also in their millisecond.
      const stampUs = Math.max(nowMs * 1000, old.ingested_at_us + 1, this.deps.recentChanges.stampFloorUs(orgId, nowMs));
      const stamped = { ...next, ingested_at_us: stampUs };
      owed = {
        ...this.owe(orgId, buildDeleteMemoryWhere(orgId, old.id, old.ingested_at_us, stamped.ingested_at_us)),
        memory: { id: old.id, agentId: old.agent_id },
        ...this.bufferClear(org, org.rowOf(old.id), nowMs),
      };
      const change = this.deps.recentChanges.idChange(old.id, stamped.ingested_at_us, nowMs);
      return this.deps.submit(orgId, [{ seq: this.deps.nextSeq(), record: stamped, dedupKey: this.claimOf(stamped), replaces: { memory: old, owed, change } }]);
    });
    if (result!.status === "created") await this.awaitArcDelete(orgId, owed!);
    return result!;
  }

  /**
   * Removes memories from the outbox and releases their dedup claims, durably. A delivery in
   * flight is waited for, so once this resolves no copy of them can reach Arc from here, now or
   * after a restart. With `inArc`, their copies in Arc are deleted too, every version of each: the
   * delete is owed in the same transaction and then run (see `awaitArcDelete`), and it is
   * recorded so an update that read one of them before is refused.
   */
  async forget(orgId: string, memories: ForgottenMemory[], options: ForgetOptions = {}): Promise<ForgetResult> {
    const owed: PendingArcDelete[] = [];
    const skipped: string[] = [];
    await this.exclusively(orgId, async (org) => {
      const nowMs = this.deps.clock.now();
      const taken = memories.filter((memory) => {
        // One a delete took already is no later version: deleting it again is harmless.
        const named = !options.namedVersions || this.vouchesFor(org, memory, options.readAtMs, nowMs);
        if (!named) skipped.push(memory.id);
        return named;
      });
      if (taken.length === 0) return;
      if (!options.inArc) return void (await this.forgetHeld(orgId, org, taken));
      // Every version: also one an update stored since the caller read the memory (none can come
      // after this delete, which updates that read the memory before now find recorded).
      for (const memory of taken) {
        const row = org.rowOf(memory.id);
        const fromUs = Math.min(memory.ingested_at_us, row?.record.ingested_at_us ?? Infinity);
        const where = buildDeleteMemoryWhere(orgId, memory.id, fromUs);
        owed.push({ ...this.owe(orgId, where), memory: { id: memory.id, agentId: memory.agent_id }, ...this.bufferClear(org, row, nowMs) });
      }
      const changes = taken.map((memory) => this.deps.recentChanges.idChange(memory.id, null, nowMs));
      const alongside = [...recentIdChangeStatements(orgId, changes, nowMs), ...versionDeletes(orgId, taken.map((memory) => memory.id))];
      await this.forgetHeld(orgId, org, taken, owed, alongside);
      for (const change of changes) this.deps.recentChanges.addId(change, nowMs);
    });
    for (const arcDelete of owed) await this.awaitArcDelete(orgId, arcDelete);
    return { skipped };
  }

  /**
   * As `forget`, for every memory the outbox holds that matches the filter (pending, or delivered
   * and not yet purged, whether or not reads still show it). The filter's `ingested_before_us` is
   * when the delete began. Commits under way finish first; then everything stored before this
   * delete is stored goes, whatever its stamp within that bound's millisecond or later (it may
   * have been answered before the delete began), in the outbox and, with `inArc`, in Arc, which
   * holds nothing stored later since the org's owed deletes run before its next delivery. A
   * memory stamped before the delete began that arrives later is deleted on arrival (see
   * `RecentChanges`), and one stored meanwhile is taken too. Returns how many the outbox held.
   */
  async forgetMatching(orgId: string, filter: MemoryFilter, { inArc = false }: ForgetMatchingOptions = {}): Promise<number> {
    const owed: PendingArcDelete[] = [];
    // Not `idle`: under a steady stream of writes that might never come.
    await this.deps.commitsSettled();
    const held = await this.exclusively(orgId, async (org) => {
      const nowMs = this.deps.clock.now();
      const recent =
        filter.ingested_before_us === undefined ? undefined : this.deps.recentChanges.filterDelete(filter, nowMs, this.deps.highestStampUs(orgId));
      const taken: MemoryFilter = recent ? { ...filter, ingested_before_us: recent.tookBeforeUs } : filter;
      if (inArc) {
        // Reads leave out what it owes Arc, when its filter is one they can state exactly.
        const hides = exactDeleteFilter.safeParse(taken);
        owed.push({ ...this.owe(orgId, buildDeleteMatchingWhere(taken)), ...(hides.success ? { filter: hides.data } : {}) });
      }
      const matching = () => org.held(taken, this.deps.matches).map((row) => row.record);
      if (!recent) return this.forgetHeld(orgId, org, matching(), owed);
      let count = await this.forgetHeld(orgId, org, matching(), owed, recentDeleteStatements(recent, nowMs));
      // Only a stored delete drops what arrives after it (an acknowledged memory is never lost to
      // one that then failed). What the commits running meanwhile stored is taken now: they
      // finish before the deliveries this lock holds back can start.
      this.deps.recentChanges.addFilter(recent, nowMs);
      await this.deps.commitsSettled();
      const late = matching();
      if (late.length > 0) count += await this.forgetHeld(orgId, org, late);
      return count;
    });
    for (const arcDelete of owed) await this.awaitArcDelete(orgId, arcDelete);
    return held;
  }

  /**
   * Under the org's lock: whether `memory` is still the latest version of its id as far as this
   * writer can tell: no later version is held in the outbox or recorded by the update that stored
   * it (for a minute), and the read is at most MAX_READ_AGE_MS old, so that record still stands.
   */
  private vouchesFor(org: OrgOutbox, memory: Pick<MemoryRecord, "id" | "ingested_at_us">, readAtMs: number | undefined, nowMs: number): boolean {
    if (readAtMs !== undefined && nowMs - readAtMs > MAX_READ_AGE_MS) return false;
    const held = org.rowOf(memory.id);
    if (held && held.record.ingested_at_us > memory.ingested_at_us) return false;
    return !this.deps.recentChanges.replacedSince(memory, nowMs);
  }

  /**
   * `bufferClear` for a delete of one memory, whose row the outbox holds is `row` (a row it no
   * longer holds is out of Arc's buffer; see `PendingArcDelete.bufferClear`).
   */
  private bufferClear(org: OrgOutbox, row: CachedRow | undefined, nowMs: number): { bufferClear?: true } {
    return org.mayBufferForgottenRows(nowMs) || (row !== undefined && org.maySitInArcBuffer(row)) ? {} : { bufferClear: true };
  }

  /** A delete for the org's Arc to owe, numbered from the writer's sequence. */
  private owe(orgId: string, where: string): PendingArcDelete {
    return { seq: this.deps.nextSeq(), orgId, where, createdAtUs: this.deps.clock.now() * 1000 };
  }

  /**
   * Runs what the org's Arc owes until it has done `owed`, in the org's one delivery slot but
   * without a chunk of rows (a delete need not cut the batching short). A failure leaves it owed,
   * durably, and retried with the deliveries' backoff; the caller hears so as a 503, and
   * repeating the call is harmless.
   */
  private async awaitArcDelete(orgId: string, owed: PendingArcDelete): Promise<void> {
    for (;;) {
      const org = this.deps.heldOrg(orgId);
      if (!org?.arcDeletes.includes(owed)) return;
      const outcome = await this.deps.startDelivery(orgId, { rows: false });
      if (!outcome.ok) {
        throw new ServiceError("arc_unavailable", "Arc did not answer the delete; it is kept and retried until Arc has done it", {
          retryAfterSeconds: 1,
          cause: outcome.error,
        });
      }
    }
  }

  /**
   * Runs `work` once no delivery or other forget, delete or update of the org runs, and holds
   * deliveries back until it ends. Taken for an org the outbox holds nothing of too: deletes and
   * updates of its memories in Arc must still take turns.
   */
  private async exclusively<T>(orgId: string, work: (org: OrgOutbox) => Promise<T>): Promise<T> {
    if (this.deps.closing()) throw new ServiceError("overloaded", "server is shutting down", { retryAfterSeconds: 1 });
    let org = this.deps.org(orgId);
    // Looked up again after each wait: a purge may have let an emptied org go meanwhile.
    for (let busy = org.deliveryInFlight ?? org.forgetting; busy; busy = org.deliveryInFlight ?? org.forgetting) {
      await busy;
      org = this.deps.org(orgId);
    }
    const run = work(org);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    org.forgetting = settled;
    try {
      return await run;
    } finally {
      if (org.forgetting === settled) org.forgetting = undefined;
    }
  }

  /**
   * Removes these memories' rows (those the outbox holds) and claims, with the Arc delete they
   * make owed and any `alongside` statements, in one transaction; returns how many rows it held.
   */
  private async forgetHeld(
    orgId: string,
    org: OrgOutbox,
    memories: ForgottenMemory[],
    owed: readonly PendingArcDelete[] = [],
    alongside: readonly SqlStatement[] = [],
  ): Promise<number> {
    let plan: ForgetPlan;
    const nowMs = this.deps.clock.now();
    try {
      plan = await this.forgetPlan(orgId, org, memories);
      plan.statements.push(...owed.map(pendingArcDeleteInsert));
      plan.statements.push(...alongside);
      // Kept across a restart: see `forgotten`.
      if (leavesSentRows(org, plan.rows, owed)) plan.statements.push(unflushedForgetUpsert(orgId, nowMs * 1000));
      await this.deps.store.apply(plan.statements);
    } catch (error) {
      this.deps.logger.error("could not remove memories from the outbox", { org_id: orgId, error: error instanceof Error ? error.message : String(error) });
      throw new ServiceError("storage_unavailable", "could not remove the memories from the outbox (its storage failed); nothing changed, retry later", {
        retryAfterSeconds: 1,
        cause: error,
      });
    }
    this.forgotten(org, plan.rows, owed, nowMs);
    return plan.rows.length;
  }

  /** After a forget committed at `nowMs`: its rows leave the in-memory outbox, and its Arc deletes are owed. */
  forgotten(org: OrgOutbox, rows: CachedRow[], owed: readonly PendingArcDelete[], nowMs: number): void {
    org.removeAll(rows);
    org.arcDeletes.push(...owed);
    // A delete that flushes Arc first flushes every row sent before it; rows that may sit in Arc's
    // buffer and left with no such delete owed make the org's deletes flush until Arc has flushed
    // them on its own, within the visibility delay.
    if (leavesSentRows(org, rows, owed)) org.forgotSentRowsUntilMs = nowMs + this.deps.config.visibilityDelayMs;
    else if (owed.some(flushesFirst)) org.forgotSentRowsUntilMs = undefined;
  }

  /** The statements that remove these memories' rows and claims, and the rows they remove. */
  async forgetPlan(orgId: string, org: OrgOutbox, memories: ForgottenMemory[]): Promise<ForgetPlan> {
    const rows: CachedRow[] = [];
    const claims: Array<[seq: number, memoryId: string]> = [];
    const scanIds: string[] = [];
    const nowMs = this.deps.clock.now();
    for (const memory of memories) {
      const row = org.rowOf(memory.id);
      if (row) rows.push(row);
      const claim = this.claimOf(memory);
      if (claim === "") continue;
      for (const seq of this.deps.dedupIndex.candidates(orgId, claim)) claims.push([seq, memory.id]);
      if (row) claims.push([row.seq, memory.id]);
      // A claim accepted before the index's coverage may sit in the log without the index knowing it.
      const ingestedAtMs = memory.ingested_at_us / 1000;
      if (ingestedAtMs + this.deps.config.dedup.windowMs > nowMs && ingestedAtMs < this.deps.dedupIndex.coveredSinceMs) scanIds.push(memory.id);
    }
    const statements = await this.deps.store.forgetStatements(
      orgId,
      rows.map((row) => row.seq),
      claims,
      scanIds,
    );
    return { statements, rows };
  }

  /** The dedup key a record claims, "" for none. */
  claimOf(record: Pick<MemoryRecord, "agent_id" | "dedup_key">): string {
    return this.deps.config.dedup.enabled && record.dedup_key !== "" ? dedupClaim(record.agent_id, record.dedup_key) : "";
  }
}

/** Whether rows leaving the outbox may sit in Arc's buffer with no delete that flushes it owed for them. */
function leavesSentRows(org: OrgOutbox, rows: readonly CachedRow[], owed: readonly PendingArcDelete[]): boolean {
  return !owed.some(flushesFirst) && rows.some((row) => org.maySitInArcBuffer(row));
}

import { pageOf } from "../arc/filter-match";
import type { ArcRouter, ArcTarget } from "../arc-routing/router";
import type { Clock } from "../clock";
import { sha256HexSync, type Sha256Hex } from "../crypto/sha256";
import type { AcceptResult, WriteCoordinator } from "../coordinator/port";
import { ArcRequestError } from "../arc/request-error";
import { buildDeleteMatchingWhere, buildDeleteMemoryWhere } from "../arc/memory-queries";
import { badRequest, conflict, notFound, ServiceError } from "../errors";
import { memoryIdGenerator } from "../ids";
import type { AgentActivity } from "../metadata/agent-activity";
import type { ClosedSessions } from "../metadata/closed-sessions";
import type { Metrics } from "../metrics";
import type { DeleteFilter, MemoryFilter, MemoryPageRequest } from "./filter";
import { countByType } from "./count-by-type";
import { agentsOnly, isHidden, withoutHidden } from "./hidden-in-arc";
import { toMemoryRecord, type NormalizeOptions } from "./normalize";
import { patchedRecord, type MemoryPatch } from "./patch";
import { ChangeTurns } from "./change-turns";
import { assertIfMatch } from "./version";
import type { MemoryInput, MemoryRecord } from "./schema";

export interface MemoryServiceOptions {
  coordinator: WriteCoordinator;
  arc: ArcRouter;
  clock: Clock;
  dedup: { enabled: boolean; windowMs: number };
  /** Hashes dedup keys' material; the portable SHA-256 when absent. */
  sha256Hex?: Sha256Hex;
  /** Told which agent_ids wrote, for agents' `last_active_at` (throttled, off the write path). */
  activity?: Pick<AgentActivity, "record">;
  /** Told how many memories each write call stored and refused as duplicates. */
  metrics?: Pick<Metrics, "memoriesWritten">;
  /** Which sessions are closed: a memory may not join one. */
  closedSessions: Pick<ClosedSessions, "closedAmong">;
}

export interface MemoryPage {
  records: MemoryRecord[];
  hasMore: boolean;
}

const NONE_CLOSED: ReadonlySet<string> = new Set();

/** Why a memory naming `sessionId` is refused. */
export const sessionClosed = (sessionId: string) =>
  conflict(`session ${sessionId} is closed; reopen it (status active) to add memories`, { session_id: sessionId });

/** Arc's own ceiling on one delete (`delete.max_rows_per_delete`). */
export const MAX_DELETE_ROWS = 1_000_000;
/** Memories whose dedup claims are released per outbox transaction in a delete by filter. */
const CLAIM_PAGE = 1_000;

/**
 * How often an update or a conditional delete reads the memory again when the writer found a
 * later version than the one it read: the writer takes changes of an org one at a time, so each
 * round of racing changes lets at least one through, and only a memory changed by more than this
 * many callers at once runs out.
 */
const MAX_CHANGE_ATTEMPTS = 10;

/** A memory kept changing under an update or a conditional delete: the caller may retry. */
const keptChanging = () =>
  new ServiceError("overloaded", "the memory kept changing while this change was applied; retry", { retryAfterSeconds: 1 });

/** What a change of one memory checks its read against: the caller's scope (a 404 outside it) and If-Match. */
export interface ChangeOptions {
  visible: (record: MemoryRecord) => boolean;
  /** An If-Match header: the change applies only to the version it names (see `assertIfMatch`). */
  ifMatch?: string | undefined;
}

/**
 * The memory verbs. Writes go through the coordinator (durable before they return); reads ask
 * Arc and merge the memories Arc cannot show yet, under the same filter and order, so a memory is
 * readable the moment its write returned.
 */
export class MemoryService {
  private readonly turns = new ChangeTurns();

  /** What new records are made with; its id generator orders this service's ids (see `memoryIdGenerator`). */
  private readonly normalizing: NormalizeOptions;

  constructor(private readonly options: MemoryServiceOptions) {
    this.normalizing = {
      clock: options.clock,
      memoryId: memoryIdGenerator(),
      dedupEnabled: options.dedup.enabled,
      sha256Hex: options.sha256Hex ?? sha256HexSync,
    };
  }

  /**
   * Normalises and accepts memories for one org; one result per input, in order. A memory naming
   * a closed session is refused (409) and then none is written: a batch sorts those out first
   * with `closedSessionsOf`.
   */
  async create(orgId: string, inputs: MemoryInput[]): Promise<AcceptResult[]> {
    const [closed] = await this.closedSessionsOf(orgId, inputs);
    if (closed !== undefined) throw sessionClosed(closed);
    const records = inputs.map((input) => toMemoryRecord(orgId, input, this.normalizing));
    const results = await this.options.coordinator.accept(orgId, records);
    if (this.options.metrics) {
      const created = results.filter((result) => result.status === "created").length;
      this.options.metrics.memoriesWritten(created, results.length - created);
    }
    // A duplicate is activity too: the agent did write.
    this.options.activity?.record(orgId, new Set(records.map((record) => record.agent_id)));
    return results;
  }

  /**
   * The memory's new version under `patch` (see `patchedRecord`), in place of the current one:
   * stored durably in the transaction that removes the old version from the outbox and owes Arc
   * its delete, which then runs (see `deleteWithArc`). The patch applies to the latest version:
   * when the writer finds a later one than was read (another update came first), the memory is
   * read and patched again. `check` sees the new version first (scope). A new dedup key another
   * memory holds is a 409, a closed session too; nothing changes then. With `ifMatch`, only the
   * version it names is changed (412 otherwise).
   */
  async update(orgId: string, id: string, patch: MemoryPatch, options: ChangeOptions & { check?: (next: MemoryRecord) => void }): Promise<MemoryRecord> {
    return this.changeLatest(orgId, id, options, async (current, readAtMs) => {
      const next = patchedRecord(current, patch, this.normalizing);
      options.check?.(next);
      const [closed] = await this.closedSessionsOf(orgId, [next]);
      if (closed !== undefined) throw sessionClosed(closed);
      const result = await this.options.coordinator.replace(orgId, current, next, { readAtMs });
      if (result.status === "stale") return undefined;
      if (result.status === "duplicate") {
        throw conflict("another memory of this agent has the same dedup key", { existing_id: result.existing_id, dedup_key: next.dedup_key });
      }
      this.options.activity?.record(orgId, new Set([next.agent_id]));
      return result.record;
    });
  }

  /**
   * Runs `change` on the memory as read now, and on a fresh read again while it answers
   * `undefined` (the writer found a later version than the one read). The memory is a 404 when
   * the caller may not see it, a 412 when If-Match names another version; Arc's dry run, which
   * asks whether Arc deletes at all, runs once (see `deleteWithArc`).
   */
  private changeLatest<T>(
    orgId: string,
    id: string,
    options: ChangeOptions,
    change: (current: MemoryRecord, readAtMs: number) => Promise<T | undefined>,
  ): Promise<T> {
    // In the memory's turn (see ChangeTurns), so changes made here seldom find a later version.
    return this.turns.run(orgId, id, async () => {
      const read = async () => {
        const readAtMs = this.options.clock.now();
        const current = await this.get(orgId, id);
        if (!current || !options.visible(current)) throw notFound("memory not found");
        assertIfMatch(options.ifMatch, current);
        return { current, readAtMs };
      };
      let { current, readAtMs } = await read();
      return this.deleteWithArc(orgId, this.probeWhere(orgId, current), async () => {
        for (let attempt = 1; ; attempt++) {
          const done = await change(current, readAtMs);
          if (done !== undefined) return done;
          if (attempt === MAX_CHANGE_ATTEMPTS) throw keptChanging();
          ({ current, readAtMs } = await read());
        }
      });
    });
  }

  /**
   * The `where` of the dry run that asks whether Arc deletes at all (the writer owes the real
   * delete, of every version): built as that delete's, but over an empty ingest range, so Arc
   * refuses it for the same reasons and counts no row. Counting the versions would cost a scan
   * of every row ingested since the memory, which nothing reads.
   */
  private probeWhere(orgId: string, current: MemoryRecord): string {
    return buildDeleteMemoryWhere(orgId, current.id, current.ingested_at_us, current.ingested_at_us);
  }

  /** The closed sessions the inputs name (none for most writes, and then no query once cached). */
  async closedSessionsOf(orgId: string, inputs: ReadonlyArray<{ session_id?: string | null | undefined }>): Promise<ReadonlySet<string>> {
    let ids: string[] | undefined;
    for (const input of inputs) if (input.session_id) (ids ??= []).push(input.session_id);
    return ids ? this.options.closedSessions.closedAmong(orgId, ids) : NONE_CLOSED;
  }

  /** One page of memories in the requested order; `hasMore` only when a further row exists. */
  async list(page: MemoryPageRequest): Promise<MemoryPage> {
    const orgId = page.filter.org_id;
    const offset = page.offset ?? 0;
    // The page's first `want` rows are among Arc's first `want` and the recent window's first `want`.
    const head = { ...page, offset: 0, limit: offset + page.limit + 1 };
    const [target, before, hidden] = await Promise.all([
      this.options.arc.targetFor(orgId),
      this.options.coordinator.recent(orgId, head),
      this.options.coordinator.recentIds(orgId, agentsOnly(page.filter)),
    ]);
    // Arc's rows of a memory whose update or delete is still owed there are not what it is now:
    // the recent window, looked at after this, decides (an old version that no longer matches the
    // filter would otherwise show, with nothing to replace it).
    const fromArc = await target.reader.list({ ...head, filter: withoutHidden(head.filter, hidden) });
    // An update that ran while Arc was read may have deleted the old version there after the
    // first look at the recent window, which did not hold the new one yet: look again, so the
    // memory shows in one version or the other, never in none.
    const after = await this.options.coordinator.recent(orgId, head);
    const merged = pageOf(mergeById(fromArc, [...before, ...after]), head);
    const rows = merged.slice(offset, offset + page.limit + 1);
    return { records: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
  }

  /** A real get by id (the original ran a content search for the id). */
  async get(orgId: string, id: string): Promise<MemoryRecord | null> {
    const byId: MemoryPageRequest = { filter: { org_id: orgId, ids: [id] }, order: "asc", order_by: "time", limit: 1 };
    const [recent] = await this.options.coordinator.recent(orgId, byId);
    if (recent) return recent;
    // Where an update put the memory's latest version. Only a hint: without it (a writer from
    // before it, on a rolling deploy) Arc is read at more places.
    const laterVersionUs = () => this.options.coordinator.latestVersionUs(orgId, id).catch(() => null);
    const target = await this.options.arc.targetFor(orgId);
    const [stored, hidden] = await Promise.all([
      target.reader.getById(orgId, id, laterVersionUs),
      this.options.coordinator.recentIds(orgId, agentsOnly(byId.filter)),
    ]);
    // Arc's copy of a memory deleted or updated since, whose delete there is still owed, is not it.
    if (stored && !isHidden(stored, hidden)) return stored;
    // An update may have stored a new version and deleted the old one from Arc while Arc was read.
    const [updated] = await this.options.coordinator.recent(orgId, byId);
    return updated ?? null;
  }

  /**
   * Deletes a memory: out of the outbox (waiting for a delivery of it in flight, so nothing here
   * can bring it back), then every version of it out of Arc (see `deleteWithArc`). With
   * `ifMatch`, only the version it names, as `update` does: when the writer finds a later one,
   * the memory is read again and the header checked against it.
   */
  async delete(orgId: string, id: string, options: ChangeOptions): Promise<void> {
    await this.changeLatest(orgId, id, options, async (record, readAtMs) => {
      const conditional = options.ifMatch === undefined ? {} : { namedVersions: true, readAtMs };
      const { skipped } = await this.options.coordinator.forget(orgId, [record], { inArc: true, ...conditional });
      return skipped.length === 0 ? true : undefined;
    });
  }

  /**
   * Deletes every memory matching the filter that was written before the call (a memory written
   * meanwhile is left whole, never removed from the outbox but not from Arc or the reverse), as
   * `delete` does for one: out of the outbox, dedup claims released (for memories still inside
   * the dedup window, read from Arc), then out of Arc. Answers how many it deleted.
   */
  async deleteMatching(filter: DeleteFilter): Promise<number> {
    const orgId = filter.org_id;
    const nowMs = this.options.clock.now();
    // When the delete began: a memory stamped before it that reaches the writer after the delete
    // is deleted on arrival. What is stored goes whatever its stamp, up to when the writer stores
    // the delete (a stamp can run ahead of the clock), so it is counted and walked without one.
    const began: DeleteFilter = { ...filter, ingested_before_us: Math.min(filter.ingested_before_us ?? Infinity, nowMs * 1000) };
    const stored: DeleteFilter = filter;
    const where = buildDeleteMatchingWhere(stored);
    return this.deleteWithArc(orgId, where, async (storedRows, target) => {
      if (storedRows > MAX_DELETE_ROWS) throw tooManyToDelete(storedRows);
      const count = Object.values(await this.countByType(stored)).reduce((a, b) => a + b, 0);
      // Claims first, read from Arc's rows while Arc still has them; the delete comes last.
      if (this.options.dedup.enabled) {
        const claimed: MemoryPageRequest = {
          filter: { ...stored, ingested_since_us: (nowMs - this.options.dedup.windowMs) * 1000 },
          order: "asc",
          order_by: "time",
          limit: CLAIM_PAGE,
        };
        for (let page = await target.reader.keys(claimed); page.length > 0; ) {
          // Only the versions read: one an update stored since, maybe no longer matching, stays.
          await this.options.coordinator.forget(orgId, page, { namedVersions: true });
          const last = page.at(-1)!;
          page = page.length < CLAIM_PAGE ? [] : await target.reader.keys({ ...claimed, after: { time_us: last.time_us, id: last.id } });
        }
      }
      await this.options.coordinator.forgetMatching(orgId, began, { inArc: true });
      return count;
    });
  }

  /**
   * Every delete and update, around `change`, which hands `where` to the coordinator: it owes
   * Arc that delete in the same transaction as its outbox change and runs it (flushing Arc's
   * buffer first, whose rows a delete skips), retrying after a crash or an outage until Arc has
   * done it. A dry run first asks whether this Arc deletes at all, so one that refuses changes
   * nothing, and how many stored rows match.
   */
  private async deleteWithArc<T>(orgId: string, where: string, change: (storedRows: number, target: ArcTarget) => Promise<T>): Promise<T> {
    const target = await this.options.arc.targetFor(orgId);
    try {
      return await change(await target.client.deleteWhere(where, { dryRun: true }), target);
    } catch (error) {
      throw arcDeleteRefused(error) ?? error;
    }
  }

  /** Counts of memories matching the filter, by memory type, including memories Arc cannot show yet (see `countByType`). */
  async countByType(filter: MemoryFilter): Promise<Record<string, number>> {
    const reader = async () => (await this.options.arc.targetFor(filter.org_id)).reader;
    return countByType(reader, this.options.coordinator, filter);
  }
}

/** A delete by filter over Arc's ceiling; `matched_rows` says by how much. */
export const tooManyToDelete = (rows: number) =>
  badRequest(`the filter matches ${rows} stored rows, more than ${MAX_DELETE_ROWS} in one delete: narrow it with since/until`, {
    matched_rows: rows,
    max_rows: MAX_DELETE_ROWS,
  });

/** Arc refuses deletes without an admin token or with `delete.enabled` off: say which, not just "502". */
function arcDeleteRefused(error: unknown): ServiceError | undefined {
  if (!(error instanceof ArcRequestError) || (error.status !== 401 && error.status !== 403)) return undefined;
  return new ServiceError(
    "arc_error",
    "this organization's Arc refused the delete: it needs a token with the admin permission and delete.enabled in Arc's config",
    { cause: error },
  );
}

/**
 * One copy per id: Arc's, unless the recent window holds a later version (an update whose old
 * version Arc has not deleted yet); a redelivered copy is the same version, so Arc's stands.
 */
function mergeById(fromArc: MemoryRecord[], recent: MemoryRecord[]): MemoryRecord[] {
  const byId = new Map<string, MemoryRecord>();
  for (const record of fromArc) byId.set(record.id, record);
  for (const record of recent) {
    const stored = byId.get(record.id);
    if (!stored || stored.ingested_at_us < record.ingested_at_us) byId.set(record.id, record);
  }
  return [...byId.values()];
}

import type { MemoryFilter } from "../memory/filter";
import type { MemoryRecord } from "../memory/schema";
import type { OrgFlushState } from "./batching-policy";
import type { RecordMatcher } from "./options";
import type { PendingArcDelete } from "./outbox-store";
import type { DeliveryOutcome } from "./org-delivery";
import { RecentIndex } from "./recent-index";
import { UpdateMarks } from "./update-marks";

/** One outbox row held in memory. */
export interface CachedRow {
  seq: number;
  record: MemoryRecord;
  acceptedAtMs: number;
  deliveredAtMs?: number;
  /** What the row was counted as (`heldBytes`) when it became pending, so it leaves the load exactly as it entered. */
  heldBytes?: number;
}

/** What each memory held costs beyond its texts: the record, its row and its index entries. */
const HELD_OVERHEAD_BYTES = 320;

/**
 * About how much memory a memory takes while the outbox holds it: two bytes a character of its
 * texts (V8 may store one) and a fixed overhead. What the outbox's byte cap counts; cheap, since
 * every accepted memory is measured.
 */
export function heldBytes(record: MemoryRecord): number {
  let chars =
    record.id.length +
    record.org_id.length +
    record.agent_id.length +
    record.session_id.length +
    record.memory_type.length +
    record.event_type.length +
    record.content.length +
    record.metadata_json.length +
    record.dedup_key.length +
    record.parent_id.length;
  for (const tag of record.tags) chars += tag.length;
  return 2 * chars + HELD_OVERHEAD_BYTES;
}

/** Rows and the memory they hold (`heldBytes`): of one org, or of all of them. */
export class HeldLoad {
  rows = 0;
  bytes = 0;

  add(rows: number, bytes: number): void {
    this.rows += rows;
    this.bytes += bytes;
  }
}

/** What the outbox holds in memory: rows waiting for Arc, and delivered rows kept through the visibility delay. */
export interface HeldLoads {
  pending: HeldLoad;
  delivered: HeldLoad;
}

/**
 * One org's slice of the outbox, in memory: rows waiting for Arc (oldest first), rows already in
 * Arc but maybe not yet visible there, and the delivery state the batching policy reads.
 * `recent` and the policy read only this, so neither touches SQLite.
 */
export class OrgOutbox {
  readonly pending: CachedRow[] = [];
  /** The rows in `pending`, and in the delivered rows still held, and the memory they hold. */
  readonly load: HeldLoads = { pending: new HeldLoad(), delivered: new HeldLoad() };
  /** Deletes the org's Arc still owes, oldest first; every delivery runs them before its chunk. */
  arcDeletes: PendingArcDelete[] = [];
  /** The org's updates stored so far, for counts (see `RecentIds.updateMark`). */
  readonly updates = new UpdateMarks();
  private delivered: CachedRow[] = [];
  private index = new RecentIndex();
  /** Rows in accept calls still waiting for their commit, and their memory; they count against the outbox cap. */
  readonly queued = new HeldLoad();
  deliveryInFlight: Promise<DeliveryOutcome> | undefined;
  /** A memory being forgotten: no delivery starts until its removal is durable. */
  forgetting: Promise<unknown> | undefined;
  consecutiveFailures = 0;
  retryAtMs: number | undefined;
  /** Set after the org's Arc refused a body as too large (413): the byte bound its chunks keep to. */
  chunkBytesLimit: number | undefined;
  /** The highest seq sent to Arc so far, by a delivery, even a failed one: Arc may have buffered what it never answered. */
  sentThroughSeq = Number.NEGATIVE_INFINITY;
  /**
   * Rows that may sit in Arc's buffer left the outbox with no delete owed for them (a delete by
   * filter releasing claims before its own delete is stored): until this time, one visibility
   * delay later, when Arc has flushed them on its own, the org's next delete flushes Arc first.
   * Stored too, and set again at a start within that delay (see migration 11).
   */
  forgotSentRowsUntilMs: number | undefined;

  /** `total` is the load of every org, which this org's changes keep up to date. */
  constructor(private readonly total: HeldLoads) {}

  /** An owed delete counts as a pending row: it waits for the same delivery. */
  flushState(): OrgFlushState {
    const oldestRow = this.pending[0]?.acceptedAtMs;
    const oldestDelete = this.arcDeletes[0] && Math.floor(this.arcDeletes[0].createdAtUs / 1000);
    return {
      pendingRows: this.pending.length + this.arcDeletes.length,
      oldestPendingAtMs: oldestRow === undefined || oldestDelete === undefined ? (oldestRow ?? oldestDelete) : Math.min(oldestRow, oldestDelete),
      deliveryInFlight: this.deliveryInFlight !== undefined,
      retryAtMs: this.retryAtMs,
    };
  }

  addPending(row: CachedRow): void {
    const bytes = heldBytes(row.record);
    row.heldBytes = bytes;
    this.pending.push(row);
    this.index.add(row);
    this.count("pending", 1, bytes);
  }

  private count(list: keyof HeldLoads, rows: number, bytes: number): void {
    this.load[list].add(rows, bytes);
    this.total[list].add(rows, bytes);
  }

  /** The memory these rows were counted as when they became pending. */
  private static bytesOf(rows: Iterable<CachedRow>): number {
    let bytes = 0;
    for (const row of rows) bytes += row.heldBytes ?? 0;
    return bytes;
  }

  /** Moves a delivered chunk (the head of `pending`, as handed out) to the delivered rows. */
  markDelivered(chunk: CachedRow[], deliveredAtMs: number): void {
    if (chunk.some((row, i) => this.pending[i] !== row)) {
      throw new Error("outbox invariant broken: a delivered chunk is not the head of the pending rows");
    }
    this.pending.splice(0, chunk.length);
    const bytes = OrgOutbox.bytesOf(chunk);
    this.count("pending", -chunk.length, -bytes);
    this.count("delivered", chunk.length, bytes);
    for (const row of chunk) {
      row.deliveredAtMs = deliveredAtMs;
      this.delivered.push(row);
    }
  }

  /** Every row held (pending, or delivered and not yet purged) whose memory matches the filter. */
  held(filter: MemoryFilter, matches: RecordMatcher): CachedRow[] {
    const lists = this.index.candidates(filter, matches) ?? [this.delivered, this.pending];
    return lists.flatMap((rows) => rows.filter((row) => matches(row.record, filter)));
  }

  /**
   * Whether Arc's buffer, which a delete skips, may hold a copy of this row. A row that has left
   * the outbox is out of it: the purge lets delivered rows go only once their Arc stored them.
   */
  maySitInArcBuffer(row: CachedRow): boolean {
    return row.seq <= this.sentThroughSeq;
  }

  /** Whether rows let go with no delete owed for them may still sit in Arc's buffer (see `forgotSentRowsUntilMs`). */
  mayBufferForgottenRows(nowMs: number): boolean {
    return this.forgotSentRowsUntilMs !== undefined && nowMs < this.forgotSentRowsUntilMs;
  }

  /** The pending or delivered row holding this memory, if any. */
  rowOf(id: string): CachedRow | undefined {
    return this.index.get(id);
  }

  /**
   * Drops these rows (forgotten memories) in one pass over each list; returns how many were
   * pending. Never while a delivery is in flight: that delivery's chunk must stay the head of
   * `pending`.
   */
  removeAll(rows: readonly CachedRow[]): number {
    if (this.deliveryInFlight) throw new Error("outbox invariant broken: rows removed while a delivery is in flight");
    if (rows.length === 0) return 0;
    const gone = new Set(rows);
    this.index.removeAll(gone);
    const before = this.pending.length;
    let kept = 0;
    let removedBytes = 0;
    for (const row of this.pending) {
      if (!gone.has(row)) this.pending[kept++] = row;
      else removedBytes += row.heldBytes ?? 0;
    }
    this.pending.length = kept;
    this.count("pending", kept - before, -removedBytes);
    const delivered = this.delivered.length;
    const removedDelivered = this.delivered.filter((row) => gone.has(row));
    this.delivered = this.delivered.filter((row) => !gone.has(row));
    this.count("delivered", this.delivered.length - delivered, -OrgOutbox.bytesOf(removedDelivered));
    return before - kept;
  }

  /** Forgets every row held (their org is gone and the outbox no longer holds them). */
  clear(): void {
    this.count("pending", -this.pending.length, -OrgOutbox.bytesOf(this.pending));
    this.count("delivered", -this.delivered.length, -OrgOutbox.bytesOf(this.delivered));
    this.pending.length = 0;
    this.delivered = [];
    this.index = new RecentIndex();
    this.arcDeletes = [];
    this.retryAtMs = undefined;
    this.consecutiveFailures = 0;
  }

  /**
   * Records matching the filter among every row held: pending, and delivered but not yet let go.
   * A delivered row is let go only once its Arc confirmed it stores it (see `OutboxPurger`), so
   * the rows held past the visibility delay are exactly those Arc may still not show: an engine
   * whose store waits behind deletes, say. Reads merge these with Arc's rows by id.
   */
  recent(filter: MemoryFilter, matches: RecordMatcher): MemoryRecord[] {
    return this.held(filter, matches).map((row) => row.record);
  }

  /**
   * Drops delivered rows whose visibility delay has passed; returns the last one's seq (rows
   * leave in seq order, so it bounds them all), or undefined when none expired.
   */
  expireDelivered(nowMs: number, delayMs: number): number | undefined {
    const keep = this.delivered.findIndex((row) => (row.deliveredAtMs ?? 0) + delayMs > nowMs);
    const expired = keep === -1 ? this.delivered : this.delivered.slice(0, keep);
    this.delivered = keep === -1 ? [] : this.delivered.slice(keep);
    this.count("delivered", -expired.length, -OrgOutbox.bytesOf(expired));
    this.index.removeOldest(expired);
    return expired.at(-1)?.seq;
  }

  /**
   * The highest seq below which every row of the org is delivered (delivered rows all precede
   * the pending ones), or undefined when none is delivered.
   */
  deliveredThroughSeq(): number | undefined {
    return this.delivered.at(-1)?.seq;
  }

  /** When the oldest delivered row still held was delivered, if any is held. */
  oldestDeliveredAtMs(): number | undefined {
    return this.delivered[0]?.deliveredAtMs;
  }

  /**
   * Puts every delivered row back at the head of `pending`, in seq order, for an Arc that lost
   * them; returns how many. Never while a delivery is in flight: its chunk is the head of `pending`.
   */
  requeueDelivered(): number {
    if (this.deliveryInFlight) throw new Error("outbox invariant broken: rows requeued while a delivery is in flight");
    const rows = this.delivered;
    this.delivered = [];
    for (const row of rows) delete row.deliveredAtMs;
    const all = rows.concat(this.pending);
    this.pending.length = 0;
    for (const row of all) this.pending.push(row);
    const bytes = OrgOutbox.bytesOf(rows);
    this.count("delivered", -rows.length, -bytes);
    this.count("pending", rows.length, bytes);
    return rows.length;
  }

  /** When the oldest delivered row leaves the visibility window, if any is held. */
  nextExpiryAtMs(delayMs: number): number | undefined {
    const oldest = this.delivered[0];
    return oldest === undefined ? undefined : (oldest.deliveredAtMs ?? 0) + delayMs;
  }

  /** Nothing pending, owed, delivered, in flight or maybe in Arc's buffer: the org can be forgotten. */
  isEmpty(nowMs: number): boolean {
    return (
      this.pending.length === 0 &&
      this.arcDeletes.length === 0 &&
      this.delivered.length === 0 &&
      this.queued.rows === 0 &&
      !this.deliveryInFlight &&
      !this.forgetting &&
      !this.mayBufferForgottenRows(nowMs)
    );
  }
}

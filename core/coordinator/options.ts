import type { Clock } from "../clock";
import type { Logger } from "../logger";
import type { MemoryFilter } from "../memory/filter";
import type { HiddenInArc } from "../memory/hidden-in-arc";
import type { MemoryRecord } from "../memory/schema";
import type { SqlExecutor } from "../sql/executor";
import type { OutboxConfigInput } from "./config";
import type { Scheduler } from "./scheduler";

/**
 * Where an org's memories go: in practice an Arc client bound to the org's database. A failed
 * `write` rejects with an error carrying `retryable: false` when retrying cannot help (a type
 * conflict, a rejected batch); anything else is retried with backoff. Either way nothing is dropped.
 * Deletes go the same way: `flushBuffers` first, since Arc's delete skips rows still buffered,
 * then `deleteWhere` with a predicate from the Arc predicate builder.
 */
export interface ArcSink {
  write(records: readonly MemoryRecord[]): Promise<void>;
  flushBuffers(): Promise<void>;
  deleteWhere(where: string): Promise<number>;
  /**
   * True for the Arc the visibility delay is set for: a row leaves its buffer within that delay,
   * and the purge lets a delivered row go only after it. A delete that covers no row this outbox
   * still holds as sent then skips the flush (see `PendingArcDelete.bufferClear`); otherwise, or
   * when absent, every delete flushes first.
   */
  readonly flushesWithinVisibilityDelay?: boolean;
}

/**
 * Resolved at every delivery, so a newly bound Arc instance is picked up without a restart. It
 * rejects with a `not_found` ServiceError when the org no longer exists: the org's undelivered
 * rows are then dropped, since nothing could ever deliver or read them.
 */
export type SinkResolver = (orgId: string) => Promise<ArcSink>;

/**
 * Which of `claims` (see `dedupClaim`: an agent's dedup key) already exist in the org's Arc rows
 * accepted after `sinceUs`: claim → memory id. Rows of `hidden` memories do not count: their
 * delete (or their update's) is stored and owed to Arc, and their keys were released with it.
 */
export type ArcDedupLookup = (orgId: string, claims: string[], sinceUs: number, hidden: HiddenInArc) => Promise<Map<string, string>>;

/**
 * See `OutboxCoordinatorOptions.confirmDelivered`: the org's delivered rows about to leave were
 * delivered from `sinceMs` to `throughMs` (clock time).
 */
export type ConfirmDelivered = (orgId: string, delivered: { sinceMs: number; throughMs: number }) => Promise<"stored" | "lost">;

/** The same predicate the Arc SQL builder applies, evaluated on a record in memory. */
export type RecordMatcher = (record: MemoryRecord, filter: MemoryFilter) => boolean;

/** The log calls the coordinator makes: failed deliveries and lookups, never per-write noise. */
export type CoordinatorLogger = Pick<Logger, "warn" | "error">;

export interface OutboxCoordinatorOptions {
  /** The outbox database: a libSQL file on Node, the Durable Object's SQLite storage on Workers. */
  sql: SqlExecutor;
  clock: Clock;
  scheduler: Scheduler;
  resolveSink: SinkResolver;
  /** Defaults to `matchesFilter` of core/arc/filter-match, the mirror of the Arc SQL builder. */
  matchesFilter?: RecordMatcher;
  config?: OutboxConfigInput;
  /**
   * Dedup against Arc for keys the local index cannot vouch for. The local dedup index only knows
   * keys accepted through this outbox. `authoritativeSinceUs(org)` says since when that is every
   * key of the org (for example when the org was bound to a pre-existing Arc database, or when
   * this outbox file was created over one). Only while that moment is inside the dedup window
   * (authoritativeSince > now − window) are keys that miss the local index looked up in Arc,
   * once per group commit; after one window has passed, the local index alone decides and the
   * write path makes no Arc query. Without `authoritativeSinceUs` the index is taken as
   * authoritative and Arc is never asked. A failing lookup is logged and the write proceeds
   * (fail-open, as the original).
   */
  arcDedupLookup?: ArcDedupLookup;
  authoritativeSinceUs?: (orgId: string) => number | Promise<number>;
  /**
   * Makes what the org's Arc acknowledged durable (Arc's admin flush). `close` calls it after its
   * final delivery; once it succeeds the delivered rows are dropped from the outbox instead of
   * being delivered again at the next start, which would leave a second copy of each in Arc.
   * Without it, or when it fails, they are delivered again.
   */
  persistDelivered?: (orgId: string) => Promise<void>;
  /**
   * Whether the org's Arc has stored the rows it acknowledged (see `ConfirmDelivered`); the purger
   * asks before it drops delivered rows from the outbox. It keeps them while this rejects (a later
   * purge asks again, and a next start delivers them again), and delivers them again when it
   * answers "lost" (an Arc that restarted since, and so lost its buffer). Without it, rows past
   * the visibility delay are taken as stored, which is Arc's own promise.
   */
  confirmDelivered?: ConfirmDelivered;
  /** Told of each delivery that sent rows, for metrics: how many, whether Arc took them, how long it took. */
  onDelivery?: (delivery: { rows: number; ok: boolean; seconds: number }) => void;
  /** Defaults to a console logger. */
  logger?: CoordinatorLogger;
  /** Source of jitter, in [0, 1). */
  random?: () => number;
}

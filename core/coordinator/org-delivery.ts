import { memoryWireBound, memoryWireBytes } from "../arc/msgpack-encode";
import { leadingWithin } from "../budget";
import type { Clock } from "../clock";
import { ServiceError } from "../errors";
import { backoffDelayMs, type BatchingLimits } from "./batching-policy";
import type { ArcSink, CoordinatorLogger, OutboxCoordinatorOptions, SinkResolver } from "./options";
import type { OrgOutbox } from "./org-outbox";
import { flushesFirst } from "./outbox-store";

/** `orgGone`: the org no longer exists, so its rows have nowhere to go (the owner drops them). */
export type DeliveryOutcome = { ok: true; delivered: number } | { ok: false; error: unknown; orgGone?: true };

export interface DeliveryDeps {
  resolveSink: SinkResolver;
  clock: Clock;
  limits: BatchingLimits;
  logger: CoordinatorLogger;
  random: () => number;
  /** Told of each chunk sent to Arc (see `OutboxCoordinatorOptions.onDelivery`). */
  onDelivery?: OutboxCoordinatorOptions["onDelivery"];
}

/** Sink errors say `retryable: false` when retrying cannot help; anything else is worth a retry. */
export const isRetryable = (error: unknown): boolean =>
  !(typeof error === "object" && error !== null && (error as { retryable?: unknown }).retryable === false);

const isTooLarge = (error: unknown): boolean =>
  typeof error === "object" && error !== null && (error as { status?: unknown }).status === 413;

/** The resolver's word that the org was deleted (see `SinkResolver`). */
export const isOrgGone = (error: unknown): boolean => error instanceof ServiceError && error.code === "not_found";

/**
 * How many of the oldest pending rows one delivery takes: at most a batch, and the byte bound
 * unless one row is more. Most deliveries are far under the bound, which a quick over-estimate
 * settles without measuring each text's UTF-8.
 */
function chunkLength(org: OrgOutbox, maxBytes: number, maxRows: number): number {
  const most = Math.min(org.pending.length, maxRows);
  let quick = 0;
  for (let i = 0; i < most && quick <= maxBytes; i++) quick += memoryWireBound(org.pending[i]!.record);
  if (quick <= maxBytes) return most;
  return leadingWithin(org.pending, maxBytes, (row) => memoryWireBytes(row.record), { maxCount: maxRows }).count;
}

/**
 * Sends the org's oldest pending rows (at most one batch) to its sink; once the sink succeeded
 * they count as delivered, in memory only: the outbox keeps them unmarked until the purge, and a
 * restart sends every row it holds again (delivery is at least once; reads collapse copies by
 * id), since Arc acknowledges from a memory buffer that a crash can lose. On failure the rows
 * stay pending, the org backs off, and the outcome carries the error; it never rejects, so timers
 * can fire and forget. The caller guarantees one delivery per org at a time.
 */
export async function deliverNextChunk(orgId: string, org: OrgOutbox, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  const maxBytes = org.chunkBytesLimit ?? deps.limits.maxBatchBytes;
  const chunk = org.pending.slice(0, chunkLength(org, maxBytes, deps.limits.maxBatchSize));
  if (chunk.length === 0) return { ok: true, delivered: 0 };
  let resolved = false;
  let sentAtMs = 0;
  const observe = (ok: boolean) => deps.onDelivery?.({ rows: chunk.length, ok, seconds: (deps.clock.now() - sentAtMs) / 1000 });
  try {
    const sink = await deps.resolveSink(orgId);
    resolved = true;
    sentAtMs = deps.clock.now();
    org.sentThroughSeq = Math.max(org.sentThroughSeq, chunk.at(-1)!.seq);
    await sink.write(chunk.map((row) => row.record));
    const deliveredAtMs = deps.clock.now();
    org.markDelivered(chunk, deliveredAtMs);
    org.consecutiveFailures = 0;
    org.retryAtMs = undefined;
    observe(true);
    return { ok: true, delivered: chunk.length };
  } catch (error) {
    if (!resolved && isOrgGone(error)) return { ok: false, error, orgGone: true };
    // Only a chunk that reached its sink counts: one whose Arc could not be resolved was never sent.
    if (resolved) observe(false);
    if (isTooLarge(error) && chunk.length > 1) {
      // The chunk, not Arc, was at fault: cut the next ones to half its size (down to one row) and go again.
      const bytes = chunk.reduce((sum, row) => sum + memoryWireBytes(row.record), 0);
      org.chunkBytesLimit = Math.max(1, Math.floor(bytes / 2));
      org.retryAtMs = deps.clock.now();
      deps.logger.warn("arc refused a delivery as too large; sending smaller chunks", { org_id: orgId, rows: chunk.length, bytes });
      return { ok: true, delivered: 0 };
    }
    const { delayMs, retryable } = backOff(org, error, deps);
    const fields = {
      org_id: orgId,
      rows: chunk.length,
      failures: org.consecutiveFailures,
      retry_in_ms: delayMs,
      error: error instanceof Error ? error.message : String(error),
    };
    if (retryable) deps.logger.warn("arc delivery failed; rows kept, retrying with backoff", fields);
    else deps.logger.error("arc rejected a batch; rows kept in the outbox, retrying at the backoff cap", fields);
    return { ok: false, error };
  }
}

/** After a failure: no automatic attempt before the backoff for this many failures in a row. */
function backOff(org: OrgOutbox, error: unknown, deps: DeliveryDeps): { delayMs: number; retryable: boolean } {
  org.consecutiveFailures++;
  const retryable = isRetryable(error);
  const delayMs = backoffDelayMs(org.consecutiveFailures, retryable, deps.limits, deps.random);
  org.retryAtMs = deps.clock.now() + delayMs;
  return { delayMs, retryable };
}

/**
 * Runs the deletes the org's Arc owes (see `OrgOutbox.arcDeletes`), oldest first, after flushing
 * Arc's buffer, whose rows a delete would skip, unless none of them can find a row there (see
 * `ArcSink.flushesWithinVisibilityDelay`); `settle` removes the done ones from the outbox store.
 * They run before the org's next chunk, which waits for them: a new version must not reach Arc
 * while its old one is still there. So a delete Arc refuses for good (no admin token,
 * `delete.enabled` off, a predicate or a partial rewrite it rejects: an error that says retrying
 * cannot help) is logged with its predicate and dropped rather than hold the org's deliveries
 * forever; a failure worth retrying (Arc unreachable or overloaded) keeps the rest owed and backs
 * off like a failed delivery. Like `deliverNextChunk`, it never rejects.
 */
export async function deleteOwed(
  orgId: string,
  org: OrgOutbox,
  deps: DeliveryDeps,
  settle: (seqs: number[]) => Promise<void>,
): Promise<DeliveryOutcome> {
  const done: number[] = [];
  const settleDone = async () => {
    if (done.length === 0) return;
    await settle(done);
    const gone = new Set(done);
    org.arcDeletes = org.arcDeletes.filter((owed) => !gone.has(owed.seq));
  };
  try {
    let sink: ArcSink;
    try {
      sink = await deps.resolveSink(orgId);
    } catch (error) {
      // The org and its Arc binding are gone, and with them whatever the deletes were for.
      if (!isOrgGone(error)) throw error;
      done.push(...org.arcDeletes.map((owed) => owed.seq));
      await settleDone();
      return { ok: true, delivered: 0 };
    }
    if (!sink.flushesWithinVisibilityDelay || org.arcDeletes.some(flushesFirst)) {
      await sink.flushBuffers().catch((error: unknown) => {
        if (isRetryable(error)) throw error;
        // Refused for good, as the deletes will then be (and dropped below): hold nothing up for it.
        deps.logger.error("arc refused the flush before its owed deletes", { org_id: orgId, error: error instanceof Error ? error.message : String(error) });
      });
    }
    for (const owed of [...org.arcDeletes]) {
      try {
        await sink.deleteWhere(owed.where);
      } catch (error) {
        if (isRetryable(error)) throw error;
        deps.logger.error("arc refused a delete it owed; dropped, its rows stay in Arc", {
          org_id: orgId,
          where: owed.where,
          error: error instanceof Error ? error.message : String(error),
        });
      }
      done.push(owed.seq);
    }
    await settleDone();
    org.consecutiveFailures = 0;
    org.retryAtMs = undefined;
    return { ok: true, delivered: 0 };
  } catch (error) {
    try {
      await settleDone();
    } catch {
      // Still owed in the store: run again, harmlessly, at the next attempt.
    }
    const { delayMs } = backOff(org, error, deps);
    deps.logger.warn("arc delete failed; kept, retrying with backoff", {
      org_id: orgId,
      deletes: org.arcDeletes.length,
      failures: org.consecutiveFailures,
      retry_in_ms: delayMs,
      error: error instanceof Error ? error.message : String(error),
    });
    return { ok: false, error };
  }
}

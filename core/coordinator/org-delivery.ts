import { memoryWireBound, memoryWireBytes } from "../arc/msgpack-encode";
import { leadingWithin } from "../budget";
import type { Clock } from "../clock";
import { ServiceError } from "../errors";
import { backoffDelayMs, type BatchingLimits } from "./batching-policy";
import type { CoordinatorLogger, OutboxCoordinatorOptions, SinkResolver } from "./options";
import type { OrgOutbox } from "./org-outbox";

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
const isOrgGone = (error: unknown): boolean => error instanceof ServiceError && error.code === "not_found";

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
  return leadingWithin(org.pending, maxBytes, (row) => memoryWireBytes(row.record), maxRows).count;
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
    org.consecutiveFailures++;
    const retryable = isRetryable(error);
    const delayMs = backoffDelayMs(org.consecutiveFailures, retryable, deps.limits, deps.random);
    org.retryAtMs = deps.clock.now() + delayMs;
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

import type { Clock } from "../clock";
import { backoffDelayMs, type BatchingLimits } from "./batching-policy";
import type { CoordinatorLogger, SinkResolver } from "./options";
import type { OrgOutbox } from "./org-outbox";

export type DeliveryOutcome = { ok: true; delivered: number } | { ok: false; error: unknown };

export interface DeliveryDeps {
  resolveSink: SinkResolver;
  clock: Clock;
  limits: BatchingLimits;
  logger: CoordinatorLogger;
  random: () => number;
}

/** Sink errors say `retryable: false` when retrying cannot help; anything else is worth a retry. */
export const isRetryable = (error: unknown): boolean =>
  !(typeof error === "object" && error !== null && (error as { retryable?: unknown }).retryable === false);

/**
 * Sends the org's oldest pending rows (at most one batch) to its sink; once the sink succeeded
 * they count as delivered, in memory only: the outbox keeps them unmarked until the purge, and a
 * restart sends every row it holds again (delivery is at least once; reads collapse copies by
 * id), since Arc acknowledges from a memory buffer that a crash can lose. On failure the rows
 * stay pending, the org backs off, and the outcome carries the error; it never rejects, so timers
 * can fire and forget. The caller guarantees one delivery per org at a time.
 */
export async function deliverNextChunk(orgId: string, org: OrgOutbox, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  const chunk = org.pending.slice(0, deps.limits.maxBatchSize);
  if (chunk.length === 0) return { ok: true, delivered: 0 };
  try {
    const sink = await deps.resolveSink(orgId);
    await sink.write(chunk.map((row) => row.record));
    const deliveredAtMs = deps.clock.now();
    org.markDelivered(chunk, deliveredAtMs);
    org.consecutiveFailures = 0;
    org.retryAtMs = undefined;
    return { ok: true, delivered: chunk.length };
  } catch (error) {
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

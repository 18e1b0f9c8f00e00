import type { Clock } from "../clock";
import { backoffDelayMs, type BatchingLimits } from "./batching-policy";
import type { CoordinatorLogger, SinkResolver } from "./options";
import type { OrgOutbox } from "./org-outbox";
import type { OutboxStore } from "./outbox-store";

export type DeliveryOutcome = { ok: true; delivered: number } | { ok: false; error: unknown };

export interface DeliveryDeps {
  store: OutboxStore;
  /**
   * Writes the delivered mark of rows Arc accepted, without holding up the next delivery (the
   * owner tracks the write; its failure only means the rows go to Arc again after a restart).
   */
  recordDelivered(seqs: number[], deliveredAtUs: number): void;
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
 * they count as delivered and their mark goes to the outbox in the background. The next delivery
 * does not wait for that write, which queues behind the accepts' group commits: waiting made
 * delivery fall behind a busy ingest, and the backlog grew in memory. A crash before the mark is
 * on disk sends the rows again at the next start (delivery is at least once; reads collapse
 * copies by id). On failure the rows stay pending, the org backs off, and the outcome carries the
 * error; it never rejects, so timers can fire and forget. The caller guarantees one delivery per
 * org at a time.
 */
export async function deliverNextChunk(orgId: string, org: OrgOutbox, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  const chunk = org.pending.slice(0, deps.limits.maxBatchSize);
  if (chunk.length === 0) return { ok: true, delivered: 0 };
  const seqs = chunk.map((row) => row.seq);
  try {
    const sink = await deps.resolveSink(orgId);
    await sink.write(chunk.map((row) => row.record));
    const deliveredAtMs = deps.clock.now();
    org.markDelivered(chunk, deliveredAtMs);
    deps.recordDelivered(seqs, deliveredAtMs * 1000);
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
    await deps.store.countFailedAttempt(seqs).catch(() => undefined);
    return { ok: false, error };
  }
}

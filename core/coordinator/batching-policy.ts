/**
 * The pure batching policy both adapters wrap: when to deliver an org's pending rows to Arc and
 * how long to wait after a failure. No I/O and no timers here, so it is tested with plain numbers.
 */
export interface BatchingLimits {
  maxBatchSize: number;
  maxBatchBytes: number;
  maxIntervalMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
}

/** What the policy needs to know about one org at one moment. */
export interface OrgFlushState {
  pendingRows: number;
  /** When the oldest pending row was accepted; undefined when nothing is pending. */
  oldestPendingAtMs: number | undefined;
  /** A delivery is running; its completion asks the policy again. */
  deliveryInFlight: boolean;
  /** Set after a failed delivery: no automatic attempt before this time. */
  retryAtMs: number | undefined;
}

export type FlushDecision = { kind: "idle" } | { kind: "now" } | { kind: "at"; atMs: number };

/**
 * Deliver when the pending rows fill a batch or the oldest has waited `maxIntervalMs`. After a
 * failure the backoff deadline wins over both triggers, so a full outbox cannot hammer a failing
 * Arc; once it passes, retry at once whatever the size.
 */
export function decideFlush(state: OrgFlushState, nowMs: number, limits: BatchingLimits): FlushDecision {
  if (state.deliveryInFlight || state.pendingRows === 0) return { kind: "idle" };
  if (state.retryAtMs !== undefined) {
    return nowMs < state.retryAtMs ? { kind: "at", atMs: state.retryAtMs } : { kind: "now" };
  }
  if (state.pendingRows >= limits.maxBatchSize) return { kind: "now" };
  const dueMs = (state.oldestPendingAtMs ?? nowMs) + limits.maxIntervalMs;
  return dueMs <= nowMs ? { kind: "now" } : { kind: "at", atMs: dueMs };
}

/**
 * The ceiling of the retry delay after `failures` consecutive failures: base·2^(failures−1), capped.
 * Errors that retrying cannot fix (a column type conflict, a rejected batch) jump straight to the
 * cap: the rows are kept for an operator, and Arc is asked rarely.
 */
export function backoffCeilingMs(
  failures: number,
  retryable: boolean,
  limits: Pick<BatchingLimits, "backoffBaseMs" | "backoffCapMs">,
): number {
  if (!retryable) return limits.backoffCapMs;
  const exponent = Math.max(0, failures - 1);
  return Math.min(limits.backoffCapMs, limits.backoffBaseMs * 2 ** Math.min(exponent, 52));
}

/**
 * Retry delay with "equal jitter": uniformly in [ceiling/2, ceiling]. Jitter spreads retries of many
 * orgs after a shared Arc outage; the floor keeps a retry from ever firing at once.
 * `random` returns a number in [0, 1), as Math.random does.
 */
export function backoffDelayMs(
  failures: number,
  retryable: boolean,
  limits: BatchingLimits,
  random: () => number,
): number {
  const ceiling = backoffCeilingMs(failures, retryable, limits);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

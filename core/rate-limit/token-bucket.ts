/**
 * Token-bucket arithmetic, pure so the in-memory limiter and any shared one (a Durable Object,
 * a database) compute the same answers. A bucket holds up to `burst` requests and refills at
 * `perSecond`; a request takes one whole token.
 */
export interface BucketLimit {
  perSecond: number;
  burst: number;
}

export interface BucketState {
  tokens: number;
  updatedAt: number;
}

/** A full bucket: a caller never seen before may burst at once. */
export const fullBucket = (limit: BucketLimit, now: number): BucketState => ({ tokens: limit.burst, updatedAt: now });

/** The bucket as of `now`, refilled for the time since it was last touched (never past `burst`). */
export function refill(state: BucketState, limit: BucketLimit, now: number): BucketState {
  const elapsedMs = Math.max(0, now - state.updatedAt);
  return { tokens: Math.min(limit.burst, state.tokens + (elapsedMs * limit.perSecond) / 1000), updatedAt: Math.max(now, state.updatedAt) };
}

/** Milliseconds until a refilled bucket holds one whole token again (0 when it already does). */
export function msUntilToken(state: BucketState, limit: BucketLimit): number {
  if (state.tokens >= 1) return 0;
  return Math.ceil(((1 - state.tokens) * 1000) / limit.perSecond);
}

/** The bucket after one request (callers check `msUntilToken` first). */
export const take = (state: BucketState): BucketState => ({ tokens: state.tokens - 1, updatedAt: state.updatedAt });

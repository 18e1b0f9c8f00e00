import type { Clock } from "../clock";
import { type BucketLimit, type BucketState, fullBucket, msUntilToken, refill, take } from "./token-bucket";

/** Who a request counts against: agent tokens count against the key that minted them. */
export interface RateLimitSubject {
  keyId: number;
  orgId: string;
}

export type RateLimitDecision =
  | { allowed: true }
  | { allowed: false; scope: "key" | "org"; limit: BucketLimit; retryAfterMs: number };

/**
 * The port the HTTP layer calls once per authenticated request. Implementations: the in-memory
 * buckets below (Node: per process; Workers: per isolate), or a shared store behind the same call.
 */
export interface RateLimiter {
  consume(subject: RateLimitSubject): Promise<RateLimitDecision>;
}

export interface InMemoryRateLimiterOptions {
  perKey: BucketLimit;
  perOrg: BucketLimit;
  clock: Clock;
  /** Cap on buckets held; the least recently used go first (a forgotten bucket starts full). */
  maxBuckets?: number;
}

/**
 * Token buckets per API key and per org, in this process's memory. A request is admitted only
 * when both buckets have a token, and takes from both; a refused request takes from neither, so
 * one key hammering past its limit does not eat its org's budget. On Workers each isolate keeps
 * its own buckets, so the limit holds per isolate: a deployment spread over N isolates admits up
 * to N times the configured rate.
 */
export class InMemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, BucketState>();
  private readonly maxBuckets: number;

  constructor(private readonly options: InMemoryRateLimiterOptions) {
    this.maxBuckets = options.maxBuckets ?? 100_000;
  }

  async consume(subject: RateLimitSubject): Promise<RateLimitDecision> {
    const now = this.options.clock.now();
    const keySlot = `key:${subject.keyId}`;
    const orgSlot = `org:${subject.orgId}`;
    const key = this.current(keySlot, this.options.perKey, now);
    const org = this.current(orgSlot, this.options.perOrg, now);
    const keyWait = msUntilToken(key, this.options.perKey);
    const orgWait = msUntilToken(org, this.options.perOrg);
    if (keyWait > 0 || orgWait > 0) {
      this.store(keySlot, key);
      this.store(orgSlot, org);
      return keyWait >= orgWait
        ? { allowed: false, scope: "key", limit: this.options.perKey, retryAfterMs: keyWait }
        : { allowed: false, scope: "org", limit: this.options.perOrg, retryAfterMs: orgWait };
    }
    this.store(keySlot, take(key));
    this.store(orgSlot, take(org));
    return { allowed: true };
  }

  private current(slot: string, limit: BucketLimit, now: number): BucketState {
    const state = this.buckets.get(slot);
    return state ? refill(state, limit, now) : fullBucket(limit, now);
  }

  private store(slot: string, state: BucketState): void {
    this.buckets.delete(slot);
    while (this.buckets.size >= this.maxBuckets) {
      const oldest = this.buckets.keys().next();
      if (oldest.done) break;
      this.buckets.delete(oldest.value);
    }
    this.buckets.set(slot, state);
  }
}

/** Admits everything: `[rate_limit] enabled = false`. */
export const unlimitedRateLimiter: RateLimiter = { consume: async () => ({ allowed: true }) };

/** The limiter the `[rate_limit]` settings describe. */
export function createRateLimiter(
  settings: { enabled: boolean; per_key_rps: number; per_key_burst: number; per_org_rps: number; per_org_burst: number },
  clock: Clock,
): RateLimiter {
  if (!settings.enabled) return unlimitedRateLimiter;
  return new InMemoryRateLimiter({
    perKey: { perSecond: settings.per_key_rps, burst: settings.per_key_burst },
    perOrg: { perSecond: settings.per_org_rps, burst: settings.per_org_burst },
    clock,
  });
}

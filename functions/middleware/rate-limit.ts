import { createMiddleware } from "hono/factory";
import { ServiceError } from "../../core/errors";
import type { AppEnv } from "../env";

const perSecond = (n: number) => (Number.isInteger(n) ? String(n) : n.toPrecision(3).replace(/\.?0+$/, ""));

/**
 * Takes one request from the caller's key bucket and org bucket (after authentication, so the
 * key is known; agent tokens count against the key that minted them). Over either: 429 with
 * `Retry-After` and a message naming the limit that was hit.
 */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const { keyId, orgId } = c.get("caller");
  const decision = await c.get("services").rateLimiter.consume({ keyId, orgId });
  if (!decision.allowed) {
    const who = decision.scope === "key" ? "this API key" : "this organization";
    throw new ServiceError(
      "rate_limited",
      `rate limit exceeded: ${who} may send ${perSecond(decision.limit.perSecond)} requests per second (bursts of ${decision.limit.burst})`,
      { retryAfterSeconds: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)) },
    );
  }
  await next();
});

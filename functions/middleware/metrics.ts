import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Metrics } from "../../core/metrics";
import type { AppEnv } from "../env";

/**
 * Times every request and counts its answer by route pattern (never the raw path, whose ids would
 * make a series per memory). Errors are already answers here: Hono turned them into responses.
 */
export function observeRequests(metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    // The last route matched is the handler's own; a wildcard means only middleware matched (a 404).
    const pattern = routePath(c, -1);
    const route = pattern.includes("*") || pattern === "" ? "unmatched" : pattern;
    metrics.request(c.req.method, route, c.res.status, (performance.now() - started) / 1000);
  };
}

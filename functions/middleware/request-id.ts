import type { MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import type { AppEnv } from "../env";

export const REQUEST_ID_HEADER = "X-Request-Id";

/**
 * Longest incoming id taken as is. Hono also refuses any character outside `[A-Za-z0-9_=-]`, so
 * what a client sends can neither split a log line nor smuggle a header; anything else (or none)
 * gets a fresh UUID.
 */
export const MAX_REQUEST_ID_LENGTH = 128;

/**
 * Gives every request an id (`c.get("requestId")`) and every answer an `X-Request-Id`, so a user
 * can quote the id of a failure and an operator can find its log lines. Hono's middleware sets
 * the header on the prepared headers, which every `c.json`/`c.body` answer takes; a handler that
 * built its own Response (MCP, the docs page) did not, so it is added there afterwards.
 */
export function requestIds(): MiddlewareHandler<AppEnv> {
  const assign = requestId({ headerName: REQUEST_ID_HEADER, limitLength: MAX_REQUEST_ID_LENGTH });
  return (c, next) =>
    assign(c, async () => {
      await next();
      const id = c.get("requestId");
      if (c.res.headers.has(REQUEST_ID_HEADER)) return;
      try {
        c.res.headers.set(REQUEST_ID_HEADER, id);
      } catch {
        // immutable headers (a fetched Response): copy it
        const copy = new Response(c.res.body, c.res);
        copy.headers.set(REQUEST_ID_HEADER, id);
        c.res = copy;
      }
    });
}

import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../env";

const ALLOW_ORIGIN = "Access-Control-Allow-Origin";
/** The answer headers a page's script may read beyond the safelisted ones: versions for If-Match, back-off, support ids. */
const EXPOSE_HEADERS = "Access-Control-Expose-Headers";
const EXPOSED = "ETag, Retry-After, X-Request-Id";

/** What every answer carries for a page on another origin, also those Node gives before the app runs. */
export const CORS_ANSWER_HEADERS: Readonly<Record<string, string>> = { [ALLOW_ORIGIN]: "*", [EXPOSE_HEADERS]: EXPOSED };

/**
 * CORS open to any origin, as Hono's `cors()` with its defaults answers it, plus the answer
 * headers a client needs exposed. Preflights go to `cors()` itself. Other requests get the
 * headers through the context's prepared headers, which every `c.json`/`c.body` answer carries:
 * `cors()` writes them on a placeholder response before the handler runs, so Hono must then
 * rebuild the handler's response around its body, which on @hono/node-server turns the cheap
 * response into a streamed one on every request.
 */
export function corsAnyOrigin(): MiddlewareHandler<AppEnv> {
  const preflight = cors();
  return async (c, next) => {
    if (c.req.method === "OPTIONS") return preflight(c, next);
    c.header(ALLOW_ORIGIN, "*");
    c.header(EXPOSE_HEADERS, EXPOSED);
    await next();
    // A handler that built its own Response did not take the prepared headers.
    if (c.res.headers.get(ALLOW_ORIGIN) === "*") return;
    try {
      c.res.headers.set(ALLOW_ORIGIN, "*");
      c.res.headers.set(EXPOSE_HEADERS, EXPOSED);
    } catch {
      // immutable headers (a fetched Response): copy it, as `cors()` does
      const copy = new Response(c.res.body, c.res);
      copy.headers.set(ALLOW_ORIGIN, "*");
      copy.headers.set(EXPOSE_HEADERS, EXPOSED);
      c.res = copy;
    }
  };
}

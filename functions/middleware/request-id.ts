import type { Context, MiddlewareHandler } from "hono";
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
 * the header on the prepared headers, which every `c.json`/`c.body` answer takes. Nothing here
 * reads the answer afterwards: on @hono/node-server touching `c.res.headers` turns its cheap
 * response into a full one on every request (see cors.ts); a handler that builds its own Response
 * adds the header with `withRequestIdHeader`.
 */
export function requestIds(): MiddlewareHandler<AppEnv> {
  return requestId({ headerName: REQUEST_ID_HEADER, limitLength: MAX_REQUEST_ID_LENGTH });
}

/**
 * The id `requestIds` would give `request`, for an answer made before the app runs (a Worker that
 * cannot start): the client's own id when Hono would take it, else a fresh UUID.
 */
export function requestIdOf(request: Request): string {
  const sent = request.headers.get(REQUEST_ID_HEADER);
  return sent && sent.length <= MAX_REQUEST_ID_LENGTH && /^[\w=-]+$/.test(sent) ? sent : crypto.randomUUID();
}

/** `response` with the request's `X-Request-Id`, for a handler that built the Response itself (MCP). */
export function withRequestIdHeader(c: Context<AppEnv>, response: Response): Response {
  const id = c.get("requestId");
  if (!id || response.headers.has(REQUEST_ID_HEADER)) return response;
  try {
    response.headers.set(REQUEST_ID_HEADER, id);
    return response;
  } catch {
    // immutable headers (a fetched Response): copy it
    const copy = new Response(response.body, response);
    copy.headers.set(REQUEST_ID_HEADER, id);
    return copy;
  }
}

import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ServiceError } from "../../core/errors";
import type { AppEnv } from "../env";

/**
 * Refuses bodies over `maxBytes` with 413. A declared Content-Length is checked from the header
 * alone (the HTTP parser holds the body to that length); only a body without one goes through
 * Hono's streaming `bodyLimit`, which counts it as it arrives. Hono's middleware reads the
 * request's `body` first, which on @hono/node-server turns the lightweight request into a full
 * Web Request with a stream and an AbortSignal on every call: a large share of a small write.
 */
export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  const tooLarge = () => new ServiceError("payload_too_large", `request body exceeds ${maxBytes} bytes`);
  const streaming = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge();
    },
  });
  return async (c, next) => {
    const method = c.req.method;
    if (method === "GET" || method === "HEAD") return next();
    const length = c.req.header("content-length");
    if (length !== undefined && /^\d+$/.test(length) && c.req.header("transfer-encoding") === undefined) {
      if (Number(length) > maxBytes) throw tooLarge();
      return next();
    }
    return streaming(c, next);
  };
}

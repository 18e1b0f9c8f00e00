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
/**
 * Over-limit bodies up to this size are read and thrown away before the 413 is sent: answering
 * while the client is still sending makes many clients see a reset connection, not the 413.
 */
const DRAIN_MAX_BYTES = 16 * 1024 * 1024;

async function drain(body: ReadableStream<Uint8Array> | null): Promise<void> {
  if (!body) return;
  const reader = body.getReader();
  while (!(await reader.read()).done);
}

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
      const declared = Number(length);
      if (declared > maxBytes) {
        if (declared <= DRAIN_MAX_BYTES) await drain(c.req.raw.body).catch(() => undefined);
        throw tooLarge();
      }
      return next();
    }
    return streaming(c, next);
  };
}

import type { Context, TypedResponse } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { JSONParsed } from "hono/utils/types";

const encoder = new TextEncoder();

/**
 * `c.json` for large answers (a batch echoes every memory), typed the same: the body goes out as
 * UTF-8 bytes. The Node adapter handles a string body by flattening it to measure its length and
 * encoding it again to write it; bytes it writes as they are, about 0.6 µs less per memory in a
 * batch answer.
 */
export function jsonBytes<T, S extends ContentfulStatusCode>(c: Context, value: T, status: S): Response & TypedResponse<JSONParsed<T>, S, "json"> {
  const response = c.body(encoder.encode(JSON.stringify(value)), status, { "content-type": "application/json" });
  // The bytes are T's JSON: the same answer c.json types, in another body form.
  return response as unknown as Response & TypedResponse<JSONParsed<T>, S, "json">;
}

import type { Context } from "hono";
import { badRequest } from "../core/errors";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The request body as text, refused with a 400 unless it is valid UTF-8, JSON's one encoding
 * (RFC 8259): decoding with replacement would store U+FFFD where the client sent other bytes,
 * as if that were what it meant. Kept where Hono's validators read the text, so the body is
 * read and decoded once.
 */
export async function utf8BodyText(c: Context): Promise<string> {
  // Hono keeps each body read as its promise, whatever its type declares.
  const cache = c.req.bodyCache as { text?: Promise<string> };
  if (cache.text) return cache.text;
  const bytes = await c.req.arrayBuffer();
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw badRequest("request body is not valid UTF-8");
  }
  cache.text = Promise.resolve(text);
  return text;
}

import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import { badRequest } from "../../core/errors";
import type { AppEnv } from "../env";
import { utf8BodyText } from "../json-body-text";
import { isJsonContentType } from "../json-content-type";

/** Deepest JSON body any route accepts; memory metadata has its own, lower limit. */
export const MAX_JSON_BODY_DEPTH = 32;

/**
 * The deepest bracket nesting in JSON text, skipping string contents; stops counting past
 * `stopAt`. A scan, not a parse: no allocation, and malformed text is left for the validator.
 */
export function jsonTextDepth(text: string, stopAt: number): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 34) i = closingQuote(text, i);
    else if (ch === 123 || ch === 91) {
      if (++depth > deepest && (deepest = depth) > stopAt) return deepest;
    } else if (ch === 125 || ch === 93) depth--;
  }
  return deepest;
}

/**
 * Where the string opened at `open` ends (the text's length if it never does). Strings are most
 * of a memory batch's bytes, so they are skipped with indexOf rather than read unit by unit; a
 * quote ends the string unless an odd run of backslashes escapes it.
 */
function closingQuote(text: string, open: number): number {
  for (let at = text.indexOf('"', open + 1); at !== -1; at = text.indexOf('"', at + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
  return text.length;
}

/**
 * Refuses JSON bodies nested deeper than MAX_JSON_BODY_DEPTH with a 400 naming the limit, before
 * any handler parses them: serialising a value a million levels deep exhausts the stack (a 500).
 * A body that is not UTF-8 is a 400 here too (`utf8BodyText`). The body text is cached by Hono,
 * so the validators that follow do not read it again. A request no endpoint matches is left to
 * its 404: nothing would parse its body.
 */
export const limitJsonDepth = createMiddleware<AppEnv>(async (c, next) => {
  const routed = matchedRoutes(c).some((route) => route.method !== "ALL");
  if (routed && isJsonContentType(c.req.header("content-type"))) {
    const depth = jsonTextDepth(await utf8BodyText(c), MAX_JSON_BODY_DEPTH);
    if (depth > MAX_JSON_BODY_DEPTH) throw badRequest(`JSON body nests deeper than ${MAX_JSON_BODY_DEPTH} levels`);
  }
  await next();
});

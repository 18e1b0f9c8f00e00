import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../env";
import { isJsonContentType } from "../../json-content-type";

/**
 * For a route whose body is optional: a JSON content type with nothing after it reads as `null`,
 * "no options", instead of Hono's 400 for malformed JSON. The original's parser fell back to
 * defaults there, and clients that set the content type on every request send exactly that.
 * Hono's validator parses the body text Hono caches on the request, so that cache is where the
 * validator is told `null`. The cache holds promises at run time, whatever its declared type says.
 */
export const blankJsonBodyAsNull = createMiddleware<AppEnv>(async (c, next) => {
  if (isJsonContentType(c.req.header("content-type")) && (await c.req.text()).trim() === "") {
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve("null");
  }
  await next();
});

import { appendFileSync } from "node:fs";
import { afterAll } from "vitest";
import { OpenApiResponseValidator } from "./openapi-validator";

/*
 * A vitest setup file: every response a test fetches from a Memtrace server on the loopback is
 * checked against that server's own /openapi.json. Other loopback servers (an Arc engine) have no
 * document and are left alone, and so are routes the document does not have as long as they get
 * the app's 404 or a refusal the app makes before routing (functions/app.ts: 413 for a body over
 * the limit, 401 without a valid key, 429 over the rate limit). Mismatches are collected and fail
 * the file at the end, listing the request, so one run shows every place the integration suite
 * and the document disagree.
 * Set MEMTRACE_OPENAPI_REPORT to a file path to append them there instead of failing.
 */
// The fetch before any wrapping: with `isolate: false` this file runs again before each test file
// in the same worker, and each run must wrap the original, not the last run's wrapper.
const UNWRAPPED = Symbol.for("memtrace.test.unvalidatedFetch");
const holder = globalThis as typeof globalThis & { [UNWRAPPED]?: typeof fetch };
const original = (holder[UNWRAPPED] ??= globalThis.fetch);
const validators = new Map<string, Promise<OpenApiResponseValidator | null>>();
const mismatches: string[] = [];

function validatorFor(origin: string): Promise<OpenApiResponseValidator | null> {
  let found = validators.get(origin);
  if (!found) {
    found = original(`${origin}/openapi.json`)
      .then(async (res) => (res.ok && res.headers.get("content-type")?.includes("json") ? new OpenApiResponseValidator(await res.json()) : null))
      .catch(() => null);
    validators.set(origin, found);
  }
  return found;
}

globalThis.fetch = async (input, init) => {
  const response = await original(input, init);
  const url = new URL(input instanceof Request ? input.url : String(input));
  const method = init?.method ?? (input instanceof Request ? input.method : "GET");
  // CORS preflights and the documentation pages themselves are not API operations.
  if (url.hostname !== "127.0.0.1" || method === "OPTIONS" || ["/openapi.json", "/docs"].includes(url.pathname)) return response;
  const validator = await validatorFor(url.origin);
  if (!validator) return response;
  // An unknown path or method is refused before routing (413, 401, 429) or answered 404.
  if (!validator.hasOperation(method, url.pathname) && [401, 404, 413, 429].includes(response.status)) return response;
  try {
    validator.check(method, url.href, response.status, await response.clone().text());
  } catch (error) {
    mismatches.push(`${method} ${url.pathname}${url.search}: ${(error as Error).message.split("\n")[0]}`);
  }
  return response;
};

afterAll(() => {
  const report = process.env.MEMTRACE_OPENAPI_REPORT;
  if (report) {
    if (mismatches.length) appendFileSync(report, `${mismatches.join("\n")}\n`);
    return;
  }
  if (mismatches.length) throw new Error(`responses that break the OpenAPI document:\n${mismatches.join("\n")}`);
});

import { isJsonContentType, readBody, TOO_LARGE } from "./body";

export type QueryRequest =
  | { readonly ok: true; readonly sql: string }
  | { readonly ok: false; readonly status: number; readonly error: string };

/**
 * Reads `{"sql": "..."}` the way Arc's Fiber body parser does: a JSON Content-Type is required,
 * only `sql` is read (matched case-insensitively, like Go's decoder), other keys are ignored, and
 * there are no bind parameters.
 */
export async function readQueryRequest(request: Request, maxBytes: number): Promise<QueryRequest> {
  if (!isJsonContentType(request.headers.get("content-type"))) {
    return { ok: false, status: 400, error: "Invalid request body: Unprocessable Entity" };
  }
  const body = await readBody(request, maxBytes);
  if (body === TOO_LARGE) return { ok: false, status: 413, error: "Request Entity Too Large" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch (error) {
    return { ok: false, status: 400, error: `Invalid request body: ${(error as Error).message}` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { ok: false, status: 400, error: "Invalid request body: expected a JSON object" };
  }
  const record = parsed as Record<string, unknown>;
  const key = "sql" in record ? "sql" : Object.keys(record).find((k) => k.toLowerCase() === "sql");
  const sql = key === undefined ? "" : record[key];
  if (sql !== null && typeof sql !== "string") {
    return { ok: false, status: 400, error: "Invalid request body: sql must be a string" };
  }
  return { ok: true, sql: sql ?? "" };
}

/**
 * The exact requests the original SDKs send (0.2.0 sources): method, path, headers and body
 * bytes. A test replays them with fetch against our server and checks the answers with
 * `SDK_CONTRACTS`, so the SDKs keep working unchanged.
 */
export interface SdkRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** @basekick-labs/memtrace-sdk: `x-api-key` always, Content-Type only with a body, JSON.stringify. */
export function tsRequest(apiKey: string, method: string, path: string, body?: unknown): SdkRequest {
  const headers: Record<string, string> = { "x-api-key": apiKey };
  if (body === undefined) return { method, path, headers };
  headers["Content-Type"] = "application/json";
  return { method, path, headers, body: JSON.stringify(body) };
}

/** The TS SDK's listMemories query: fixed key order, limit/offset only when > 0. */
export function tsListQuery(opts: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const key of ["agent_id", "session_id", "memory_type", "event_type", "tags", "since", "until"]) {
    const value = opts[key];
    if (value) params.set(key, String(value));
  }
  for (const key of ["limit", "offset"]) {
    const value = opts[key];
    if (typeof value === "number" && value > 0) params.set(key, String(value));
  }
  if (opts.order) params.set("order", String(opts.order));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/**
 * memtrace-sdk (Python, httpx): `x-api-key` and `Content-Type: application/json` on every request,
 * GET and DELETE included, plus httpx's default headers; bodies are compact JSON of the pydantic
 * dump without None fields (key order = model field order).
 */
export function pyRequest(
  apiKey: string,
  method: string,
  path: string,
  options: { params?: Record<string, string | number | undefined>; json?: unknown } = {},
): SdkRequest {
  const headers: Record<string, string> = {
    accept: "*/*",
    "accept-encoding": "gzip, deflate",
    "user-agent": "python-httpx/0.28.1",
    "x-api-key": apiKey,
    "Content-Type": "application/json",
  };
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(options.params ?? {})) if (value !== undefined) params.set(key, String(value));
  const query = params.toString();
  const request: SdkRequest = { method, path: `${path}${query ? `?${query}` : ""}`, headers };
  if (options.json !== undefined) request.body = JSON.stringify(options.json);
  return request;
}

/** Python's `urllib.parse.quote(value, safe="")`, which the SDK applies to path ids since 0.1.1. */
export const pyQuote = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** A pydantic `model_dump(exclude_none=True)`: the model's field order, None fields left out. */
export function pyDump(fieldOrder: readonly string[], values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fieldOrder) if (values[field] !== undefined && values[field] !== null) out[field] = values[field];
  return out;
}

export const PY_FIELDS = {
  AddMemoryRequest: ["agent_id", "session_id", "memory_type", "event_type", "content", "metadata", "tags", "dedup_key", "importance", "parent_id"],
  ListOptions: ["agent_id", "session_id", "memory_type", "event_type", "tags", "since", "until", "limit", "offset", "order"],
  SearchQuery: ["agent_id", "session_id", "memory_types", "event_types", "tags", "content_contains", "since", "until", "min_importance", "limit", "order"],
  RegisterAgentRequest: ["name", "description", "config"],
  CreateSessionRequest: ["agent_id", "metadata"],
  ContextOptions: ["max_tokens", "include_types", "since"],
} as const;

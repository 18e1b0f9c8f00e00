import type { BatchItemResult } from "./types";

/** The error body every Memtrace error carries, with the extra keys some errors add. */
export interface ErrorBody {
  error: string;
  field?: string;
  /** A 409 for a duplicate memory: the id of the memory already stored. */
  existing_id?: string;
  /** A 409 for a memory naming a closed session: that session (reopen it, or write without it). */
  session_id?: string;
  /** A 400 for a batch: each item's outcome; nothing was stored. */
  results?: BatchItemResult[];
  hint?: string;
  /** The id of the failed request (also its `X-Request-Id`), to quote when reporting it. */
  request_id?: string;
  [key: string]: unknown;
}

/**
 * A non-2xx answer (or no answer: `status` 0 for a network failure or a timeout). `body` is the
 * server's JSON error, so callers can read `existing_id` on a 409 or `results` on a bad batch.
 */
export class MemtraceApiError extends Error {
  override name = "MemtraceApiError";

  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    /** Seconds the server asked to wait (`Retry-After` on 429 and 503). */
    readonly retryAfterSeconds?: number,
  ) {
    super(body.error || `HTTP ${status}`);
  }

  /** The original SDKs' NoArcInstanceError test: a 503 whose message names an arc instance. */
  get isNoArcInstance(): boolean {
    return this.status === 503 && this.message.toLowerCase().includes("arc instance");
  }

  /** The original SDKs' NotFoundError: unknown, or another organization's. */
  get isNotFound(): boolean {
    return this.status === 404;
  }

  /**
   * The original SDKs' ConflictError. A 409 has several causes (a duplicate memory, a closed
   * session, a name already taken), so test `isDuplicate` or `isSessionClosed` before reading
   * `existing_id` or `session_id`.
   */
  get isConflict(): boolean {
    return this.status === 409;
  }

  /** A memory already stored within the dedup window; `body.existing_id` names it. */
  get isDuplicate(): boolean {
    return this.status === 409 && typeof this.body.existing_id === "string";
  }

  /** A write naming a closed session; `body.session_id` names it. */
  get isSessionClosed(): boolean {
    return this.status === 409 && typeof this.body.session_id === "string";
  }
}

export interface HttpOptions {
  baseUrl: string;
  apiKey?: string;
  /** Any fetch: the global one, a test double, or an app's own `fetch` to skip the socket. */
  fetch?: typeof fetch;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export type QueryValue = string | number | boolean | readonly string[] | null | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Query text as the server parses it: arrays as comma lists, booleans as true/false. */
export function toQueryString(query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      if (value.length > 0) params.set(key, value.join(","));
    } else {
      params.set(key, String(value));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** Percent-encodes one path segment, so an id can never change the route it is sent to. */
export const segment = (value: string | number) => encodeURIComponent(String(value));

/** One request/response cycle against the API: JSON in, JSON out, errors as `MemtraceApiError`. */
export class HttpTransport {
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: HttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Sends the request and parses the JSON body; a 204 resolves to `undefined`. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { response, text } = await this.send(method, path, options);
    const body = text ? parseJson(text) : undefined;
    if (response.ok) return body as T;
    throw toApiError(response, body, text);
  }

  /** Sends the request and resolves with the body as text (a non-JSON answer, such as metrics). */
  async requestText(method: string, path: string): Promise<string> {
    const { response, text } = await this.send(method, path, {});
    if (response.ok) return text;
    throw toApiError(response, parseJson(text), text);
  }

  /**
   * Like `request`, but the listed error statuses resolve too when their body passes `isAnswer`
   * (for /ready, whose 503 is an answer). Any other failure, a proxy's 404 or 500 say, still throws.
   */
  async requestAllowing<T>(method: string, path: string, statuses: number[], isAnswer: (body: unknown) => boolean): Promise<T> {
    const { response, text } = await this.send(method, path, {});
    const body = text ? parseJson(text) : undefined;
    if (response.ok || (statuses.includes(response.status) && isAnswer(body))) return body as T;
    throw toApiError(response, body, text);
  }

  /** The response and its whole body: the timeout covers reading the body as well as the headers. */
  private async send(method: string, path: string, options: RequestOptions): Promise<{ response: Response; text: string }> {
    const headers: Record<string, string> = { accept: "application/json", ...this.options.headers, ...options.headers };
    if (this.options.apiKey) headers["x-api-key"] = this.options.apiKey;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const url = `${this.baseUrl}${path}${toQueryString(options.query)}`;
    const signal = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
    try {
      const response = await this.fetchFn(url, { method, headers, signal, ...(body !== undefined ? { body } : {}) });
      return { response, text: await response.text() };
    } catch (error) {
      const reason = (error as Error).name === "TimeoutError" ? "request timed out" : `request failed: ${failureText(error as Error)}`;
      throw new MemtraceApiError(0, { error: reason });
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toApiError(response: Response, body: unknown, text: string): MemtraceApiError {
  const errorBody: ErrorBody =
    body && typeof body === "object" && typeof (body as ErrorBody).error === "string"
      ? (body as ErrorBody)
      : { error: text || `HTTP ${response.status}` };
  const retryAfter = Number(response.headers.get("retry-after"));
  return new MemtraceApiError(response.status, errorBody, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
}

/** fetch's own message is only "fetch failed": the cause says why (ECONNREFUSED, a DNS failure). */
function failureText(error: Error): string {
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : "";
  return detail && !error.message.includes(detail) ? `${error.message} (${detail})` : error.message;
}

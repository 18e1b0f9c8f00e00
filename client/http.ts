/** The error body every Memtrace error carries, with the extra keys some errors add. */
export interface ErrorBody {
  error: string;
  field?: string;
  existing_id?: string;
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
    const response = await this.send(method, path, options);
    const text = await response.text();
    const body = text ? parseJson(text) : undefined;
    if (response.ok) return body as T;
    throw toApiError(response, body, text);
  }

  /** Like `request`, but any status with a JSON body resolves (for /ready, whose 503 is an answer). */
  async requestAnyStatus<T>(method: string, path: string): Promise<{ status: number; body: T }> {
    const response = await this.send(method, path, {});
    const text = await response.text();
    const body = text ? parseJson(text) : undefined;
    if (body === undefined) throw toApiError(response, body, text);
    return { status: response.status, body: body as T };
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json", ...this.options.headers };
    if (this.options.apiKey) headers["x-api-key"] = this.options.apiKey;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const url = `${this.baseUrl}${path}${toQueryString(options.query)}`;
    const signal = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
    try {
      return await this.fetchFn(url, { method, headers, signal, ...(body !== undefined ? { body } : {}) });
    } catch (error) {
      const reason = (error as Error).name === "TimeoutError" ? "request timed out" : `request failed: ${(error as Error).message}`;
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

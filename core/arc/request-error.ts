import { ServiceError } from "../errors";

export type ArcOperation = "write" | "query" | "flush" | "delete" | "drop database" | "health";
/** `http`: Arc answered with an error status; `malformed`: a 2xx we could not read. */
export type ArcFailureKind = "http" | "network" | "timeout" | "malformed";

/** Statuses worth retrying: rate limits, gateway trouble, overload, and Arc's schema-churn 503. */
const RETRYABLE_STATUSES = new Set([408, 429, 502, 503, 504]);

export interface ArcRequestErrorInit {
  operation: ArcOperation;
  kind: ArcFailureKind;
  status?: number;
  /** Arc's `error` text or the start of its body: for logs, never for API clients. */
  detail?: string;
  retryAfterSeconds?: number;
  cause?: unknown;
}

/**
 * A failed call to Arc. `retryable` tells the flusher whether backoff can help (network,
 * timeout, 429/502/503/504) or the batch itself is wrong (400/401/403/413/500: a 500 on a
 * write is a type conflict). The message carries Arc's detail for logs; `toServiceError`
 * gives what an API client may see.
 */
export class ArcRequestError extends Error {
  readonly operation: ArcOperation;
  readonly kind: ArcFailureKind;
  readonly status: number | undefined;
  readonly detail: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;

  constructor(init: ArcRequestErrorInit) {
    const where = init.status === undefined ? init.kind : `HTTP ${init.status}`;
    super(`Arc ${init.operation} failed (${where})${init.detail ? `: ${init.detail}` : ""}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "ArcRequestError";
    this.operation = init.operation;
    this.kind = init.kind;
    this.status = init.status;
    this.detail = init.detail;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.retryable =
      init.kind === "network" || init.kind === "timeout" || (init.kind === "http" && RETRYABLE_STATUSES.has(init.status ?? 0));
  }

  /** `arc_unavailable` (503) when retrying may help, else `arc_error` (502); Arc's text stays here. */
  toServiceError(): ServiceError {
    if (this.retryable) {
      return new ServiceError("arc_unavailable", "Arc is temporarily unavailable; retry later", {
        retryAfterSeconds: this.retryAfterSeconds ?? 1,
        cause: this,
      });
    }
    return new ServiceError("arc_error", `Arc ${this.operation} failed`, { cause: this });
  }
}

/** `Retry-After` in seconds (delta form only; an HTTP date is ignored). */
export function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null || !/^\d{1,6}$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

/** Arc's `{"error": "..."}` text when the body has one, else the body's start; bounded for logs. */
export function arcErrorDetail(body: string): string | undefined {
  const limit = 500;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object" && "error" in parsed && typeof parsed.error === "string") {
      return parsed.error.slice(0, limit);
    }
  } catch {
    // not JSON: fall through to the raw start
  }
  const trimmed = body.trim();
  return trimmed === "" ? undefined : trimmed.slice(0, limit);
}

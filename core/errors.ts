/**
 * The one error model. Core code throws `ServiceError` with a code from this closed set;
 * `functions/errors.ts` maps the code to an HTTP status in one place. Nothing else decides statuses.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  arc_error: 502,
  arc_unavailable: 503,
  no_arc_instance: 503,
  overloaded: 503,
  storage_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ServiceErrorOptions {
  /** Extra keys merged into the JSON error body (e.g. `id` of the existing memory on a 409). */
  details?: Record<string, unknown>;
  /** Seconds for a `Retry-After` header (429/503). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class ServiceError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: ServiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ServiceError";
    this.code = code;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>) =>
  new ServiceError("bad_request", message, { details });
export const notFound = (message: string) => new ServiceError("not_found", message);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new ServiceError("conflict", message, { details });
export const forbidden = (message: string) => new ServiceError("forbidden", message);
export const preconditionFailed = (message: string, details?: Record<string, unknown>) =>
  new ServiceError("precondition_failed", message, { details });
export const unauthorized = (message: string) => new ServiceError("unauthorized", message);

/** The 503 body the original SDKs recognise: their NoArcInstanceError matches on "arc instance". */
export const noArcInstance = () =>
  new ServiceError("no_arc_instance", "no arc instance configured for this org", {
    details: { hint: "ask an admin to run `memtrace org add-arc <org_id>`" },
  });

import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";
import { ArcRequestError } from "../core/arc/request-error";
import { redactSecrets } from "../core/auth/redact";
import { ERROR_STATUS, ServiceError, type ErrorCode } from "../core/errors";
import { withFields, type Logger } from "../core/logger";
import type { AppEnv } from "./env";

/** HTTP statuses Hono raises itself (bad JSON, media type, body limit), mapped into our codes. */
const HONO_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

/**
 * The one place an error becomes a response: `{"error": "...", ...details}` with its status. The
 * message is scrubbed of credential shapes, so even one that echoes input (an unknown path) never
 * hands a key or token back.
 */
export function errorResponse(c: Context<AppEnv>, error: ServiceError): Response {
  const status = ERROR_STATUS[error.code] as ContentfulStatusCode;
  // Every 503 is temporary (Arc down, outbox full): tell clients when to come back.
  const retryAfter = error.retryAfterSeconds ?? (status === 503 ? 5 : undefined);
  if (retryAfter !== undefined) c.header("Retry-After", String(Math.max(1, Math.ceil(retryAfter))));
  // The id a user can quote, and an operator finds in the log lines of the failure.
  const requestId = c.get("requestId");
  return c.json({ ...error.details, error: redactSecrets(error.message), ...(requestId ? { request_id: requestId } : {}) }, status);
}

/** The services' logger with the request's id on every line. */
function requestLogger(c: Context<AppEnv>): Logger | undefined {
  const logger = c.get("services")?.logger;
  const requestId = c.get("requestId");
  return logger && requestId ? withFields(logger, { request_id: requestId }) : logger;
}

/** Names the failing field, the way the original's messages did (`agent_id is required`). */
export function describeZodError(error: ZodError, prefix = ""): string {
  const issue = error.issues[0];
  if (!issue) return "invalid request";
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
  if (issue.code === "invalid_type" && /received undefined/.test(issue.message)) return `${field} is required`;
  if (issue.code === "unrecognized_keys") return `unknown field${issue.keys.length > 1 ? "s" : ""}: ${issue.keys.join(", ")}`;
  if (!field || issue.message.includes(field.split(".").pop()!)) return issue.message;
  return `${field}: ${issue.message}`;
}

/** Three tiers: our ServiceError, Hono's HTTPException, and anything else (logged, 500, no details). */
export function onError(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof ServiceError) {
    if (error.code === "internal" || error.code === "arc_error") {
      requestLogger(c)?.error("request failed", { path: c.req.path, code: error.code, cause: String(error.cause ?? "") });
    }
    return errorResponse(c, error);
  }
  if (error instanceof ArcRequestError) {
    requestLogger(c)?.warn("arc request failed", { path: c.req.path, kind: error.kind, status: error.status });
    return errorResponse(c, error.toServiceError());
  }
  if (error instanceof ZodError) return errorResponse(c, new ServiceError("bad_request", describeZodError(error)));
  if (error instanceof HTTPException) {
    const code = HONO_STATUS_CODES[error.status] ?? "bad_request";
    const message = error.status === 415 ? "Content-Type must be application/json" : error.message || code.replace(/_/g, " ");
    return errorResponse(c, new ServiceError(code, message));
  }
  requestLogger(c)?.error("unhandled error", { path: c.req.path, error: String(error), stack: error.stack });
  return errorResponse(c, new ServiceError("internal", "internal server error"));
}

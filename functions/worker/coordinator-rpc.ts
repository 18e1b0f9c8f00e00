import type { AcceptResult, ForgetMatchingOptions, ForgetOptions, ForgetResult, RecentIds, ReplaceOptions, ReplaceResult } from "../../core/coordinator/port";
import { ServiceError, type ErrorCode } from "../../core/errors";
import type { MemoryFilter, MemoryPageRequest } from "../../core/memory/filter";
import type { ForgottenMemory, MemoryRecord } from "../../core/memory/schema";
import type { RecentChunk } from "./recent-chunk";

/** A ServiceError as plain data: Workers RPC keeps only an Error's message, not its code or Retry-After. */
export interface RpcServiceError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  retryAfterSeconds?: number;
}

/** What every coordinator RPC answers, so a 409, 503 + Retry-After or 502 survives the hop. */
export type RpcOutcome<T> = { ok: true; value: T } | { ok: false; error: RpcServiceError };

/**
 * The RPC surface of the per-org write coordinator object. The Worker reaches it through
 * `DurableObjectNamespace.get(idFromName(orgId))`; the object is the org's single writer.
 */
export interface WriteCoordinatorRpc {
  accept(orgId: string, records: MemoryRecord[]): Promise<RpcOutcome<AcceptResult[]>>;
  /** The page's recent records, in chunks RPC can carry: see `RecentChunk`. */
  recent(orgId: string, page: MemoryPageRequest): Promise<RpcOutcome<RecentChunk>>;
  recentIds(orgId: string, filter: MemoryFilter): Promise<RpcOutcome<RecentIds>>;
  latestVersionUs(orgId: string, memoryId: string): Promise<RpcOutcome<number | null>>;
  forget(orgId: string, memories: ForgottenMemory[], options?: ForgetOptions): Promise<RpcOutcome<ForgetResult>>;
  forgetMatching(orgId: string, filter: MemoryFilter, options?: ForgetMatchingOptions): Promise<RpcOutcome<number>>;
  replace(orgId: string, old: MemoryRecord, next: MemoryRecord, options: ReplaceOptions): Promise<RpcOutcome<ReplaceResult>>;
  flush(orgId: string): Promise<RpcOutcome<null>>;
  /** The org's Arc binding changed: deliver to the new one from the next batch on. */
  invalidateArc(orgId: string): Promise<void>;
}

/** Runs an RPC method body, answering ServiceErrors as data; anything else stays a thrown error (500). */
export async function toOutcome<T>(work: () => Promise<T>): Promise<RpcOutcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    return {
      ok: false,
      error: {
        code: error.code,
        message: error.message,
        ...(error.details ? { details: error.details } : {}),
        ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
      },
    };
  }
}

/** The caller's side of `toOutcome`: the value, or the same ServiceError thrown again. */
export function fromOutcome<T>(outcome: RpcOutcome<T>): T {
  if (outcome.ok) return outcome.value;
  const { code, message, details, retryAfterSeconds } = outcome.error;
  throw new ServiceError(code, message, {
    ...(details ? { details } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });
}

import type { AcceptResult, ForgetMatchingOptions, ForgetOptions, ForgetResult, RecentIds, ReplaceOptions, ReplaceResult, WriteCoordinator } from "../../core/coordinator/port";
import { ServiceError } from "../../core/errors";
import type { MemoryFilter, MemoryPageRequest } from "../../core/memory/filter";
import type { ForgottenMemory, MemoryRecord } from "../../core/memory/schema";
import { fromOutcome, type RpcOutcome, type WriteCoordinatorRpc } from "./coordinator-rpc";
import { restOfPage } from "./recent-chunk";

/** Only the fields forgetting uses cross the RPC: a page of whole records could pass its size limit. */
const slim = ({ id, agent_id, dedup_key, ingested_at_us }: ForgottenMemory): ForgottenMemory => ({ id, agent_id, dedup_key, ingested_at_us });

/** Workers marks errors of an overloaded or restarting object; the call may succeed if repeated. */
const isTransient = (error: unknown): boolean =>
  typeof error === "object" &&
  error !== null &&
  ((error as { overloaded?: unknown }).overloaded === true || (error as { retryable?: unknown }).retryable === true);

/**
 * The Worker's WriteCoordinator: each call goes over RPC to the org's Durable Object (one per
 * org, named by the org id), which holds the outbox and the dedup index. A transient object error
 * becomes a 503 with Retry-After; an accept is never repeated here, since the client owns retries.
 */
export class DurableWriteCoordinator implements WriteCoordinator {
  constructor(private readonly options: { namespace: DurableObjectNamespace<WriteCoordinatorRpc> }) {}

  async accept(orgId: string, records: MemoryRecord[]): Promise<AcceptResult[]> {
    if (records.length === 0) return [];
    return this.call(orgId, (object) => object.accept(orgId, records));
  }

  /** Chunk by chunk, each within what one RPC value may carry, until the page is complete. */
  async recent(orgId: string, page: MemoryPageRequest): Promise<MemoryRecord[]> {
    const records: MemoryRecord[] = [];
    for (let next = page; ; next = restOfPage(page, records)) {
      const chunk = await this.call(orgId, (object) => object.recent(orgId, next));
      records.push(...chunk.records);
      if (chunk.complete) return records;
    }
  }

  /**
   * One call: ids are a small part of each row the object holds in its 128 MB, so every id of
   * its window stays well inside one RPC value.
   */
  recentIds(orgId: string, filter: MemoryFilter): Promise<RecentIds> {
    return this.call(orgId, (object) => object.recentIds(orgId, filter));
  }

  latestVersionUs(orgId: string, memoryId: string): Promise<number | null> {
    return this.call(orgId, (object) => object.latestVersionUs(orgId, memoryId));
  }

  async forget(orgId: string, memories: ForgottenMemory[], options: ForgetOptions = {}): Promise<ForgetResult> {
    if (memories.length === 0) return { skipped: [] };
    return this.call(orgId, (object) => object.forget(orgId, memories.map(slim), options));
  }

  forgetMatching(orgId: string, filter: MemoryFilter, options: ForgetMatchingOptions = {}): Promise<number> {
    return this.call(orgId, (object) => object.forgetMatching(orgId, filter, options));
  }

  replace(orgId: string, old: MemoryRecord, next: MemoryRecord, options: ReplaceOptions): Promise<ReplaceResult> {
    return this.call(orgId, (object) => object.replace(orgId, old, next, options));
  }

  /** Objects cannot be listed from a Worker, so a flush names its org. */
  async flush(orgId?: string): Promise<void> {
    if (orgId === undefined) throw new ServiceError("internal", "on Workers a flush must name its organization");
    await this.call(orgId, (object) => object.flush(orgId));
  }

  /** Tells the org's object to reload its Arc binding (the admin API changed it). */
  async invalidateArc(orgId: string): Promise<void> {
    await this.objectFor(orgId).invalidateArc(orgId);
  }

  /** The objects outlive this isolate and keep their own state; nothing is held here. */
  async close(): Promise<void> {}

  private objectFor(orgId: string): WriteCoordinatorRpc {
    const { namespace } = this.options;
    return namespace.get(namespace.idFromName(orgId));
  }

  private async call<T>(orgId: string, invoke: (object: WriteCoordinatorRpc) => Promise<RpcOutcome<T>>): Promise<T> {
    let outcome: RpcOutcome<T>;
    try {
      outcome = await invoke(this.objectFor(orgId));
    } catch (error) {
      if (!isTransient(error)) throw error;
      throw new ServiceError("overloaded", "the write coordinator is busy; retry shortly", { retryAfterSeconds: 1, cause: error });
    }
    return fromOutcome(outcome);
  }
}

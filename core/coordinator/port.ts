import type { MemoryFilter } from "../memory/filter";
import type { MemoryRecord } from "../memory/schema";

/** Outcome of one accepted memory: stored (durably), or a duplicate of an existing one. */
export type AcceptResult =
  | { status: "created"; record: MemoryRecord }
  | { status: "duplicate"; existing_id: string };

/**
 * The write coordinator: the single writer per organization. `accept` returns only after the
 * memories are durable in the outbox (so a 2xx never loses a memory), and answers dedup
 * race-free. Node runs it in-process; Workers run it as one Durable Object per org.
 */
export interface WriteCoordinator {
  accept(orgId: string, records: MemoryRecord[]): Promise<AcceptResult[]>;
  /** Memories accepted but maybe not yet visible in Arc's query results, matching the filter. */
  recent(orgId: string, filter: MemoryFilter): Promise<MemoryRecord[]>;
  /** Deliver what is pending for one org (or all) to Arc now. */
  flush(orgId?: string): Promise<void>;
  close(): Promise<void>;
}

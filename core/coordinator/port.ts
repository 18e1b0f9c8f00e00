import { z } from "zod";
import type { DeleteFilter, MemoryFilter, MemoryPageRequest } from "../memory/filter";
import type { ForgottenMemory, MemoryRecord } from "../memory/schema";

/** How `forget` treats the memories it is given (it crosses an RPC on Workers, hence a schema). */
export const forgetOptionsSchema = z.object({
  /** Delete their copies in Arc too: every version of each id, owed in the outbox's transaction. */
  inArc: z.boolean().optional(),
  /**
   * Only the versions named: a memory the outbox holds a later version of, or an update of the
   * last minute replaced, is left whole, claim included, and its id answered in `skipped`; with
   * `readAtMs`, so is one read too long ago for the writer to vouch for that.
   */
  namedVersions: z.boolean().optional(),
  /** When the caller read the memories (ms), for `namedVersions`. */
  readAtMs: z.number().optional(),
});
export type ForgetOptions = z.infer<typeof forgetOptionsSchema>;

/** `forgetMatching` takes the filter's memories out of Arc too with `inArc`. */
export const forgetMatchingOptionsSchema = forgetOptionsSchema.pick({ inArc: true });
export type ForgetMatchingOptions = z.infer<typeof forgetMatchingOptionsSchema>;

/** What `forget` left alone (see `namedVersions`). */
export interface ForgetResult {
  skipped: string[];
}

/** `readAtMs`: when the caller read the version it replaces (ms). */
export const replaceOptionsSchema = z.object({ readAtMs: z.number() });
export type ReplaceOptions = z.infer<typeof replaceOptionsSchema>;

/**
 * What `replace` did: stored the new version, found its dedup key taken, or found the version
 * read no longer the latest (or read too long ago to tell): then nothing changed, and the caller
 * reads the memory again and starts over.
 */
export type ReplaceResult = AcceptResult | { status: "stale" };

/** Outcome of one accepted memory: stored (durably), or a duplicate of an existing one. */
export type AcceptResult =
  | { status: "created"; record: MemoryRecord }
  | { status: "duplicate"; existing_id: string };

/** How many memories reads leave out of Arc's rows while deletes of them run (their ids must fit in one Arc query). */
export const MAX_HIDDEN_IDS = 100;

/** How many deletes by filter reads leave out of Arc's rows while they run (each a condition of every query). */
export const MAX_HIDDEN_FILTERS = 20;

/**
 * What counting needs of the recent window, without the memories themselves: the ids of the
 * matching memories by memory type (to merge with Arc's rows by id), and the earliest ingest
 * time among them (null when none match), where Arc's own count can take over. Every read also
 * asks for what Arc should not show (below), with a filter of no ids so nothing else is walked.
 *
 * An update stores the new version and only then deletes the older ones from Arc; the new
 * version waits in the outbox until that delete has run. A delete takes the memory out of the
 * outbox and only then out of Arc. `hiddenInArc` names the memories of the filter's agents (an
 * update never changes the agent) whose delete of that kind is stored but not confirmed by Arc,
 * whatever the rest of the filter: Arc may still hold a version of each that is no longer
 * current, so reads leave Arc's rows of them out and go by the recent window alone (which holds
 * an updated memory's new version, and nothing of a deleted one). Null when there are more than
 * MAX_HIDDEN_IDS. `hiddenFilters` does the same for the deletes by filter whose Arc part is owed
 * and that may match memories of the filter's agents (reads leave out Arc's rows matching any of
 * them; the outbox no longer holds those memories); null when there are more than
 * MAX_HIDDEN_FILTERS. `updateMark` changes whenever an update of one of those agents' memories
 * is stored: a count that sees it change while it ran starts over.
 */
export interface RecentIds {
  oldestIngestedAtUs: number | null;
  byType: Array<{ memory_type: string; ids: string[] }>;
  hiddenInArc: string[] | null;
  hiddenFilters: DeleteFilter[] | null;
  updateMark: string;
}

/**
 * The write coordinator: the single writer per organization. `accept` returns only after the
 * memories are durable in the outbox (so a 2xx never loses a memory), and answers dedup
 * race-free. Node runs it in-process; Workers run it as one Durable Object per org.
 *
 * Reads of what Arc may not show yet ask only for what they use: the recent window can hold far
 * more than a page (tens of MB on Workers, past what one Durable Object RPC value may carry).
 */
export interface WriteCoordinator {
  accept(orgId: string, records: MemoryRecord[]): Promise<AcceptResult[]>;
  /**
   * The memories accepted but maybe not yet visible in Arc that fall on the page: matching its
   * filter and cursor, one per id, in its order, with its offset and limit (as `pageOf`). A read
   * that merges them with Arc's rows asks for offset 0 and limit offset + limit + 1.
   */
  recent(orgId: string, page: MemoryPageRequest): Promise<MemoryRecord[]>;
  /**
   * Takes memories out of the outbox (pending or delivered, after any delivery in flight) and
   * releases their dedup claims, durably: no copy of them reaches Arc from here afterwards, not
   * even after a restart. With `inArc`, Arc's copies are deleted too: the delete is stored with
   * the rest and run until Arc has done it, even across a crash or an outage; a rejection with
   * `arc_unavailable` means only that it has not run yet. An update that read one of them
   * before is then refused.
   */
  forget(orgId: string, memories: ForgottenMemory[], options?: ForgetOptions): Promise<ForgetResult>;
  /**
   * As `forget`, for every memory stored before this call that matches the filter, and every one
   * arriving later that was stamped before the filter's `ingested_before_us` (when the delete
   * began); returns how many the outbox held.
   */
  forgetMatching(orgId: string, filter: MemoryFilter, options?: ForgetMatchingOptions): Promise<number>;
  /**
   * Stores `next` as the new version of `old` (same id), stamped by the writer, in the
   * transaction that forgets `old` and owes Arc the delete of every earlier version, then runs
   * that delete as `forget` does. A `next` whose dedup key another memory holds is not stored:
   * the answer is that duplicate. `stale` when `old` is no longer the latest version or was read
   * too long ago; rejects with `not_found` when a delete took `old` after the caller read it.
   */
  replace(orgId: string, old: MemoryRecord, next: MemoryRecord, options: ReplaceOptions): Promise<ReplaceResult>;
  /** The ids of every memory accepted but maybe not yet visible in Arc matching the filter, for counts. */
  recentIds(orgId: string, filter: MemoryFilter): Promise<RecentIds>;
  /**
   * The ingest time (µs) of the memory's latest version an update stored, when the writer still
   * keeps it (the most recently updated memories of each org); null otherwise. A hint for finding
   * that version in Arc: it may name one not yet delivered, or one a later update replaced.
   */
  latestVersionUs(orgId: string, memoryId: string): Promise<number | null>;
  /**
   * Memories accepted but not yet delivered to Arc, for one org or every org together (/health).
   * Node's coordinator holds every org's outbox in the process; on Workers each org's outbox is a
   * Durable Object of its own, which no isolate can sum, so that coordinator has no such count.
   */
  pendingRows?(orgId?: string): number;
  /** Deliver what is pending for one org (or all) to Arc now. */
  flush(orgId?: string): Promise<void>;
  close(): Promise<void>;
}

import type { MemoryFilter } from "../memory/filter";
import type { MemoryRecord } from "../memory/schema";
import type { RecordMatcher } from "./options";

/**
 * How long a delete also covers what was stamped before it but reaches the writer after it: on
 * Workers a memory is stamped in one isolate and committed by the org's object a moment later, so
 * one stamped before a delete can arrive after it; and an update that read a memory before a
 * delete took it must not bring it back.
 */
export const LATE_ARRIVAL_MS = 60_000;

/** A delete by filter, remembered until `untilMs`. */
export interface RecentFilterDelete {
  filter: MemoryFilter;
  untilMs: number;
}

/**
 * The deletes of the last LATE_ARRIVAL_MS, for the single writer: those by filter (checked for
 * every accepted memory, and stored in the outbox by the caller so a restart keeps them) and
 * those by id (checked only by updates, kept in memory). Both stay in expiry order and are pruned
 * as they are used, so neither grows past a minute's deletes.
 */
export class RecentDeletes {
  private readonly ids = new Map<string, number>();
  private readonly filters: RecentFilterDelete[] = [];

  constructor(private readonly matches: RecordMatcher) {}

  /** Remembers deletes by filter loaded from the outbox at start, oldest first. */
  restore(deletes: readonly RecentFilterDelete[]): void {
    this.filters.push(...deletes);
  }

  /** Remembers a delete by filter from now; `withdraw` it if the delete then fails. */
  addFilter(filter: MemoryFilter, nowMs: number): RecentFilterDelete {
    const entry = { filter, untilMs: nowMs + LATE_ARRIVAL_MS };
    this.filters.push(entry);
    return entry;
  }

  withdraw(entry: RecentFilterDelete): void {
    const at = this.filters.indexOf(entry);
    if (at !== -1) this.filters.splice(at, 1);
  }

  addIds(ids: Iterable<string>, nowMs: number): void {
    this.pruneIds(nowMs);
    for (const id of ids) {
      // Deleted and set again, so the map stays in expiry order for the prune.
      this.ids.delete(id);
      this.ids.set(id, nowMs + LATE_ARRIVAL_MS);
    }
  }

  /** A memory stamped before a recent delete by filter it matches, arriving only now. */
  coversArrival(record: MemoryRecord, nowMs: number): boolean {
    while (this.filters.length > 0 && this.filters[0]!.untilMs <= nowMs) this.filters.shift();
    return this.filters.some((deleted) => this.matches(record, deleted.filter));
  }

  /** Whether a recent delete took this memory: by its id, or by a filter it matches. */
  took(record: MemoryRecord, nowMs: number): boolean {
    this.pruneIds(nowMs);
    return this.ids.has(record.id) || this.coversArrival(record, nowMs);
  }

  /** How many deletes it remembers now, by id and by filter (for tests and metrics). */
  size(): { ids: number; filters: number } {
    return { ids: this.ids.size, filters: this.filters.length };
  }

  private pruneIds(nowMs: number): void {
    for (const [id, untilMs] of this.ids) {
      if (untilMs > nowMs) break;
      this.ids.delete(id);
    }
  }
}

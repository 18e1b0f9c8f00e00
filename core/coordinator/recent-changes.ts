import type { MemoryFilter } from "../memory/filter";
import type { MemoryRecord } from "../memory/schema";
import type { RecordMatcher } from "./options";

/**
 * How long the writer remembers a change, and so how old a read may be for a change made on top
 * of it: on Workers a memory is stamped in one isolate and committed by the org's object a moment
 * later, so one stamped before a delete can arrive after it; and an update or conditional delete
 * that read a memory must learn of every delete or update that came after its read.
 */
export const LATE_ARRIVAL_MS = 60_000;

/**
 * How old a read may be for the writer to vouch that no change came after it: half the time
 * changes are remembered, a margin for the clocks of Workers isolates, which stamp the reads,
 * against the clock of the org's object, which stamps the changes.
 */
export const MAX_READ_AGE_MS = LATE_ARRIVAL_MS / 2;

/**
 * A delete by filter, remembered until `untilMs`. Its filter's `ingested_before_us` is when the
 * delete began: a memory stamped before it that arrives later is deleted on arrival (one stamped
 * in that millisecond may have been written after the delete answered, and is kept). The delete
 * took every matching memory stamped before `tookBeforeUs`: the end of the millisecond in which
 * the writer stored it, or past the latest stamp the writer had stored if stamps ran ahead of the
 * clock. Memories stored later are stamped at or after it.
 */
export interface RecentFilterDelete {
  filter: MemoryFilter;
  tookBeforeUs: number;
  untilMs: number;
}

/** What became of a memory by id: deleted, or replaced by the version ingested at `versionUs`. */
export interface RecentIdChange {
  id: string;
  /** The new version's ingest time; null when the memory was deleted. */
  versionUs: number | null;
  untilMs: number;
}

/**
 * The changes of the last LATE_ARRIVAL_MS, for the single writer: deletes by filter (checked for
 * every accepted memory) and deletes and updates by id (checked by the next update or delete of
 * that id). The caller stores both with the change itself, so a restarted writer still knows
 * them. Both stay in expiry order and are pruned as they are used.
 */
export class RecentChanges {
  private readonly ids = new Map<string, RecentIdChange>();
  /** Deletes by filter in expiry order, and the same by org: every accepted memory checks its org's. */
  private readonly filters: RecentFilterDelete[] = [];
  private readonly filtersByOrg = new Map<string, RecentFilterDelete[]>();

  constructor(private readonly matches: RecordMatcher) {}

  /** What the outbox kept of the last minute, oldest first. */
  restore(filters: readonly RecentFilterDelete[], ids: readonly RecentIdChange[]): void {
    for (const entry of filters) this.indexFilter(entry);
    for (const change of ids) {
      this.ids.delete(change.id);
      this.ids.set(change.id, change);
    }
  }

  /**
   * A delete by filter (its `ingested_before_us` set) the writer stores at `nowMs`, after storing
   * stamps up to `highestStoredUs`, to remember once it has committed.
   */
  filterDelete(filter: MemoryFilter, nowMs: number, highestStoredUs = 0): RecentFilterDelete {
    const tookBeforeUs = Math.max((nowMs + 1) * 1000, filter.ingested_before_us ?? 0, highestStoredUs + 1);
    return { filter, tookBeforeUs, untilMs: nowMs + LATE_ARRIVAL_MS };
  }

  /**
   * Remembers a delete by filter stored at `nowMs`. Expired ones are pruned here too, not only
   * when a memory arrives: a server that only deletes (retention passes over idle orgs) would
   * otherwise keep every one it ever made.
   */
  addFilter(entry: RecentFilterDelete, nowMs: number): void {
    this.pruneFilters(nowMs);
    this.indexFilter(entry);
  }

  private indexFilter(entry: RecentFilterDelete): void {
    this.filters.push(entry);
    const orgId = entry.filter.org_id;
    const ofOrg = this.filtersByOrg.get(orgId);
    if (ofOrg) ofOrg.push(entry);
    else this.filtersByOrg.set(orgId, [entry]);
  }

  /** The record of a delete (`versionUs` null) or an update of `id` made at `nowMs`, to store and then `addId`. */
  idChange(id: string, versionUs: number | null, nowMs: number): RecentIdChange {
    return { id, versionUs, untilMs: nowMs + LATE_ARRIVAL_MS };
  }

  addId(change: RecentIdChange, nowMs: number): void {
    this.pruneIds(nowMs);
    // Deleted and set again, so the map stays in expiry order for the prune.
    this.ids.delete(change.id);
    this.ids.set(change.id, change);
  }

  /** A memory stamped before a recent delete by filter it matches, arriving only now. */
  coversArrival(record: MemoryRecord, nowMs: number): boolean {
    return this.filtersOf(record.org_id, nowMs).some((deleted) => this.matches(record, deleted.filter));
  }

  /** Whether a recent delete took this version of a memory: by its id, or by a filter it matches. */
  took(record: MemoryRecord, nowMs: number): boolean {
    if (this.deletedById(record.id, nowMs)) return true;
    return this.filtersOf(record.org_id, nowMs).some((deleted) => this.matches(record, { ...deleted.filter, ingested_before_us: deleted.tookBeforeUs }));
  }

  /** The earliest stamp a new version may have to stand outside every recent delete by filter of the org. */
  stampFloorUs(orgId: string, nowMs: number): number {
    let floor = 0;
    for (const deleted of this.filtersOf(orgId, nowMs)) floor = Math.max(floor, deleted.tookBeforeUs);
    return floor;
  }

  deletedById(id: string, nowMs: number): boolean {
    this.pruneIds(nowMs);
    return this.ids.get(id)?.versionUs === null;
  }

  /** Whether a recent update stored a later version of this memory than `record`. */
  replacedSince(record: Pick<MemoryRecord, "id" | "ingested_at_us">, nowMs: number): boolean {
    this.pruneIds(nowMs);
    const versionUs = this.ids.get(record.id)?.versionUs;
    return versionUs !== undefined && versionUs !== null && versionUs > record.ingested_at_us;
  }

  /** How many changes it remembers now, by id and by filter. */
  size(): { ids: number; filters: number } {
    return { ids: this.ids.size, filters: this.filters.length };
  }

  private filtersOf(orgId: string, nowMs: number): RecentFilterDelete[] {
    this.pruneFilters(nowMs);
    return this.filtersByOrg.get(orgId) ?? [];
  }

  private pruneFilters(nowMs: number): void {
    while (this.filters.length > 0 && this.filters[0]!.untilMs <= nowMs) {
      const expired = this.filters.shift()!;
      const ofOrg = this.filtersByOrg.get(expired.filter.org_id)!;
      ofOrg.splice(ofOrg.indexOf(expired), 1);
      if (ofOrg.length === 0) this.filtersByOrg.delete(expired.filter.org_id);
    }
  }

  private pruneIds(nowMs: number): void {
    for (const [id, change] of this.ids) {
      if (change.untilMs > nowMs) break;
      this.ids.delete(id);
    }
  }
}

import type { MemoryFilter } from "../memory/filter";
import type { CachedRow } from "./org-outbox";
import type { RecordMatcher } from "./options";

/** Fields most reads narrow by; each gets buckets of the org's cached rows. */
const INDEXED = ["agent_id", "session_id"] as const;
type IndexedField = (typeof INDEXED)[number];

/**
 * Buckets an org's cached rows by agent and by session, so `recent` for one agent or session
 * tests only that bucket instead of every row accepted in the last seconds. Which buckets match
 * is decided by the matcher itself on one row of each bucket, with a filter holding only that
 * field: filters are conjunctions, so this keeps the matcher's exact semantics.
 */
export class RecentIndex {
  private readonly buckets: Record<IndexedField, Map<string, CachedRow[]>> = {
    agent_id: new Map(),
    session_id: new Map(),
  };
  /** Get-by-id reads name one memory: look it up instead of testing every cached row. */
  private readonly byId = new Map<string, CachedRow>();

  add(row: CachedRow): void {
    this.byId.set(row.record.id, row);
    for (const field of INDEXED) {
      const value = row.record[field];
      const bucket = this.buckets[field].get(value);
      if (bucket) bucket.push(row);
      else this.buckets[field].set(value, [row]);
    }
  }

  /** The cached row holding this memory, if any. */
  get(id: string): CachedRow | undefined {
    return this.byId.get(id);
  }

  /**
   * Removes these rows wherever they sit (forgotten memories), each bucket they touch filtered
   * once, however many of them it held; `removeOldest` is the common path.
   */
  removeAll(rows: ReadonlySet<CachedRow>): void {
    for (const row of rows) if (this.byId.get(row.record.id) === row) this.byId.delete(row.record.id);
    for (const field of INDEXED) {
      const touched = new Set<string>();
      for (const row of rows) touched.add(row.record[field]);
      for (const value of touched) {
        const bucket = this.buckets[field].get(value);
        if (!bucket) continue;
        const kept = bucket.filter((row) => !rows.has(row));
        if (kept.length === 0) this.buckets[field].delete(value);
        else this.buckets[field].set(value, kept);
      }
    }
  }

  /** Removes rows that are the org's oldest (in seq order), so each sits at its buckets' front. */
  removeOldest(rows: CachedRow[]): void {
    for (const row of rows) if (this.byId.get(row.record.id) === row) this.byId.delete(row.record.id);
    for (const field of INDEXED) {
      const counts = new Map<string, number>();
      for (const row of rows) counts.set(row.record[field], (counts.get(row.record[field]) ?? 0) + 1);
      for (const [value, count] of counts) {
        const bucket = this.buckets[field].get(value);
        if (!bucket) continue;
        bucket.splice(0, count);
        if (bucket.length === 0) this.buckets[field].delete(value);
      }
    }
  }

  /**
   * The row lists that can hold matches: the rows named by `ids`, else the buckets of the
   * narrowest indexed field the filter sets, or undefined when it sets none (then every row must
   * be tested).
   */
  candidates(filter: MemoryFilter, matches: RecordMatcher): CachedRow[][] | undefined {
    if (filter.ids !== undefined) {
      return [[...new Set(filter.ids)].flatMap((id) => this.byId.get(id) ?? [])];
    }
    const field = INDEXED.slice().reverse().find((f) => filter[f] !== undefined);
    if (field === undefined) return undefined;
    const probe: MemoryFilter = { org_id: filter.org_id, [field]: filter[field] };
    return [...this.buckets[field].values()].filter((rows) => rows[0] !== undefined && matches(rows[0].record, probe));
  }
}

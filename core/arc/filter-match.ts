import { badRequest } from "../errors";
import type { MemoryFilter, MemoryPageRequest, SortKey } from "../memory/filter";
import type { MemoryRecord } from "../memory/schema";
import { compareText, duckdbLower, sqlTextValue } from "./duckdb-text";
import { tagsToCsv } from "./memory-columns";
import { wellFormed } from "../well-formed";

/**
 * The memory query builder's semantics in JS, for memories accepted but not yet visible in
 * Arc (see `memory-predicates.ts` for the rules). Filter values are read as the SQL literal
 * carries them (`sqlTextValue`), record values as Arc stores them (`wellFormed`), and text
 * compares and folds case the way DuckDB does, so both paths agree on every input.
 */
export function matchesFilter(record: MemoryRecord, filter: MemoryFilter): boolean {
  const equals = (stored: string, wanted: string) => wellFormed(stored) === sqlTextValue(wanted);
  const oneOf = (stored: string, wanted: readonly string[]) => wanted.some((value) => equals(stored, value));
  if (!equals(record.org_id, filter.org_id)) return false;
  if (filter.ids !== undefined && !oneOf(record.id, filter.ids)) return false;
  if (filter.not_ids !== undefined && oneOf(record.id, filter.not_ids)) return false;
  if (filter.agent_id !== undefined && !equals(record.agent_id, filter.agent_id)) return false;
  if (filter.agent_ids !== undefined && !oneOf(record.agent_id, filter.agent_ids)) return false;
  if (filter.session_id !== undefined && !equals(record.session_id, filter.session_id)) return false;
  if (filter.memory_types !== undefined && !oneOf(record.memory_type, filter.memory_types)) return false;
  if (filter.event_types !== undefined && !oneOf(record.event_type, filter.event_types)) return false;
  if (filter.tags_all !== undefined || filter.tags_any !== undefined) {
    const tags = wellFormed(tagsToCsv(record.tags)).split(",");
    const has = (tag: string) => tags.includes(sqlTextValue(tag));
    if (filter.tags_all !== undefined && !filter.tags_all.every(has)) return false;
    if (filter.tags_any !== undefined && !filter.tags_any.some(has)) return false;
  }
  if (filter.content_contains !== undefined) {
    const needle = sqlTextValue(filter.content_contains);
    const content = wellFormed(record.content);
    if (needle !== "") {
      const found = filter.case_sensitive ? content.includes(needle) : duckdbLower(content).includes(duckdbLower(needle));
      if (!found) return false;
    }
  }
  if (filter.min_importance !== undefined && !(record.importance >= filter.min_importance)) return false;
  if (filter.dedup_key !== undefined && !equals(record.dedup_key, filter.dedup_key)) return false;
  if (filter.since_us !== undefined && !(record.time_us > filter.since_us)) return false;
  if (filter.until_us !== undefined && !(record.time_us < filter.until_us)) return false;
  if (filter.ingested_since_us !== undefined && !(record.ingested_at_us >= filter.ingested_since_us)) return false;
  if (filter.ingested_before_us !== undefined && !(record.ingested_at_us < filter.ingested_before_us)) return false;
  if (filter.not_matching?.some((excluded) => matchesFilter(record, excluded))) return false;
  return true;
}

type Order = MemoryPageRequest["order"];
type OrderBy = MemoryPageRequest["order_by"];

interface Key {
  importance: number;
  time_us: number;
  id: string;
}

function ascending(a: Key, b: Key, orderBy: OrderBy): number {
  if (orderBy === "importance" && a.importance !== b.importance) return a.importance < b.importance ? -1 : 1;
  if (a.time_us !== b.time_us) return a.time_us < b.time_us ? -1 : 1;
  return Math.sign(compareText(a.id, b.id));
}

const stored = (record: MemoryRecord): Key => ({ importance: record.importance, time_us: record.time_us, id: wellFormed(record.id) });

/** The page order as a comparator: `ORDER BY [importance,] time, id`, all ASC or all DESC. */
export function compareRecords(a: MemoryRecord, b: MemoryRecord, order: Order, orderBy: OrderBy): number {
  return (order === "desc" ? -1 : 1) * ascending(stored(a), stored(b), orderBy);
}

/** Whether `record` comes strictly after the cursor key in the page order (the keyset condition). */
export function isAfter(record: MemoryRecord, after: SortKey, order: Order, orderBy: OrderBy): boolean {
  if (orderBy === "importance" && after.importance === undefined) {
    throw badRequest("invalid cursor: no importance for an importance-ordered page");
  }
  // A time-ordered page never reads `importance`; 0 only fills the shape.
  const key: Key = { importance: after.importance ?? 0, time_us: after.time_us, id: sqlTextValue(after.id) };
  return (order === "desc" ? -1 : 1) * ascending(stored(record), key, orderBy) > 0;
}

/**
 * One page of in-memory records exactly as the list query would return it: filter and cursor,
 * one record per id (the first accepted), sorted, then OFFSET and LIMIT.
 */
export function pageOf(records: readonly MemoryRecord[], page: MemoryPageRequest): MemoryRecord[] {
  const firstPerId = new Map<string, MemoryRecord>();
  for (const record of records) {
    if (!matchesFilter(record, page.filter)) continue;
    if (page.after && !isAfter(record, page.after, page.order, page.order_by)) continue;
    const id = wellFormed(record.id);
    const seen = firstPerId.get(id);
    if (!seen || record.ingested_at_us < seen.ingested_at_us) firstPerId.set(id, record);
  }
  const sorted = [...firstPerId.values()].sort((a, b) => compareRecords(a, b, page.order, page.order_by));
  const offset = page.offset ?? 0;
  return sorted.slice(offset, offset + page.limit);
}

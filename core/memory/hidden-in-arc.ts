import { matchesFilter } from "../arc/filter-match";
import { filterFitsRead } from "../arc/memory-queries";
import type { RecentIds } from "../coordinator/port";
import type { MemoryFilter } from "./filter";
import type { MemoryRecord } from "./schema";

/** What the writer answers of the deletes Arc still owes; a writer from before a field answers without it. */
export type HiddenInArc = Partial<Pick<RecentIds, "hiddenInArc" | "hiddenFilters">>;

/**
 * The filter for Arc's rows, leaving out those of the memories the writer names hidden in Arc: an
 * update's or a delete's removal of them there is still owed (see `RecentIds.hiddenInArc`). When
 * more than one query can name (null), or naming them would push a read past what one Arc query
 * may hold, Arc's rows of them show: the read still answers, as it did before there were any.
 */
export function withoutHidden(filter: MemoryFilter, hidden: HiddenInArc): MemoryFilter {
  const ids = hidden.hiddenInArc ?? [];
  const filters = hidden.hiddenFilters ?? [];
  if (ids.length === 0 && filters.length === 0) return filter;
  const narrowed = {
    ...filter,
    ...(ids.length > 0 ? { not_ids: [...(filter.not_ids ?? []), ...ids] } : {}),
    ...(filters.length > 0 ? { not_matching: [...(filter.not_matching ?? []), ...filters] } : {}),
  };
  return filterFitsRead(narrowed) ? narrowed : filter;
}

/** Whether Arc's copy of a memory is one the writer names hidden (see `withoutHidden`). */
export function isHidden(stored: MemoryRecord, hidden: HiddenInArc): boolean {
  return (hidden.hiddenInArc?.includes(stored.id) ?? false) || (hidden.hiddenFilters?.some((filter) => matchesFilter(stored, filter)) ?? false);
}

/**
 * The filter's agents alone, for asking the writer only what depends on them (the hidden memories,
 * the update mark): with no ids, the filter matches no memory, so the recent window is not walked
 * (nor, on Workers, sent back).
 */
export function agentsOnly(filter: MemoryFilter): MemoryFilter {
  return { ...filter, ids: [] };
}

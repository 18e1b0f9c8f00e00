import type { RecentIds } from "../coordinator/port";
import type { MemoryFilter } from "./filter";

/**
 * The filter for Arc's rows, leaving out the memories the writer names hidden in Arc: an update's
 * or a delete's removal of them there is still owed (see `RecentIds.hiddenInArc`). When more than
 * one query can name (null), or a writer from before the field answered, Arc's rows of them show.
 */
export function withoutHidden(filter: MemoryFilter, recent: Partial<Pick<RecentIds, "hiddenInArc">>): MemoryFilter {
  const hidden = recent.hiddenInArc ?? [];
  return hidden.length === 0 ? filter : { ...filter, not_ids: [...(filter.not_ids ?? []), ...hidden] };
}

/**
 * The filter's agents alone, for asking the writer only what depends on them (the hidden memories,
 * the update mark): with no ids, the filter matches no memory, so the recent window is not walked
 * (nor, on Workers, sent back).
 */
export function agentsOnly(filter: MemoryFilter): MemoryFilter {
  return { ...filter, ids: [] };
}

import type { ArcMemoryReader } from "../arc/memory-reader";
import type { RecentIds, WriteCoordinator } from "../coordinator/port";
import type { MemoryFilter } from "./filter";
import { agentsOnly, withoutHidden } from "./hidden-in-arc";

/** Rows ingested during the recent window, read back to merge by id; far above one window's worth. */
const MAX_OVERLAP_ROWS = 1_000_000;

/** How many times a count starts over because an update came while it ran (see `countByType`). */
const COUNT_ATTEMPTS = 3;

/**
 * Counts of memories matching the filter, by memory type, including memories Arc cannot show yet.
 *
 * Arc's rows are split at the oldest ingest time still in the recent window: older rows are
 * counted by Arc alone (they left the window, so Arc shows them), newer ones are read as ids and
 * merged with the recent window by id. A memory that becomes visible between the queries is
 * therefore counted once, never zero or two times.
 *
 * An update stores its new version in the recent window and only then deletes the older ones from
 * Arc; the new version waits there until that delete has run. While it runs (and while a deleted
 * memory's delete runs), the writer names the memory as hidden in Arc, and the count leaves Arc's
 * rows of it out: its current version in the recent window, if any, decides alone, also whether
 * it matches the filter. An update stored while the count runs can delete the old version before
 * Arc counts it, with the new version missing from the recent window looked at before: the
 * writer's update mark then differs afterwards, and the count starts over (at most
 * COUNT_ATTEMPTS times in all, so an agent updated without pause cannot hold it forever).
 */
export async function countByType(
  reader: () => Promise<ArcMemoryReader>,
  coordinator: WriteCoordinator,
  filter: MemoryFilter,
): Promise<Record<string, number>> {
  for (let attempt = 1; ; attempt++) {
    const [arc, recent] = await Promise.all([reader(), coordinator.recentIds(filter.org_id, filter)]);
    const counts = await countOnce(arc, filter, recent);
    if (attempt === COUNT_ATTEMPTS) return counts;
    // Only the mark is wanted now, which depends only on the agents.
    const after = await coordinator.recentIds(filter.org_id, agentsOnly(filter));
    if (after.updateMark === recent.updateMark) return counts;
  }
}

async function countOnce(arc: ArcMemoryReader, filter: MemoryFilter, recent: RecentIds): Promise<Record<string, number>> {
  const inArc = withoutHidden(filter, recent);
  const floor = recent.oldestIngestedAtUs;
  if (floor === null) return arc.countByType(inArc);
  const [older, overlapping] = await Promise.all([
    arc.countByType({ ...inArc, ingested_before_us: Math.min(filter.ingested_before_us ?? floor, floor) }),
    arc.idsAndTypes({ ...inArc, ingested_since_us: Math.max(filter.ingested_since_us ?? floor, floor) }, MAX_OVERLAP_ROWS),
  ]);
  const out: Record<string, number> = { ...older };
  const counted = new Set<string>();
  const count = (id: string, memoryType: string) => {
    if (counted.has(id)) return;
    counted.add(id);
    out[memoryType] = (out[memoryType] ?? 0) + 1;
  };
  // Arc's row first, as mergeById keeps it: a memory counts under the type Arc holds for it.
  for (const record of overlapping) count(record.id, record.memory_type);
  for (const { memory_type, ids } of recent.byType) for (const id of ids) count(id, memory_type);
  return out;
}

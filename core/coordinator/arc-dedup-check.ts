import type { MemoryRecord } from "../memory/schema";
import type { ArcDedupLookup, CoordinatorLogger } from "./options";

/** A record in a group commit, with the dedup key it claims ("" for none). */
export interface KeyedItem {
  seq: number;
  record: MemoryRecord;
  dedupKey: string;
}

export interface ArcDedupDeps {
  lookup: ArcDedupLookup;
  authoritativeSinceUs(orgId: string): number | Promise<number>;
  logger: CoordinatorLogger;
}

/**
 * Finds the group's records whose key already exists in Arc, for orgs whose local dedup index
 * does not yet cover the whole window (see `OutboxCoordinatorOptions.arcDedupLookup`), among the
 * keys `knownLocally` does not vouch for; one query per org, orgs in parallel. An org whose index
 * covers the window costs nothing per record, which is the common case. Runs inside the single
 * writer's commit, so nothing can claim a key between the check and the commit. Answers seq →
 * the id of the memory found in Arc. Any failure on the way (the org's Arc unknown or down) is
 * logged and treated as "not found": fail-open, as the original, and one org's broken Arc never
 * fails the other orgs' writes in the same group.
 */
export async function findArcDuplicates(
  items: KeyedItem[],
  nowUs: number,
  windowUs: number,
  deps: ArcDedupDeps,
  knownLocally: (item: KeyedItem) => boolean,
): Promise<Map<number, string>> {
  const sinceUs = nowUs - windowUs;
  const duplicates = new Map<number, string>();
  const checkOrg = async (orgId: string) => {
    try {
      if ((await deps.authoritativeSinceUs(orgId)) <= sinceUs) return;
      const orgItems = items.filter((item) => item.record.org_id === orgId && item.dedupKey !== "" && !knownLocally(item));
      if (orgItems.length === 0) return;
      const keys = [...new Set(orgItems.map((item) => item.dedupKey))];
      const found = await deps.lookup(orgId, keys, sinceUs);
      for (const item of orgItems) {
        const existing = found.get(item.dedupKey);
        if (existing !== undefined) duplicates.set(item.seq, existing);
      }
    } catch (error) {
      deps.logger.warn("arc dedup lookup failed; accepting without it", {
        org_id: orgId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
  const orgIds = new Set<string>();
  for (const item of items) orgIds.add(item.record.org_id);
  await Promise.all([...orgIds].map(checkOrg));
  return duplicates;
}

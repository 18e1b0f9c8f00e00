import type { MemoryRecord } from "../memory/schema";
import type { ArcDedupLookup, CoordinatorLogger } from "./options";
import type { OutboxStore } from "./outbox-store";

/** A record in a group commit, with the dedup key it claims ("" for none). */
export interface KeyedItem {
  seq: number;
  record: MemoryRecord;
  dedupKey: string;
}

export interface ArcDedupDeps {
  store: OutboxStore;
  lookup: ArcDedupLookup;
  authoritativeSinceUs(orgId: string): number | Promise<number>;
  logger: CoordinatorLogger;
}

/**
 * Finds the group's records whose key already exists in Arc, for orgs whose local dedup index
 * does not yet cover the whole window (see `OutboxCoordinatorOptions.arcDedupLookup`). Only keys
 * the local index misses are looked up, one query per org, orgs in parallel. Runs inside the
 * single writer's commit, so nothing can claim a key between the check and the commit. Answers
 * seq → the id of the memory found in Arc. Any failure on the way (the org's Arc unknown or down)
 * is logged and treated as "not found": fail-open, as the original, and one org's broken Arc
 * never fails the other orgs' writes in the same group.
 */
export async function findArcDuplicates(
  items: KeyedItem[],
  nowUs: number,
  windowUs: number,
  deps: ArcDedupDeps,
): Promise<Map<number, string>> {
  const sinceUs = nowUs - windowUs;
  const byOrg = new Map<string, KeyedItem[]>();
  for (const item of items) {
    if (item.dedupKey === "") continue;
    const list = byOrg.get(item.record.org_id) ?? [];
    list.push(item);
    byOrg.set(item.record.org_id, list);
  }
  const duplicates = new Map<number, string>();
  const checkOrg = async (orgId: string, orgItems: KeyedItem[]) => {
    try {
      if ((await deps.authoritativeSinceUs(orgId)) <= sinceUs) return;
      const keys = [...new Set(orgItems.map((item) => item.dedupKey))];
      const known = await deps.store.liveKeys(orgId, keys, nowUs);
      const unknown = keys.filter((key) => !known.has(key));
      if (unknown.length === 0) return;
      const found = await deps.lookup(orgId, unknown, sinceUs);
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
  await Promise.all([...byOrg].map(([orgId, orgItems]) => checkOrg(orgId, orgItems)));
  return duplicates;
}

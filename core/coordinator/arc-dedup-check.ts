import type { HiddenInArc } from "../memory/hidden-in-arc";
import type { MemoryRecord } from "../memory/schema";
import type { ArcDedupLookup, CoordinatorLogger } from "./options";

/** A record in a group commit, with the dedup key it claims ("" for none). */
export interface KeyedItem {
  seq: number;
  record: MemoryRecord;
  dedupKey: string;
}

/**
 * How long a group commit waits for an org's Arc to answer its dedup lookup. The commit holds the
 * single writer, so every org's writes wait with it: an Arc that hangs must not hold them for its
 * whole query timeout. Past it the lookup counts as failed (fail-open, as below).
 */
export const ARC_DEDUP_LOOKUP_TIMEOUT_MS = 1_000;

/** After an org's lookup failed or timed out, its writes skip the lookup for this long. */
export const ARC_DEDUP_RETRY_AFTER_MS = 30_000;

export interface ArcDedupDeps {
  lookup: ArcDedupLookup;
  authoritativeSinceUs(orgId: string): number | Promise<number>;
  /** The org's memories whose rows in Arc are no longer what they hold, among these agents' (see `RecentIds.hiddenInArc`). */
  hiddenOf(orgId: string, agentIds: string[]): HiddenInArc;
  logger: CoordinatorLogger;
  /** Per org, until when (ms) its lookups are skipped after one failed; kept by the caller. */
  skipUntilMs: Map<string, number>;
}

/** `work`, or a rejection once `ms` have passed without it settling. */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
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
    const nowMs = Math.floor(nowUs / 1000);
    const skipUntil = deps.skipUntilMs.get(orgId);
    if (skipUntil !== undefined) {
      if (nowMs < skipUntil) return;
      deps.skipUntilMs.delete(orgId);
    }
    try {
      if ((await deps.authoritativeSinceUs(orgId)) <= sinceUs) return;
      const orgItems = items.filter((item) => item.record.org_id === orgId && item.dedupKey !== "" && !knownLocally(item));
      if (orgItems.length === 0) return;
      const keys = [...new Set(orgItems.map((item) => item.dedupKey))];
      const hidden = deps.hiddenOf(orgId, [...new Set(orgItems.map((item) => item.record.agent_id))]);
      const found = await withDeadline(deps.lookup(orgId, keys, sinceUs, hidden), ARC_DEDUP_LOOKUP_TIMEOUT_MS);
      for (const item of orgItems) {
        const existing = found.get(item.dedupKey);
        if (existing !== undefined) duplicates.set(item.seq, existing);
      }
    } catch (error) {
      deps.skipUntilMs.set(orgId, nowMs + ARC_DEDUP_RETRY_AFTER_MS);
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

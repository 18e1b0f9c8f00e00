import { preconditionFailed } from "../errors";
import { formatTimestamp } from "../time/instant";
import type { MemoryRecord } from "./schema";

/**
 * A memory version's entity tag: its `ingested_at` as the API shows it, quoted. Every version of
 * a memory has its own (an update always moves `ingested_at` on), and a client that kept only the
 * JSON body can still name the version it changed.
 */
export const versionTag = (record: Pick<MemoryRecord, "ingested_at_us">): string => `"${formatTimestamp(record.ingested_at_us)}"`;

/**
 * Whether an `If-Match` header names this version: `*` names any, and tags compare strongly
 * (RFC 9110), so a weak `W/"…"` never matches.
 */
function ifMatchAccepts(header: string, record: Pick<MemoryRecord, "ingested_at_us">): boolean {
  const current = versionTag(record);
  return header.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || trimmed === current;
  });
}

/**
 * A change made under `ifMatch` (an If-Match header, if sent) applies to `current` only if it is
 * the version the header names: 412 otherwise. The writer then checks, under the org's lock, that
 * `current` is still the latest, or the caller reads it again and comes back here.
 */
export function assertIfMatch(ifMatch: string | undefined, current: Pick<MemoryRecord, "ingested_at_us">): void {
  if (ifMatch !== undefined && !ifMatchAccepts(ifMatch, current)) throw changedSince(current);
}

/** If-Match named another version than the current one, whose `ingested_at` the body gives. */
const changedSince = (current: Pick<MemoryRecord, "ingested_at_us">) =>
  preconditionFailed("the memory has changed since the version If-Match names", { ingested_at: formatTimestamp(current.ingested_at_us) });

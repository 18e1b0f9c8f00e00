import { preconditionFailed } from "../errors";
import { formatTimestamp } from "../time/instant";
import type { VersionCheck } from "../coordinator/port";
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
 * What a change made under `ifMatch` (an If-Match header, if sent) asks of the writer: nothing
 * without one; with one, that `current` is the version it names (else 412 here) and is still the
 * latest when the change is stored (the writer checks that under the org's lock).
 */
export function versionCheckFor(ifMatch: string | undefined, current: Pick<MemoryRecord, "ingested_at_us">): VersionCheck {
  if (ifMatch === undefined) return {};
  if (!ifMatchAccepts(ifMatch, current)) throw changedSince(current);
  return { ifLatest: true };
}

/** If-Match named another version than the current one, whose `ingested_at` the body gives. */
export const changedSince = (current: Pick<MemoryRecord, "ingested_at_us">) =>
  preconditionFailed("the memory has changed since the version If-Match names", { ingested_at: formatTimestamp(current.ingested_at_us) });

import { hexString } from "../hex";

/** Buckets by agent: updates of two agents seldom share one, so one agent's count seldom starts over for another's updates. */
const BUCKETS = 64;

/**
 * Counts the updates an org's writer committed, by agent (in buckets), for counts that must
 * notice an update made while they ran (see `countByType`). A mark is the sum for some agents,
 * prefixed with this object's random epoch: an org outbox made afresh (a restarted writer, or an
 * org purged while idle and met again) never repeats an earlier mark.
 */
export class UpdateMarks {
  private readonly epoch = hexString(crypto.getRandomValues(new Uint8Array(8)));
  // Float64: exact far past any number of updates, where 32 bits would wrap.
  private readonly counts = new Float64Array(BUCKETS);

  noteUpdate(agentId: string): void {
    this.counts[bucketOf(agentId)]! += 1;
  }

  /** The mark for updates of these agents' memories; of every agent's when `agents` is undefined. */
  markFor(agents: readonly string[] | undefined): string {
    let sum = 0;
    if (agents === undefined) for (const count of this.counts) sum += count;
    else for (const bucket of new Set(agents.map(bucketOf))) sum += this.counts[bucket]!;
    return `${this.epoch}:${sum}`;
  }
}

/** A string hash (FNV-1a over UTF-16 units) cut to a bucket. */
function bucketOf(agentId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < agentId.length; i++) hash = Math.imul(hash ^ agentId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % BUCKETS;
}

import { leadingWithin } from "../../core/budget";
import type { MemoryPageRequest } from "../../core/memory/filter";
import type { MemoryRecord } from "../../core/memory/schema";

/** The coordinator object's answer to `recent`: the page's first rows, and whether that was all of them. */
export interface RecentChunk {
  records: MemoryRecord[];
  complete: boolean;
}

/**
 * Workers RPC refuses a value past 32 MiB once serialized, and a page of 1,001 memories of up to
 * 64 K characters of content and 64 KiB of metadata each can pass it. So an answer stops at half
 * that (room for the envelope and the estimate's slack) and the caller asks for the rest.
 */
export const RECENT_CHUNK_BYTES = 16 * 1024 * 1024;

/** An upper bound on a record's size as RPC serializes it (V8: at most two bytes per UTF-16 unit). */
export function serializedBytes(record: MemoryRecord): number {
  const text = (value: string) => 2 * value.length + 8;
  let bytes = 16;
  for (const [key, value] of Object.entries(record)) {
    bytes += text(key);
    if (typeof value === "string") bytes += text(value);
    else if (Array.isArray(value)) for (const item of value) bytes += text(String(item));
    else bytes += 16;
  }
  return bytes;
}

/** The page's leading records up to the byte budget, always at least one so a caller progresses. */
export function firstChunk(records: MemoryRecord[], budget = RECENT_CHUNK_BYTES): RecentChunk {
  const { count } = leadingWithin(records, budget, serializedBytes);
  return count === records.length ? { records, complete: true } : { records: records.slice(0, count), complete: false };
}

/** The rest of `page` after the records already received: a keyset from the last one, no offset. */
export function restOfPage(page: MemoryPageRequest, received: readonly MemoryRecord[]): MemoryPageRequest {
  const last = received.at(-1);
  if (!last) return page;
  return {
    ...page,
    offset: 0,
    limit: page.limit - received.length,
    after: { time_us: last.time_us, id: last.id, importance: last.importance },
  };
}

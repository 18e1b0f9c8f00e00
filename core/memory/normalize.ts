import { utf8Length } from "../arc/duckdb-text";
import { ARC_MIN_TIME_US } from "../arc/memory-columns";
import type { Clock } from "../clock";
import type { Sha256Hex } from "../crypto/sha256";
import { badRequest } from "../errors";
import type { MemoryIdGenerator } from "../ids";
import { formatTimestamp, parseInstant } from "../time/instant";
import { dedupKeyOf } from "./dedup-key";
import { DEFAULT_EVENT_TYPE, DEFAULT_MEMORY_TYPE, MEMORY_LIMITS, type Memory, type MemoryInput, type MemoryRecord } from "./schema";

/** Event times may be backfilled freely, but not set far ahead: Arc prunes future rows from time-bounded reads. */
const MAX_FUTURE_MS = 24 * 3_600_000;
const EARLIEST_TIME = formatTimestamp(ARC_MIN_TIME_US);

export interface NormalizeOptions {
  clock: Clock;
  /** Makes the record's id from the clock reading it is stamped with. */
  memoryId: MemoryIdGenerator;
  dedupEnabled: boolean;
  sha256Hex: Sha256Hex;
}

/**
 * Turns a validated input into the stored record: server id (UUIDv7), event time (the client's,
 * or now), ingested_at, and the dedup key (the client's, or derived as the original did). Null,
 * and "" where it cannot be a value, read as "not sent" (see memoryInputSchema).
 */
export function toMemoryRecord(orgId: string, input: MemoryInput, options: NormalizeOptions): MemoryRecord {
  const nowMs = options.clock.now();
  let timeUs = nowMs * 1000;
  if (input.time != null) {
    const us = parseInstant(input.time);
    // The schema checked the form, so no answer means the microseconds are past a safe integer
    // (beyond about 2255, or before about 1685): which way decides the message.
    const future = us === undefined ? Date.parse(input.time) > nowMs : us > (nowMs + MAX_FUTURE_MS) * 1000;
    if (future) throw badRequest("invalid time: more than 24h in the future");
    if (us === undefined || us < ARC_MIN_TIME_US) throw badRequest(`invalid time: must be ${EARLIEST_TIME} or later`);
    timeUs = us;
  }
  const metadataJson = input.metadata == null ? "{}" : JSON.stringify(input.metadata);
  if (utf8Length(metadataJson) > MEMORY_LIMITS.metadataMaxBytes) {
    throw badRequest(`metadata is larger than ${MEMORY_LIMITS.metadataMaxBytes} bytes as JSON`);
  }
  const eventType = input.event_type || DEFAULT_EVENT_TYPE;
  const dedupKey =
    input.dedup_key || (options.dedupEnabled ? dedupKeyOf(input.agent_id, eventType, input.content, options.sha256Hex) : "");
  return {
    id: options.memoryId(nowMs),
    org_id: orgId,
    agent_id: input.agent_id,
    session_id: input.session_id || "",
    memory_type: input.memory_type || DEFAULT_MEMORY_TYPE,
    event_type: eventType,
    content: input.content,
    metadata_json: metadataJson,
    tags: input.tags ? storedTags(input.tags) : [],
    dedup_key: dedupKey,
    importance: input.importance ?? 0,
    parent_id: input.parent_id || "",
    time_us: timeUs,
    ingested_at_us: nowMs * 1000,
  };
}

/**
 * Tags as stored: without "" (a comma-joined column cannot hold one) and without repeats, first
 * occurrences kept; the validated array itself when it has neither, as usual.
 */
function storedTags(tags: string[]): string[] {
  for (let i = 0; i < tags.length; i++) {
    if (tags[i] === "" || (i > 0 && tags.lastIndexOf(tags[i]!, i - 1) !== -1)) return [...new Set(tags)].filter((tag) => tag !== "");
  }
  return tags;
}

/** The API shape: the original's Memory (empty fields omitted) plus `id` and `ingested_at`. */
export function toApiMemory(record: MemoryRecord): Memory {
  const memory: Memory = {
    id: record.id,
    time: formatTimestamp(record.time_us),
    ingested_at: formatTimestamp(record.ingested_at_us),
    org_id: record.org_id,
    agent_id: record.agent_id,
    memory_type: record.memory_type,
    event_type: record.event_type,
    content: record.content,
  };
  if (record.session_id) memory.session_id = record.session_id;
  if (record.metadata_json && record.metadata_json !== "{}") {
    try {
      memory.metadata = JSON.parse(record.metadata_json) as Record<string, unknown>;
    } catch {
      memory.metadata = { raw: record.metadata_json };
    }
  }
  if (record.tags.length > 0) memory.tags = record.tags;
  if (record.dedup_key) memory.dedup_key = record.dedup_key;
  if (record.importance !== 0) memory.importance = record.importance;
  if (record.parent_id) memory.parent_id = record.parent_id;
  return memory;
}

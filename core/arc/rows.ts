import { memoryTypeSchema, type MemoryRecord } from "../memory/schema";
import { arcNumber, arcText, arcTimeToMicros, rowsByName, type ArcRow } from "./arc-values";
import type { ArcQueryResult } from "./client";
import { csvToTags } from "./memory-columns";

/**
 * A memory from its Arc row, by column name. Columns a batch never had read as NULL and take
 * defaults (an empty string, `{}` metadata, importance 0, `ingested_at` = event time); a
 * memory type outside the four reads as `episodic`, the original's default.
 */
export function rowToMemoryRecord(row: ArcRow): MemoryRecord {
  const timeUs = arcTimeToMicros(row.time);
  const memoryType = memoryTypeSchema.safeParse(row.memory_type);
  return {
    id: arcText(row.id),
    org_id: arcText(row.org_id),
    agent_id: arcText(row.agent_id),
    session_id: arcText(row.session_id),
    memory_type: memoryType.success ? memoryType.data : "episodic",
    event_type: arcText(row.event_type),
    content: arcText(row.content),
    metadata_json: arcText(row.metadata_json, "{}"),
    tags: csvToTags(arcText(row.tags_csv)),
    dedup_key: arcText(row.dedup_key),
    importance: row.importance === null || row.importance === undefined ? 0 : arcNumber(row.importance),
    parent_id: arcText(row.parent_id),
    time_us: timeUs,
    ingested_at_us: row.ingested_at === null || row.ingested_at === undefined ? timeUs : Math.trunc(arcNumber(row.ingested_at)),
  };
}

/** Every row of a memory query as a MemoryRecord, in Arc's (ORDER BY) order. */
export function rowsToMemoryRecords(result: ArcQueryResult): MemoryRecord[] {
  return rowsByName(result).map(rowToMemoryRecord);
}

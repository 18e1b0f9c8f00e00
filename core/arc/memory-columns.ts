import type { MemoryRecord } from "../memory/schema";

/**
 * The Arc table of DESIGN.md, one row per memory. The order is the order of SELECT lists;
 * readers still look values up by name, because Arc's `SELECT *` order is random.
 */
export const MEMORY_COLUMNS = [
  "time",
  "id",
  "org_id",
  "agent_id",
  "session_id",
  "memory_type",
  "event_type",
  "content",
  "metadata_json",
  "tags_csv",
  "dedup_key",
  "importance",
  "parent_id",
  "ingested_at",
] as const;
export type MemoryColumn = (typeof MEMORY_COLUMNS)[number];

/** Columns a stats query may group by. */
export const GROUPABLE_COLUMNS = ["memory_type", "event_type", "agent_id", "session_id"] as const satisfies readonly MemoryColumn[];
export type GroupableColumn = (typeof GROUPABLE_COLUMNS)[number];

/**
 * Arc reads a `time` column's unit from the magnitude of its first value (below 1e10 seconds,
 * below 1e13 milliseconds, below 1e16 microseconds) and applies it to the whole batch. Integer µs
 * are read as µs only from here (1970-04-26T17:46:40Z) to 2286; an earlier first value would
 * scale its batch by 1,000 or 1,000,000, so memory times start here.
 */
export const ARC_MIN_TIME_US = 10_000_000_000_000;
export const ARC_MAX_TIME_US = 10_000_000_000_000_000;

/**
 * How each column travels in msgpack. `time` and `ingested_at` are integer µs (Arc reads `time`'s
 * unit from its magnitude, and stores `ingested_at` as BIGINT); `importance` is always a float,
 * or a batch that starts with 0 or 1 would make the column BIGINT and truncate later values.
 */
export type WireKind = "int" | "float" | "string";
export const MEMORY_COLUMN_KINDS: Record<MemoryColumn, WireKind> = {
  time: "int",
  id: "string",
  org_id: "string",
  agent_id: "string",
  session_id: "string",
  memory_type: "string",
  event_type: "string",
  content: "string",
  metadata_json: "string",
  tags_csv: "string",
  dedup_key: "string",
  importance: "float",
  parent_id: "string",
  ingested_at: "int",
};

/** Arc has no list columns. Tags cannot contain commas (validation's tag pattern), so a plain join is exact. */
export function tagsToCsv(tags: readonly string[]): string {
  return tags.join(",");
}

export function csvToTags(csv: string): string[] {
  return csv === "" ? [] : csv.split(",");
}

/** One memory's value in one column of its Arc row. */
export function memoryCell(record: MemoryRecord, column: MemoryColumn): string | number {
  switch (column) {
    case "time":
      return record.time_us;
    case "tags_csv":
      return tagsToCsv(record.tags);
    case "ingested_at":
      return record.ingested_at_us;
    default:
      return record[column];
  }
}

/** One memory as the values of its Arc row, by column. */
export function memoryToRow(record: MemoryRecord): Record<MemoryColumn, string | number> {
  return Object.fromEntries(MEMORY_COLUMNS.map((column) => [column, memoryCell(record, column)])) as Record<MemoryColumn, string | number>;
}

import { memoryRecordSchema, type MemoryRecord } from "../memory/schema";

/**
 * A record's fields in the order the outbox stores them, after its seq: `[seq, id, agent_id, …]`.
 * Not org_id, which is its group's. Field names repeated in every record made the text 60%
 * longer, and that text is written, fsynced and checkpointed for every memory accepted.
 */
const STORED_FIELDS = [
  "id",
  "agent_id",
  "session_id",
  "memory_type",
  "event_type",
  "content",
  "metadata_json",
  "tags",
  "dedup_key",
  "importance",
  "parent_id",
  "time_us",
  "ingested_at_us",
] as const satisfies ReadonlyArray<keyof MemoryRecord>;

/** Compile-time proof that STORED_FIELDS and org_id cover every field of a record. */
type Unstored = Exclude<keyof MemoryRecord, "org_id" | (typeof STORED_FIELDS)[number]>;
const everyFieldStored: [Unstored] extends [never] ? true : never = true;
void everyFieldStored;

/** One stored row, packed as STORED_FIELDS says (spelled out: this runs for every memory). */
export function packRow(seq: number, r: MemoryRecord): unknown[] {
  return [seq, r.id, r.agent_id, r.session_id, r.memory_type, r.event_type, r.content, r.metadata_json, r.tags, r.dedup_key, r.importance, r.parent_id, r.time_us, r.ingested_at_us];
}

/**
 * A stored row back as its seq and record, checked against the record schema. Rows written
 * before the packed layout hold `[seq, record object]` and are read as such.
 */
export function unpackRow(orgId: string, row: unknown[]): { seq: number; record: MemoryRecord } {
  const seq = Number(row[0]);
  if (row.length === 2) return { seq, record: memoryRecordSchema.parse(row[1]) };
  const fields: Record<string, unknown> = { org_id: orgId };
  STORED_FIELDS.forEach((name, i) => {
    fields[name] = row[i + 1];
  });
  return { seq, record: memoryRecordSchema.parse(fields) };
}

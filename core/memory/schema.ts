import { z } from "zod";
import { freeText, idSchema, jsonObjectSchema, tagOrEmptySchema, typeSchema } from "../validation";

/** The original's four memory types; anything else breaks the original Python SDK's enum. */
export const MEMORY_TYPES = ["episodic", "session", "decision", "entity"] as const;
const MEMORY_TYPE_MESSAGE = `invalid memory_type: must be one of ${MEMORY_TYPES.join(", ")}`;
export const memoryTypeSchema = z.enum(MEMORY_TYPES, { message: MEMORY_TYPE_MESSAGE });
export type MemoryType = z.infer<typeof memoryTypeSchema>;

/** What a memory is when the client names no type (or sends "" or null). */
export const DEFAULT_MEMORY_TYPE: MemoryType = "episodic";
export const DEFAULT_EVENT_TYPE = "general";

export const MEMORY_LIMITS = {
  contentMaxChars: 65_536,
  tagsMax: 64,
  dedupKeyMaxChars: 128,
  parentIdMaxChars: 128,
  metadataMaxBytes: 65_536,
  /** `{"a": 1}` is depth 1; bounded so serialising metadata can never exhaust the stack. */
  metadataMaxDepth: 16,
  batchMax: 1_000,
} as const;

/** A memory's metadata: a JSON object at most `metadataMaxDepth` deep (the MCP tools take it the same way). */
export const memoryMetadataSchema = jsonObjectSchema("metadata", { maxDepth: MEMORY_LIMITS.metadataMaxDepth });

/**
 * One memory as a client sends it (POST /api/v1/memories, single or inside `memories`). Optional
 * fields may be null, and "" where it cannot be a value; both mean "not sent", as Go's zero values
 * did for the original (its SDK sends `memory_type` and `event_type` even when empty), and
 * `toMemoryRecord` reads them so. The schema only checks: a transform per field cost every write
 * an allocation-heavy pipe, for what one `||` does when normalising.
 */
export const memoryInputSchema = z.object({
  agent_id: idSchema("agent_id"),
  content: freeText({ message: "content is required" })
    .min(1, "content is required")
    .max(MEMORY_LIMITS.contentMaxChars, `content is longer than ${MEMORY_LIMITS.contentMaxChars} characters`),
  memory_type: z.enum([...MEMORY_TYPES, ""], { message: MEMORY_TYPE_MESSAGE }).nullish().meta({ default: DEFAULT_MEMORY_TYPE }),
  event_type: typeSchema("event_type", { orEmpty: true }).nullish().meta({ default: DEFAULT_EVENT_TYPE }),
  session_id: idSchema("session_id", { orEmpty: true }).nullish(),
  // The OpenAPI generator takes a schema's own `type` as given, without adding null to it.
  metadata: memoryMetadataSchema
    .nullish()
    .meta({ type: ["object", "null"] }),
  /** Empty tags are dropped on normalising: the original allowed them, but a comma-joined column cannot hold one. */
  tags: z.array(tagOrEmptySchema).max(MEMORY_LIMITS.tagsMax, `at most ${MEMORY_LIMITS.tagsMax} tags`).nullish(),
  importance: z.number().min(0, "importance must be between 0 and 1").max(1, "importance must be between 0 and 1").nullish(),
  // A NUL cuts the key short in SQLite's text functions and in Arc's SQL: keys that differ after it would collide.
  dedup_key: freeText()
    .max(MEMORY_LIMITS.dedupKeyMaxChars, `dedup_key is longer than ${MEMORY_LIMITS.dedupKeyMaxChars} characters`)
    .refine((key) => !key.includes("\0"), "dedup_key must not contain NUL (U+0000)")
    .nullish(),
  parent_id: freeText()
    .max(MEMORY_LIMITS.parentIdMaxChars, `parent_id is longer than ${MEMORY_LIMITS.parentIdMaxChars} characters`)
    .nullish(),
  /** Event time for backfill (ISO 8601 with offset); the server's clock when absent. Its range is checked on normalising. */
  time: z.iso.datetime({ offset: true, message: "invalid time: must be ISO 8601 with a timezone" }).nullish(),
});
export type MemoryInput = z.infer<typeof memoryInputSchema>;

/**
 * A memory as stored: the outbox row, the Arc row and the unit every read path merges.
 * Times are integer microseconds since the epoch, Arc's own storage unit.
 */
export const memoryRecordSchema = z.object({
  id: z.string(),
  org_id: z.string(),
  agent_id: z.string(),
  session_id: z.string(),
  memory_type: memoryTypeSchema,
  event_type: z.string(),
  content: z.string(),
  metadata_json: z.string(),
  tags: z.array(z.string()),
  dedup_key: z.string(),
  importance: z.number(),
  parent_id: z.string(),
  time_us: z.number().int(),
  ingested_at_us: z.number().int(),
});
export type MemoryRecord = z.infer<typeof memoryRecordSchema>;

/**
 * What forgetting a memory needs of it: its id (to find its outbox row), agent and dedup key (its
 * claim) and ingest time (whether the claim can still be live). Not its texts, which a delete by
 * filter would otherwise carry to a Durable Object by the thousand.
 */
export const forgottenMemorySchema = memoryRecordSchema.pick({ id: true, agent_id: true, dedup_key: true, ingested_at_us: true });
export type ForgottenMemory = z.infer<typeof forgottenMemorySchema>;

/** A memory as the API returns it: the original's Memory plus `id` and `ingested_at`; empty fields omitted. */
export const memorySchema = z.object({
  id: z.string(),
  time: z.string(),
  ingested_at: z.string(),
  org_id: z.string(),
  agent_id: z.string(),
  session_id: z.string().optional(),
  memory_type: memoryTypeSchema,
  event_type: z.string(),
  content: z.string(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  tags: z.array(z.string()).optional(),
  dedup_key: z.string().optional(),
  importance: z.number().optional(),
  parent_id: z.string().optional(),
});
export type Memory = z.infer<typeof memorySchema>;

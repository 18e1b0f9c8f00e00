import { z } from "zod";

/**
 * One filter shape for every memory read. The Arc SQL builder and the in-memory matcher
 * (for memories not yet visible in Arc) both take it, and a test holds them to the same answers.
 * Times are absolute microseconds; relative inputs (`2h`) are resolved against the clock before.
 */
const filterFields = z.object({
  org_id: z.string(),
  ids: z.array(z.string()).optional(),
  /** None of these ids: reads go by their versions in the recent window instead (see `RecentIds.hiddenInArc`). */
  not_ids: z.array(z.string()).optional(),
  agent_id: z.string().optional(),
  /** Any one of these agent_ids: a registered agent's memories are written under its name or its generated id. */
  agent_ids: z.array(z.string()).optional(),
  session_id: z.string().optional(),
  memory_types: z.array(z.string()).optional(),
  event_types: z.array(z.string()).optional(),
  /** Every one of these tags, matched exactly. */
  tags_all: z.array(z.string()).optional(),
  /** At least one of these tags, matched exactly. */
  tags_any: z.array(z.string()).optional(),
  content_contains: z.string().optional(),
  /** `content_contains` ignores case unless this is true. */
  case_sensitive: z.boolean().optional(),
  min_importance: z.number().optional(),
  dedup_key: z.string().optional(),
  /** Exclusive lower bound on event time, µs. */
  since_us: z.number().int().optional(),
  /** Exclusive upper bound on event time, µs. */
  until_us: z.number().int().optional(),
  /** Inclusive lower bound on ingest time, µs: splits Arc's rows from those still in the recent window. */
  ingested_since_us: z.number().int().optional(),
  /** Exclusive upper bound on ingest time, µs. */
  ingested_before_us: z.number().int().optional(),
});

/** What a delete by filter may narrow by: who wrote, where, and when. */
export const deleteFilterSchema = filterFields.pick({
  org_id: true,
  agent_id: true,
  agent_ids: true,
  session_id: true,
  since_us: true,
  until_us: true,
  ingested_before_us: true,
});
export type DeleteFilter = z.infer<typeof deleteFilterSchema>;

export const memoryFilterSchema = filterFields.extend({
  /** None of the memories these match: reads leave out what a delete by filter still owes Arc (see `RecentIds.hiddenFilters`). */
  not_matching: z.array(deleteFilterSchema).optional(),
});
export type MemoryFilter = z.infer<typeof memoryFilterSchema>;

/** Position of a row in a sort, for keyset paging: rows strictly after it come next. */
export const sortKeySchema = z.object({
  time_us: z.number().int(),
  id: z.string(),
  importance: z.number().optional(),
});
export type SortKey = z.infer<typeof sortKeySchema>;

export const memoryPageRequestSchema = z.object({
  filter: memoryFilterSchema,
  order: z.enum(["asc", "desc"]),
  /** `importance` sorts by importance, then time, then id, all in `order`. */
  order_by: z.enum(["time", "importance"]),
  limit: z.number().int().positive(),
  after: sortKeySchema.optional(),
  offset: z.number().int().nonnegative().optional(),
});
export type MemoryPageRequest = z.infer<typeof memoryPageRequestSchema>;

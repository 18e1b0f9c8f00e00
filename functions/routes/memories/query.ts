import { z } from "zod";
import type { Clock } from "../../../core/clock";
import { badRequest } from "../../../core/errors";
import { decodeCursor, encodeCursor } from "../../../core/memory/cursor";
import type { MemoryFilter, MemoryPageRequest } from "../../../core/memory/filter";
import type { MemoryPage } from "../../../core/memory/service";
import { memorySchema, memoryTypeSchema } from "../../../core/memory/schema";
import { toApiMemory } from "../../../core/memory/normalize";
import { parseTimeBound } from "../../../core/time/bounds";
import { idSchema, tagSchema, typeSchema } from "../../../core/validation";

/** Query strings send `?x=` for "unset" often enough that empty means absent. */
export const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

const tagCsv = z
  .string()
  .transform((csv) => csv.split(",").map((t) => t.trim()).filter(Boolean))
  .pipe(z.array(tagSchema).max(64, "at most 64 tags"));

export const booleanParam = z.enum(["true", "false", "1", "0"], { message: "must be true or false" }).transform((v) => v === "true" || v === "1");

/**
 * `asc` or `desc` in any case. The original compared with `asc` exactly and sorted anything else,
 * `ASC` included, newest first; a caller who writes `ASC` means ascending, so case is ignored,
 * while other words stay a 400 rather than silently sorting descending.
 */
export const orderSchema = z
  .preprocess((v) => (typeof v === "string" ? v.toLowerCase() : v), z.enum(["asc", "desc"], { message: "order must be asc or desc" }))
  .describe("asc (oldest first) or desc (newest first, the default), in any case");

/** Query strings carry text to coerce, JSON bodies a number: the same rules either way. */
type NumberSource = "query" | "json";
const number = (source: NumberSource, message: string) => (source === "query" ? z.coerce.number({ message }) : z.number({ message }));

const MIN_IMPORTANCE_MESSAGE = "min_importance must be a number between 0 and 1";
/** One message for a wrong type and a wrong range, so either way the caller learns the range. */
export const minImportanceSchema = (source: NumberSource) =>
  number(source, MIN_IMPORTANCE_MESSAGE).min(0, MIN_IMPORTANCE_MESSAGE).max(1, MIN_IMPORTANCE_MESSAGE);

export const MAX_OFFSET = 100_000;
/** Rows to skip, as the original's list paged; deep pages belong to the cursor. */
export const offsetSchema = (source: NumberSource) =>
  number(source, "offset must be an integer")
    .int("offset must be an integer")
    .min(0, "offset must not be negative")
    .max(MAX_OFFSET, `offset must be at most ${MAX_OFFSET}; use cursor for deep paging`);

/** Arc caps SQL at 10,000 characters; a worst-case (all quotes) 500-character needle still fits. */
const CONTENT_CONTAINS_MAX = 500;

/**
 * The text `content_contains` looks for. A NUL cannot reach DuckDB in SQL text (it ends it), so
 * it would be dropped and the search would match other text: it is refused instead.
 */
export const contentNeedleSchema = z
  .string()
  .max(CONTENT_CONTAINS_MAX, `content_contains is longer than ${CONTENT_CONTAINS_MAX} characters`)
  .refine((needle) => !needle.includes("\0"), "content_contains must not contain NUL (U+0000)");

/** GET /memories and its agent/session sub-routes: the original's parameters plus exact tags, any_tags and a cursor. */
export const listQuerySchema = z.object({
  agent_id: optional(idSchema("agent_id")),
  session_id: optional(idSchema("session_id")),
  memory_type: optional(memoryTypeSchema),
  event_type: optional(typeSchema("event_type")),
  tags: optional(tagCsv),
  any_tags: optional(tagCsv),
  content_contains: optional(contentNeedleSchema),
  case_sensitive: optional(booleanParam),
  min_importance: optional(minImportanceSchema("query")),
  since: optional(z.string().max(64)),
  until: optional(z.string().max(64)),
  limit: optional(
    z.coerce
      .number({ message: "limit must be an integer" })
      .int("limit must be an integer")
      .min(1, "limit must be between 1 and 1000")
      .max(1000, "limit must be between 1 and 1000"),
  ),
  offset: optional(offsetSchema("query")),
  order: optional(orderSchema),
  order_by: optional(z.enum(["time", "importance"], { message: "order_by must be time or importance" })),
  cursor: optional(z.string().max(1024)),
});
export type ListQuery = z.infer<typeof listQuerySchema>;

export const memoryListSchema = z.object({
  memories: z.array(memorySchema),
  count: z.number().int(),
  has_more: z.boolean(),
  next_cursor: z.string().optional(),
});

export interface PageShape {
  filter: Omit<MemoryFilter, "since_us" | "until_us">;
  since?: string | undefined;
  until?: string | undefined;
  order?: "asc" | "desc" | undefined;
  order_by?: "time" | "importance" | undefined;
  limit: number;
  offset?: number | undefined;
  cursor?: string | undefined;
}

/** The filter with `since` and `until` (relative or absolute) resolved against the clock. */
export function withTimeBounds(filter: PageShape["filter"], bounds: Pick<PageShape, "since" | "until">, clock: Clock): MemoryFilter {
  const nowMs = clock.now();
  const since_us = parseTimeBound(bounds.since, nowMs, "since");
  const until_us = parseTimeBound(bounds.until, nowMs, "until");
  return { ...filter, ...(since_us !== undefined ? { since_us } : {}), ...(until_us !== undefined ? { until_us } : {}) };
}

/** Resolves relative times against the clock and the cursor against the sort: one page request. */
export function toPageRequest(shape: PageShape, clock: Clock): MemoryPageRequest {
  if (shape.cursor && shape.offset) throw badRequest("use either cursor or offset, not both");
  const sort = { order: shape.order ?? "desc", order_by: shape.order_by ?? "time" } as const;
  return {
    filter: withTimeBounds(shape.filter, shape, clock),
    ...sort,
    limit: shape.limit,
    ...(shape.offset ? { offset: shape.offset } : {}),
    ...(shape.cursor ? { after: decodeCursor(shape.cursor, sort) } : {}),
  };
}

/** The filter fields list and search share; list sends single values where search sends arrays. */
export interface FilterInput {
  agent_id?: string | undefined;
  session_id?: string | undefined;
  memory_types?: string[] | undefined;
  event_types?: string[] | undefined;
  tags?: string[] | undefined;
  any_tags?: string[] | undefined;
  content_contains?: string | undefined;
  case_sensitive?: boolean | undefined;
  min_importance?: number | undefined;
}

/** The one translation from request fields to a MemoryFilter for the caller's org; unset fields are left out. */
export function buildFilter(orgId: string, q: FilterInput): PageShape["filter"] {
  return {
    org_id: orgId,
    ...(q.agent_id ? { agent_id: q.agent_id } : {}),
    ...(q.session_id ? { session_id: q.session_id } : {}),
    ...(q.memory_types?.length ? { memory_types: q.memory_types } : {}),
    ...(q.event_types?.length ? { event_types: q.event_types } : {}),
    ...(q.tags?.length ? { tags_all: q.tags } : {}),
    ...(q.any_tags?.length ? { tags_any: q.any_tags } : {}),
    ...(q.content_contains ? { content_contains: q.content_contains } : {}),
    ...(q.case_sensitive !== undefined ? { case_sensitive: q.case_sensitive } : {}),
    ...(q.min_importance ? { min_importance: q.min_importance } : {}),
  };
}

/** The filter of a list query string (`memory_type`/`event_type` take one value each). */
export function filterFromQuery(orgId: string, q: ListQuery): PageShape["filter"] {
  return buildFilter(orgId, {
    ...q,
    memory_types: q.memory_type ? [q.memory_type] : undefined,
    event_types: q.event_type ? [q.event_type] : undefined,
  });
}

/** The cursor for the page after this one, present only when `has_more`. */
export function nextCursor(page: MemoryPage, request: MemoryPageRequest): string | undefined {
  const last = page.records.at(-1);
  if (!page.hasMore || !last) return undefined;
  return encodeCursor({ time_us: last.time_us, id: last.id, importance: last.importance }, request);
}

/** The original's MemoryList shape, plus the cursor. */
export function memoryListBody(page: MemoryPage, request: MemoryPageRequest) {
  const cursor = nextCursor(page, request);
  return {
    memories: page.records.map(toApiMemory),
    count: page.records.length,
    has_more: page.hasMore,
    ...(cursor ? { next_cursor: cursor } : {}),
  };
}

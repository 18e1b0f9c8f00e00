import { createRoute, z } from "@hono/zod-openapi";
import { scopeMemoryFilter } from "../../core/auth/scope";
import { memorySchema, memoryTypeSchema } from "../../core/memory/schema";
import { idSchema, tagSchema, typeSchema, unsetWhenZero } from "../../core/validation";
import type { Router } from "../app";
import { jsonBytes } from "../json-bytes";
import { requirePermission } from "../middleware/auth";
import { AUTH_ERRORS, errorResponses, jsonBody, jsonContent } from "../openapi";
import {
  buildFilter,
  contentNeedleSchema,
  memoryListBody,
  minImportanceSchema,
  offsetSchema,
  orderSchema,
  toPageRequest,
} from "./memories/query";

const unset = <T extends z.ZodType>(schema: T) => unsetWhenZero(schema);
const nonEmpty = <T extends z.ZodType>(schema: T) => unsetWhenZero(schema, "");
/** The original read a `limit` of 0 (Go's zero value) as its default, 50. */
const nonZero = <T extends z.ZodType>(schema: T) => unsetWhenZero(schema, 0);

/** The original's search body plus exact `any_tags`, case control, importance ordering, and the list's offset and cursor. */
export const searchInputSchema = z.object({
  agent_id: nonEmpty(idSchema("agent_id")),
  session_id: nonEmpty(idSchema("session_id")),
  memory_types: unset(z.array(memoryTypeSchema).max(8)),
  event_types: unset(z.array(typeSchema("event_types")).max(64, "at most 64 event_types")),
  tags: unset(z.array(tagSchema).max(64, "at most 64 tags")),
  any_tags: unset(z.array(tagSchema).max(64, "at most 64 any_tags")),
  content_contains: nonEmpty(contentNeedleSchema),
  case_sensitive: unset(z.boolean()),
  since: nonEmpty(z.string().max(64)),
  until: nonEmpty(z.string().max(64)),
  min_importance: unset(minImportanceSchema("json")),
  limit: nonZero(z.number().int("limit must be an integer").min(1, "limit must be between 1 and 1000").max(1000, "limit must be between 1 and 1000")),
  offset: unset(offsetSchema("json")),
  order: nonEmpty(orderSchema),
  order_by: nonEmpty(z.enum(["time", "importance"], { message: "order_by must be time or importance" })),
  cursor: nonEmpty(z.string().max(1024)),
});

export const searchResultSchema = z.object({
  results: z.array(memorySchema),
  count: z.number().int(),
  has_more: z.boolean(),
  next_cursor: z.string().optional(),
  query_time_ms: z.number().int(),
});

const search = createRoute({
  method: "post",
  path: "/api/v1/search",
  tags: ["memories"],
  middleware: [requirePermission("read")] as const,
  request: { body: jsonBody(searchInputSchema) },
  responses: { 200: jsonContent(searchResultSchema, "Matching memories"), ...errorResponses(400, ...AUTH_ERRORS, 413, 415, 502, 503) },
});

/** Structured search; `content_contains` ignores case unless `case_sensitive` is true. */
export function registerSearch(app: Router) {
  app.openapi(search, async (c) => {
    const { memories, clock } = c.get("services");
    const started = clock.now();
    const q = c.req.valid("json");
    const { orgId, scope } = c.get("caller");
    const filter = scopeMemoryFilter(scope, buildFilter(orgId, q));
    const request = toPageRequest({ ...q, filter, limit: q.limit ?? 50 }, clock);
    const { memories: results, count, has_more, next_cursor } = memoryListBody(await memories.list(request), request);
    return jsonBytes(
      c,
      { results, count, has_more, ...(next_cursor ? { next_cursor } : {}), query_time_ms: Math.round(clock.now() - started) },
      200,
    );
  });
}

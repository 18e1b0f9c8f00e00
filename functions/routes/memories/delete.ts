import { createRoute, z } from "@hono/zod-openapi";
import { memoryInScope, scopeMemoryFilter } from "../../../core/auth/scope";
import { badRequest } from "../../../core/errors";
import type { Router } from "../../app";
import { requirePermission } from "../../middleware/auth";
import { AUTH_ERRORS, errorResponses, jsonContent } from "../../openapi";
import { ifMatchHeaders } from "./version-headers";
import { booleanParam, buildFilter, listQuerySchema, optional, withTimeBounds } from "./query";

/** `?memories=true` on an agent's or a session's DELETE: its memories go too (see DELETE /api/v1/memories). */
export const withMemoriesQuery = z.object({ memories: optional(booleanParam) });

const ARC_DELETES =
  "Deleting in Arc needs the org's Arc to allow deletes (an admin token and `delete.enabled`; the embedded engine does): " +
  "otherwise 502, and nothing changes. A 503 after the outbox part means Arc has not done its part yet: it is kept and " +
  "retried until Arc has, even across a restart, and repeating the call is harmless.";

const deleteMemory = createRoute({
  method: "delete",
  path: "/api/v1/memories/{id}",
  tags: ["memories"],
  description:
    "Deletes a memory for good: from the write outbox (a delivery of it to Arc is waited for) and then from Arc, after Arc's " +
    `buffer is flushed. Its dedup key is released, so the same memory may be written again. ${ARC_DELETES} ` +
    "An agent token may delete only memories it can read. With If-Match (the ETag of a read), only that version: 412, " +
    "naming the current `ingested_at`, when an update came first.",
  middleware: [requirePermission("write")] as const,
  request: { params: z.object({ id: z.string().min(1).max(64) }), headers: ifMatchHeaders },
  responses: { 204: { description: "Deleted" }, ...errorResponses(400, ...AUTH_ERRORS, 404, 412, 502, 503) },
});

/** Strict: a filter a delete does not take (a list filter, a typo) would otherwise be dropped and widen it. */
export const deleteQuerySchema = listQuerySchema.pick({ agent_id: true, session_id: true, since: true, until: true }).strict();
export const memoriesDeletedSchema = z.object({ deleted: z.number().int() }).openapi("MemoriesDeleted");

const deleteMemories = createRoute({
  method: "delete",
  path: "/api/v1/memories",
  tags: ["memories"],
  description:
    "Deletes every memory matching the filter that was written before the call, as DELETE /api/v1/memories/{id} does for one: " +
    "an agent's, a session's, or (with `until`, e.g. `until=30d`) every memory older than a point in time. At least one of " +
    "`agent_id`, `session_id` or `until` is required, and any other parameter is a 400. At most 1,000,000 stored rows per call. " +
    `${ARC_DELETES} An agent token deletes only within its scope.`,
  middleware: [requirePermission("write")] as const,
  request: { query: deleteQuerySchema },
  responses: {
    200: jsonContent(memoriesDeletedSchema, "How many memories were deleted"),
    ...errorResponses(400, ...AUTH_ERRORS, 502, 503),
  },
});

/** Memory deletion, one by id or many by filter (the original had neither: its memories had no ids to name). */
export function registerDeleteMemories(app: Router) {
  app.openapi(deleteMemory, async (c) => {
    const { orgId, scope } = c.get("caller");
    const { memories } = c.get("services");
    await memories.delete(orgId, c.req.valid("param").id, {
      visible: (record) => memoryInScope(scope, record),
      ifMatch: c.req.valid("header")["if-match"],
    });
    return c.body(null, 204);
  });

  app.openapi(deleteMemories, async (c) => {
    const { orgId, scope } = c.get("caller");
    const { memories, clock } = c.get("services");
    const q = c.req.valid("query");
    if (!q.agent_id && !q.session_id && !q.until) throw badRequest("name agent_id, session_id or until: a delete never takes every memory by default");
    const filter = scopeMemoryFilter(scope, withTimeBounds(buildFilter(orgId, q), q, clock));
    return c.json({ deleted: await memories.deleteMatching(filter) }, 200);
  });
}

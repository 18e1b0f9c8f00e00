import { createRoute, z } from "@hono/zod-openapi";
import { memoryInScope } from "../../../core/auth/scope";
import { notFound } from "../../../core/errors";
import type { Router } from "../../app";
import { requirePermission } from "../../middleware/auth";
import { AUTH_ERRORS, errorResponses } from "../../openapi";

const deleteMemory = createRoute({
  method: "delete",
  path: "/api/v1/memories/{id}",
  tags: ["memories"],
  description:
    "Deletes a memory for good: from the write outbox (a delivery of it to Arc is waited for) and then from Arc, after Arc's " +
    "buffer is flushed. Its dedup key is released, so the same memory may be written again. Deleting in Arc needs the org's " +
    "Arc to allow deletes (an admin token and `delete.enabled`; the embedded engine does): otherwise 502, and the memory stays. " +
    "A 503 may leave it in Arc; repeat the call. An agent token may delete only memories it can read.",
  middleware: [requirePermission("write")] as const,
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: { 204: { description: "Deleted" }, ...errorResponses(400, ...AUTH_ERRORS, 404, 502, 503) },
});

/** Memory deletion (the original had none: its memories had no ids to name). */
export function registerDeleteMemory(app: Router) {
  app.openapi(deleteMemory, async (c) => {
    const { orgId, scope } = c.get("caller");
    const { memories } = c.get("services");
    const record = await memories.get(orgId, c.req.valid("param").id);
    if (!record || !memoryInScope(scope, record)) throw notFound("memory not found");
    await memories.delete(orgId, record);
    return c.body(null, 204);
  });
}

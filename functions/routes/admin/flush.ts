import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../app";
import { requirePermission } from "../../middleware/auth";
import { AUTH_ERRORS, errorResponses, jsonContent } from "../../openapi";

const flush = createRoute({
  method: "post",
  path: "/api/v1/admin/flush",
  tags: ["admin"],
  middleware: [requirePermission("admin")] as const,
  responses: {
    200: jsonContent(z.object({ flushed: z.literal(true), org_id: z.string() }), "Every pending memory of the org was delivered to Arc"),
    ...errorResponses(...AUTH_ERRORS, 503),
  },
});

/**
 * Delivers the caller's org's pending memories to Arc now, instead of at the next size or timer
 * flush: before a backup, a migration, or a test that must see Arc's own answer. 503 while Arc is down.
 */
export function registerAdminFlush(app: Router) {
  app.openapi(flush, async (c) => {
    const orgId = c.get("caller").orgId;
    await c.get("services").coordinator.flush(orgId);
    return c.json({ flushed: true as const, org_id: orgId }, 200);
  });
}

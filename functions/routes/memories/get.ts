import { createRoute, z } from "@hono/zod-openapi";
import { memoryInScope } from "../../../core/auth/scope";
import { notFound } from "../../../core/errors";
import { toApiMemory } from "../../../core/memory/normalize";
import { memorySchema } from "../../../core/memory/schema";
import { etagHeader, showVersion } from "./version-headers";
import type { Router } from "../../app";
import { requirePermission } from "../../middleware/auth";
import { AUTH_ERRORS, errorResponses, jsonContent } from "../../openapi";

const getMemory = createRoute({
  method: "get",
  path: "/api/v1/memories/{id}",
  tags: ["memories"],
  middleware: [requirePermission("read")] as const,
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    200: { ...jsonContent(memorySchema, "The memory with this id"), headers: etagHeader },
    ...errorResponses(400, ...AUTH_ERRORS, 404, 502, 503),
  },
});

/** Get by id: memories have server-assigned ids (the original searched content for the path). */
export function registerGetMemory(app: Router) {
  app.openapi(getMemory, async (c) => {
    const { orgId, scope } = c.get("caller");
    const record = await c.get("services").memories.get(orgId, c.req.valid("param").id);
    if (!record || !memoryInScope(scope, record)) throw notFound("memory not found");
    showVersion(c, record);
    return c.json(toApiMemory(record), 200);
  });
}

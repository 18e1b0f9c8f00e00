import { createRoute, z } from "@hono/zod-openapi";
import { scopeMemoryFilter } from "../../../core/auth/scope";
import type { Router } from "../../app";
import { jsonBytes } from "../../json-bytes";
import { requirePermission } from "../../middleware/auth";
import { visibleSession } from "../../middleware/session-scope";
import { AUTH_ERRORS, errorResponses, jsonContent } from "../../openapi";
import { filterFromQuery, listQuerySchema, memoryListBody, memoryListSchema, toPageRequest } from "./query";

const READ_ERRORS = errorResponses(400, ...AUTH_ERRORS, 404, 502, 503);

const listMemories = createRoute({
  method: "get",
  path: "/api/v1/memories",
  tags: ["memories"],
  middleware: [requirePermission("read")] as const,
  request: { query: listQuerySchema },
  responses: { 200: jsonContent(memoryListSchema, "A page of memories, newest first by default"), ...READ_ERRORS },
});

const idParams = z.object({ id: z.string().min(1).max(256) });
const sessionMemories = createRoute({
  method: "get",
  path: "/api/v1/sessions/{id}/memories",
  tags: ["sessions"],
  middleware: [requirePermission("read")] as const,
  request: { params: idParams, query: listQuerySchema.omit({ session_id: true }) },
  responses: { 200: jsonContent(memoryListSchema, "Memories written to the session, by any agent"), ...READ_ERRORS },
});

/** Memory listing: all of the original's filters on every list route, with cursor paging (an agent's list: agents/memories.ts). */
export function registerMemoryLists(app: Router) {
  app.openapi(listMemories, async (c) => {
    const { memories, clock } = c.get("services");
    const { orgId, scope } = c.get("caller");
    const q = c.req.valid("query");
    const request = toPageRequest({ ...q, filter: scopeMemoryFilter(scope, filterFromQuery(orgId, q)), limit: q.limit ?? 100 }, clock);
    return jsonBytes(c, memoryListBody(await memories.list(request), request), 200);
  });

  app.openapi(sessionMemories, async (c) => {
    const services = c.get("services");
    const { memories, clock } = services;
    const caller = c.get("caller");
    const q = c.req.valid("query");
    const session = await visibleSession(services, caller, c.req.valid("param").id);
    const filter = scopeMemoryFilter(caller.scope, { ...filterFromQuery(caller.orgId, q), session_id: session.id });
    const request = toPageRequest({ ...q, filter, limit: q.limit ?? 100 }, clock);
    return jsonBytes(c, memoryListBody(await memories.list(request), request), 200);
  });
}

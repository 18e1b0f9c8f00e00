import { createRoute } from "@hono/zod-openapi";
import { scopeMemoryFilter } from "../../../core/auth/scope";
import type { Router } from "../../app";
import { jsonBytes } from "../../json-bytes";
import { requirePermission } from "../../middleware/auth";
import { AUTH_ERRORS, errorResponses, jsonContent } from "../../openapi";
import { filterFromQuery, listQuerySchema, memoryListBody, memoryListSchema, toPageRequest } from "../memories/query";
import { agentParams, resolveAgentTarget } from "./target";

const agentMemories = createRoute({
  method: "get",
  path: "/api/v1/agents/{id}/memories",
  tags: ["agents"],
  middleware: [requirePermission("read")] as const,
  request: { params: agentParams, query: listQuerySchema.omit({ agent_id: true }) },
  responses: {
    200: jsonContent(memoryListSchema, "The agent's memories, under its generated id or its name (last 24h unless `since` is given)"),
    ...errorResponses(400, ...AUTH_ERRORS, 404, 502, 503),
  },
});

/** An agent's memories: every list filter and cursor paging, the agent resolved as GET /agents/{id} resolves it. */
export function registerAgentMemories(app: Router) {
  app.openapi(agentMemories, async (c) => {
    const { memories, store, clock } = c.get("services");
    const { orgId, scope } = c.get("caller");
    const q = c.req.valid("query");
    const target = await resolveAgentTarget(store, orgId, scope, c.req.valid("param").id);
    const filter = scopeMemoryFilter(scope, { ...filterFromQuery(orgId, q), ...target.filter });
    const request = toPageRequest({ ...q, since: q.since ?? "24h", filter, limit: q.limit ?? 100 }, clock);
    return jsonBytes(c, memoryListBody(await memories.list(request), request), 200);
  });
}

import { createRoute, z } from "@hono/zod-openapi";
import { agentInScope, refuseForToken } from "../../../core/auth/scope";
import { notFound } from "../../../core/errors";
import { unsetWhenZero } from "../../../core/validation";
import { agentSchema, createAgentInputSchema } from "../../../core/metadata/schemas";
import type { Router } from "../../app";
import { requirePermission } from "../../middleware/auth";
import { AUTH_ERRORS, errorResponses, jsonBody, jsonContent } from "../../openapi";
import { pageQuerySchema } from "../paging";
import { withMemoriesQuery } from "../memories/delete";
import { agentParams, resolveAgentTarget } from "./target";

/** `null` (Go's nil map or pointer, which a Go client sends for an unset field) means "not sent". */
const createAgentBody = createAgentInputSchema.extend({
  description: unsetWhenZero(createAgentInputSchema.shape.description.unwrap()),
  config: unsetWhenZero(createAgentInputSchema.shape.config.unwrap()),
});

const createAgent = createRoute({
  method: "post",
  path: "/api/v1/agents",
  tags: ["agents"],
  middleware: [requirePermission("write")] as const,
  request: { body: jsonBody(createAgentBody) },
  responses: { 201: jsonContent(agentSchema, "The registered agent"), ...errorResponses(400, ...AUTH_ERRORS, 409, 413, 415) },
});

export const agentListSchema = z.object({
  agents: z.array(agentSchema),
  count: z.number().int(),
  next_cursor: z.string().optional(),
});

const listAgents = createRoute({
  method: "get",
  path: "/api/v1/agents",
  tags: ["agents"],
  middleware: [requirePermission("read")] as const,
  request: { query: pageQuerySchema },
  responses: { 200: jsonContent(agentListSchema, "The organization's agents, newest first"), ...errorResponses(400, ...AUTH_ERRORS) },
});

const getAgent = createRoute({
  method: "get",
  path: "/api/v1/agents/{id}",
  tags: ["agents"],
  middleware: [requirePermission("read")] as const,
  request: { params: agentParams },
  responses: { 200: jsonContent(agentSchema, "The agent, by id or name"), ...errorResponses(...AUTH_ERRORS, 404) },
});

const deleteAgent = createRoute({
  method: "delete",
  path: "/api/v1/agents/{id}",
  tags: ["agents"],
  description:
    "Deletes the agent (by generated id or name) and its sessions. Its memories stay, unless `memories=true`: then every memory " +
    "written under its id or its name before the call is deleted first, as DELETE /api/v1/memories does (502 if the org's Arc " +
    "refuses deletes, and then nothing is deleted).",
  middleware: [requirePermission("write")] as const,
  request: { params: agentParams, query: withMemoriesQuery },
  responses: { 204: { description: "Deleted" }, ...errorResponses(400, ...AUTH_ERRORS, 404, 409, 502, 503) },
});

/**
 * Agent registry, scoped to the caller's organization (another org's agent is a 404). An agent
 * token sees only its own agent and cannot register or delete agents.
 */
export function registerAgents(app: Router) {
  app.openapi(createAgent, async (c) => {
    const { orgId, scope } = c.get("caller");
    refuseForToken(scope, "register agents");
    const agent = await c.get("services").store.createAgent(orgId, c.req.valid("json"));
    return c.json(agent, 201);
  });

  app.openapi(listAgents, async (c) => {
    const { store } = c.get("services");
    const { orgId, scope } = c.get("caller");
    if (scope) {
      const own = await store.getAgent(orgId, scope.agentId);
      const agents = own && agentInScope(scope, own) ? [own] : [];
      return c.json({ agents, count: agents.length }, 200);
    }
    const { limit, cursor } = c.req.valid("query");
    const page = await store.listAgents(orgId, { limit, after: cursor });
    return c.json({ agents: page.agents, count: page.agents.length, ...(page.next ? { next_cursor: page.next } : {}) }, 200);
  });

  app.openapi(getAgent, async (c) => {
    const { orgId, scope } = c.get("caller");
    const agent = await c.get("services").store.getAgent(orgId, c.req.valid("param").id);
    if (!agent || !agentInScope(scope, agent)) throw notFound("agent not found");
    return c.json(agent, 200);
  });

  app.openapi(deleteAgent, async (c) => {
    const { orgId, scope } = c.get("caller");
    const { store, memories } = c.get("services");
    refuseForToken(scope, "delete agents");
    const id = c.req.valid("param").id;
    if (c.req.valid("query").memories) {
      const { agent, filter } = await resolveAgentTarget(store, orgId, scope, id);
      if (!agent) throw notFound("agent not found");
      await memories.deleteMatching({ org_id: orgId, ...filter });
    }
    if (!(await store.deleteAgent(orgId, id))) throw notFound("agent not found");
    // Its sessions went with it; a session id no session has is open, closed or not before.
    c.get("services").closedSessions.forgetOrg(orgId);
    return c.body(null, 204);
  });
}

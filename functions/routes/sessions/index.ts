import { createRoute, z } from "@hono/zod-openapi";
import { agentInScope, assertAgentParam, refuseForToken, scopeMemoryFilter } from "../../../core/auth/scope";
import { forbidden, notFound } from "../../../core/errors";
import { unsetWhenZero } from "../../../core/validation";
import { createSessionInputSchema, sessionSchema, sessionStatusSchema, updateSessionInputSchema } from "../../../core/metadata/schemas";
import type { Router } from "../../app";
import { requirePermission } from "../../middleware/auth";
import { visibleSession } from "../../middleware/session-scope";
import { AUTH_ERRORS, errorResponses, jsonBody, jsonContent } from "../../openapi";
import { withMemoriesQuery } from "../memories/delete";
import { optional } from "../memories/query";
import { pageQuerySchema } from "../paging";

const sessionParams = z.object({ id: z.string().min(1).max(256) });

/** A `null` metadata (Go's nil map, which a Go client sends for an unset field) means "not sent". */
const createSessionBody = createSessionInputSchema.extend({
  metadata: unsetWhenZero(createSessionInputSchema.shape.metadata.unwrap()),
});

const createSession = createRoute({
  method: "post",
  path: "/api/v1/sessions",
  tags: ["sessions"],
  middleware: [requirePermission("write")] as const,
  request: { body: jsonBody(createSessionBody) },
  responses: { 201: jsonContent(sessionSchema, "The new active session"), ...errorResponses(400, ...AUTH_ERRORS, 404, 413, 415) },
});

export const sessionListSchema = z.object({
  sessions: z.array(sessionSchema),
  count: z.number().int(),
  next_cursor: z.string().optional(),
});

const listSessions = createRoute({
  method: "get",
  path: "/api/v1/sessions",
  tags: ["sessions"],
  middleware: [requirePermission("read")] as const,
  request: {
    query: pageQuerySchema.extend({
      // Empty means not sent, as for the memory lists (and Go's zero values in the original).
      agent_id: optional(z.string().max(256)),
      status: optional(z.enum(["active", "closed"], { message: "status must be active or closed" })),
    }),
  },
  responses: { 200: jsonContent(sessionListSchema, "Sessions, newest first"), ...errorResponses(400, ...AUTH_ERRORS) },
});

const getSession = createRoute({
  method: "get",
  path: "/api/v1/sessions/{id}",
  tags: ["sessions"],
  middleware: [requirePermission("read")] as const,
  request: { params: sessionParams },
  responses: { 200: jsonContent(sessionSchema, "The session"), ...errorResponses(...AUTH_ERRORS, 404) },
});

/**
 * The original stored any non-empty status and treated `""` as "no change" (and Go decoded `null`
 * into `""`): both still mean no change, while any other value must be active or closed.
 */
const updateSessionBody = updateSessionInputSchema.extend({
  status: z
    .preprocess((v) => (v === "" || v === null ? undefined : v), sessionStatusSchema.optional())
    .describe("active or closed; empty or null leaves the status as it is"),
});

const updateSession = createRoute({
  method: "put",
  path: "/api/v1/sessions/{id}",
  tags: ["sessions"],
  middleware: [requirePermission("write")] as const,
  request: { params: sessionParams, body: jsonBody(updateSessionBody) },
  responses: {
    200: jsonContent(sessionSchema, "The updated session (metadata merged: null values remove keys, a null metadata changes nothing)"),
    ...errorResponses(400, ...AUTH_ERRORS, 404, 413, 415),
  },
});

const deleteSession = createRoute({
  method: "delete",
  path: "/api/v1/sessions/{id}",
  tags: ["sessions"],
  description:
    "Deletes the session's record. Its memories stay in Arc, as when an agent is deleted: they keep their `session_id` and " +
    "`GET /api/v1/memories?session_id=` still finds them, while the session's own routes (`/memories`, `/context`) answer 404. " +
    "With `memories=true` they are deleted first, as DELETE /api/v1/memories does (an agent token's own only; 502 if the org's " +
    "Arc refuses deletes, and then nothing is deleted). An agent token may delete only its agent's sessions, or only its own session.",
  middleware: [requirePermission("write")] as const,
  request: { params: sessionParams, query: withMemoriesQuery },
  responses: { 204: { description: "Deleted" }, ...errorResponses(400, ...AUTH_ERRORS, 404, 502, 503) },
});

/**
 * Session lifecycle, scoped to the caller's organization. An agent token sees, updates and deletes
 * only its agent's sessions (or only its one session) and opens sessions only for its own agent.
 */
export function registerSessions(app: Router) {
  app.openapi(createSession, async (c) => {
    const { store } = c.get("services");
    const { orgId, scope } = c.get("caller");
    const input = c.req.valid("json");
    if (scope) {
      if (scope.sessionId) refuseForToken(scope, "open sessions when bound to one session");
      const agent = await store.getAgent(orgId, input.agent_id);
      if (agent && !agentInScope(scope, agent)) throw forbidden(`this token is limited to agent '${scope.agentId}'`);
    }
    const session = await store.createSession(orgId, input);
    c.get("services").closedSessions.note(orgId, session.id, false);
    return c.json(session, 201);
  });

  app.openapi(listSessions, async (c) => {
    const services = c.get("services");
    const caller = c.get("caller");
    const { limit, cursor, agent_id, status } = c.req.valid("query");
    const { scope } = caller;
    if (agent_id !== undefined && scope && agent_id !== scope.agentId) {
      // The registry takes an agent by generated id or by name: the token's own agent either way.
      const agent = await services.store.getAgent(caller.orgId, agent_id);
      if (!agent || !agentInScope(scope, agent)) assertAgentParam(scope, agent_id);
    }
    if (scope?.sessionId) {
      const own = await services.store.getSession(caller.orgId, scope.sessionId);
      const sessions = own && (!status || own.status === status) ? [own] : [];
      return c.json({ sessions, count: sessions.length }, 200);
    }
    const agentId = scope ? scope.agentId : agent_id;
    const page = await services.store.listSessions(caller.orgId, { agentId, status, limit, after: cursor });
    return c.json({ sessions: page.sessions, count: page.sessions.length, ...(page.next ? { next_cursor: page.next } : {}) }, 200);
  });

  app.openapi(getSession, async (c) => {
    return c.json(await visibleSession(c.get("services"), c.get("caller"), c.req.valid("param").id), 200);
  });

  app.openapi(updateSession, async (c) => {
    const services = c.get("services");
    const caller = c.get("caller");
    const { id } = c.req.valid("param");
    await visibleSession(services, caller, id);
    const session = await services.store.updateSession(caller.orgId, id, c.req.valid("json"));
    if (!session) throw notFound("session not found");
    services.closedSessions.note(caller.orgId, id, session.status === "closed");
    return c.json(session, 200);
  });

  // Out of the token's scope is the same 404 as another org's session (see visibleSession).
  app.openapi(deleteSession, async (c) => {
    const services = c.get("services");
    const caller = c.get("caller");
    const { id } = c.req.valid("param");
    await visibleSession(services, caller, id);
    if (c.req.valid("query").memories) {
      await services.memories.deleteMatching(scopeMemoryFilter(caller.scope, { org_id: caller.orgId, session_id: id }));
    }
    if (!(await services.store.deleteSession(caller.orgId, id))) throw notFound("session not found");
    // A session id no session has is open (writes never required one).
    services.closedSessions.note(caller.orgId, id, false);
    return c.body(null, 204);
  });
}

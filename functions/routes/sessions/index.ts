import { createRoute, z } from "@hono/zod-openapi";
import { notFound } from "../../../core/errors";
import { createSessionInputSchema, sessionSchema, updateSessionInputSchema } from "../../../core/metadata/schemas";
import type { Router } from "../../app";
import { requirePermission } from "../../middleware/auth";
import { AUTH_ERRORS, errorResponses, jsonBody, jsonContent } from "../../openapi";
import { pageQuerySchema } from "../paging";

const sessionParams = z.object({ id: z.string().min(1).max(256) });

const createSession = createRoute({
  method: "post",
  path: "/api/v1/sessions",
  tags: ["sessions"],
  middleware: [requirePermission("write")] as const,
  request: { body: jsonBody(createSessionInputSchema) },
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
      agent_id: z.string().max(256).optional(),
      status: z.enum(["active", "closed"], { message: "status must be active or closed" }).optional(),
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

const updateSession = createRoute({
  method: "put",
  path: "/api/v1/sessions/{id}",
  tags: ["sessions"],
  middleware: [requirePermission("write")] as const,
  request: { params: sessionParams, body: jsonBody(updateSessionInputSchema) },
  responses: {
    200: jsonContent(sessionSchema, "The updated session (metadata merged; null values remove keys)"),
    ...errorResponses(400, ...AUTH_ERRORS, 404, 413, 415),
  },
});

/** Session lifecycle, scoped to the caller's organization. */
export function registerSessions(app: Router) {
  app.openapi(createSession, async (c) => {
    const session = await c.get("services").store.createSession(c.get("caller").orgId, c.req.valid("json"));
    return c.json(session, 201);
  });

  app.openapi(listSessions, async (c) => {
    const { limit, cursor, agent_id, status } = c.req.valid("query");
    const page = await c.get("services").store.listSessions(c.get("caller").orgId, { agentId: agent_id, status, limit, after: cursor });
    return c.json({ sessions: page.sessions, count: page.sessions.length, ...(page.next ? { next_cursor: page.next } : {}) }, 200);
  });

  app.openapi(getSession, async (c) => {
    const session = await c.get("services").store.getSession(c.get("caller").orgId, c.req.valid("param").id);
    if (!session) throw notFound("session not found");
    return c.json(session, 200);
  });

  app.openapi(updateSession, async (c) => {
    const session = await c
      .get("services")
      .store.updateSession(c.get("caller").orgId, c.req.valid("param").id, c.req.valid("json"));
    if (!session) throw notFound("session not found");
    return c.json(session, 200);
  });
}

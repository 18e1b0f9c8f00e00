import { createRoute, z } from "@hono/zod-openapi";
import { renderSessionContext } from "../../../core/context/render";
import { loadContextTokenizer } from "../../../core/context/tokens";
import { scopeMemoryFilter } from "../../../core/auth/scope";
import { memoryTypeSchema } from "../../../core/memory/schema";
import { unsetWhenZero } from "../../../core/validation";
import type { Router } from "../../app";
import { requirePermission } from "../../middleware/auth";
import { visibleSession } from "../../middleware/session-scope";
import { AUTH_ERRORS, errorResponses, jsonContent } from "../../openapi";
import { toPageRequest } from "../memories/query";
import { blankJsonBodyAsNull } from "./blank-json-body";

/** The largest token budget a context may ask for. */
export const MAX_CONTEXT_TOKENS = 1_000_000;

/** Each field's Go zero value (`null`, `""`, `0`) means "not sent", as it did for the original. */
export const contextInputSchema = z.object({
  since: unsetWhenZero(z.string().max(64), ""),
  until: unsetWhenZero(z.string().max(64), ""),
  include_types: unsetWhenZero(z.array(memoryTypeSchema).max(8)),
  /** The original accepted and ignored it; 0 still means "no budget" for its clients. */
  max_tokens: unsetWhenZero(z.number().int("max_tokens must be an integer").min(0).max(MAX_CONTEXT_TOKENS)),
  limit: unsetWhenZero(z.number().int().min(1, "limit must be between 1 and 1000").max(1000, "limit must be between 1 and 1000"), 0),
});

export const contextSchema = z.object({
  session_id: z.string(),
  context: z.string(),
  memory_count: z.number().int(),
  omitted_count: z.number().int(),
  token_count: z.number().int(),
});

const sessionContext = createRoute({
  method: "post",
  path: "/api/v1/sessions/{id}/context",
  tags: ["sessions"],
  middleware: [requirePermission("read"), blankJsonBodyAsNull] as const,
  request: {
    params: z.object({ id: z.string().min(1).max(256) }),
    // The original's Go SDK sends `null` for no options (a nil pointer), and the original used defaults.
    body: { required: false, content: { "application/json": { schema: contextInputSchema.nullable() } } },
  },
  responses: {
    200: jsonContent(contextSchema, "LLM-ready markdown of the session's memories from every agent"),
    ...errorResponses(400, ...AUTH_ERRORS, 404, 413, 415, 502, 503),
  },
});

/** The session's memories as markdown to paste into a prompt, within a token budget when asked. */
export function registerSessionContext(app: Router) {
  app.openapi(sessionContext, async (c) => {
    const services = c.get("services");
    const { memories, clock } = services;
    const caller = c.get("caller");
    const session = await visibleSession(services, caller, c.req.valid("param").id);
    const input = c.req.valid("json") ?? {};
    const filter = scopeMemoryFilter(caller.scope, {
      org_id: caller.orgId,
      session_id: session.id,
      ...(input.include_types?.length ? { memory_types: input.include_types } : {}),
    });
    const request = toPageRequest({ filter, since: input.since ?? "24h", until: input.until, limit: input.limit ?? 100 }, clock);
    const [page] = await Promise.all([memories.list(request), loadContextTokenizer()]);
    const result = renderSessionContext({
      sessionId: session.id,
      records: page.records,
      maxTokens: input.max_tokens ? input.max_tokens : undefined,
    });
    return c.json({ session_id: session.id, ...result }, 200);
  });
}

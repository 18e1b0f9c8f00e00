import { createRoute, z } from "@hono/zod-openapi";
import { assertAgentParam, scopeMemoryFilter } from "../../../core/auth/scope";
import { parseTimeBound } from "../../../core/time/bounds";
import { idSchema } from "../../../core/validation";
import type { Router } from "../../app";
import { requirePermission } from "../../middleware/auth";
import { AUTH_ERRORS, errorResponses, jsonContent } from "../../openapi";

export const agentStatsSchema = z.object({
  agent_id: z.string(),
  memory_count: z.number().int(),
  memories_24h: z.number().int(),
  errors_24h: z.number().int(),
  session_count: z.number().int(),
  active_sessions: z.number().int(),
  memory_types: z.record(z.string(), z.number().int()),
});

const agentStats = createRoute({
  method: "get",
  path: "/api/v1/agents/{id}/stats",
  tags: ["agents"],
  middleware: [requirePermission("read")] as const,
  request: { params: z.object({ id: idSchema("agent_id") }) },
  responses: { 200: jsonContent(agentStatsSchema, "Memory and session counts for an agent id"), ...errorResponses(400, ...AUTH_ERRORS, 502, 503) },
});

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** The original's AgentStats, counting memories Arc cannot show yet as well. */
export function registerAgentStats(app: Router) {
  app.openapi(agentStats, async (c) => {
    const { memories, store, clock } = c.get("services");
    const { orgId, scope } = c.get("caller");
    const agentId = c.req.valid("param").id;
    assertAgentParam(scope, agentId);
    const base = scopeMemoryFilter(scope, { org_id: orgId, agent_id: agentId });
    const since_us = parseTimeBound("24h", clock.now(), "since")!;
    const [byType, last24h, errors24h, sessions] = await Promise.all([
      memories.countByType(base),
      memories.countByType({ ...base, since_us }),
      memories.countByType({ ...base, since_us, event_types: ["error"] }),
      store.countSessions(orgId, agentId),
    ]);
    return c.json(
      {
        agent_id: agentId,
        memory_count: sum(byType),
        memories_24h: sum(last24h),
        errors_24h: sum(errors24h),
        session_count: sessions.total,
        active_sessions: sessions.active,
        memory_types: byType,
      },
      200,
    );
  });
}

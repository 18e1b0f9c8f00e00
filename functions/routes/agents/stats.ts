import { createRoute, z } from "@hono/zod-openapi";
import { scopeMemoryFilter } from "../../../core/auth/scope";
import { notFound } from "../../../core/errors";
import { parseTimeBound } from "../../../core/time/bounds";
import type { Router } from "../../app";
import { requirePermission } from "../../middleware/auth";
import { AUTH_ERRORS, errorResponses, jsonContent } from "../../openapi";
import { agentParams, resolveAgentTarget } from "./target";

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
  request: { params: agentParams },
  responses: {
    200: jsonContent(agentStatsSchema, "Memory and session counts for an agent, by generated id or name"),
    ...errorResponses(400, ...AUTH_ERRORS, 404, 502, 503),
  },
});

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/**
 * The original's AgentStats, counting memories Arc cannot show yet as well. A registered agent
 * counts the memories written under its name and under its generated id; a value that is neither
 * a registered agent nor the agent_id of any memory is a 404 (the original answered zeros).
 */
export function registerAgentStats(app: Router) {
  app.openapi(agentStats, async (c) => {
    const { memories, store, clock } = c.get("services");
    const { orgId, scope } = c.get("caller");
    const value = c.req.valid("param").id;
    const { agent, filter } = await resolveAgentTarget(store, orgId, scope, value);
    const base = scopeMemoryFilter(scope, { org_id: orgId, ...filter });
    const since_us = parseTimeBound("24h", clock.now(), "since")!;
    const [byType, last24h, errors24h, sessions] = await Promise.all([
      memories.countByType(base),
      memories.countByType({ ...base, since_us }),
      memories.countByType({ ...base, since_us, event_types: ["error"] }),
      // Sessions need a registered agent, so an unregistered value has none.
      agent ? store.countSessions(orgId, agent.id) : { total: 0, active: 0 },
    ]);
    const memoryCount = sum(byType);
    if (!agent && memoryCount === 0) throw notFound("agent not found");
    return c.json(
      {
        agent_id: value,
        memory_count: memoryCount,
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

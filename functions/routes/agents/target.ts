import { z } from "@hono/zod-openapi";
import { agentInScope, assertAgentParam, type AgentScope } from "../../../core/auth/scope";
import { badRequest } from "../../../core/errors";
import type { MemoryFilter } from "../../../core/memory/filter";
import type { Agent } from "../../../core/metadata/schemas";
import type { SqlMetadataStore } from "../../../core/metadata/store";
import { ID_PATTERN, idSchema } from "../../../core/validation";
import { describeZodError } from "../../errors";

/** `/agents/{id}` on every agent route: a generated id or a name (names are not held to the id pattern). */
export const agentParams = z.object({ id: z.string().min(1).max(256) });

/** The memories an `/agents/{id}/...` path names, and the registered agent behind them if any. */
export interface AgentTarget {
  agent: Agent | null;
  /** Memory filter fields: one agent_id, or any of a registered agent's. */
  filter: Pick<MemoryFilter, "agent_id" | "agent_ids">;
}

const agentIdSchema = idSchema("agent_id");

/**
 * Resolves the path as GET /agents/{id} does (generated id first, then name). Memory writes
 * carry whatever agent_id the writer chose, and both forms are in use (the cookbook writes the
 * generated id, most clients the name), so a registered agent's memories are those under either.
 * A value that is no registered agent still names the memories written under exactly it, since
 * writing needs no registration; such a value must be a valid agent_id (400 otherwise, as before).
 * An agent token may name only its own agent (403), whichever form it uses.
 */
export async function resolveAgentTarget(
  store: SqlMetadataStore,
  orgId: string,
  scope: AgentScope | undefined,
  value: string,
): Promise<AgentTarget> {
  const agent = await store.getAgent(orgId, value);
  if (!agent) {
    const parsed = agentIdSchema.safeParse(value);
    if (!parsed.success) throw badRequest(describeZodError(parsed.error));
    assertAgentParam(scope, value);
    return { agent: null, filter: { agent_id: value } };
  }
  // The path is this agent's id or name, so for a token of another agent it differs from the token's: 403.
  if (!agentInScope(scope, agent)) assertAgentParam(scope, value);
  // A name outside the id pattern can never be written as an agent_id, so it holds no memories.
  const ids = [...new Set([agent.id, agent.name])].filter((id) => ID_PATTERN.test(id));
  return { agent, filter: ids.length === 1 ? { agent_id: ids[0]! } : { agent_ids: ids } };
}

import { forbidden } from "../errors";

/**
 * What an agent token may touch. The rule, applied by every route a token can reach:
 * - memories: writes must carry the token's agent_id (and its session, filled in when left out);
 *   reads see only the agent's memories (in its session when the token has one). A request that
 *   names another agent or session is a 403; a memory outside the scope fetched by id is a 404.
 * - agents: the registry shows only the token's own agent; registering or deleting agents is a 403.
 * - sessions: only sessions of the token's agent (or only its one session) are visible and
 *   updatable and deletable; an agent-wide token may open sessions for its own agent.
 * - admin routes and minting tokens: never (a token carries read and write only).
 * API keys have no scope: they act for their whole organization.
 */
export interface AgentScope {
  /** The agent_id memories carry; also matched against a registered agent's id or name. */
  agentId: string;
  sessionId?: string | undefined;
  /** For logs: the token is a bearer secret, its id is not. */
  tokenId: string;
}

const otherAgent = (scope: AgentScope) => forbidden(`this token is limited to agent '${scope.agentId}'`);
const otherSession = (scope: AgentScope) => forbidden(`this token is limited to session '${scope.sessionId}'`);

/** A memory filter narrowed to the scope, so nothing outside it is even queried. */
export function scopeMemoryFilter<F extends { agent_id?: string | undefined; session_id?: string | undefined }>(
  scope: AgentScope | undefined,
  filter: F,
): F {
  if (!scope) return filter;
  if (filter.agent_id !== undefined && filter.agent_id !== scope.agentId) throw otherAgent(scope);
  if (scope.sessionId && filter.session_id !== undefined && filter.session_id !== scope.sessionId) throw otherSession(scope);
  return { ...filter, agent_id: scope.agentId, ...(scope.sessionId ? { session_id: scope.sessionId } : {}) };
}

/** A memory to write, checked against the scope; a session-bound token's session is filled in. */
export function scopeMemoryInput<M extends { agent_id: string; session_id?: string | null | undefined }>(scope: AgentScope | undefined, input: M): M {
  if (!scope) return input;
  if (input.agent_id !== scope.agentId) throw otherAgent(scope);
  if (!scope.sessionId) return input;
  if (input.session_id && input.session_id !== scope.sessionId) throw otherSession(scope);
  return { ...input, session_id: scope.sessionId };
}

/** Whether a stored memory is visible to the scope (for reads by id). */
export function memoryInScope(scope: AgentScope | undefined, memory: { agent_id: string; session_id: string }): boolean {
  if (!scope) return true;
  return memory.agent_id === scope.agentId && (!scope.sessionId || memory.session_id === scope.sessionId);
}

/** Whether a registered agent is the token's agent (by generated id or by name). */
export function agentInScope(scope: AgentScope | undefined, agent: { id: string; name: string }): boolean {
  return !scope || agent.id === scope.agentId || agent.name === scope.agentId;
}

/** 403 unless the path's agent is the token's agent (memory routes match agent_id literally). */
export function assertAgentParam(scope: AgentScope | undefined, agentId: string): void {
  if (scope && agentId !== scope.agentId) throw otherAgent(scope);
}

/**
 * Whether a session is visible to the scope: the token's own session, or, for an agent-wide
 * token, any session of its agent (`owner` is the session's registered agent, null if gone).
 */
export function sessionInScope(
  scope: AgentScope | undefined,
  session: { id: string },
  owner: { id: string; name: string } | null,
): boolean {
  if (!scope) return true;
  if (scope.sessionId) return session.id === scope.sessionId;
  return owner !== null && agentInScope(scope, owner);
}

/** Operations a token never performs (managing the registry, minting tokens): a clear 403. */
export function refuseForToken(scope: AgentScope | undefined, what: string): void {
  if (scope) throw forbidden(`agent tokens cannot ${what}; use an API key`);
}

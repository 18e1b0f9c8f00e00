import { sessionInScope } from "../../core/auth/scope";
import { notFound } from "../../core/errors";
import type { Session } from "../../core/metadata/schemas";
import type { Caller, Services } from "../env";

/**
 * The session with this id if the caller may see it, else a 404 (the same answer as for a session
 * of another org, so an agent token learns nothing about sessions outside its scope). API keys see
 * every session of their org; agent tokens see their agent's sessions, or only their own session.
 */
export async function visibleSession(services: Services, caller: Caller, sessionId: string): Promise<Session> {
  const session = await services.store.getSession(caller.orgId, sessionId);
  if (!session) throw notFound("session not found");
  const { scope } = caller;
  if (scope) {
    const owner = scope.sessionId ? null : await services.store.getAgent(caller.orgId, session.agent_id);
    if (!sessionInScope(scope, session, owner)) throw notFound("session not found");
  }
  return session;
}

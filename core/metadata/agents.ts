import { conflict, notFound } from "../errors";
import { prefixedId } from "../ids";
import type { SqlRow } from "../sql/executor";
import { afterCursor, toPage } from "./cursor";
import { orgExists } from "./orgs";
import { type MetadataContext, firstRow, nonEmptyJsonObject, nowIso, optionalText, parseInput, text } from "./rows";
import { type Agent, type CreateAgentInput, type ListAgentsOptions, createAgentInputSchema, pageInputSchema } from "./schemas";

/**
 * Agents, always scoped to one org. They are addressed by generated id or by name everywhere
 * (the original did so only on GET); an id match wins when a name happens to equal another id.
 */

const COLUMNS = "id, org_id, name, description, config_json, created_at, last_active_at";

const toAgent = (row: SqlRow): Agent => {
  const description = optionalText(row, "description");
  const config = nonEmptyJsonObject(row, "config_json");
  const lastActiveAt = optionalText(row, "last_active_at");
  return {
    id: text(row, "id"),
    org_id: text(row, "org_id"),
    name: text(row, "name"),
    ...(description ? { description } : {}),
    ...(config ? { config } : {}),
    created_at: text(row, "created_at"),
    ...(lastActiveAt ? { last_active_at: lastActiveAt } : {}),
  };
};

/** Registers an agent; 409 when the org already has one of that name, 404 when the org is gone. */
export async function createAgent(ctx: MetadataContext, orgId: string, request: CreateAgentInput): Promise<Agent> {
  const input = parseInput(createAgentInputSchema, request);
  const row = await firstRow(
    ctx.sql,
    `INSERT INTO agents (id, org_id, name, description, config_json, created_at)
     SELECT ?, id, ?, ?, ?, ? FROM organizations WHERE id = ?
     ON CONFLICT (org_id, name) DO NOTHING RETURNING ${COLUMNS}`,
    [prefixedId("agent"), input.name, input.description || null, JSON.stringify(input.config ?? {}), nowIso(ctx.clock), orgId],
  );
  if (!row) {
    if (!(await orgExists(ctx, orgId))) throw notFound(`organization '${orgId}' not found`);
    throw conflict(`agent '${input.name}' already exists in this organization`);
  }
  return toAgent(row);
}

/** Newest first, keyset-paged; `next` is set only when another page exists. */
export async function listAgents(
  ctx: MetadataContext,
  orgId: string,
  options: ListAgentsOptions = {},
): Promise<{ agents: Agent[]; next?: string }> {
  const { limit, after } = parseInput(pageInputSchema, options);
  const cursor = afterCursor(after);
  const { rows } = await ctx.sql.execute(
    `SELECT ${COLUMNS} FROM agents WHERE org_id = ?${cursor.clause} ORDER BY created_at DESC, id DESC LIMIT ?`,
    [orgId, ...cursor.args, limit + 1],
  );
  const page = toPage(rows, limit);
  return { agents: page.rows.map(toAgent), ...(page.next ? { next: page.next } : {}) };
}

/** The agent with this id, else with this name, in this org. */
export async function getAgent(ctx: MetadataContext, orgId: string, idOrName: string): Promise<Agent | null> {
  const row = await firstRow(
    ctx.sql,
    `SELECT ${COLUMNS} FROM agents WHERE org_id = ? AND (id = ? OR name = ?) ORDER BY id = ? DESC LIMIT 1`,
    [orgId, idOrName, idOrName, idOrName],
  );
  return row ? toAgent(row) : null;
}

/**
 * Deletes an agent (by id or name) together with its sessions, in one transaction. Sessions are
 * bookkeeping about the agent and cannot outlive it (the original refused with an FK error
 * instead); memories in Arc are not touched and keep their agent_id/session_id values.
 */
export async function deleteAgent(ctx: MetadataContext, orgId: string, idOrName: string): Promise<boolean> {
  const agent = await getAgent(ctx, orgId, idOrName);
  if (!agent) return false;
  const results = await ctx.sql.batch([
    { sql: "DELETE FROM sessions WHERE org_id = ? AND agent_id = ?", args: [orgId, agent.id] },
    { sql: "DELETE FROM agents WHERE org_id = ? AND id = ?", args: [orgId, agent.id] },
  ]);
  return (results[1]?.rowsAffected ?? 0) > 0;
}

/** Most agent_ids one touch statement takes: D1 binds at most 100 values per statement. */
export const TOUCH_AGENTS_MAX = 40;

/**
 * Marks the agents these memory agent_ids name (generated id or name, as memories carry either)
 * active now, in one statement; ids of no agent in this org are ignored. Never moves
 * `last_active_at` back, so processes whose touches land out of order cannot undo a later one.
 */
export async function touchAgents(ctx: MetadataContext, orgId: string, agentIds: readonly string[]): Promise<void> {
  if (agentIds.length === 0) return;
  if (agentIds.length > TOUCH_AGENTS_MAX) throw new RangeError(`touch at most ${TOUCH_AGENTS_MAX} agents at once`);
  const now = nowIso(ctx.clock);
  const list = agentIds.map(() => "?").join(", ");
  await ctx.sql.execute(
    `UPDATE agents SET last_active_at = ?
     WHERE org_id = ? AND (id IN (${list}) OR name IN (${list})) AND (last_active_at IS NULL OR last_active_at < ?)`,
    [now, orgId, ...agentIds, ...agentIds, now],
  );
}

import { badRequest } from "../errors";
import { prefixedId } from "../ids";
import type { SqlRow, SqlValue } from "../sql/executor";
import { afterCursor, toPage } from "./cursor";
import { type MetadataContext, firstRow, nonEmptyJsonObject, nowIso, optionalText, parseInput, text } from "./rows";
import {
  METADATA_LIMITS,
  type CreateSessionInput,
  type ListSessionsOptions,
  type Session,
  type SessionStatus,
  type UpdateSessionInput,
  createSessionInputSchema,
  listSessionsInputSchema,
  updateSessionInputSchema,
} from "./schemas";

/**
 * Sessions, always scoped to one org, each tied to an agent of that same org (the original's FK
 * let a session point at another org's agent). Status is `active` or `closed`, nothing else.
 */

const COLUMNS = "id, org_id, agent_id, status, metadata_json, created_at, updated_at, closed_at";

const toSession = (row: SqlRow): Session => {
  const metadata = nonEmptyJsonObject(row, "metadata_json");
  const closedAt = optionalText(row, "closed_at");
  return {
    id: text(row, "id"),
    org_id: text(row, "org_id"),
    agent_id: text(row, "agent_id"),
    status: text(row, "status") as SessionStatus,
    ...(metadata ? { metadata } : {}),
    created_at: text(row, "created_at"),
    updated_at: text(row, "updated_at"),
    ...(closedAt ? { closed_at: closedAt } : {}),
  };
};

/**
 * Opens a session for an agent named by id or name in this org; the agent's generated id is
 * stored. An unknown agent is a 400 (the original's status for this case): the route exists,
 * the request body points at nothing.
 */
export async function createSession(ctx: MetadataContext, orgId: string, request: CreateSessionInput): Promise<Session> {
  const input = parseInput(createSessionInputSchema, request);
  const now = nowIso(ctx.clock);
  const row = await firstRow(
    ctx.sql,
    `INSERT INTO sessions (id, org_id, agent_id, status, metadata_json, created_at, updated_at)
     SELECT ?, org_id, id, 'active', ?, ?, ? FROM agents
     WHERE org_id = ? AND (id = ? OR name = ?) ORDER BY id = ? DESC LIMIT 1
     RETURNING ${COLUMNS}`,
    [prefixedId("sess"), JSON.stringify(input.metadata ?? {}), now, now, orgId, input.agent_id, input.agent_id, input.agent_id],
  );
  if (!row) throw badRequest(`agent '${input.agent_id}' not found`, { field: "agent_id" });
  return toSession(row);
}

/** Newest first, keyset-paged, optionally for one agent (id or name) and/or one status. */
export async function listSessions(
  ctx: MetadataContext,
  orgId: string,
  options: ListSessionsOptions = {},
): Promise<{ sessions: Session[]; next?: string }> {
  const { limit, after, agentId, status } = parseInput(listSessionsInputSchema, options);
  let where = "org_id = ?";
  const args: SqlValue[] = [orgId];
  if (agentId !== undefined) {
    where += " AND agent_id IN (SELECT id FROM agents WHERE org_id = ? AND (id = ? OR name = ?))";
    args.push(orgId, agentId, agentId);
  }
  if (status !== undefined) {
    where += " AND status = ?";
    args.push(status);
  }
  const cursor = afterCursor(after);
  const { rows } = await ctx.sql.execute(
    `SELECT ${COLUMNS} FROM sessions WHERE ${where}${cursor.clause} ORDER BY created_at DESC, id DESC LIMIT ?`,
    [...args, ...cursor.args, limit + 1],
  );
  const page = toPage(rows, limit);
  return { sessions: page.rows.map(toSession), ...(page.next ? { next: page.next } : {}) };
}

/** Session counts for an agent (id or name) in the org, for agent stats: one query. */
export async function countSessions(ctx: MetadataContext, orgId: string, agentId: string): Promise<{ total: number; active: number }> {
  const row = await firstRow(
    ctx.sql,
    `SELECT count(*) AS total, coalesce(sum(status = 'active'), 0) AS active FROM sessions
     WHERE org_id = ? AND agent_id IN (SELECT id FROM agents WHERE org_id = ? AND (id = ? OR name = ?))`,
    [orgId, orgId, agentId, agentId],
  );
  return { total: Number(row?.total ?? 0), active: Number(row?.active ?? 0) };
}

export async function getSession(ctx: MetadataContext, orgId: string, id: string): Promise<Session | null> {
  const row = await firstRow(ctx.sql, `SELECT ${COLUMNS} FROM sessions WHERE org_id = ? AND id = ?`, [orgId, id]);
  return row ? toSession(row) : null;
}

/** The closed sessions among `ids` in the org, in one query (the ids go in as one JSON array). */
export async function closedSessionIds(ctx: MetadataContext, orgId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const result = await ctx.sql.execute(
    "SELECT id FROM sessions WHERE org_id = ? AND status = 'closed' AND id IN (SELECT value FROM json_each(?))",
    [orgId, JSON.stringify(ids)],
  );
  return result.rows.map((row) => text(row, "id"));
}

/**
 * Changes status and/or metadata in one statement, so concurrent updates never lose each other's
 * keys. Closing sets `closed_at` (kept if already closed); reopening clears it. `metadata` is a
 * JSON merge patch applied by SQLite's `json_patch`: keys with null are removed, nested objects
 * merge. `metadata: null` changes nothing, as in the original (Go decoded it into a nil map): many
 * serialisers write null for "not set", and a close should never wipe a session's metadata.
 * `updated_at` moves on every call. Null when not in this org.
 */
export async function updateSession(
  ctx: MetadataContext,
  orgId: string,
  id: string,
  request: UpdateSessionInput,
): Promise<Session | null> {
  const input = parseInput(updateSessionInputSchema, request);
  const now = nowIso(ctx.clock);
  const status = input.status ?? null;
  const patch = input.metadata ? JSON.stringify(input.metadata) : null;
  const row = await firstRow(
    ctx.sql,
    `UPDATE sessions SET
       status = COALESCE(?, status),
       closed_at = CASE ?
         WHEN 'closed' THEN (CASE WHEN status = 'closed' AND closed_at IS NOT NULL THEN closed_at ELSE ? END)
         WHEN 'active' THEN NULL
         ELSE closed_at END,
       metadata_json = CASE WHEN ? IS NULL THEN metadata_json ELSE json_patch(metadata_json, ?) END,
       updated_at = ?
     WHERE org_id = ? AND id = ?
       AND (? IS NULL OR length(CAST(json_patch(metadata_json, ?) AS BLOB)) <= ?)
     RETURNING ${COLUMNS}`,
    [status, status, now, patch, patch, now, orgId, id, patch, patch, METADATA_LIMITS.jsonMaxBytes],
  );
  if (row) return toSession(row);
  // Nothing changed: no such session, or the merged metadata would outgrow what a create accepts.
  if (patch !== null && (await getSession(ctx, orgId, id))) {
    throw badRequest(`metadata is larger than ${METADATA_LIMITS.jsonMaxBytes} bytes once merged into the session's`, { field: "metadata" });
  }
  return null;
}

/**
 * Removes the session's row only: memories that name it stay in Arc (as when an agent is
 * deleted) and stay readable by `session_id`. False when not in this org.
 */
export async function deleteSession(ctx: MetadataContext, orgId: string, id: string): Promise<boolean> {
  return (await ctx.sql.execute("DELETE FROM sessions WHERE org_id = ? AND id = ?", [orgId, id])).rowsAffected > 0;
}

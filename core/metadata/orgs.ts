import { conflict } from "../errors";
import { prefixedId } from "../ids";
import { type MetadataContext, firstRow, integer, nowIso, parseInput, text } from "./rows";
import { createOrgInputSchema, type Organization } from "./schemas";
import type { SqlRow } from "../sql/executor";

/** Organizations: the tenant boundary. Every other metadata row belongs to exactly one. */

const toOrganization = (row: SqlRow): Organization => ({
  id: text(row, "id"),
  name: text(row, "name"),
  created_at: text(row, "created_at"),
});

/** Creates an org with a fresh `org_<24 hex>` id, or the given one (`org_default` at bootstrap); 409 if the id is taken. */
export async function createOrg(ctx: MetadataContext, name: string, id?: string): Promise<Organization> {
  const input = parseInput(createOrgInputSchema, { name, id });
  const orgId = input.id ?? prefixedId("org");
  const row = await firstRow(
    ctx.sql,
    `INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)
     ON CONFLICT (id) DO NOTHING RETURNING id, name, created_at`,
    [orgId, input.name, nowIso(ctx.clock)],
  );
  if (!row) throw conflict(`organization '${orgId}' already exists`);
  return toOrganization(row);
}

/** All orgs, oldest first (the CLI's `org list`). */
export async function listOrgs(ctx: MetadataContext): Promise<Organization[]> {
  const { rows } = await ctx.sql.execute("SELECT id, name, created_at FROM organizations ORDER BY created_at, id");
  return rows.map(toOrganization);
}

export async function getOrg(ctx: MetadataContext, id: string): Promise<Organization | null> {
  const row = await firstRow(ctx.sql, "SELECT id, name, created_at FROM organizations WHERE id = ?", [id]);
  return row ? toOrganization(row) : null;
}

export async function orgExists(ctx: MetadataContext, id: string): Promise<boolean> {
  return (await firstRow(ctx.sql, "SELECT 1 AS found FROM organizations WHERE id = ?", [id])) !== undefined;
}

/**
 * Deletes an org and everything it owns in one transaction. The child deletes are explicit so
 * the cascade holds even on a connection where SQLite's foreign-key enforcement is off (a remote
 * libSQL connection does not keep per-connection pragmas); the schema's ON DELETE CASCADE backs it.
 * Its memories in the default Arc are owed a drop (`deleted_org_data`, see `DeletedOrgData`); an
 * Arc instance of its own is not touched. Callers on this process should also
 * `verifier.evictOrg(id)`.
 */
export async function deleteOrg(ctx: MetadataContext, id: string): Promise<boolean> {
  const results = await ctx.sql.batch([
    {
      sql: `INSERT INTO deleted_org_data (org_id, deleted_at) SELECT id, ? FROM organizations WHERE id = ?
            ON CONFLICT (org_id) DO UPDATE SET deleted_at = excluded.deleted_at`,
      args: [nowIso(ctx.clock), id],
    },
    { sql: "DELETE FROM sessions WHERE org_id = ?", args: [id] },
    { sql: "DELETE FROM agents WHERE org_id = ?", args: [id] },
    { sql: "DELETE FROM api_keys WHERE org_id = ?", args: [id] },
    { sql: "DELETE FROM arc_instances WHERE org_id = ?", args: [id] },
    { sql: "DELETE FROM organizations WHERE id = ?", args: [id] },
  ]);
  return (results[results.length - 1]?.rowsAffected ?? 0) > 0;
}

export async function countOrgs(ctx: MetadataContext): Promise<number> {
  const row = await firstRow(ctx.sql, "SELECT COUNT(*) AS n FROM organizations", []);
  return row ? integer(row, "n") : 0;
}

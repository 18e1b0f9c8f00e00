import { type MetadataContext, text } from "./rows";

/** A deleted org whose memories in the default Arc are still to be dropped. */
export interface DeletedOrgDataRow {
  orgId: string;
  /** When the org was deleted (RFC 3339); deleted again under the same id, the later time. */
  deletedAt: string;
}

/** The owed drops, oldest first, at most `limit` of them. */
export async function listDeletedOrgData(ctx: MetadataContext, limit: number): Promise<DeletedOrgDataRow[]> {
  const { rows } = await ctx.sql.execute("SELECT org_id, deleted_at FROM deleted_org_data ORDER BY deleted_at, org_id LIMIT ?", [limit]);
  return rows.map((row) => ({ orgId: text(row, "org_id"), deletedAt: text(row, "deleted_at") }));
}

/** Settles an owed drop, unless the org was deleted again since `row` was read (that delete owes its own). */
export async function settleDeletedOrgData(ctx: MetadataContext, row: DeletedOrgDataRow): Promise<void> {
  await ctx.sql.execute("DELETE FROM deleted_org_data WHERE org_id = ? AND deleted_at = ?", [row.orgId, row.deletedAt]);
}

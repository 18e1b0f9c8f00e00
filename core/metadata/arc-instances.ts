import { decryptSecret, encryptSecret } from "../crypto/envelope";
import { conflict, notFound } from "../errors";
import { prefixedId } from "../ids";
import type { SqlRow } from "../sql/executor";
import { orgExists } from "./orgs";
import { type MetadataContext, blob, firstRow, nowIso, parseInput, text } from "./rows";
import { type AddArcInstanceInput, type ArcInstance, type ArcInstanceInfo, addArcInstanceInputSchema } from "./schemas";

/**
 * Each org's Arc binding (at most one): where its memories live. The Arc API key is sealed with
 * the master key and bound to the org (associated data), so a ciphertext moved to another org's
 * row fails to open. The masked form is computed once at insert, so showing a binding needs no
 * master key.
 */

const COLUMNS = "id, org_id, url, database, measurement, api_key_masked, created_at";

/** The original's display rule: first 4 + `*`s + last 4; 8 chars or fewer all `*`; empty → `(empty)`. */
export function maskSecret(secret: string): string {
  if (secret === "") return "(empty)";
  const chars = [...secret];
  if (chars.length <= 8) return "*".repeat(chars.length);
  return chars.slice(0, 4).join("") + "*".repeat(chars.length - 8) + chars.slice(-4).join("");
}

const associatedData = (orgId: string) => `memtrace:arc_instance:${orgId}`;

const toInfo = (row: SqlRow): ArcInstanceInfo => ({
  id: text(row, "id"),
  org_id: text(row, "org_id"),
  url: text(row, "url"),
  database: text(row, "database"),
  measurement: text(row, "measurement"),
  api_key_masked: text(row, "api_key_masked"),
  created_at: text(row, "created_at"),
});

async function open(row: SqlRow, masterKey: CryptoKey): Promise<ArcInstance> {
  const orgId = text(row, "org_id");
  return {
    id: text(row, "id"),
    orgId,
    url: text(row, "url"),
    database: text(row, "database"),
    measurement: text(row, "measurement"),
    apiKey: await decryptSecret(masterKey, blob(row, "api_key_cipher"), blob(row, "api_key_nonce"), associatedData(orgId)),
    created_at: text(row, "created_at"),
  };
}

/** Binds an org to an Arc; 404 when the org does not exist, 409 when it already has a binding. */
export async function addArcInstance(
  ctx: MetadataContext,
  orgId: string,
  request: AddArcInstanceInput,
  masterKey: CryptoKey,
): Promise<ArcInstanceInfo> {
  const input = parseInput(addArcInstanceInputSchema, request);
  const sealed = await encryptSecret(masterKey, input.apiKey, associatedData(orgId));
  const now = nowIso(ctx.clock);
  const row = await firstRow(
    ctx.sql,
    `INSERT INTO arc_instances (id, org_id, url, api_key_cipher, api_key_nonce, api_key_masked, database, measurement, created_at, updated_at)
     SELECT ?, id, ?, ?, ?, ?, ?, ?, ?, ? FROM organizations WHERE id = ?
     ON CONFLICT (org_id) DO NOTHING RETURNING ${COLUMNS}`,
    [prefixedId("arc"), input.url, sealed.cipher, sealed.nonce, maskSecret(input.apiKey), input.database, input.measurement, now, now, orgId],
  );
  if (!row) {
    if (!(await orgExists(ctx, orgId))) throw notFound(`organization '${orgId}' not found`);
    throw conflict(`org '${orgId}' already has an arc instance configured`);
  }
  return toInfo(row);
}

/** The org's binding with its Arc key decrypted; throws if the master key cannot open it. */
export async function getArcInstance(ctx: MetadataContext, orgId: string, masterKey: CryptoKey): Promise<ArcInstance | null> {
  const row = await firstRow(ctx.sql, "SELECT * FROM arc_instances WHERE org_id = ?", [orgId]);
  return row ? open(row, masterKey) : null;
}

/** The org's binding for display, key masked; needs no master key. */
export async function describeArcInstance(ctx: MetadataContext, orgId: string): Promise<ArcInstanceInfo | null> {
  const row = await firstRow(ctx.sql, `SELECT ${COLUMNS} FROM arc_instances WHERE org_id = ?`, [orgId]);
  return row ? toInfo(row) : null;
}

export async function removeArcInstance(ctx: MetadataContext, orgId: string): Promise<boolean> {
  return (await ctx.sql.execute("DELETE FROM arc_instances WHERE org_id = ?", [orgId])).rowsAffected > 0;
}

/** One binding as listed: opened, or the reason it could not be (sealed with another master key, or tampered with). */
export type ListedArcInstance = { orgId: string; instance: ArcInstance } | { orgId: string; error: unknown };

/**
 * Every binding, oldest first, each decrypted or with the reason it could not be: what a server
 * probes for readiness, where one unopenable row must not hide every other Arc.
 */
export async function listArcInstances(ctx: MetadataContext, masterKey: CryptoKey): Promise<ListedArcInstance[]> {
  const { rows } = await ctx.sql.execute("SELECT * FROM arc_instances ORDER BY created_at, id");
  return Promise.all(
    rows.map(async (row) => {
      const orgId = text(row, "org_id");
      try {
        return { orgId, instance: await open(row, masterKey) };
      } catch (error) {
        return { orgId, error };
      }
    }),
  );
}

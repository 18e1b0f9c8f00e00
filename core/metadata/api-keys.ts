import { generateApiKey, hashApiKey, keyLookupPrefix } from "../auth/api-key";
import { formatPermissions, parsePermissions } from "../auth/permissions";
import type { StoredApiKey } from "../auth/verifier";
import { badRequest, conflict, notFound } from "../errors";
import type { SqlRow } from "../sql/executor";
import { orgExists } from "./orgs";
import { type MetadataContext, firstRow, integer, nowIso, optionalText, parseInput, text } from "./rows";
import { type ApiKeyInfo, type CreateApiKeyInput, createApiKeyInputSchema } from "./schemas";

/**
 * API keys: a bcrypt hash and a SHA-256 lookup prefix are stored, the plaintext is returned once.
 * Names are unique per org. Revoking deletes the row (as the original's `key revoke` does): the
 * hash is gone, the name is free again, and no "disabled" row lingers to be re-enabled by mistake.
 */

const INFO_COLUMNS = "id, org_id, name, permissions, created_at, expires_at, enabled, last_used_at";

const toApiKeyInfo = (row: SqlRow): ApiKeyInfo => {
  const expiresAt = optionalText(row, "expires_at");
  const lastUsedAt = optionalText(row, "last_used_at");
  return {
    id: integer(row, "id"),
    org_id: text(row, "org_id"),
    name: text(row, "name"),
    permissions: parsePermissions(text(row, "permissions")),
    created_at: text(row, "created_at"),
    ...(expiresAt ? { expires_at: expiresAt } : {}),
    enabled: integer(row, "enabled") === 1,
    ...(lastUsedAt ? { last_used_at: lastUsedAt } : {}),
  };
};

/** Creates a key for an org; 404 if the org does not exist, 409 if the org already has a key of that name. */
export async function createApiKey(
  ctx: MetadataContext,
  request: CreateApiKeyInput,
): Promise<{ key: ApiKeyInfo; plaintext: string }> {
  const input = parseInput(createApiKeyInputSchema, request);
  const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt).toISOString();
  if (expiresAt !== null && Date.parse(expiresAt) <= ctx.clock.now()) throw badRequest("expires_at must be in the future");
  const plaintext = generateApiKey();
  const [keyHash, keyPrefix] = await Promise.all([hashApiKey(plaintext), keyLookupPrefix(plaintext)]);
  // One statement: the org check and the name check cannot race with a concurrent delete or create.
  const row = await firstRow(
    ctx.sql,
    `INSERT INTO api_keys (key_hash, key_prefix, name, org_id, permissions, created_at, expires_at, enabled)
     SELECT ?, ?, ?, id, ?, ?, ?, 1 FROM organizations WHERE id = ?
     ON CONFLICT (org_id, name) DO NOTHING RETURNING ${INFO_COLUMNS}`,
    [keyHash, keyPrefix, input.name, formatPermissions(input.permissions), nowIso(ctx.clock), expiresAt, input.orgId],
  );
  if (!row) {
    if (!(await orgExists(ctx, input.orgId))) throw notFound(`organization '${input.orgId}' not found`);
    throw conflict(`api key '${input.name}' already exists in this organization`);
  }
  return { key: toApiKeyInfo(row), plaintext };
}

/** An org's keys, oldest first (the CLI's `key list`). */
export async function listApiKeys(ctx: MetadataContext, orgId: string): Promise<ApiKeyInfo[]> {
  const { rows } = await ctx.sql.execute(`SELECT ${INFO_COLUMNS} FROM api_keys WHERE org_id = ? ORDER BY id`, [orgId]);
  return rows.map(toApiKeyInfo);
}

/**
 * Deletes a key and returns what it was, or null if there was none (or it belongs to another org
 * when `orgId` is given). Callers on this process should also `verifier.evictKey(id)`.
 */
export async function revokeApiKey(ctx: MetadataContext, id: number, orgId?: string): Promise<ApiKeyInfo | null> {
  const row =
    orgId === undefined
      ? await firstRow(ctx.sql, `DELETE FROM api_keys WHERE id = ? RETURNING ${INFO_COLUMNS}`, [id])
      : await firstRow(ctx.sql, `DELETE FROM api_keys WHERE id = ? AND org_id = ? RETURNING ${INFO_COLUMNS}`, [id, orgId]);
  return row ? toApiKeyInfo(row) : null;
}

/** Enabled keys whose lookup prefix matches, with their hashes: the verifier's cache-miss path. */
export async function findActiveKeysByPrefix(ctx: MetadataContext, prefix: string): Promise<StoredApiKey[]> {
  const { rows } = await ctx.sql.execute(
    "SELECT id, org_id, name, key_hash, permissions, expires_at FROM api_keys WHERE key_prefix = ? AND enabled = 1",
    [prefix],
  );
  return rows.map((row) => ({
    id: integer(row, "id"),
    orgId: text(row, "org_id"),
    name: text(row, "name"),
    keyHash: text(row, "key_hash"),
    permissions: parsePermissions(text(row, "permissions")),
    expiresAt: optionalText(row, "expires_at") ?? null,
  }));
}

/** Records use; the verifier calls it at most once a minute per key, off the request path. */
export async function touchApiKey(ctx: MetadataContext, id: number): Promise<void> {
  await ctx.sql.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [nowIso(ctx.clock), id]);
}

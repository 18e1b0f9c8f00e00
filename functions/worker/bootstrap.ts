import { hashApiKey, keyLookupPrefix } from "../../core/auth/api-key";
import { formatPermissions } from "../../core/auth/permissions";
import { DEFAULT_ORG_ID } from "../../core/bootstrap";
import type { Clock } from "../../core/clock";
import { ServiceError } from "../../core/errors";
import type { SqlMetadataStore } from "../../core/metadata/store";
import type { SqlExecutor } from "../../core/sql/executor";

/** Inserts the operator's chosen key; a key of that name already in the org (a racing isolate) is kept. */
const INSERT_ADMIN_KEY = `INSERT INTO api_keys (key_hash, key_prefix, name, org_id, permissions, created_at, expires_at, enabled)
  VALUES (?, ?, 'admin', ?, ?, ?, NULL, 1) ON CONFLICT (org_id, name) DO NOTHING`;

/**
 * First start on Workers, where no console shows a generated key: when the metadata store holds
 * no organization, create `org_default` with an admin key equal to the operator's secret
 * `MEMTRACE_BOOTSTRAP_ADMIN_KEY` (stored, like every key, as a bcrypt hash and a lookup prefix).
 * Once any org exists the secret is ignored, so rotating or deleting it later changes nothing.
 * Isolates starting together may both get here: the org id and the key name are unique, and the
 * loser of either insert keeps the winner's row. Answers whether this call created the org.
 */
export async function bootstrapWithAdminKey(
  deps: { store: SqlMetadataStore; sql: SqlExecutor; clock: Clock },
  adminKey: string,
): Promise<boolean> {
  if ((await deps.store.countOrgs()) > 0) return false;
  let created = true;
  try {
    await deps.store.createOrg("Default", DEFAULT_ORG_ID);
  } catch (error) {
    if (!(error instanceof ServiceError && error.code === "conflict")) throw error;
    created = false;
  }
  const [hash, prefix] = await Promise.all([hashApiKey(adminKey), keyLookupPrefix(adminKey)]);
  await deps.sql.execute(INSERT_ADMIN_KEY, [
    hash,
    prefix,
    DEFAULT_ORG_ID,
    formatPermissions(["read", "write", "admin"]),
    new Date(deps.clock.now()).toISOString(),
  ]);
  return created;
}

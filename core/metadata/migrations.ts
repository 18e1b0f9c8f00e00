import type { Clock } from "../clock";
import type { SqlExecutor } from "../sql/executor";
import { refuseNewerSchema } from "../sql/newer-schema";

/**
 * Versioned schema for the metadata store, shared by libSQL and D1. Each migration's statements
 * run in one atomic batch that starts by inserting its `schema_migrations` row, so when the CLI
 * and a server migrate at the same moment the loser's batch fails on that primary key before any
 * DDL runs, and it re-reads the applied versions instead of failing.
 *
 * Fixes against the original (reference section 4.7): ON DELETE CASCADE from every org-owned
 * table; key names unique per org, not globally; sessions point at an agent of the SAME org
 * through a composite key; session status is a closed set; times are RFC 3339 text with ms.
 */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial metadata schema",
    statements: [
      `CREATE TABLE IF NOT EXISTS organizations (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        settings_json TEXT NOT NULL DEFAULT '{}'
      )`,
      `CREATE TABLE IF NOT EXISTS api_keys (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key_hash TEXT NOT NULL,
        key_prefix TEXT NOT NULL,
        name TEXT NOT NULL,
        org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        permissions TEXT NOT NULL DEFAULT 'read,write',
        created_at TEXT NOT NULL,
        expires_at TEXT,
        enabled INTEGER NOT NULL DEFAULT 1,
        last_used_at TEXT,
        UNIQUE (org_id, name)
      )`,
      `CREATE INDEX IF NOT EXISTS api_keys_prefix ON api_keys (key_prefix, enabled)`,
      `CREATE TABLE IF NOT EXISTS agents (
        id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        description TEXT,
        config_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        last_active_at TEXT,
        UNIQUE (org_id, name),
        UNIQUE (org_id, id)
      )`,
      `CREATE INDEX IF NOT EXISTS agents_org_created ON agents (org_id, created_at, id)`,
      `CREATE TABLE IF NOT EXISTS sessions (
        id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        agent_id TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
        metadata_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        closed_at TEXT,
        FOREIGN KEY (org_id, agent_id) REFERENCES agents (org_id, id) ON DELETE CASCADE
      )`,
      `CREATE INDEX IF NOT EXISTS sessions_org_created ON sessions (org_id, created_at, id)`,
      `CREATE INDEX IF NOT EXISTS sessions_org_agent_created ON sessions (org_id, agent_id, created_at, id)`,
      `CREATE TABLE IF NOT EXISTS arc_instances (
        id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL UNIQUE REFERENCES organizations(id) ON DELETE CASCADE,
        url TEXT NOT NULL,
        api_key_cipher BLOB NOT NULL,
        api_key_nonce BLOB NOT NULL,
        api_key_masked TEXT NOT NULL,
        database TEXT NOT NULL,
        measurement TEXT NOT NULL DEFAULT 'events',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    name: "data of deleted orgs still to drop",
    statements: [
      // Written with the org's delete, in its transaction: what `DeletedOrgData` still has to drop
      // from the default Arc. No foreign key: the org it names is gone.
      `CREATE TABLE IF NOT EXISTS deleted_org_data (
        org_id TEXT PRIMARY KEY,
        deleted_at TEXT NOT NULL
      )`,
    ],
  },
];

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

async function appliedVersions(sql: SqlExecutor): Promise<Set<number>> {
  const { rows } = await sql.execute("SELECT version FROM schema_migrations");
  return new Set(rows.map((row) => Number(row.version)));
}

/** Tables the migrations make; any of them in a database without the ledger came from elsewhere. */
const OWN_TABLES = ["organizations", "api_keys", "agents", "sessions", "arc_instances"];

/**
 * Refuses, changing nothing, a database that holds these tables but no ledger: the original Go
 * Memtrace's file sits at the same default path, and its tables differ (no cascades, keys unique
 * by name alone, no `last_used_at`), so "creating" them would keep its shape and fail later, in
 * the middle of some command. A ledger and its tables are created in one transaction, so a
 * process migrating at the same moment is never taken for a stranger.
 */
async function refuseForeignSchema(sql: SqlExecutor): Promise<void> {
  const names = ["schema_migrations", ...OWN_TABLES];
  const { rows } = await sql.execute(`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (${names.map(() => "?").join(", ")})`, names);
  const found = new Set(rows.map((row) => String(row.name)));
  if (found.size === 0 || found.has("schema_migrations")) return;
  throw new Error(
    `the metadata database holds tables (${[...found].sort().join(", ")}) that Memtrace's migrations did not make, ` +
      "maybe the original Go Memtrace's: move it aside or set auth.db_path (MEMTRACE_AUTH_DB_PATH) to another file, " +
      "then copy the original's with `memtrace migrate <its file>`",
  );
}

/**
 * Brings the schema up to date; safe to run on every start and from several processes at once.
 * Returns the versions this call applied (empty when the schema was already current).
 */
export async function runMigrations(sql: SqlExecutor, clock: Clock, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  await refuseForeignSchema(sql);
  await sql.execute(CREATE_LEDGER);
  let applied = await appliedVersions(sql);
  refuseNewerSchema("metadata database", applied, migrations);
  const done: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    try {
      await sql.batch([
        {
          sql: "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
          args: [migration.version, migration.name, new Date(clock.now()).toISOString()],
        },
        ...migration.statements.map((statement) => ({ sql: statement })),
      ]);
      done.push(migration.version);
    } catch (error) {
      applied = await appliedVersions(sql);
      if (!applied.has(migration.version)) throw error;
    }
  }
  return done;
}

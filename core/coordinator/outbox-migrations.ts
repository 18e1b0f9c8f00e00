import type { SqlExecutor, SqlStatement } from "../sql/executor";

/**
 * The outbox's own schema, versioned apart from the metadata store's so the same file can later
 * live in a Durable Object's storage. Each version applies in one batch together with its row in
 * `outbox_schema_version`, and every statement is idempotent, so a crash or a second process
 * racing the migration leaves a consistent schema.
 */
const MIGRATIONS: ReadonlyArray<{ version: number; statements: string[] }> = [
  {
    version: 1,
    statements: [
      // `seq` is assigned by the single writer, so it is the rowid: rows sort by acceptance and
      // delivery marks and deletes are rowid lookups with no secondary index to maintain.
      `CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        org_id TEXT NOT NULL,
        claimed_dedup_key TEXT NOT NULL,
        record_json TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered')),
        attempts INTEGER NOT NULL DEFAULT 0,
        accepted_at_us INTEGER NOT NULL,
        delivered_at_us INTEGER
      )`,
      // The unique key that makes dedup race-free: the first insert of (org, key) wins.
      `CREATE TABLE IF NOT EXISTS dedup_index (
        org_id TEXT NOT NULL,
        dedup_key TEXT NOT NULL,
        memory_id TEXT NOT NULL,
        expires_at_us INTEGER NOT NULL,
        PRIMARY KEY (org_id, dedup_key)
      ) WITHOUT ROWID`,
      // Expiry grows with time, so this index only ever appends; it lets the sweep of expired
      // keys read just those rows instead of the whole table.
      "CREATE INDEX IF NOT EXISTS dedup_index_expiry ON dedup_index (expires_at_us)",
    ],
  },
];

export const OUTBOX_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Brings the outbox schema to the latest version; a no-op when it is already there. */
export async function migrateOutbox(sql: SqlExecutor, nowUs: number): Promise<void> {
  await sql.execute(
    "CREATE TABLE IF NOT EXISTS outbox_schema_version (version INTEGER PRIMARY KEY, applied_at_us INTEGER NOT NULL)",
  );
  const result = await sql.execute("SELECT COALESCE(MAX(version), 0) AS version FROM outbox_schema_version");
  const current = Number(result.rows[0]?.version ?? 0);
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    const statements: SqlStatement[] = migration.statements.map((sqlText) => ({ sql: sqlText }));
    statements.push({
      sql: "INSERT OR IGNORE INTO outbox_schema_version (version, applied_at_us) VALUES (?, ?)",
      args: [migration.version, nowUs],
    });
    await sql.batch(statements);
  }
}

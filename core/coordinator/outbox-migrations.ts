import type { SqlExecutor, SqlStatement } from "../sql/executor";
import { refuseNewerSchema } from "../sql/newer-schema";

/**
 * Per org, when a migration dropped live dedup keys it could not carry over (version 3): the dedup
 * log knows every key the org claimed only from then on (see `OutboxStore.dedupLogStart`).
 */
const DEDUP_LOG_GAPS_TABLE = "CREATE TABLE IF NOT EXISTS dedup_log_gaps (org_id TEXT PRIMARY KEY, at_us INTEGER NOT NULL) WITHOUT ROWID";

/**
 * The outbox's own schema, versioned apart from the metadata store's so the same schema lives in
 * a libSQL file on Node and in a Durable Object's storage on Workers. Each version applies in one batch (one transaction) together
 * with its row in `outbox_schema_version`, so a crash mid-migration leaves the previous version
 * whole. Only one process ever opens an outbox; the creates are idempotent all the same.
 */
const MIGRATIONS: ReadonlyArray<{ version: number; statements: Array<string | ((nowUs: number) => SqlStatement)> }> = [
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
  {
    version: 2,
    statements: [
      // One row per org per group commit, its records as one JSON array (outbox-rows.ts; version
      // 1's rows arrive as [seq, record]): a commit of a thousand memories is one row appended at
      // the end of the rowid B-tree.
      // Delivered rows are not marked (a restart delivers every row again), and a group leaves
      // once all its rows are past the visibility window: by org and last seq, hence the index.
      `CREATE TABLE IF NOT EXISTS outbox_groups (
        first_seq INTEGER PRIMARY KEY,
        last_seq INTEGER NOT NULL,
        org_id TEXT NOT NULL,
        accepted_at_us INTEGER NOT NULL,
        rows_json TEXT NOT NULL
      )`,
      "CREATE INDEX IF NOT EXISTS outbox_groups_by_org ON outbox_groups (org_id, last_seq)",
      // Claimed dedup keys in acceptance order, so appends and the sweep of the expired prefix
      // touch only the ends of the B-tree; lookups by key go through the in-memory DedupIndex.
      `CREATE TABLE IF NOT EXISTS dedup_log (
        seq INTEGER PRIMARY KEY,
        org_id TEXT NOT NULL,
        dedup_key TEXT NOT NULL,
        memory_id TEXT NOT NULL,
        expires_at_us INTEGER NOT NULL
      )`,
      // Version 1's rows move over. Its keys get seqs below 1 (never used by new rows), ordered
      // by expiry like the rest of the log.
      `INSERT OR IGNORE INTO outbox_groups (first_seq, last_seq, org_id, accepted_at_us, rows_json)
        SELECT seq, seq, org_id, accepted_at_us, json_array(json_array(seq, json(record_json))) FROM outbox`,
      `INSERT OR IGNORE INTO dedup_log (seq, org_id, dedup_key, memory_id, expires_at_us)
        SELECT -ROW_NUMBER() OVER (ORDER BY expires_at_us DESC, org_id, dedup_key), org_id, dedup_key, memory_id, expires_at_us
        FROM dedup_index`,
      "DROP TABLE IF EXISTS outbox",
      "DROP TABLE IF EXISTS dedup_index",
    ],
  },
  {
    version: 3,
    statements: [
      // Claims are per agent since this version (`dedupClaim`: agent_id, newline, key). A key
      // whose memory is still in the outbox gets its agent from the stored row (both row forms);
      // one whose memory has left cannot, and is dropped: within its window a repeat of that
      // memory is caught by looking the key up in Arc instead (see `dedup_log_gaps` below). A
      // scratch table keyed by id keeps the join linear.
      `CREATE TABLE IF NOT EXISTS outbox_v3_owners (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, agent_id TEXT NOT NULL) WITHOUT ROWID`,
      `INSERT OR IGNORE INTO outbox_v3_owners (id, org_id, agent_id)
        SELECT CASE WHEN json_array_length(r.value) = 2 THEN r.value ->> '$[1].id' ELSE r.value ->> 1 END,
               g.org_id,
               CASE WHEN json_array_length(r.value) = 2 THEN r.value ->> '$[1].agent_id' ELSE r.value ->> 2 END
        FROM outbox_groups g, json_each(g.rows_json) r`,
      `UPDATE dedup_log SET dedup_key = o.agent_id || char(10) || dedup_log.dedup_key
        FROM outbox_v3_owners o
        WHERE o.id = dedup_log.memory_id AND o.org_id = dedup_log.org_id AND instr(dedup_log.dedup_key, char(10)) = 0`,
      // Which orgs lose live keys here, and when.
      DEDUP_LOG_GAPS_TABLE,
      (nowUs) => ({
        sql: `INSERT INTO dedup_log_gaps (org_id, at_us)
          SELECT DISTINCT org_id, ? FROM dedup_log WHERE instr(dedup_key, char(10)) = 0 AND expires_at_us > ?`,
        args: [nowUs, nowUs],
      }),
      "DELETE FROM dedup_log WHERE instr(dedup_key, char(10)) = 0",
      "DROP TABLE IF EXISTS outbox_v3_owners",
    ],
  },
  {
    version: 4,
    statements: [
      // Deletes Arc still owes: one row per delete or update whose outbox part is committed but
      // whose Arc part has not been confirmed. Written in the same transaction as that outbox
      // part, so neither a crash nor an Arc outage can leave a deleted or replaced memory in Arc:
      // every delivery runs what is left here. `seq` comes from the writer's sequence.
      `CREATE TABLE IF NOT EXISTS arc_deletes (
        seq INTEGER PRIMARY KEY,
        org_id TEXT NOT NULL,
        where_sql TEXT NOT NULL,
        created_at_us INTEGER NOT NULL
      )`,
    ],
  },
  {
    version: 5,
    statements: [
      // Deletes by filter of the last minute, which also cover matching memories stamped before
      // them that reach this writer after them (see `RecentDeletes`): kept here, so a writer
      // restarted within that minute still covers them.
      `CREATE TABLE IF NOT EXISTS recent_deletes (
        org_id TEXT NOT NULL,
        filter_json TEXT NOT NULL,
        until_ms INTEGER NOT NULL
      )`,
    ],
  },
  {
    version: 6,
    statements: [
      // Deletes and updates by id of the last minute (see `RecentChanges`): an update or a
      // conditional delete that read a memory before one of them must not undo it, also when
      // the writer restarted in between (on Workers the request outlives a reset of the object).
      // `version_us` is the new version's ingest time, NULL for a delete.
      `CREATE TABLE IF NOT EXISTS recent_id_changes (
        org_id TEXT NOT NULL,
        memory_id TEXT NOT NULL,
        version_us INTEGER,
        until_ms INTEGER NOT NULL
      )`,
      "CREATE INDEX IF NOT EXISTS recent_id_changes_until ON recent_id_changes (until_ms)",
    ],
  },
  {
    version: 7,
    // Up to when a delete by filter took what it matched (see `RecentFilterDelete`).
    statements: ["ALTER TABLE recent_deletes ADD COLUMN took_before_us INTEGER"],
  },
  {
    version: 8,
    // The memory, and its agent, whose rows the delete removes (an update's older versions, or a
    // deleted memory's; NULL for a delete by filter), so a restarted writer still names it to
    // reads (see `RecentIds.hiddenInArc`). A row stored before names none: it runs at the first
    // delivery after the start.
    statements: ["ALTER TABLE arc_deletes ADD COLUMN memory_id TEXT", "ALTER TABLE arc_deletes ADD COLUMN agent_id TEXT"],
  },
  {
    version: 9,
    // A delete by filter's filter as JSON (NULL for other deletes), so a restarted writer still
    // has reads leave out what it owes (see `RecentIds.hiddenFilters`).
    statements: ["ALTER TABLE arc_deletes ADD COLUMN filter_json TEXT"],
  },
  {
    version: 10,
    statements: [
      // The ingest time of each updated memory's latest version, kept after it is delivered: Arc
      // can find a memory's first version from the time in its id, but a later version only by
      // reading every row of the org (see `ArcMemoryReader.getById`). A hint, not a record: a
      // row missing or out of date costs that longer read, never a wrong answer, so the table is
      // kept to the newest versions of each org (see `OutboxStore.pruneVersions`).
      `CREATE TABLE IF NOT EXISTS memory_versions (
        org_id TEXT NOT NULL,
        memory_id TEXT NOT NULL,
        version_us INTEGER NOT NULL,
        PRIMARY KEY (org_id, memory_id)
      ) WITHOUT ROWID`,
      "CREATE INDEX IF NOT EXISTS memory_versions_age ON memory_versions (org_id, version_us)",
    ],
  },
  {
    version: 11,
    statements: [
      // When each org last let go of rows Arc may still buffer with no delete owed for them (a
      // delete by filter's claim walk), so that after a restart within the visibility delay its
      // next delete still has Arc flush first (see `OrgOutbox.forgotSentRowsUntilMs`).
      "CREATE TABLE IF NOT EXISTS unflushed_forgets (org_id TEXT PRIMARY KEY, at_us INTEGER NOT NULL) WITHOUT ROWID",
    ],
  },
  {
    version: 12,
    // Version 3 creates it as it runs; a file that passed version 3 before it did gets it here.
    statements: [DEDUP_LOG_GAPS_TABLE],
  },
];

/** Brings the outbox schema to the latest version; a no-op when it is already there. */
export async function migrateOutbox(sql: SqlExecutor, nowUs: number): Promise<void> {
  await sql.execute(
    "CREATE TABLE IF NOT EXISTS outbox_schema_version (version INTEGER PRIMARY KEY, applied_at_us INTEGER NOT NULL)",
  );
  const result = await sql.execute("SELECT COALESCE(MAX(version), 0) AS version FROM outbox_schema_version");
  const current = Number(result.rows[0]?.version ?? 0);
  refuseNewerSchema("outbox", [current], MIGRATIONS);
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    const statements = migration.statements.map((statement): SqlStatement => (typeof statement === "string" ? { sql: statement } : statement(nowUs)));
    statements.push({
      sql: "INSERT OR IGNORE INTO outbox_schema_version (version, applied_at_us) VALUES (?, ?)",
      args: [migration.version, nowUs],
    });
    await sql.batch(statements);
  }
}

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { MIGRATIONS, runMigrations } from "../../core/metadata/migrations";
import type { SqlExecutor } from "../../core/sql/executor";
import { LibsqlExecutor } from "../../node-adapter/sql/libsql-executor";
import { type StoreHarness, openStoreHarness } from "./harness";

describe("metadata migrations", () => {
  let h: StoreHarness;
  beforeAll(async () => {
    h = await openStoreHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it("records every version once and applies nothing on a second run", async () => {
    expect(await runMigrations(h.sql, h.clock)).toEqual([]);
    await h.store.migrate();
    const { rows } = await h.sql.execute("SELECT version FROM schema_migrations ORDER BY version");
    expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it("creates the tables with the fixed constraints", async () => {
    const { rows } = await h.sql.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    const names = rows.map((r) => r.name);
    for (const table of ["organizations", "api_keys", "agents", "sessions", "arc_instances", "schema_migrations"]) {
      expect(names).toContain(table);
    }
    const ddl = await h.sql.execute("SELECT sql FROM sqlite_master WHERE name = 'sessions'");
    expect(String(ddl.rows[0]?.sql)).toMatch(/REFERENCES agents \(org_id, id\) ON DELETE CASCADE/);
  });

  it("refuses, changing nothing, a database whose tables no migration of its own made (the original Go Memtrace's)", async () => {
    const original = await LibsqlExecutor.open({ url: h.url.replace("metadata.db", "original.db") });
    try {
      // The original's schema (reference 4.7), in part.
      await original.execute("CREATE TABLE organizations (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, settings_json TEXT DEFAULT '{}')");
      await original.execute(
        "CREATE TABLE api_keys (id INTEGER PRIMARY KEY AUTOINCREMENT, key_hash TEXT NOT NULL, key_prefix TEXT NOT NULL, name TEXT NOT NULL UNIQUE, org_id TEXT NOT NULL REFERENCES organizations(id), permissions TEXT DEFAULT 'read,write', created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, expires_at TIMESTAMP, enabled INTEGER DEFAULT 1)",
      );
      const tables = async () => (await original.execute("SELECT name FROM sqlite_master ORDER BY name")).rows.map((r) => r.name);
      const before = await tables();
      await expect(runMigrations(original, h.clock)).rejects.toThrow(
        /^the metadata database holds tables \(api_keys, organizations\) that Memtrace's migrations did not make, maybe the original Go Memtrace's: move it aside or set auth\.db_path .*, then copy the original's with `memtrace migrate <its file>`$/,
      );
      expect(await tables()).toEqual(before);
    } finally {
      await original.close();
    }
  });

  it("lets two connections migrate a fresh file at the same time", async () => {
    const url = h.url.replace("metadata.db", "concurrent.db");
    const a = await LibsqlExecutor.open({ url });
    const b = await LibsqlExecutor.open({ url });
    const clock = new ManualClock();
    try {
      const [doneA, doneB] = await Promise.all([runMigrations(a, clock), runMigrations(b, clock)]);
      expect([...doneA, ...doneB].sort()).toEqual(MIGRATIONS.map((m) => m.version));
      const { rows } = await a.execute("SELECT COUNT(*) AS n FROM schema_migrations");
      expect(Number(rows[0]?.n)).toBe(MIGRATIONS.length);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("skips, without error, a version another process applied after this one looked", async () => {
    // The first ledger read is stale (as if the other process committed just after it).
    let ledgerReads = 0;
    let batches = 0;
    const racing: SqlExecutor = {
      execute: async (statement, args) => {
        if (statement.startsWith("SELECT version") && ledgerReads++ === 0) return { rows: [], rowsAffected: 0 };
        return h.sql.execute(statement, args);
      },
      batch: (statements) => {
        batches++;
        return h.sql.batch(statements);
      },
      close: async () => undefined,
    };
    expect(await runMigrations(racing, h.clock)).toEqual([]);
    // The first version's batch fails on its ledger row; the ledger read again then shows them all.
    expect(MIGRATIONS.length).toBeGreaterThan(1);
    expect(batches).toBe(1);
    expect(ledgerReads).toBeGreaterThan(1);
  });

  it("applies a later migration once and rolls back a failing one whole", async () => {
    const extra = [...MIGRATIONS, { version: 99, name: "extra", statements: ["CREATE TABLE extra_a (x INTEGER)"] }];
    expect(await runMigrations(h.sql, h.clock, extra)).toEqual([99]);
    expect(await runMigrations(h.sql, h.clock, extra)).toEqual([]);
    const broken = [...extra, { version: 100, name: "broken", statements: ["CREATE TABLE extra_b (x INTEGER)", "NOT SQL"] }];
    await expect(runMigrations(h.sql, h.clock, broken)).rejects.toThrow();
    const { rows } = await h.sql.execute("SELECT name FROM sqlite_master WHERE name = 'extra_b'");
    expect(rows).toEqual([]);
    const versions = await h.sql.execute("SELECT version FROM schema_migrations WHERE version = 100");
    expect(versions.rows).toEqual([]);
  });

  it("refuses, changing nothing, a database a later version migrated past what it knows", async () => {
    // The previous test applied version 99, which this code's migrations do not know.
    const schema = async () => JSON.stringify((await h.sql.execute("SELECT name, sql FROM sqlite_master ORDER BY name")).rows);
    const before = await schema();
    const newestKnown = Math.max(...MIGRATIONS.map((m) => m.version));
    await expect(runMigrations(h.sql, h.clock)).rejects.toThrow(
      `the metadata database was migrated by a newer Memtrace (schema version 99; this one knows up to ${newestKnown}): run that version or a later one`,
    );
    expect(await schema()).toBe(before);
  });
});

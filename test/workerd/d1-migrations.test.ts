import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { systemClock } from "../../core/clock";
import { MIGRATIONS, runMigrations } from "../../core/metadata/migrations";
import { d1MigrationFiles } from "../../functions/worker/d1-migrations";
import { LibsqlExecutor } from "../../node-adapter/sql/libsql-executor";
import { repoRoot } from "../support/child";

const folder = join(repoRoot, "migrations");

const schemaOf = async (sql: LibsqlExecutor) =>
  (await sql.execute("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name")).rows;

describe("migrations/ for wrangler d1", () => {
  it("holds exactly one file per metadata migration, generated from core/metadata (update with -u)", async () => {
    const files = d1MigrationFiles();
    expect(readdirSync(folder).sort()).toEqual(files.map((f) => f.name).sort());
    for (const file of files) await expect(file.sql).toMatchFileSnapshot(join(folder, file.name));
  });

  it("builds the same schema as runMigrations, and runMigrations then has nothing left to do", async () => {
    const viaFiles = await LibsqlExecutor.open({ url: ":memory:" });
    const viaRuntime = await LibsqlExecutor.open({ url: ":memory:" });
    try {
      for (const file of d1MigrationFiles()) {
        const statements = file.sql.split(/;\s*\n/).map((s) => s.replace(/^--.*$/gm, "").trim()).filter(Boolean);
        await viaFiles.batch(statements.map((sql) => ({ sql })));
      }
      await runMigrations(viaRuntime, systemClock);
      expect(await schemaOf(viaFiles)).toEqual(await schemaOf(viaRuntime));
      expect(await runMigrations(viaFiles, systemClock)).toEqual([]);
      const ledger = await viaFiles.execute("SELECT version FROM schema_migrations ORDER BY version");
      expect(ledger.rows.map((row) => Number(row.version))).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await viaFiles.close();
      await viaRuntime.close();
    }
  });
});

import { MIGRATIONS, type Migration } from "../../core/metadata/migrations";

/** One file of the `migrations/` folder that `wrangler d1 migrations apply` runs. */
export interface D1MigrationFile {
  name: string;
  sql: string;
}

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
);`;

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
const sqlText = (value: string) => `'${value.replace(/'/g, "''")}'`;

function render(migration: Migration): D1MigrationFile {
  const statements = migration.statements.map((statement) => `${statement.trim()};`);
  return {
    name: `${String(migration.version).padStart(4, "0")}_${slug(migration.name)}.sql`,
    sql: [
      "-- Generated from core/metadata/migrations.ts; test/workerd/d1-migrations.test.ts keeps it in sync.",
      `-- Records version ${migration.version} in schema_migrations too, so the Worker's own runMigrations skips it.`,
      LEDGER,
      ...statements,
      `INSERT OR IGNORE INTO schema_migrations (version, name, applied_at) VALUES (${migration.version}, ${sqlText(migration.name)}, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));`,
      "",
    ].join("\n"),
  };
}

/**
 * The metadata schema as D1 migration files, one per version of the shared MIGRATIONS. The same
 * statements libSQL runs on Node, plus the ledger row, so a database migrated by wrangler and
 * one migrated by the Worker at start end up identical.
 */
export function d1MigrationFiles(migrations: readonly Migration[] = MIGRATIONS): D1MigrationFile[] {
  return [...migrations].sort((a, b) => a.version - b.version).map(render);
}

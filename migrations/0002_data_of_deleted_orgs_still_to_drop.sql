-- Generated from core/metadata/migrations.ts; test/workerd/d1-migrations.test.ts keeps it in sync.
-- Records version 2 in schema_migrations too, so the Worker's own runMigrations skips it.
CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deleted_org_data (
        org_id TEXT PRIMARY KEY,
        deleted_at TEXT NOT NULL
      );
INSERT OR IGNORE INTO schema_migrations (version, name, applied_at) VALUES (2, 'data of deleted orgs still to drop', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

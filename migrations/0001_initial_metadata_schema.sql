-- Generated from core/metadata/migrations.ts; test/workerd/d1-migrations.test.ts keeps it in sync.
-- Records version 1 in schema_migrations too, so the Worker's own runMigrations skips it.
CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS organizations (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        settings_json TEXT NOT NULL DEFAULT '{}'
      );
CREATE TABLE IF NOT EXISTS api_keys (
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
      );
CREATE INDEX IF NOT EXISTS api_keys_prefix ON api_keys (key_prefix, enabled);
CREATE TABLE IF NOT EXISTS agents (
        id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        description TEXT,
        config_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        last_active_at TEXT,
        UNIQUE (org_id, name),
        UNIQUE (org_id, id)
      );
CREATE INDEX IF NOT EXISTS agents_org_created ON agents (org_id, created_at, id);
CREATE TABLE IF NOT EXISTS sessions (
        id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        agent_id TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
        metadata_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        closed_at TEXT,
        FOREIGN KEY (org_id, agent_id) REFERENCES agents (org_id, id) ON DELETE CASCADE
      );
CREATE INDEX IF NOT EXISTS sessions_org_created ON sessions (org_id, created_at, id);
CREATE INDEX IF NOT EXISTS sessions_org_agent_created ON sessions (org_id, agent_id, created_at, id);
CREATE TABLE IF NOT EXISTS arc_instances (
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
      );
INSERT OR IGNORE INTO schema_migrations (version, name, applied_at) VALUES (1, 'initial metadata schema', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

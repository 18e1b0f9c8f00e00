import { z } from "zod";
import type { SqlExecutor, SqlStatement } from "../sql/executor";
import { parseInstant } from "../time/instant";

/**
 * Copying the original Go Memtrace's metadata database (its `memtrace.db`) into this one: its
 * organizations, API keys, agents and sessions, ids kept, so the keys its clients hold keep
 * working (both hash a key with bcrypt and look it up by the first 16 hex digits of its SHA-256).
 * Its Arc bindings are not copied: the original's memory rows have no `id`, which every read
 * here needs, so its memories come over with `memtrace import` instead (see `OriginalArc`).
 */

/** The original's tables (reference §4.7); a database with `schema_migrations` is this Memtrace's own. */
const ORIGINAL_TABLES = ["organizations", "api_keys", "agents", "sessions", "arc_instances"] as const;

/**
 * A stored time as this store writes them (ISO 8601, ms, UTC); undefined when it is not one.
 * Go's SQLite drivers write `2006-01-02 15:04:05[.999999999][-07:00]` and SQLite's defaults
 * `2006-01-02 15:04:05` (UTC), which `parseInstant` reads; Go's `Time.String()` form also puts a
 * space before the offset and a zone name after it, which are dropped first.
 */
export function isoFromOriginalTime(value: string): string | undefined {
  const text = value.trim().replace(/\s+[A-Z]{2,5}$/, "").replace(/\s+([+-]\d{2}:?\d{2})$/, "$1");
  const us = parseInstant(text, { zonelessAsUtc: true });
  return us === undefined ? undefined : new Date(Math.floor(us / 1000)).toISOString();
}

/** Unix seconds, as a driver may store a time. */
const isoFromSeconds = (seconds: number): string | undefined => {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
};

const time = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const iso = typeof value === "number" ? isoFromSeconds(value) : isoFromOriginalTime(value);
  if (iso === undefined) ctx.addIssue({ code: "custom", message: `a time this cannot read: ${JSON.stringify(value)}` });
  return iso ?? "";
});
const optionalTime = z.union([time, z.null()]).optional().transform((value) => value ?? null);
const json = z.string().nullish().transform((value) => (value && value.trim() ? value : "{}"));

const orgRow = z.object({ id: z.string(), name: z.string(), created_at: time, settings_json: json });
const keyRow = z.object({
  key_hash: z.string(),
  key_prefix: z.string(),
  name: z.string(),
  org_id: z.string(),
  permissions: z.string().nullish().transform((value) => value || "read,write"),
  created_at: time,
  expires_at: optionalTime,
  enabled: z.union([z.number(), z.bigint()]).nullish().transform((value) => (value === 0 || value === 0n ? 0 : 1)),
});
const agentRow = z.object({
  id: z.string(),
  org_id: z.string(),
  name: z.string(),
  description: z.string().nullish().transform((value) => value ?? null),
  config_json: json,
  created_at: time,
  last_active_at: optionalTime,
});
const sessionRow = z.object({
  id: z.string(),
  org_id: z.string(),
  agent_id: z.string(),
  // Only `closed` closes a session here (a CHECK allows `active` and `closed`).
  status: z.string().nullish().transform((value) => (value === "closed" ? "closed" : "active")),
  metadata_json: json,
  created_at: time,
  updated_at: time,
  closed_at: optionalTime,
});
const arcRow = z.object({ org_id: z.string(), url: z.string(), database: z.string(), measurement: z.string().nullish() });

/** An Arc the original bound an org to, whose memories the caller is told how to bring over. */
export type OriginalArc = { org_id: string; url: string; database: string; measurement: string };

export interface OriginalImport {
  orgs: number;
  keys: number;
  agents: number;
  sessions: number;
  /** Sessions left out: their agent belongs to another organization, which sessions here cannot name. */
  skippedSessions: string[];
  arcs: OriginalArc[];
}

/** Why a database cannot be copied; the CLI says it as it is. */
export class OriginalImportError extends Error {
  override name = "OriginalImportError";
}

async function rowsOf<S extends z.ZodType>(source: SqlExecutor, table: string, schema: S): Promise<Array<z.output<S>>> {
  const { rows } = await source.execute(`SELECT * FROM ${table}`);
  return rows.map((row) => {
    const parsed = schema.safeParse(row);
    if (!parsed.success) throw new OriginalImportError(`cannot read a row of ${table}: ${parsed.error.issues[0]?.message ?? "unexpected shape"}`);
    return parsed.data;
  });
}

/**
 * Copies the original's metadata from `source` into `target` (migrated, this Memtrace's schema)
 * in one transaction. Refused, changing nothing, when `source` is not the original's or when an
 * organization, agent or session id it holds is here already (run it on a new data folder,
 * before the first start, which would make `org_default`). Keys get new numeric ids.
 */
export async function importOriginalMetadata(source: SqlExecutor, target: SqlExecutor): Promise<OriginalImport> {
  const { rows: tables } = await source.execute("SELECT name FROM sqlite_master WHERE type = 'table'");
  const names = new Set(tables.map((row) => String(row.name)));
  if (names.has("schema_migrations")) throw new OriginalImportError("this is a database of this Memtrace, not the original Go Memtrace's");
  const missing = ORIGINAL_TABLES.filter((table) => !names.has(table));
  if (missing.length > 0) throw new OriginalImportError(`this is not the original Go Memtrace's metadata database: it has no ${missing.join(", ")} table`);

  const orgs = await rowsOf(source, "organizations", orgRow);
  const keys = await rowsOf(source, "api_keys", keyRow);
  const agents = await rowsOf(source, "agents", agentRow);
  const allSessions = await rowsOf(source, "sessions", sessionRow);
  const arcs = (await rowsOf(source, "arc_instances", arcRow)).map((arc) => ({ ...arc, measurement: arc.measurement || "events" }));

  const agentOrg = new Map(agents.map((agent) => [agent.id, agent.org_id]));
  const sessions: typeof allSessions = [];
  const skippedSessions: string[] = [];
  for (const session of allSessions) {
    if (agentOrg.get(session.agent_id) === session.org_id) sessions.push(session);
    else skippedSessions.push(session.id);
  }
  const here = await existingIds(target, [
    ["organizations", orgs.map((org) => org.id)],
    ["agents", agents.map((agent) => agent.id)],
    ["sessions", sessions.map((session) => session.id)],
  ]);
  if (here.length > 0) {
    throw new OriginalImportError(
      `${here.join(", ")} ${here.length === 1 ? "is" : "are"} here already: copy the original's database into a new data folder, before the first start`,
    );
  }

  const statements: SqlStatement[] = [
    ...orgs.map((o) => ({ sql: "INSERT INTO organizations (id, name, created_at, settings_json) VALUES (?, ?, ?, ?)", args: [o.id, o.name, o.created_at, o.settings_json] })),
    ...keys.map((k) => ({
      sql: "INSERT INTO api_keys (key_hash, key_prefix, name, org_id, permissions, created_at, expires_at, enabled) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      args: [k.key_hash, k.key_prefix, k.name, k.org_id, k.permissions, k.created_at, k.expires_at, k.enabled],
    })),
    ...agents.map((a) => ({
      sql: "INSERT INTO agents (id, org_id, name, description, config_json, created_at, last_active_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      args: [a.id, a.org_id, a.name, a.description, a.config_json, a.created_at, a.last_active_at],
    })),
    ...sessions.map((s) => ({
      sql: "INSERT INTO sessions (id, org_id, agent_id, status, metadata_json, created_at, updated_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      args: [s.id, s.org_id, s.agent_id, s.status, s.metadata_json, s.created_at, s.updated_at, s.closed_at],
    })),
  ];
  if (statements.length > 0) await target.batch(statements);
  return {
    orgs: orgs.length,
    keys: keys.length,
    agents: agents.length,
    sessions: sessions.length,
    skippedSessions,
    arcs,
  };
}

const ENTITY: Record<string, string> = { organizations: "organization", agents: "agent", sessions: "session" };

/** Which of these ids each table holds already, as `entity id` texts. */
async function existingIds(target: SqlExecutor, lookups: Array<[table: string, ids: string[]]>): Promise<string[]> {
  const found: string[] = [];
  for (const [table, ids] of lookups) {
    if (ids.length === 0) continue;
    const { rows } = await target.execute(`SELECT id FROM ${table} WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`, [JSON.stringify(ids)]);
    found.push(...rows.map((row) => `${ENTITY[table]} ${String(row.id)}`));
  }
  return found;
}

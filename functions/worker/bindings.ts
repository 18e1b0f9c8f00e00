import { z } from "zod";
import { API_KEY_PATTERN } from "../../core/auth/api-key";
import { settingsSchema, type Settings } from "../../core/config/schema";
import type { WriteCoordinatorRpc } from "./coordinator-rpc";

/**
 * The settings a Worker reads from its variables, under the Node server's names
 * (`MEMTRACE_<SECTION>_<KEY>`, same formats: "5s", "24h", numbers), parsed by the same schema.
 * Node-only settings (data folder, port, the embedded engine) have no meaning here and are not read.
 */
const WORKER_SETTINGS = {
  server: ["max_body_bytes"],
  log: ["level", "format"],
  // `enabled` only so that MEMTRACE_AUTH_ENABLED=false is refused, as on Node, not ignored.
  auth: ["enabled", "db_url", "db_token", "key_cache_ttl"],
  arc: ["url", "api_key", "measurement", "connect_timeout", "query_timeout", "visibility_delay"],
  deduplication: ["enabled", "window", "memory_keys"],
  dedup: ["enabled", "window_hours"],
  write_buffer: ["max_size", "max_interval", "max_outbox_rows", "max_outbox_bytes"],
  rate_limit: ["enabled", "per_key_rps", "per_key_burst", "per_org_rps", "per_org_burst"],
  // The interval is the cron trigger's (wrangler.toml).
  retention: ["days"],
} as const;

const bindingName = (section: string, key: string) => `MEMTRACE_${section}_${key}`.toUpperCase();

const isD1 = (value: unknown): value is D1Database =>
  typeof value === "object" && value !== null && typeof (value as D1Database).prepare === "function" && typeof (value as D1Database).batch === "function";

const isNamespace = (value: unknown): value is DurableObjectNamespace<WriteCoordinatorRpc> =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as DurableObjectNamespace).idFromName === "function" &&
  typeof (value as DurableObjectNamespace).get === "function";

/** The bindings that are not settings: secrets and runtime objects. Other variables pass through. */
export const workerBindingsSchema = z.looseObject({
  MEMTRACE_MASTER_KEY: z
    .string({ error: "required: set it with `wrangler secret put MEMTRACE_MASTER_KEY` (make one with `npm run memtrace -- keygen master`)" })
    .trim()
    .min(1, "must not be empty"),
  MEMTRACE_BOOTSTRAP_ADMIN_KEY: z
    .string()
    .trim()
    .regex(API_KEY_PATTERN, "must be an API key of the form mtk_ + 43 base64url characters + '='")
    .optional(),
  DB: z.custom<D1Database>(isD1, "must be a D1 database binding").optional(),
  WRITE_COORDINATOR: z.custom<DurableObjectNamespace<WriteCoordinatorRpc>>(
    isNamespace,
    "must be the Durable Object namespace of WriteCoordinatorObject (see wrangler.toml)",
  ),
});

/** Everything the Worker and its Durable Object need from their bindings, validated. */
export interface WorkerConfig {
  settings: Settings;
  /** Base64 of 32 bytes; parsed into an AES key where it is used. */
  masterKey: string;
  bootstrapAdminKey?: string;
  db?: D1Database;
  coordinators: DurableObjectNamespace<WriteCoordinatorRpc>;
}

/** A binding is missing or malformed: the message names each one and how to fix it. */
export class WorkerConfigError extends Error {
  override name = "WorkerConfigError";
}

function settingsInput(env: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const raw: Record<string, Record<string, unknown>> = {};
  for (const [section, keys] of Object.entries(WORKER_SETTINGS)) {
    for (const key of keys) {
      const value = env[bindingName(section, key)];
      if (value === undefined || value === "") continue;
      (raw[section] ??= {})[key] = value;
    }
  }
  return raw;
}

/**
 * Validates the Worker's bindings once, before anything is served: every problem is reported at
 * once, each under the binding's own name. Metadata needs D1 (`DB`) or a remote libSQL URL.
 */
export function parseWorkerBindings(env: unknown): WorkerConfig {
  const record = (typeof env === "object" && env !== null ? env : {}) as Record<string, unknown>;
  const problems: string[] = [];
  const bindings = workerBindingsSchema.safeParse(record);
  if (!bindings.success) {
    for (const issue of bindings.error.issues) problems.push(`${issue.path.map(String).join(".")}: ${issue.message}`);
  }
  const settings = settingsSchema.safeParse(settingsInput(record));
  if (!settings.success) {
    for (const issue of settings.error.issues) {
      const [section, key] = issue.path.map(String);
      problems.push(`${section && key ? bindingName(section, key) : "settings"}: ${issue.message}`);
    }
  }
  if (bindings.success && settings.success) {
    const dbUrl = settings.data.auth.db_url;
    if (!bindings.data.DB && !dbUrl) {
      problems.push("DB: bind a D1 database (wrangler.toml [[d1_databases]]) or set MEMTRACE_AUTH_DB_URL to a remote libSQL URL");
    }
    if (!bindings.data.DB && dbUrl && !/^(libsql|https?|wss?):\/\//.test(dbUrl)) {
      problems.push("MEMTRACE_AUTH_DB_URL: Workers reach libSQL over libsql://, https:// or wss:// only (no file:)");
    }
  }
  if (problems.length > 0 || !bindings.success || !settings.success) {
    throw new WorkerConfigError(`invalid Worker configuration:\n${problems.map((p) => `- ${p}`).join("\n")}`);
  }
  const { MEMTRACE_MASTER_KEY, MEMTRACE_BOOTSTRAP_ADMIN_KEY, DB, WRITE_COORDINATOR } = bindings.data;
  return {
    settings: settings.data,
    masterKey: MEMTRACE_MASTER_KEY,
    ...(MEMTRACE_BOOTSTRAP_ADMIN_KEY ? { bootstrapAdminKey: MEMTRACE_BOOTSTRAP_ADMIN_KEY } : {}),
    ...(DB ? { db: DB } : {}),
    coordinators: WRITE_COORDINATOR,
  };
}

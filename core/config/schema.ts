import { z } from "zod";
import { parseDuration } from "../time/duration";

/** A duration as the original's config writes it ("5s", "24h") or a number of seconds. */
const duration = (fallback: string) =>
  z
    .union([z.string(), z.number().nonnegative()])
    .default(fallback)
    .transform((value, ctx) => {
      if (typeof value === "number") return Math.round(value * 1000);
      const millis = /^(\d+)ms$/.exec(value.trim());
      if (millis) return Number(millis[1]);
      if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
      const ms = parseDuration(value.trim());
      if (ms !== undefined) return ms;
      ctx.addIssue({ code: "custom", message: `not a duration: "${value}" (use forms like 500ms, 5s, 2m, 24h)` });
      return z.NEVER;
    });

const port = z.coerce.number().int().min(0).max(65535);
const bool = z.union([z.boolean(), z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1")]);
const positiveInt = z.coerce.number().int().positive();

const AUTH_DISABLED_MESSAGE =
  "auth cannot be disabled: every request needs an API key or agent token; remove the setting or set it to true";

/**
 * Memtrace settings: the original's `memtrace.toml` sections and keys where they exist, plus
 * ours. Durations are normalised to milliseconds. Every key has an env override
 * `MEMTRACE_<SECTION>_<KEY>` (see node-adapter/config/load.ts).
 */
export const settingsSchema = z.object({
  data: z.object({ dir: z.string().min(1).default("./data") }).default({ dir: "./data" }),
  server: z
    .object({
      host: z.string().min(1).default("0.0.0.0"),
      port: port.default(9100),
      read_timeout: duration("30s"),
      write_timeout: duration("30s"),
      shutdown_timeout: duration("30s"),
      max_body_bytes: positiveInt.default(4 * 1024 * 1024),
    })
    .prefault({}),
  log: z
    .object({
      level: z.enum(["debug", "info", "warn", "error"]).default("info"),
      format: z.enum(["console", "json"]).default("console"),
    })
    .prefault({}),
  auth: z
    .object({
      /**
       * The original's switch, kept so its config files still parse. Every request here needs an
       * API key or agent token (the original without auth ran with org "" and could not serve), so
       * `false` stops start-up with this message rather than being silently ignored.
       */
      enabled: bool.default(true).refine((on) => on, { message: AUTH_DISABLED_MESSAGE }),
      /** SQLite file for metadata; defaults to <data.dir>/memtrace.db. */
      db_path: z.string().min(1).optional(),
      /** Any libSQL URL (file:, libsql:, http(s):); wins over db_path. */
      db_url: z.string().min(1).optional(),
      db_token: z.string().min(1).optional(),
      key_cache_ttl: duration("60s"),
    })
    .prefault({}),
  arc: z
    .object({
      /** Legacy single Arc: bound to the default org on first start, as the original did. */
      url: z.url().optional(),
      api_key: z.string().optional(),
      database: z.string().default("memtrace"),
      measurement: z.string().default("events"),
      connect_timeout: duration("5s"),
      query_timeout: duration("30s"),
      /** How long a delivered memory may stay invisible to Arc queries (Arc buffers, prunes caches). */
      visibility_delay: duration("65s"),
    })
    .prefault({}),
  embedded_arc: z
    .object({
      /** Delay before written rows become visible to queries, as Arc's max_buffer_age_ms. */
      flush_delay: duration("100ms"),
      visibility_delay: duration("2s"),
    })
    .prefault({}),
  deduplication: z
    .object({
      enabled: bool.default(true),
      window: duration("24h"),
      /** Most dedup keys kept in memory (12 to 24 bytes each); older ones are looked up in Arc. */
      memory_keys: positiveInt.default(4_000_000),
    })
    .prefault({}),
  /** The original's name for the same switch; applied over [deduplication] when set. */
  dedup: z
    .object({
      enabled: bool.optional(),
      window_hours: z.coerce.number().positive().optional(),
    })
    .prefault({}),
  write_buffer: z
    .object({
      max_size: positiveInt.default(1000),
      max_interval: duration("5s"),
      /** Past this many undelivered memories, writes get 503 with Retry-After. */
      max_outbox_rows: positiveInt.default(1_000_000),
      /**
       * Past this much memory held by the memories the outbox keeps (two bytes a character and a
       * fixed overhead each: see `heldBytes`), writes get 503 with Retry-After. It keeps undelivered
       * ones in memory and loads them all at start, and delivered ones through the visibility delay,
       * so this bounds both.
       */
      max_outbox_bytes: positiveInt.default(512 * 1024 * 1024),
    })
    .prefault({}),
  /**
   * Token buckets per API key and per org (agent tokens count against the key that minted them).
   * Over either: 429 with Retry-After. Node: per process; Workers: per isolate.
   */
  /**
   * Token buckets per API key and per org. The defaults stop a runaway client without capping a
   * busy agent fleet (one node serves on the order of 10k requests/s); tighten per deployment.
   */
  /**
   * Memories whose event time is more than `days` old are deleted (0 keeps them forever), in
   * every org, as `DELETE /api/v1/memories?until=<days>d` does: every `interval` on Node, from
   * the cron trigger on Workers.
   */
  retention: z
    .object({
      days: z.coerce.number().int().min(0).default(0),
      interval: duration("1h"),
    })
    .prefault({}),
  /** Prometheus figures at GET /api/v1/admin/metrics (Node; operator admin keys). */
  metrics: z.object({ enabled: bool.default(true) }).prefault({}),
  rate_limit: z
    .object({
      enabled: bool.default(true),
      per_key_rps: z.coerce.number().positive().default(2_000),
      per_key_burst: positiveInt.default(4_000),
      per_org_rps: z.coerce.number().positive().default(10_000),
      per_org_burst: positiveInt.default(20_000),
    })
    .prefault({}),
});

export type Settings = z.infer<typeof settingsSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;

/** The dedup switch and window after the original's `[dedup]` keys are applied over ours. */
export function dedupSettings(settings: Settings): { enabled: boolean; windowMs: number; memoryKeys: number } {
  return {
    enabled: settings.dedup.enabled ?? settings.deduplication.enabled,
    windowMs:
      settings.dedup.window_hours !== undefined ? settings.dedup.window_hours * 3_600_000 : settings.deduplication.window,
    memoryKeys: settings.deduplication.memory_keys,
  };
}

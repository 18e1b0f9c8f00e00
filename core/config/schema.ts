import { z } from "zod";
import { isValidMeasurement } from "../arc/sql-names";
import { addArcInstanceInputSchema } from "../metadata/schemas";
import { parseDuration } from "../time/duration";

/** A duration's text or number of seconds in milliseconds; undefined when it is not one. */
function durationMs(value: string | number): number | undefined {
  if (typeof value === "number") return Math.round(value * 1000);
  const text = value.trim();
  const millis = /^(\d+)ms$/.exec(text);
  if (millis) return Number(millis[1]);
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // parseDuration refuses zero (a zero window is a mistake in a filter), but "0s" is as much a duration as "0".
  if (/^0+[wdhms]$/.test(text)) return 0;
  return parseDuration(text);
}

/**
 * A duration as the original's config writes it ("5s", "24h") or a number of seconds. `positive`
 * for the settings a zero breaks (a dedup window, a flush interval, a timer's period, a timeout):
 * refused here, naming the key, rather than by whatever part of start-up uses them.
 */
const duration = (fallback: string, { positive = false } = {}) =>
  z
    .union([z.string(), z.number().nonnegative()])
    .default(fallback)
    .transform((value, ctx) => {
      const ms = durationMs(value);
      if (ms === undefined) {
        ctx.addIssue({ code: "custom", message: `not a duration: "${value}" (use forms like 500ms, 5s, 2m, 24h)` });
        return z.NEVER;
      }
      if (positive && ms === 0) {
        ctx.addIssue({ code: "custom", message: "must be longer than 0" });
        return z.NEVER;
      }
      return ms;
    });

/**
 * A number from TOML, or the decimal text of an environment variable. Not zod's coercion: it
 * read `true` as 1, a blank variable as 0 and `0x10` as 16, so `port = true` listened on port 1.
 */
const numeric = z
  .union([z.number(), z.string()], { error: "expected a number" })
  .transform((value, ctx) => {
    if (typeof value === "number") return value;
    if (/^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
    ctx.addIssue({ code: "custom", message: `not a number: "${value}"` });
    return z.NEVER;
  });

const port = numeric.pipe(z.number().int().min(0).max(65535));
/** Go's `strconv.ParseBool` spellings, which the original's environment variables took. */
const TRUE_WORDS = ["true", "True", "TRUE", "t", "T", "1"];
const FALSE_WORDS = ["false", "False", "FALSE", "f", "F", "0"];
const bool = z.union([z.boolean(), z.enum([...TRUE_WORDS, ...FALSE_WORDS]).transform((v) => TRUE_WORDS.includes(v))], {
  message: "must be true or false (or 1, 0, t, f, in any of Go's spellings)",
});
const positiveInt = numeric.pipe(z.number().int().positive());

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
      /**
       * Legacy single Arc: bound to the default org on first start, as the original did. Checked as
       * a binding is (http(s), no credentials or query), so a bad one stops start-up naming this key
       * rather than failing the binding after the first-run admin key was printed. On Node, its
       * database and measurement are checked as a binding's too (see `loadSettings`).
       */
      url: addArcInstanceInputSchema.shape.url.optional(),
      api_key: z.string().optional(),
      database: z.string().default("memtrace"),
      /** Also the measurement of the default Arc (the embedded engine's, with no url): Arc's own rule for its name. */
      measurement: z
        .string()
        .refine(isValidMeasurement, "invalid measurement: must start with a letter, then letters, digits, underscores or hyphens, max 128 chars")
        .default("events"),
      /** Deadline of a /health probe of an Arc (readiness, the restart check); the original dialled within it. */
      connect_timeout: duration("5s", { positive: true }),
      query_timeout: duration("30s", { positive: true }),
      /**
       * How long a delivered memory may stay invisible to Arc queries (Arc buffers, prunes caches):
       * at least Arc's max_buffer_age_ms, since a delete of a row sent longer ago skips Arc's flush.
       */
      visibility_delay: duration("65s"),
    })
    .prefault({}),
  embedded_arc: z
    .object({
      /** Delay before written rows become visible to queries, as Arc's max_buffer_age_ms. */
      flush_delay: duration("100ms"),
      visibility_delay: duration("2s"),
      /** Bytes of memory DuckDB may hold (it spills past them where it can); unset: DuckDB's default, 80% of RAM. */
      memory_limit: positiveInt.optional(),
    })
    .prefault({}),
  deduplication: z
    .object({
      enabled: bool.default(true),
      window: duration("24h", { positive: true }),
      /** Most dedup keys kept in memory (12 to 24 bytes each); older ones are looked up in Arc. */
      memory_keys: positiveInt.default(4_000_000),
    })
    .prefault({}),
  /** The original's name for the same switch; applied over [deduplication] when set. */
  dedup: z
    .object({
      enabled: bool.optional(),
      window_hours: numeric.pipe(z.number().positive()).optional(),
    })
    .prefault({}),
  write_buffer: z
    .object({
      max_size: positiveInt.default(1000),
      max_interval: duration("5s", { positive: true }),
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
      days: numeric.pipe(z.number().int().min(0)).default(0),
      interval: duration("1h", { positive: true }),
    })
    .prefault({}),
  /** Prometheus figures at GET /api/v1/admin/metrics (Node; operator admin keys). */
  metrics: z.object({ enabled: bool.default(true) }).prefault({}),
  rate_limit: z
    .object({
      enabled: bool.default(true),
      per_key_rps: numeric.pipe(z.number().positive()).default(2_000),
      per_key_burst: positiveInt.default(4_000),
      per_org_rps: numeric.pipe(z.number().positive()).default(10_000),
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

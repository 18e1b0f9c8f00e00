import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { settingsSchema, type Settings } from "../../core/config/schema";
import { addArcInstanceInputSchema } from "../../core/metadata/schemas";

/** Where the original looked for memtrace.toml, in order; a missing file is fine. */
export const CONFIG_SEARCH_PATHS = ["./memtrace.toml", "/etc/memtrace/memtrace.toml", join(homedir(), ".memtrace", "memtrace.toml")];

export class ConfigError extends Error {
  override name = "ConfigError";
}

type Env = Record<string, string | undefined>;

const sectionKeys = (): Array<[section: string, key: string]> => {
  const shape = settingsSchema.shape as Record<string, z.ZodType>;
  return Object.entries(shape).flatMap(([section, schema]) => {
    let inner: z.ZodType = schema;
    // Unwrap default/prefault wrappers down to the section's object schema.
    while (!(inner instanceof z.ZodObject) && "unwrap" in inner && typeof inner.unwrap === "function") {
      inner = (inner as unknown as { unwrap(): z.ZodType }).unwrap();
    }
    if (!(inner instanceof z.ZodObject)) return [];
    return Object.keys(inner.shape).map((key) => [section, key] as [string, string]);
  });
};

export const envName = (section: string, key: string) => `MEMTRACE_${section}_${key}`.toUpperCase();

/** Settings with two names, ours and the original's: [dedup] is applied over [deduplication] (`dedupSettings`). */
const SAME_SETTING: Array<[ours: [string, string], original: [string, string]]> = [
  [["deduplication", "enabled"], ["dedup", "enabled"]],
  [["deduplication", "window"], ["dedup", "window_hours"]],
];

function applyEnv(raw: Record<string, Record<string, unknown>>, env: Env): void {
  const given = (section: string, key: string) => {
    const value = env[envName(section, key)];
    return value !== undefined && value !== "";
  };
  for (const [section, key] of sectionKeys()) {
    if (!given(section, key)) continue;
    raw[section] ??= {};
    raw[section][key] = env[envName(section, key)];
  }
  // A variable beats the file under either name: the file's [dedup] value, applied over ours, would
  // otherwise win over MEMTRACE_DEDUPLICATION_*.
  for (const [ours, original] of SAME_SETTING) {
    if (given(...ours) && !given(...original)) delete raw[original[0]]?.[original[1]];
  }
}

function readToml(path: string): Record<string, Record<string, unknown>> {
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const problems = unknownSettings(raw);
  if (problems.length > 0) throw new ConfigError(problems.map((problem) => `${path}: ${problem}`).join("\n"));
  return raw as Record<string, Record<string, unknown>>;
}

const isPlainTable = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);

/** Keys of the original's file that nothing reads here (batching is [write_buffer]): accepted so its files still load. */
const ORIGINAL_ONLY_KEYS = new Set(["arc.write_batch_size", "arc.write_flush_interval_ms"]);

/**
 * What the file sets that no setting is: zod drops unknown keys, so a typo (`[sever]`,
 * `max_sise`) would leave the default in force without a word. Each is named with the keys its
 * section does take.
 */
function unknownSettings(raw: Record<string, unknown>): string[] {
  const known = new Map<string, string[]>();
  for (const [section, key] of sectionKeys()) known.set(section, [...(known.get(section) ?? []), key]);
  const problems: string[] = [];
  for (const [section, value] of Object.entries(raw)) {
    const keys = known.get(section);
    // `[[name]]`, an array of tables, names a section too.
    const namesSection = isPlainTable(value) || (Array.isArray(value) && value.length > 0 && value.every(isPlainTable));
    if (!keys && !namesSection) {
      problems.push(`unknown setting ${section} (every setting is in a section: ${[...known.keys()].join(", ")})`);
    } else if (!keys) {
      problems.push(`unknown section [${section}] (sections: ${[...known.keys()].join(", ")})`);
    } else if (!isPlainTable(value)) {
      problems.push(`${section} must be a [${section}] table of settings`);
    } else {
      for (const key of Object.keys(value)) {
        if (!keys.includes(key) && !ORIGINAL_ONLY_KEYS.has(`${section}.${key}`)) {
          problems.push(`unknown setting ${section}.${key} ([${section}] takes ${keys.join(", ")})`);
        }
      }
    }
  }
  return problems;
}

export interface LoadedSettings {
  settings: Settings;
  /** The config file that was read, if any. */
  file: string | undefined;
}

/**
 * Reads memtrace.toml (an explicit path, MEMTRACE_CONFIG, or the original's search path), applies
 * MEMTRACE_* overrides, and validates with zod. A bad value stops start-up with a message that
 * names the key and its environment variable.
 */
export function loadSettings(options: { path?: string; env?: Env; cwd?: string } = {}): LoadedSettings {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.path ?? env.MEMTRACE_CONFIG;
  let file: string | undefined;
  if (explicit) {
    file = resolve(cwd, explicit);
    if (!existsSync(file)) throw new ConfigError(`config file not found: ${file}`);
  } else {
    file = CONFIG_SEARCH_PATHS.map((p) => resolve(cwd, p)).find((p) => existsSync(p));
  }
  const raw = file ? readToml(file) : {};
  applyEnv(raw, env);
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) throw invalidSettings(parsed.error.issues);
  const settings = parsed.data;
  settings.data.dir = resolve(cwd, settings.data.dir);
  checkLegacyArcBinding(settings);
  return { settings, file };
}

/**
 * With `arc.url`, the server binds that Arc to the default org at start, so its database and
 * measurement must pass as a binding's do: refused here naming their keys, rather than by the
 * binding. Without it they stay as free as they were (the measurement is the default Arc's).
 */
function checkLegacyArcBinding(settings: Settings): void {
  if (!settings.arc.url) return;
  const { database, measurement } = settings.arc;
  const checked = addArcInstanceInputSchema.pick({ database: true, measurement: true }).safeParse({ database, measurement });
  if (checked.success) return;
  const issues = checked.error.issues.map((issue) => ({ ...issue, path: ["arc", ...issue.path] }));
  throw invalidSettings(issues, " (checked because arc.url binds it to the default organization)");
}

/** One line per bad value, naming its setting and the variable that overrides it. */
function invalidSettings(issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }>, why = ""): ConfigError {
  const lines = issues.map((issue) => {
    const [section, key] = issue.path.map(String);
    const where = key ? `${section}.${key} (${envName(section!, key)})` : String(section ?? "config");
    return `invalid setting ${where}: ${issue.message}${why}`;
  });
  return new ConfigError(lines.join("\n"));
}

/** The metadata database's file: auth.db_path or <data>/memtrace.db; undefined for a remote auth.db_url. */
function localMetadataPath(settings: Settings, cwd: string): string | undefined {
  if (settings.auth.db_url) return undefined;
  return settings.auth.db_path ? resolve(cwd, settings.auth.db_path) : join(settings.data.dir, "memtrace.db");
}

/** Creates the data folder, and the folder of the metadata database's file (the original created both). */
export function makeLocalFolders(settings: Settings, cwd = process.cwd()): void {
  mkdirSync(settings.data.dir, { recursive: true });
  const path = localMetadataPath(settings, cwd);
  if (path) mkdirSync(dirname(path), { recursive: true });
}

/** The metadata database URL: auth.db_url, else a file: URL for its local file. */
export function metadataDbUrl(settings: Settings, cwd = process.cwd()): string {
  return settings.auth.db_url || `file:${localMetadataPath(settings, cwd)}`;
}

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dedupSettings } from "../../core/config/schema";
import { ConfigError, loadSettings, metadataDbUrl } from "../../node-adapter/config/load";
import { tempDir as newTempDir } from "../support/harness";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh working folder, removed after the file's tests. */
function tempDir(): string {
  const dir = newTempDir();
  dirs.push(dir);
  return dir;
}

describe("configuration", () => {
  it("has the original's defaults", () => {
    const { settings, file } = loadSettings({ env: {}, cwd: tempDir() });
    expect(file).toBeUndefined();
    expect(settings.server.port).toBe(9100);
    expect(settings.write_buffer).toMatchObject({ max_size: 1000, max_interval: 5000 });
    expect(settings.arc).toMatchObject({ connect_timeout: 5000, query_timeout: 30_000 });
    expect(dedupSettings(settings)).toEqual({ enabled: true, windowMs: 24 * 3_600_000, memoryKeys: 4_000_000 });
    expect(metadataDbUrl(settings)).toMatch(/^file:.*data\/memtrace\.db$/);
  });

  it("reads memtrace.toml and lets MEMTRACE_* win", () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, "memtrace.toml"),
      '[server]\nport = 9200\n[deduplication]\nwindow = "2h"\n[write_buffer]\nmax_interval = "250ms"\n',
    );
    const { settings, file } = loadSettings({
      cwd,
      env: { MEMTRACE_SERVER_PORT: "9300", MEMTRACE_DATA_DIR: "/tmp/mt-data", MEMTRACE_AUTH_DB_PATH: "meta.db" },
    });
    expect(file).toBe(join(cwd, "memtrace.toml"));
    expect(settings.server.port).toBe(9300);
    expect(settings.deduplication.window).toBe(2 * 3_600_000);
    expect(settings.write_buffer.max_interval).toBe(250);
    expect(settings.data.dir).toBe("/tmp/mt-data");
    expect(metadataDbUrl(settings, cwd)).toBe(`file:${join(cwd, "meta.db")}`);
  });

  it("honours the original's [dedup] keys", () => {
    const { settings } = loadSettings({ cwd: tempDir(), env: { MEMTRACE_DEDUP_ENABLED: "false", MEMTRACE_DEDUP_WINDOW_HOURS: "3" } });
    expect(dedupSettings(settings)).toEqual({ enabled: false, windowMs: 3 * 3_600_000, memoryKeys: 4_000_000 });
  });

  it("lets a variable beat the file whichever name either uses for the dedup switch and window", () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "memtrace.toml"), "[dedup]\nenabled = false\nwindow_hours = 3\n");
    expect(dedupSettings(loadSettings({ cwd, env: {} }).settings)).toMatchObject({ enabled: false, windowMs: 3 * 3_600_000 });
    const ours = loadSettings({ cwd, env: { MEMTRACE_DEDUPLICATION_ENABLED: "true", MEMTRACE_DEDUPLICATION_WINDOW: "2h" } });
    expect(dedupSettings(ours.settings)).toMatchObject({ enabled: true, windowMs: 2 * 3_600_000 });
    writeFileSync(join(cwd, "memtrace.toml"), '[deduplication]\nenabled = true\nwindow = "2h"\n');
    const original = loadSettings({ cwd, env: { MEMTRACE_DEDUP_ENABLED: "false", MEMTRACE_DEDUP_WINDOW_HOURS: "5" } });
    expect(dedupSettings(original.settings)).toMatchObject({ enabled: false, windowMs: 5 * 3_600_000 });
  });

  it("accepts auth.enabled = true (the original's default) and refuses false, from the file or the environment", () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "memtrace.toml"), "[auth]\nenabled = true\n");
    expect(loadSettings({ cwd, env: {} }).settings.auth.enabled).toBe(true);
    writeFileSync(join(cwd, "memtrace.toml"), "[auth]\nenabled = false\n");
    expect(() => loadSettings({ cwd, env: {} })).toThrow(/auth\.enabled \(MEMTRACE_AUTH_ENABLED\): auth cannot be disabled/);
    expect(() => loadSettings({ cwd: tempDir(), env: { MEMTRACE_AUTH_ENABLED: "0" } })).toThrow(ConfigError);
  });

  it("takes a boolean in any of Go's spellings, as the original's variables did, and names them for another word", () => {
    for (const [value, enabled] of [["TRUE", true], ["True", true], ["t", true], ["1", true], ["FALSE", false], ["False", false], ["f", false], ["0", false]] as const) {
      expect(loadSettings({ cwd: tempDir(), env: { MEMTRACE_METRICS_ENABLED: value } }).settings.metrics.enabled, value).toBe(enabled);
    }
    expect(loadSettings({ cwd: tempDir(), env: { MEMTRACE_AUTH_ENABLED: "TRUE" } }).settings.auth.enabled).toBe(true);
    expect(() => loadSettings({ cwd: tempDir(), env: { MEMTRACE_METRICS_ENABLED: "yes" } })).toThrow(
      /metrics\.enabled \(MEMTRACE_METRICS_ENABLED\): must be true or false/,
    );
  });

  it("names the key and variable of a bad value", () => {
    expect(() => loadSettings({ cwd: tempDir(), env: { MEMTRACE_WRITE_BUFFER_MAX_INTERVAL: "soon" } })).toThrow(
      /write_buffer\.max_interval \(MEMTRACE_WRITE_BUFFER_MAX_INTERVAL\)/,
    );
    expect(() => loadSettings({ cwd: tempDir(), env: { MEMTRACE_SERVER_PORT: "70000" } })).toThrow(ConfigError);
  });

  it("refuses an unknown section or key in the file, naming it, and still loads the example and the original's keys", () => {
    const cwd = tempDir();
    const file = join(cwd, "memtrace.toml");
    writeFileSync(file, '[sever]\nport = 9200\n[write_buffer]\nmax_sise = 10\n');
    expect(() => loadSettings({ cwd, env: {} })).toThrow(/unknown section \[sever\]/);
    expect(() => loadSettings({ cwd, env: {} })).toThrow(/unknown setting write_buffer\.max_sise \(\[write_buffer\] takes max_size, /);
    writeFileSync(file, 'port = 9200\n[server]\nhost = "127.0.0.1"\n');
    expect(() => loadSettings({ cwd, env: {} })).toThrow(/^[^\n]*: unknown setting port \(every setting is in a section: data, server, /);
    writeFileSync(file, "[[sever]]\nport = 9200\n");
    expect(() => loadSettings({ cwd, env: {} })).toThrow(/unknown section \[sever\]/);
    writeFileSync(file, "[[server]]\nport = 9200\n");
    expect(() => loadSettings({ cwd, env: {} })).toThrow(/server must be a \[server\] table/);
    writeFileSync(file, "server = 5\n");
    expect(() => loadSettings({ cwd, env: { MEMTRACE_SERVER_HOST: "127.0.0.1" } })).toThrow(/server must be a \[server\] table/);
    writeFileSync(file, "[arc]\nwrite_batch_size = 100\nwrite_flush_interval_ms = 1000\n");
    expect(loadSettings({ cwd, env: {} }).settings.arc.database).toBe("memtrace");
    writeFileSync(file, readFileSync(join(import.meta.dirname, "../../memtrace.example.toml")));
    expect(loadSettings({ cwd, env: {} }).settings.server.port).toBe(9100);
  });

  it("takes numbers only as numbers or decimal text: not true, a blank variable or hex", () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "memtrace.toml"), "[server]\nport = true\n");
    expect(() => loadSettings({ cwd, env: {} })).toThrow(/server\.port \(MEMTRACE_SERVER_PORT\)/);
    writeFileSync(join(cwd, "memtrace.toml"), "[server]\nmax_body_bytes = true\n");
    expect(() => loadSettings({ cwd, env: {} })).toThrow(/server\.max_body_bytes/);
    expect(() => loadSettings({ cwd: tempDir(), env: { MEMTRACE_SERVER_PORT: " " } })).toThrow(/server\.port/);
    expect(() => loadSettings({ cwd: tempDir(), env: { MEMTRACE_RATE_LIMIT_PER_KEY_RPS: "0x10" } })).toThrow(/rate_limit\.per_key_rps/);
    expect(loadSettings({ cwd: tempDir(), env: { MEMTRACE_SERVER_PORT: " 9200 ", MEMTRACE_RETENTION_DAYS: "30" } }).settings).toMatchObject({
      server: { port: 9200 },
      retention: { days: 30 },
    });
  });

  it("refuses a zero where a zero breaks start-up, in any form, and takes 0s where zero is fine", () => {
    for (const [name, value] of [
      ["MEMTRACE_DEDUPLICATION_WINDOW", "0"],
      ["MEMTRACE_WRITE_BUFFER_MAX_INTERVAL", "0s"],
      ["MEMTRACE_RETENTION_INTERVAL", "0ms"],
      ["MEMTRACE_ARC_QUERY_TIMEOUT", "0"],
      ["MEMTRACE_ARC_CONNECT_TIMEOUT", "0s"],
    ] as const) {
      expect(() => loadSettings({ cwd: tempDir(), env: { [name]: value } }), name).toThrow(new RegExp(`\\(${name}\\): must be longer than 0`));
    }
    expect(loadSettings({ cwd: tempDir(), env: { MEMTRACE_ARC_VISIBILITY_DELAY: "0s" } }).settings.arc.visibility_delay).toBe(0);
  });

  it("refuses a legacy Arc URL with credentials, and database and measurement names a binding refuses, as bad settings", () => {
    expect(() => loadSettings({ cwd: tempDir(), env: { MEMTRACE_ARC_URL: "http://user:pw@arc:8000" } })).toThrow(
      /arc\.url \(MEMTRACE_ARC_URL\): invalid url: must not carry credentials/,
    );
    const url = "http://127.0.0.1:8000";
    expect(() => loadSettings({ cwd: tempDir(), env: { MEMTRACE_ARC_URL: url, MEMTRACE_ARC_DATABASE: "my db" } })).toThrow(
      /arc\.database \(MEMTRACE_ARC_DATABASE\): invalid database: must start with a letter/,
    );
    expect(() => loadSettings({ cwd: tempDir(), env: { MEMTRACE_ARC_URL: url, MEMTRACE_ARC_MEASUREMENT: "Events" } })).toThrow(
      /arc\.measurement \(MEMTRACE_ARC_MEASUREMENT\): invalid measurement: must start with a lower-case letter/,
    );
    const env = { MEMTRACE_ARC_URL: url, MEMTRACE_ARC_DATABASE: "prod-1", MEMTRACE_ARC_MEASUREMENT: "agent_events" };
    expect(loadSettings({ cwd: tempDir(), env }).settings.arc).toMatchObject({ database: "prod-1", measurement: "agent_events" });
    // With no url nothing is bound: the measurement names the embedded engine's table, as any text did before.
    const unbound = loadSettings({ cwd: tempDir(), env: { MEMTRACE_ARC_DATABASE: "my.db", MEMTRACE_ARC_MEASUREMENT: "Agent-Events" } });
    expect(unbound.settings.arc).toMatchObject({ database: "my.db", measurement: "Agent-Events" });
    // One Arc refuses to write under would take memories it could never deliver.
    expect(() => loadSettings({ cwd: tempDir(), env: { MEMTRACE_ARC_MEASUREMENT: "bad name" } })).toThrow(
      /arc\.measurement \(MEMTRACE_ARC_MEASUREMENT\): invalid measurement: must start with a letter/,
    );
  });
});

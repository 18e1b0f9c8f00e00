import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemtraceClient, type Memory, type MemoryInput } from "memtrace/client";
import { runCli } from "../../node-adapter/cli/run";
import { LibsqlExecutor } from "../../node-adapter/sql/libsql-executor";
import { runCliProcess, startServeProcess } from "../support/child";
import { startTestServer, tempDir, type TestServer } from "../support/harness";

/** A line of a stack trace, which an operator's mistake must never print. */
const STACK_LINE = /^\s+at /m;

const dirs: string[] = [];
const scratch = () => {
  const dir = tempDir("memtrace-cli-ops-");
  dirs.push(dir);
  return dir;
};
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/** runCli in this process, its stdout and stderr captured. */
async function cli(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t), env });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, "127.0.0.1", done));
  const { port } = probe.address() as { port: number };
  await new Promise((done) => probe.close(done));
  return port;
}

describe("admin commands refuse mistakes instead of doing something else", () => {
  it("rejects an unquoted org name, a key id Number() would misread, and an unknown org's key list", async () => {
    const env = { MEMTRACE_DATA_DIR: scratch() };
    const unquoted = await runCliProcess(["org", "create", "Acme", "Corp"], env);
    expect(unquoted.code).toBe(2);
    expect(unquoted.stderr).toContain("unexpected argument 'Corp'");
    expect((await runCliProcess(["org", "list"], env)).stdout).not.toContain("Acme");

    expect((await cli(["org", "create", "Acme Corp"], env)).code).toBe(0);
    const orgId = /(org_[0-9a-f]{24})\s+Acme Corp/.exec((await cli(["org", "list"], env)).stdout)?.[1];
    expect(orgId).toBeTruthy();
    expect((await cli(["key", "create", "--org", orgId!, "--name", "first"], env)).code).toBe(0);
    expect((await cli(["key", "create", "--org", orgId!, "--name", "second"], env)).code).toBe(0);

    // `0x2` and `1e0` used to revoke keys 2 and 1.
    for (const id of ["0x2", "1e0", " 2", "2.0"]) {
      const res = await cli(["key", "revoke", id], env);
      expect(res.code, id).toBe(1);
      expect(res.stderr, id).toContain("usage: memtrace key revoke <key_id>");
    }
    const listed = await cli(["key", "list", "--org", orgId!], env);
    expect(listed.stdout).toMatch(/^1\s+first\s/m);
    expect(listed.stdout).toMatch(/^2\s+second\s/m);

    const unknown = await cli(["key", "list", "--org", "org_000000000000000000000000"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("error: organization 'org_000000000000000000000000' not found");
  });

  it("checks each command's words and options before it opens (or creates) the metadata database", async () => {
    const dir = join(scratch(), "data");
    const env = { MEMTRACE_DATA_DIR: dir };
    const refusals: Array<[args: string[], code: number, stderr: string]> = [
      [["org"], 2, "error: usage: memtrace org create <name> | list | delete <org_id> | add-arc <org_id> --url U --database D [--api-key K] [--measurement M] | show-arc <org_id> | remove-arc <org_id>"],
      [["org", "lsit"], 2, "error: usage: memtrace org create <name> | list"],
      [["org", "delete"], 2, "error: org_id is required (usage: memtrace org delete <org_id>)"],
      [["org", "list", "--url", "http://127.0.0.1:1"], 2, "error: 'org list' does not take --url (see `memtrace --help`)"],
      [["key", "list", "--org", "o", "--name", "n"], 2, "error: 'key list' does not take --name; it takes --org (see `memtrace --help`)"],
      [["key", "create", "--org", "o"], 2, "error: --name is required (usage: memtrace key create --org <org_id> --name <name>"],
      [["key", "create", "--org", " ", "--name", "n"], 2, "error: --org is required"],
      [["org", "add-arc", "org_x", "--url", "http://127.0.0.1:1"], 2, "error: --database is required"],
      [["serve", "--org", "o"], 2, "error: 'serve' does not take --org (see `memtrace --help`)"],
      [["keygen", "master", "extra"], 2, "error: unexpected argument 'extra' for 'keygen master'"],
      [["frobnicate"], 2, "error: unknown command 'frobnicate' (see `memtrace --help`)"],
      [["key", "revoke", "0x2"], 1, "error: usage: memtrace key revoke <key_id> (the numeric ID from `key list`)"],
      [["key", "create", "--org", "o", "--name", "n", "--expires-at", "soon"], 1, "error: invalid expires_at: must be ISO 8601 with a timezone"],
      [["org", "add-arc", "org_x", "--url", "ftp://x", "--database", "d"], 1, "error: invalid url: must be an http:// or https:// URL"],
      [["key", "create", "--org", "o", "--name", "n", "--permissions", "root"], 1, "error: invalid permission"],
      [["key", "create", "--org", "o", "--name", "-x"], 2, "error: Option '--name' argument is ambiguous. Did you forget to specify the option argument for '--name'?"],
      [["org", "list", "--no-such"], 2, "error: unknown option '--no-such' (see `memtrace --help`)"],
      [["import", "--no-such"], 2, "error: unknown option '--no-such' (see `memtrace import --help`)"],
      [["import"], 2, "error: usage: memtrace import <FILE.jsonl|FILE.parquet|ARC_FOLDER>"],
      [["--config", ""], 2, "error: --config needs the path of a memtrace.toml"],
    ];
    for (const [args, code, stderr] of refusals) {
      const res = await cli(args, env);
      expect(res.code, args.join(" ")).toBe(code);
      expect(res.stderr, args.join(" ")).toContain(stderr);
      // One line naming the mistake: not the whole usage, and not Node's advice about `--`.
      expect(res.stderr.split("\n"), args.join(" ")).toHaveLength(1);
    }
    expect(existsSync(dir)).toBe(false);
  });

  it("creates a key with an expiry and lists it", async () => {
    const env = { MEMTRACE_DATA_DIR: scratch() };
    expect((await cli(["org", "create", "Expiring"], env)).code).toBe(0);
    const orgId = /(org_[0-9a-f]{24})/.exec((await cli(["org", "list"], env)).stdout)![1]!;
    const created = await cli(["key", "create", "--org", orgId, "--name", "temp", "--expires-at", "2099-01-02T03:04:05Z"], env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain("Expires:     2099-01-02T03:04:05.000Z");
    const listed = await cli(["key", "list", "--org", orgId], env);
    expect(listed.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+PERMS\s+ENABLED\s+CREATED\s+EXPIRES$/);
    expect(listed.stdout).toMatch(/temp\s+read,write\s+true\s+\S+\s+2099-01-02T03:04:05.000Z/);
    const past = await cli(["key", "create", "--org", orgId, "--name", "old", "--expires-at", "2001-01-01T00:00:00Z"], env);
    expect(past.code).toBe(1);
    expect(past.stderr).toBe("error: expires_at must be in the future");
  });

  it("answers a missing master key, a data dir that is a file and a port in use with one line, no stack trace", async () => {
    const dir = scratch();
    const env = { MEMTRACE_DATA_DIR: dir };
    const noMaster = await runCliProcess(["org", "add-arc", "org_default", "--url", "http://127.0.0.1:1", "--database", "d"], env);
    expect(noMaster.code).toBe(1);
    expect(noMaster.stderr).toMatch(/^error: MEMTRACE_MASTER_KEY is not set .*memtrace keygen master/);
    expect(noMaster.stderr).not.toMatch(STACK_LINE);

    const file = join(dir, "not-a-dir");
    writeFileSync(file, "");
    const fileAsDir = await runCliProcess(["org", "list"], { MEMTRACE_DATA_DIR: file });
    expect(fileAsDir.code).toBe(1);
    expect(fileAsDir.stderr).toContain("MEMTRACE_DATA_DIR");
    expect(fileAsDir.stderr).not.toMatch(STACK_LINE);

    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done));
    try {
      const port = String((taken.address() as { port: number }).port);
      const serve = await runCliProcess(["serve"], { MEMTRACE_DATA_DIR: join(dir, "serve"), MEMTRACE_SERVER_HOST: "127.0.0.1", MEMTRACE_SERVER_PORT: port });
      expect(serve.code).toBe(1);
      expect(serve.stderr).toContain("EADDRINUSE");
      expect(serve.stderr).toContain("MEMTRACE_SERVER_PORT");
      expect(serve.stderr).not.toMatch(STACK_LINE);
      // That failed first start printed no admin key and left no operator org: the next one does.
      expect(serve.stdout).not.toMatch(/mtk_/);
      const next = await startServeProcess({ MEMTRACE_DATA_DIR: join(dir, "serve"), MEMTRACE_SERVER_HOST: "127.0.0.1", MEMTRACE_SERVER_PORT: "0" });
      try {
        const key = /^(mtk_[A-Za-z0-9_-]{43}=)$/m.exec(next.output())?.[1];
        expect(key, next.output()).toBeTruthy();
        expect((await fetch(`${next.url}/api/v1/admin/orgs`, { headers: { "x-api-key": key! } })).status).toBe(200);
      } finally {
        await next.stop();
      }
    } finally {
      await new Promise((done) => (taken as Server).close(done));
    }
  });
});

describe("a damaged data dir", () => {
  it("names the database file that is not one, for the metadata and for the outbox", async () => {
    const env = { MEMTRACE_DATA_DIR: scratch(), MEMTRACE_SERVER_HOST: "127.0.0.1", MEMTRACE_SERVER_PORT: "0" };
    writeFileSync(join(env.MEMTRACE_DATA_DIR, "memtrace.db"), "not a database ".repeat(100));
    const metadata = await runCliProcess(["org", "list"], env);
    expect(metadata.code).toBe(1);
    expect(metadata.stderr).toBe(`error: cannot open ${join(env.MEMTRACE_DATA_DIR, "memtrace.db")}: SQLITE_NOTADB: file is not a database\n`);

    rmSync(join(env.MEMTRACE_DATA_DIR, "memtrace.db"));
    writeFileSync(join(env.MEMTRACE_DATA_DIR, "outbox.db"), "not a database ".repeat(100));
    const outbox = await runCliProcess(["serve"], env);
    expect(outbox.code).toBe(1);
    expect(outbox.stderr).toBe(`error: cannot open ${join(env.MEMTRACE_DATA_DIR, "outbox.db")}: file is not a database\n`);
  });
});

describe("a data dir a newer Memtrace migrated", () => {
  it("is refused at start, naming the schema versions, and left as it was", async () => {
    const env = { MEMTRACE_DATA_DIR: scratch(), MEMTRACE_SERVER_HOST: "127.0.0.1", MEMTRACE_SERVER_PORT: "0" };
    const made = await startServeProcess(env);
    expect(await made.stop()).toBe(0);
    const bump = async (file: string, statement: string) => {
      const sql = await LibsqlExecutor.open({ url: `file:${join(env.MEMTRACE_DATA_DIR, file)}` });
      try {
        await sql.execute(statement);
      } finally {
        await sql.close();
      }
    };
    const tables = async (file: string) => {
      const sql = await LibsqlExecutor.open({ url: `file:${join(env.MEMTRACE_DATA_DIR, file)}` });
      try {
        return JSON.stringify((await sql.execute("SELECT name, sql FROM sqlite_schema ORDER BY name")).rows);
      } finally {
        await sql.close();
      }
    };

    await bump("outbox.db", "INSERT INTO outbox_schema_version (version, applied_at_us) VALUES (9999, 0)");
    const outboxBefore = await tables("outbox.db");
    const outbox = await runCliProcess(["serve"], env);
    expect(outbox.code).toBe(1);
    expect(outbox.stderr).toMatch(/^error: the outbox was migrated by a newer Memtrace \(schema version 9999; this one knows up to \d+\): run that version or a later one\n$/);
    expect(await tables("outbox.db")).toBe(outboxBefore);

    await bump("memtrace.db", "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'later', '2030-01-01T00:00:00.000Z')");
    const metadataBefore = await tables("memtrace.db");
    const metadata = await runCliProcess(["serve"], env);
    expect(metadata.code).toBe(1);
    expect(metadata.stderr).toMatch(/^error: the metadata database was migrated by a newer Memtrace \(schema version 9999; this one knows up to \d+\): run that version or a later one\n$/);
    expect(await tables("memtrace.db")).toBe(metadataBefore);
  });
});

describe("a bad master key", () => {
  it("creates the folder of an auth.db_path, as the original did", async () => {
    const dir = scratch();
    const dbPath = join(dir, "nested", "deeper", "meta.db");
    const listed = await cli(["org", "list"], { MEMTRACE_DATA_DIR: join(dir, "data"), MEMTRACE_AUTH_DB_PATH: dbPath });
    expect(listed.code, listed.stderr).toBe(0);
    expect(existsSync(dbPath)).toBe(true);
  });

  it("names where it came from and stops start-up before any database is created", async () => {
    const env = { MEMTRACE_DATA_DIR: scratch(), MEMTRACE_SERVER_HOST: "127.0.0.1", MEMTRACE_SERVER_PORT: "0" };
    const fromEnv = await runCliProcess(["serve"], { ...env, MEMTRACE_MASTER_KEY: "YWJj" });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stderr).toMatch(/^error: MEMTRACE_MASTER_KEY: master key must decode to 32 bytes, got 3 .*\n$/);
    expect(readdirSync(env.MEMTRACE_DATA_DIR)).toEqual([]);

    const file = join(env.MEMTRACE_DATA_DIR, "master.key");
    writeFileSync(file, "not base64!\n");
    const fromFile = await runCliProcess(["serve"], env);
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toMatch(new RegExp(`^error: ${file}: master key is not valid standard base64`));
    expect(readdirSync(env.MEMTRACE_DATA_DIR)).toEqual(["master.key"]);
  });
});

describe("the first start", () => {
  it("creates the operator org and prints its admin key even when `org create` ran before it", async () => {
    const env = { MEMTRACE_DATA_DIR: scratch(), MEMTRACE_SERVER_HOST: "127.0.0.1", MEMTRACE_SERVER_PORT: "0" };
    expect((await cli(["org", "create", "Acme"], env)).code).toBe(0);
    const serve = await startServeProcess(env);
    try {
      const adminKey = /^mtk_[A-Za-z0-9_-]{43}=$/m.exec(serve.output())?.[0];
      expect(adminKey, serve.output()).toBeTruthy();
      const metrics = await fetch(`${serve.url}/api/v1/admin/metrics`, { headers: { "x-api-key": adminKey! } });
      expect(metrics.status).toBe(200);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    expect((await cli(["org", "list"], env)).stdout).toMatch(/^org_default\s+Default\s/m);
  });
});

describe("export and import fail cleanly", () => {
  it("export into a missing folder or onto a folder exits 1 with a message, leaving no file", async () => {
    const { key } = await server.newOrg("cli-ops-export");
    const dir = scratch();
    // A child process: the unheard stream error used to kill the process from outside any try.
    const missing = await runCliProcess(["export", "--url", server.url, "--out", join(dir, "no", "such", "out.jsonl")], { MEMTRACE_API_KEY: key });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`cannot write ${join(dir, "no", "such", "out.jsonl")}`);
    expect(missing.stderr).not.toMatch(STACK_LINE);
    for (const out of [dir, join(dir, "no", "out.parquet")]) {
      const res = await cli(["export", "--url", server.url, "--api-key", key, "--out", out]);
      expect(res.code, out).toBe(1);
      expect(res.stderr, out).toMatch(/^error: (--out .* is a directory|cannot write .*no such directory)/);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses a --url with credentials without echoing them, and names a subcommand's own help on a bad flag", async () => {
    const res = await cli(["export", "--url", "http://user:s3cret-pass@127.0.0.1:1", "--api-key", "mtk_x"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("--url must not carry credentials");
    expect(res.stderr).not.toContain("s3cret-pass");
    const bad = await cli(["import", "--no-such-flag"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("see `memtrace import --help`");
    expect(bad.stderr).not.toContain("memtrace org add-arc");
  });

  it("refuses one line too large for a request and stores the lines around it", async () => {
    const { key } = await server.newOrg("cli-ops-huge");
    const file = join(scratch(), "huge.jsonl");
    writeFileSync(
      file,
      [
        JSON.stringify({ agent_id: "big", content: "before", time: "2026-01-01T00:00:00Z" }),
        JSON.stringify({ agent_id: "big", content: "x".repeat(5 * 1024 * 1024) }),
        JSON.stringify({ agent_id: "big", content: "after", time: "2026-01-01T00:00:01Z" }),
      ].join("\n"),
    );
    const res = await cli(["import", file, "--url", server.url, "--api-key", key, "--progress", "never"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("imported 3 lines: 2 created, 0 duplicates, 1 invalid");
    expect(res.stderr).toMatch(/line 2: too large for one request: .*4194304 bytes/);
    const stored = await new MemtraceClient({ baseUrl: server.url, apiKey: key }).memories.list({ agent_id: "big", order: "asc", since: "2025-01-01T00:00:00Z" });
    expect(stored.memories.map((m) => m.content)).toEqual(["before", "after"]);
  });

  it("fails fast on a server that is not there, a folder without Parquet files, and a file that is not Parquet", async () => {
    const dir = scratch();
    const file = join(dir, "one.jsonl");
    writeFileSync(file, `${JSON.stringify({ agent_id: "a", content: "x" })}\n`);
    const started = Date.now();
    const down = await cli(["import", file, "--url", `http://127.0.0.1:${await closedPort()}`, "--api-key", "mtk_x", "--progress", "never"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^error: cannot reach http:\/\/127\.0\.0\.1:\d+/);
    // It used to retry in silence for about 30 s before saying so.
    expect(Date.now() - started).toBeLessThan(5_000);

    const folder = await cli(["import", dir, "--url", server.url, "--api-key", "mtk_x"]);
    expect(folder.stderr).toBe(`error: no Parquet files under ${dir}`);

    const fake = join(dir, "fake.parquet");
    writeFileSync(fake, "not parquet at all");
    const { key } = await server.newOrg("cli-ops-parquet");
    const notParquet = await cli(["import", fake, "--url", server.url, "--api-key", key, "--progress", "never"]);
    expect(notParquet.code).toBe(1);
    expect(notParquet.stderr).toMatch(/^error: cannot read .*fake\.parquet as Parquet files of memories: /);
    expect(notParquet.stderr).not.toMatch(/COPY|SELECT|\n/);
  });
});

describe("export and import keep awkward text exactly", () => {
  it("round-trips control characters, combining marks, ZWJ emoji and bidi marks through JSONL and Parquet", async () => {
    const source = await server.newOrg("cli-ops-text");
    const api = new MemtraceClient({ baseUrl: server.url, apiKey: source.key });
    const inputs: MemoryInput[] = [
      {
        agent_id: "text",
        content: "nul \u0000 tab\t cr\r lf\n e\u0301 👩‍👩‍👧 \u202eRTL\u202c 日本語 'q' \"dq\" \\",
        memory_type: "decision",
        event_type: "ev_1",
        session_id: "sess-text",
        tags: ["web", "a.b", "x-y_z"],
        importance: 0.75,
        metadata: { "ключ": "значение", nested: { list: [1.5, "two", null, { deep: true }] }, empty: {}, none: [] },
        dedup_key: "awkward-1",
        parent_id: "outside-the-file",
        time: "2026-01-01T00:00:00.123456Z",
      },
      { agent_id: "text", content: "   spaces kept   ", time: "2026-01-01T00:00:01Z", importance: 1 },
    ];
    expect((await api.memories.createBatch(inputs)).count).toBe(2);
    const before = (await api.memories.list({ agent_id: "text", order: "asc", since: "2025-01-01T00:00:00Z" })).memories;
    const strip = ({ id: _i, org_id: _o, ingested_at: _t, ...rest }: Memory) => rest;
    const dir = scratch();
    for (const name of ["text.jsonl", "text.parquet"]) {
      const file = join(dir, name);
      expect((await cli(["export", "--url", server.url, "--api-key", source.key, "--agent", "text", "--out", file])).code).toBe(0);
      const target = await server.newOrg(`cli-ops-${name.replace(".", "-")}`);
      const imported = await cli(["import", file, "--url", server.url, "--api-key", target.key, "--progress", "never"]);
      expect(imported.stderr, name).toContain("2 created, 0 duplicates, 0 invalid");
      const after = await new MemtraceClient({ baseUrl: server.url, apiKey: target.key }).memories.list({ agent_id: "text", order: "asc", since: "2025-01-01T00:00:00Z" });
      expect(after.memories.map(strip), name).toEqual(before.map(strip));
    }
    expect(existsSync(join(dir, "text.jsonl.partial"))).toBe(false);
  });
});

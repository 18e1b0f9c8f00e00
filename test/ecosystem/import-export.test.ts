import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";
import { encode } from "@msgpack/msgpack";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemtraceClient, type Memory, type MemoryInput } from "memtrace/client";
import { runCli } from "../../node-adapter/cli/run";
import { runCliProcess } from "../support/child";
import { ArcSocket } from "../support/arc-socket";
import { ArcClient } from "../../core/arc/client";
import { fetchArcRows } from "../../node-adapter/cli/commands/fetch-arc-rows";
import { startTestServer, tempDir, type TestServer } from "../support/harness";

let server: TestServer;
let dir: string;
let source: { orgId: string; key: string };
let sessionId: string;
const client = (key: string) => new MemtraceClient({ baseUrl: server.url, apiKey: key });

/** Memories with every field a client can set, backfilled times (µs), a parent chain and awkward text. */
function seedInputs(session: string): MemoryInput[] {
  const inputs: MemoryInput[] = [];
  for (let i = 0; i < 24; i++) {
    inputs.push({
      agent_id: i % 3 === 0 ? "beta" : "alpha",
      content: `step ${i}: ${i % 5 === 0 ? "línea 1\nline \"2\" 🚀 'quoted' \\ back" : "plain"}`,
      memory_type: (["episodic", "decision", "entity", "session"] as const)[i % 4],
      event_type: i % 7 === 0 ? "error" : "page_crawled",
      ...(i % 2 === 0 ? { session_id: session } : {}),
      ...(i % 4 === 1 ? { metadata: { step: i, nested: { list: [1, "two", null], ok: true } } } : {}),
      ...(i % 3 === 1 ? { tags: ["web", `t${i}`] } : {}),
      ...(i % 6 === 2 ? { importance: 0.25 + i / 100 } : {}),
      ...(i === 5 ? { dedup_key: "caller-chosen-key" } : {}),
      ...(i === 9 ? { parent_id: "external-parent-id" } : {}),
      time: new Date(Date.UTC(2026, 0, 2, 3, 4, 5) + i * 61_000).toISOString().replace("Z", `${String(100 + i).padStart(3, "0")}Z`),
    });
  }
  return inputs;
}

async function allMemories(key: string): Promise<Memory[]> {
  const out: Memory[] = [];
  for await (const memory of client(key).memories.iterate({ order: "asc", limit: 7 })) out.push(memory);
  return out;
}

/** Same memories, up to the fields the target server assigns: id, org_id, ingested_at (and parent links, mapped). */
function expectSameMemories(before: Memory[], after: Memory[]): void {
  expect(after).toHaveLength(before.length);
  const byKey = new Map(after.map((m) => [m.dedup_key, m]));
  const newId = new Map(before.map((m) => [m.id, byKey.get(m.dedup_key)?.id]));
  for (const original of before) {
    const copy = byKey.get(original.dedup_key);
    expect(copy, original.content).toBeDefined();
    const { id: _a, org_id: _b, ingested_at: _c, parent_id: parentA, ...restA } = original;
    const { id: _d, org_id: _e, ingested_at: _f, parent_id: parentB, ...restB } = copy!;
    expect(restB).toEqual(restA);
    expect(parentB).toBe(parentA === undefined ? undefined : (newId.get(parentA) ?? parentA));
  }
}

const io = () => {
  const err: string[] = [];
  return { io: { out: () => {}, err: (t: string) => err.push(t), env: {} }, err };
};

beforeAll(async () => {
  server = await startTestServer();
  dir = tempDir("memtrace-ie-");
  source = await server.newOrg("ie-source");
  const api = client(source.key);
  await api.agents.create({ name: "alpha" });
  sessionId = (await api.sessions.create({ agent_id: "alpha" })).id;
  const seeded = await api.memories.createBatch(seedInputs(sessionId));
  expect(seeded.count).toBe(24);
  // Children whose parents are in the same export: their links must follow the new ids.
  const [first, second] = seeded.memories;
  await api.memories.create({ agent_id: "alpha", content: "child of step 0", parent_id: first!.id, time: "2026-01-02T05:00:00.5Z" });
  await api.memories.create({ agent_id: "alpha", content: "child of step 1", parent_id: second!.id, time: "2026-01-02T05:00:00.6Z" });
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("memtrace export and import", () => {
  it("round-trips an organization through JSONL losing nothing, and a second import is all duplicates", async () => {
    const before = await allMemories(source.key);
    expect(before).toHaveLength(26);
    const file = join(dir, "org.jsonl");
    const exported = await runCliProcess(["export", "--url", server.url, "--out", file], { MEMTRACE_API_KEY: source.key });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toContain("exported 26 memories");
    const lines = readFileSync(file, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Memory);
    expect(lines).toEqual(before);

    const target = await server.newOrg("ie-target");
    const args = ["import", file, "--url", server.url, "--api-key", target.key, "--batch-size", "7", "--progress", "always"];
    const imported = await runCliProcess(args, {});
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toMatch(/importing \[.*\] 100% \| 26\/26 lines/);
    expect(imported.stderr).toContain("imported 26 lines: 26 created, 0 duplicates, 0 invalid");
    const after = await allMemories(target.key);
    expectSameMemories(before, after);
    expect(after.every((m) => m.org_id === target.orgId)).toBe(true);

    const again = io();
    expect(await runCli([...args.slice(0, -1), "never"], again.io)).toBe(0);
    expect(again.err).toContain("imported 26 lines: 0 created, 26 duplicates, 0 invalid");
    expect(await allMemories(target.key)).toHaveLength(26);
  });

  it("round-trips through Parquet", async () => {
    const before = await allMemories(source.key);
    const file = join(dir, "org.parquet");
    expect(await runCli(["export", "--url", server.url, "--api-key", source.key, "--out", file], io().io)).toBe(0);
    expect(readFileSync(file).subarray(0, 4).toString()).toBe("PAR1");
    const target = await server.newOrg("ie-parquet");
    expect(await runCli(["import", file, "--url", server.url, "--api-key", target.key, "--progress", "never"], io().io)).toBe(0);
    expectSameMemories(before, await allMemories(target.key));
  });
});

describe("memtrace export and import: filters and bad input", () => {
  it("exports one agent's or one session's memories", async () => {
    const agentFile = join(dir, "beta.jsonl");
    expect(await runCli(["export", "--url", server.url, "--api-key", source.key, "--agent", "beta", "--out", agentFile], io().io)).toBe(0);
    const beta = readFileSync(agentFile, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Memory);
    expect(beta).toHaveLength(8);
    expect(beta.every((m) => m.agent_id === "beta")).toBe(true);

    const sessionFile = join(dir, "session.jsonl");
    expect(await runCli(["export", "--url", server.url, "--api-key", source.key, "--session", sessionId, "--out", sessionFile], io().io)).toBe(0);
    const inSession = readFileSync(sessionFile, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Memory);
    expect(inSession.map((m) => m.id)).toEqual((await client(source.key).sessions.memories(sessionId, { order: "asc", since: "2000-01-01T00:00:00Z" })).memories.map((m) => m.id));
  });

  it("imports the good lines of a bad file, names the bad ones, and exits 1", async () => {
    const file = join(dir, "mixed.jsonl");
    writeFileSync(
      file,
      [
        JSON.stringify({ agent_id: "gamma", content: "fine", time: "2026-03-01T00:00:00Z" }),
        "{not json",
        JSON.stringify({ agent_id: "9starts-with-digit", content: "bad id" }),
        "",
        JSON.stringify({ agent_id: "gamma", content: "also fine", id: "old-id", org_id: "org_old", ingested_at: "2026-03-01T00:00:00Z" }),
      ].join("\n"),
    );
    const target = await server.newOrg("ie-mixed");
    const { io: cliIo, err } = io();
    expect(await runCli(["import", file, "--url", server.url, "--api-key", target.key, "--progress", "never"], cliIo)).toBe(1);
    expect(err[0]).toBe("imported 4 lines: 2 created, 0 duplicates, 2 invalid");
    expect(err[1]).toBe("  line 2: not valid JSON");
    expect(err[2]).toMatch(/^ {2}line 3: invalid agent_id/);
    const stored = await allMemories(target.key);
    expect(stored.map((m) => m.content)).toEqual(["fine", "also fine"]);
    expect(stored[0]!.time).toBe("2026-03-01T00:00:00Z");
  });

  it("refuses to run without a key or with a wrong one, and names a missing file", async () => {
    const noKey = io();
    expect(await runCli(["export", "--url", server.url], noKey.io)).toBe(1);
    expect(noKey.err.join("\n")).toContain("MEMTRACE_API_KEY");
    const badKey = io();
    expect(await runCli(["export", "--url", server.url, "--api-key", "mtk_wrong", "--out", join(dir, "x.jsonl")], badKey.io)).toBe(1);
    expect(badKey.err).toEqual([`error: ${server.url} answered 401: invalid API key`]);
    expect(existsSync(join(dir, "x.jsonl")) || existsSync(join(dir, "x.jsonl.partial"))).toBe(false);
    const missing = io();
    expect(await runCli(["import", join(dir, "nope.jsonl"), "--api-key", source.key], missing.io)).toBe(1);
    expect(missing.err.join("\n")).toContain("no such file");
  });
});

/** A row of Arc's memory table as Arc stores it; `id` and `ingested_at` only in this Memtrace's rows. */
interface ArcRow {
  time: string;
  org_id: string;
  agent_id: string;
  content: string;
  session_id?: string;
  memory_type?: string;
  event_type?: string;
  metadata_json?: string;
  tags_csv?: string;
  dedup_key?: string;
  importance?: number;
  parent_id?: string;
  id?: string;
  ingested_at?: number;
}

const sqlText = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** One hourly Parquet file of a measurement, as Arc lays them out: `<database>/events/YYYY/MM/DD/HH/<name>.parquet`. */
async function writeArcFile(database: string, hour: string, rows: ArcRow[], withIds = false): Promise<void> {
  const folder = join(database, "events", ...hour.split("-"));
  mkdirSync(folder, { recursive: true });
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const values = rows.map((r) =>
      [
        `TIMESTAMPTZ ${sqlText(r.time)}`,
        ...[r.org_id, r.agent_id, r.session_id ?? "", r.memory_type ?? "episodic", r.event_type ?? "general", r.content, r.metadata_json ?? "{}", r.tags_csv ?? "", r.dedup_key ?? ""].map(sqlText),
        `${r.importance ?? 0.5}::DOUBLE`,
        sqlText(r.parent_id ?? ""),
        ...(withIds ? [sqlText(r.id!), `${r.ingested_at!}::BIGINT`] : []),
      ].join(", "),
    );
    const names = "time, org_id, agent_id, session_id, memory_type, event_type, content, metadata_json, tags_csv, dedup_key, importance, parent_id" + (withIds ? ", id, ingested_at" : "");
    await connection.run(
      `COPY (SELECT * FROM (VALUES (${values.join("), (")})) AS t(${names})) TO ${sqlText(join(folder, `${hour}.parquet`))} (FORMAT parquet)`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe("memtrace import from Arc's storage", () => {
  it("imports the original Memtrace's rows from a measurement folder: times, metadata, tags and dedup keys kept; again, all duplicates", async () => {
    const database = join(dir, "arc-original", "memtrace");
    await writeArcFile(database, "2026-01-02-03", [
      { time: "2026-01-02 03:04:05.123456+00", org_id: "org_default", agent_id: "crawler", content: "Crawled https://example.com/pricing", event_type: "page_crawled", tags_csv: "web,pricing", metadata_json: '{"status":200,"path":["a","b"]}', dedup_key: "0123456789abcdef", session_id: "sess_aaaaaaaaaaaaaaaaaaaaaaaa", importance: 0.8 },
      { time: "2026-01-02 03:10:00+00", org_id: "org_default", agent_id: "crawler", content: "Chose the annual plan because it is cheaper", memory_type: "decision", dedup_key: "fedcba9876543210" },
    ]);
    await writeArcFile(database, "2026-01-02-04", [
      { time: "2026-01-02 04:00:00.5+00", org_id: "org_default", agent_id: "support", content: "Customer prefers email", memory_type: "entity", parent_id: "free-text-parent", dedup_key: "1111222233334444" },
    ]);
    const target = await server.newOrg("ie-arc-original");
    const args = ["import", join(dir, "arc-original", "memtrace", "events"), "--url", server.url, "--api-key", target.key, "--progress", "never"];
    const first = io();
    expect(await runCli(args, first.io)).toBe(0);
    expect(first.err).toContain("imported 3 lines: 3 created, 0 duplicates, 0 invalid");

    const stored = await allMemories(target.key);
    expect(stored.map((m) => [m.time, m.agent_id, m.content, m.dedup_key])).toEqual([
      ["2026-01-02T03:04:05.123456Z", "crawler", "Crawled https://example.com/pricing", "0123456789abcdef"],
      ["2026-01-02T03:10:00Z", "crawler", "Chose the annual plan because it is cheaper", "fedcba9876543210"],
      ["2026-01-02T04:00:00.5Z", "support", "Customer prefers email", "1111222233334444"],
    ]);
    expect(stored[0]).toMatchObject({ event_type: "page_crawled", tags: ["web", "pricing"], metadata: { status: 200, path: ["a", "b"] }, session_id: "sess_aaaaaaaaaaaaaaaaaaaaaaaa", importance: 0.8, org_id: target.orgId });
    expect(stored[1]).toMatchObject({ memory_type: "decision", importance: 0.5 });
    expect(stored[1]!.tags ?? []).toEqual([]);
    expect(stored[1]!.metadata ?? {}).toEqual({});
    expect(stored[1]!.session_id ?? "").toBe("");
    expect(stored[2]).toMatchObject({ memory_type: "entity", parent_id: "free-text-parent" });

    const again = io();
    expect(await runCli(args, again.io)).toBe(0);
    expect(again.err).toContain("imported 3 lines: 0 created, 3 duplicates, 0 invalid");
  });

  it("takes one version of each of this Memtrace's rows (the latest, one copy of a redelivered row), with parent links following the new ids", async () => {
    const database = join(dir, "arc-ours", "db");
    const parent = "01940000-0000-7000-8000-000000000001";
    const child = "01940000-0000-7000-8000-000000000002";
    await writeArcFile(
      database,
      "2026-02-01-10",
      [
        { id: parent, ingested_at: 1_000, time: "2026-02-01 10:00:00+00", org_id: "org_x", agent_id: "planner", content: "first version" },
        { id: parent, ingested_at: 2_000, time: "2026-02-01 10:00:00+00", org_id: "org_x", agent_id: "planner", content: "second version" },
        { id: child, ingested_at: 1_500, time: "2026-02-01 10:05:00+00", org_id: "org_x", agent_id: "planner", content: "follows from it", parent_id: parent },
        { id: child, ingested_at: 1_500, time: "2026-02-01 10:05:00+00", org_id: "org_x", agent_id: "planner", content: "follows from it", parent_id: parent },
      ],
      true,
    );
    const target = await server.newOrg("ie-arc-ours");
    const run = io();
    expect(await runCli(["import", join(database, "events"), "--url", server.url, "--api-key", target.key, "--progress", "never"], run.io)).toBe(0);
    expect(run.err).toContain("imported 2 lines: 2 created, 0 duplicates, 0 invalid");
    const [first, second] = await allMemories(target.key);
    expect(first!.content).toBe("second version");
    expect(second!.content).toBe("follows from it");
    expect(second!.parent_id).toBe(first!.id);
  });

  it("takes one organization's rows of a shared database, and only when told which", async () => {
    const database = join(dir, "arc-shared", "db");
    await writeArcFile(database, "2026-03-01-00", [
      { time: "2026-03-01 00:00:01+00", org_id: "org_one", agent_id: "a", content: "one's memory" },
      { time: "2026-03-01 00:00:02+00", org_id: "org_two", agent_id: "a", content: "two's memory" },
    ]);
    const folder = join(database, "events");
    const target = await server.newOrg("ie-arc-shared");
    const base = ["import", folder, "--url", server.url, "--api-key", target.key, "--progress", "never"];

    const unsaid = io();
    expect(await runCli(base, unsaid.io)).toBe(1);
    expect(unsaid.err).toEqual([`error: ${folder} holds the memories of 2 organizations (org_one, org_two): choose one with --source-org`]);
    const unknown = io();
    expect(await runCli([...base, "--source-org", "org_three"], unknown.io)).toBe(1);
    expect(unknown.err).toEqual([`error: no rows of org_three in ${folder} (its organizations: org_one, org_two)`]);
    expect(await allMemories(target.key)).toEqual([]);

    expect(await runCli([...base, "--source-org", "org_two"], io().io)).toBe(0);
    expect((await allMemories(target.key)).map((m) => m.content)).toEqual(["two's memory"]);
  });

  it("refuses --source-org for a JSONL file, a memtrace export in Parquet, and rows without org_id", async () => {
    const jsonl = join(dir, "one-org.jsonl");
    writeFileSync(jsonl, `${JSON.stringify({ agent_id: "a", content: "x" })}\n`);
    const onJsonl = io();
    expect(await runCli(["import", jsonl, "--url", server.url, "--api-key", source.key, "--source-org", "org_x"], onJsonl.io)).toBe(1);
    expect(onJsonl.err).toEqual(["error: --source-org is for Arc's Parquet rows, not a JSONL file"]);

    const parquet = join(dir, "export-for-source-org.parquet");
    expect(await runCli(["export", "--url", server.url, "--api-key", source.key, "--out", parquet], io().io)).toBe(0);
    const onExport = io();
    expect(await runCli(["import", parquet, "--url", server.url, "--api-key", source.key, "--source-org", "org_x"], onExport.io)).toBe(1);
    expect(onExport.err).toEqual(["error: --source-org is for Arc's rows; a `memtrace export` file is one organization's already"]);

    const orgless = join(dir, "orgless.parquet");
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    await connection.run(`COPY (SELECT TIMESTAMPTZ '2026-03-01 00:00:00+00' AS time, 'a' AS agent_id, 'x' AS content) TO ${sqlText(orgless)} (FORMAT parquet)`);
    connection.closeSync();
    instance.closeSync();
    const noOrgs = io();
    expect(await runCli(["import", orgless, "--url", server.url, "--api-key", source.key, "--source-org", "org_x"], noOrgs.io)).toBe(1);
    expect(noOrgs.err).toEqual([`error: ${orgless} has no org_id column to pick org_x's rows by`]);
  });
});

describe("memtrace import from a running Arc", () => {
  let arc: ArcSocket;
  const ARC_TOKEN = "arc-admin-token";
  const T0 = Date.UTC(2026, 3, 1) * 1000;

  /** The original's rows as it sent them: columnar msgpack, no id, times in µs. */
  type OriginalRow = { org: string; us: number; content: string; tags?: string; metadata?: string };
  async function writeOriginalRows(database: string, rows: OriginalRow[]) {
    const column = (pick: (r: OriginalRow) => unknown) => rows.map(pick);
    const body = encode({
      m: "events",
      columns: {
        time: column((r) => r.us),
        org_id: column((r) => r.org),
        agent_id: column(() => "legacy-agent"),
        session_id: column(() => ""),
        memory_type: column(() => "episodic"),
        event_type: column(() => "general"),
        content: column((r) => r.content),
        metadata_json: column((r) => r.metadata ?? "{}"),
        tags_csv: column((r) => r.tags ?? ""),
        dedup_key: column((r) => `key-${r.content}`),
        importance: column(() => 0.25),
        parent_id: column(() => ""),
      },
    });
    const res = await fetch(`${arc.url}/api/v1/write/msgpack`, {
      method: "POST",
      headers: { "content-type": "application/msgpack", "x-arc-database": database, authorization: `Bearer ${ARC_TOKEN}` },
      body,
    });
    expect(res.status).toBe(204);
  }

  beforeAll(async () => {
    arc = await ArcSocket.start({ token: ARC_TOKEN });
    // Five rows share one microsecond, as a batch the original stamped at once would.
    const rows: OriginalRow[] = Array.from({ length: 23 }, (_, i) => ({ org: "org_one", us: T0 + (i < 5 ? 0 : i * 1_000_003), content: `legacy ${String(i).padStart(2, "0")}` }));
    rows[7] = { ...rows[7]!, tags: "web,old", metadata: '{"source":"go"}' };
    await writeOriginalRows("legacy", [...rows, { org: "org_two", us: T0 + 5, content: "another org's" }]);
    await new ArcClient({ fetch, baseUrl: arc.url, database: "legacy", measurement: "events", token: ARC_TOKEN }).flushBuffers();
  });
  afterAll(async () => {
    await arc?.close();
  });

  it("fetches every row of one organization once, window by window, however many share a time", async () => {
    const client = new ArcClient({ fetch, baseUrl: arc.url, database: "legacy", measurement: "events", token: ARC_TOKEN });
    const pages: number[] = [];
    const query = client.query.bind(client);
    client.query = async (sql) => {
      const result = await query(sql);
      if (sql.startsWith("SELECT * ") && sql.includes("time >= ")) pages.push(result.rows.length);
      return result;
    };
    const rowsPath = join(dir, "arc-rows.jsonl");
    const columns = await fetchArcRows(client, "org_one", rowsPath, 4);
    // Windows of at most 4 rows, but for the five that share one microsecond, fetched together.
    expect(pages.length).toBeGreaterThanOrEqual(6);
    expect(pages.filter((n) => n > 4)).toEqual([5]);
    expect(columns).toEqual(expect.arrayContaining(["time", "org_id", "content", "metadata_json", "tags_csv"]));
    const fetched = readFileSync(rowsPath, "utf8").trimEnd().split("\n").map((line) => JSON.parse(line) as { content: string; org_id: string });
    expect(fetched.map((row) => row.content).sort()).toEqual(Array.from({ length: 23 }, (_, i) => `legacy ${String(i).padStart(2, "0")}`));
    expect(fetched.every((row) => row.org_id === "org_one")).toBe(true);
  });

  it("imports them into the key's organization through the API, and refuses a database of several orgs unless told which", async () => {
    const target = await server.newOrg("ie-from-arc");
    const base = ["import", "--from-arc", arc.url, "--arc-database", "legacy", "--arc-api-key", ARC_TOKEN, "--url", server.url, "--api-key", target.key, "--progress", "never"];
    const unsaid = io();
    expect(await runCli(base, unsaid.io)).toBe(1);
    expect(unsaid.err).toEqual([`error: legacy/events at ${arc.url} holds the memories of 2 organizations (org_one, org_two): choose one with --source-org`]);

    const run = io();
    expect(await runCli([...base, "--source-org", "org_one"], run.io)).toBe(0);
    expect(run.err).toContain("imported 23 lines: 23 created, 0 duplicates, 0 invalid");
    const stored = await allMemories(target.key);
    expect(stored).toHaveLength(23);
    expect(stored[0]!.time).toBe("2026-04-01T00:00:00Z");
    expect(stored.find((m) => m.content === "legacy 07")).toMatchObject({ tags: ["web", "old"], metadata: { source: "go" }, dedup_key: "key-legacy 07", importance: 0.25 });

    const wrongToken = io();
    expect(await runCli([...base.slice(0, 6), "not-the-token", ...base.slice(7), "--source-org", "org_one"], wrongToken.io)).toBe(1);
    expect(wrongToken.err[0]).toMatch(new RegExp(`^error: cannot read memories from ${arc.url.replaceAll(".", "\\.")} \\(legacy/events\\): .*401`));
  });

  it("checks its Arc options before reading anything", async () => {
    const cases: Array<[string[], string]> = [
      [["--from-arc", "ftp://arc", "--arc-database", "legacy"], "error: --from-arc must be an http(s) URL, got 'ftp://arc'"],
      [["--from-arc", "http://admin:s3cret@arc:8000", "--arc-database", "legacy"], "error: --from-arc must not carry credentials: give Arc's token with --arc-api-key"],
      [["--from-arc", arc.url], "error: --arc-database is required with --from-arc"],
      [["--from-arc", arc.url, "--arc-database", "no such db"], "error: --arc-database is not a database name Arc takes: 'no such db'"],
      [[join(dir, "org.jsonl"), "--arc-database", "legacy"], "error: --arc-database goes with --from-arc"],
    ];
    for (const [args, message] of cases) {
      const run = io();
      expect(await runCli(["import", ...args, "--url", server.url, "--api-key", source.key], run.io), args.join(" ")).toBe(1);
      expect(run.err).toEqual([message]);
    }
    const both = io();
    expect(await runCli(["import", "file.jsonl", "--from-arc", arc.url, "--arc-database", "legacy", "--api-key", source.key], both.io)).toBe(2);
    expect(both.err[0]).toMatch(/^error: --from-arc reads from Arc: give no file as well/);
  });
});

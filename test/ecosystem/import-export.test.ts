import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemtraceClient, type Memory, type MemoryInput } from "memtrace/client";
import { runCli } from "../../node-adapter/cli/run";
import { runCliProcess } from "../support/child";
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

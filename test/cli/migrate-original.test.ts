import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { encode } from "@msgpack/msgpack";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../../core/auth/api-key";
import { generateMasterKey } from "../../core/crypto/envelope";
import { isoFromOriginalTime } from "../../core/metadata/original-import";
import { runCli } from "../../node-adapter/cli/run";
import { ArcSocket } from "../support/arc-socket";
import { startServeProcess } from "../support/child";
import { tempDir } from "../support/harness";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The original Go Memtrace's metadata schema (reference §4.7), as its `internal/metadata/db.go` makes it. */
const ORIGINAL_SCHEMA = [
  "PRAGMA foreign_keys = ON",
  `CREATE TABLE organizations (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, settings_json TEXT DEFAULT '{}')`,
  `CREATE TABLE api_keys (id INTEGER PRIMARY KEY AUTOINCREMENT, key_hash TEXT NOT NULL, key_prefix TEXT NOT NULL, name TEXT NOT NULL UNIQUE,
     org_id TEXT NOT NULL REFERENCES organizations(id), permissions TEXT DEFAULT 'read,write', created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
     expires_at TIMESTAMP, enabled INTEGER DEFAULT 1)`,
  `CREATE TABLE agents (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organizations(id), name TEXT NOT NULL, description TEXT,
     config_json TEXT DEFAULT '{}', created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, last_active_at TIMESTAMP, UNIQUE(org_id, name))`,
  `CREATE TABLE sessions (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organizations(id), agent_id TEXT NOT NULL REFERENCES agents(id),
     status TEXT DEFAULT 'active', metadata_json TEXT DEFAULT '{}', created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
     updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, closed_at TIMESTAMP)`,
  `CREATE TABLE arc_instances (id TEXT PRIMARY KEY, org_id TEXT NOT NULL UNIQUE REFERENCES organizations(id) ON DELETE CASCADE, url TEXT NOT NULL,
     api_key_cipher BLOB NOT NULL, api_key_nonce BLOB NOT NULL, database TEXT NOT NULL, measurement TEXT NOT NULL DEFAULT 'events',
     created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)`,
];

const ACME = "org_aaaaaaaaaaaaaaaaaaaaaaaa";
const CRAWLER = "agent_bbbbbbbbbbbbbbbbbbbbbbbb";
const PLANNER = "agent_cccccccccccccccccccccccc";

/** What the original stored for a key: Go's bcrypt (`$2a$`) and the first 16 hex digits of SHA-256. */
const storedKey = (key: string) => ({ hash: bcrypt.hashSync(key, 4).replace(/^\$2b\$/, "$2a$"), prefix: createHash("sha256").update(key).digest("hex").slice(0, 16) });

/** An original `memtrace.db` with two orgs, their keys (one disabled), agents, sessions and an Arc binding. */
async function writeOriginalDb(path: string, keys: { admin: string; acme: string; disabled: string }): Promise<void> {
  const db = createClient({ url: `file:${path}` });
  try {
    for (const statement of ORIGINAL_SCHEMA) await db.execute(statement);
    await db.execute("INSERT INTO organizations (id, name, created_at) VALUES ('org_default', 'Default', '2025-11-02 10:00:00')");
    await db.execute({ sql: "INSERT INTO organizations (id, name, created_at) VALUES (?, 'Acme', '2025-11-03 11:12:13.123456789+00:00')", args: [ACME] });
    const key = (name: string, plaintext: string, orgId: string, permissions: string, enabled = 1) => {
      const { hash, prefix } = storedKey(plaintext);
      return db.execute({
        sql: "INSERT INTO api_keys (key_hash, key_prefix, name, org_id, permissions, enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, '2025-11-03 12:00:00')",
        args: [hash, prefix, name, orgId, permissions, enabled],
      });
    };
    await key("admin", keys.admin, "org_default", "read,write,admin");
    await key("acme-ci", keys.acme, ACME, "read,write");
    await key("acme-old", keys.disabled, ACME, "read,write", 0);
    await db.execute({
      sql: "INSERT INTO agents (id, org_id, name, description, config_json, created_at, last_active_at) VALUES (?, ?, 'crawler', 'reads the web', '{\"depth\":2}', '2025-11-04 08:00:00', '2025-11-05 09:30:00.5+02:00')",
      args: [CRAWLER, ACME],
    });
    await db.execute({ sql: "INSERT INTO agents (id, org_id, name, created_at) VALUES (?, 'org_default', 'planner', '2025-11-04 08:00:00')", args: [PLANNER] });
    const session = (id: string, orgId: string, agentId: string, status: string, closedAt: string | null) =>
      db.execute({
        sql: "INSERT INTO sessions (id, org_id, agent_id, status, metadata_json, created_at, updated_at, closed_at) VALUES (?, ?, ?, ?, '{\"ticket\":7}', '2025-11-06 10:00:00', '2025-11-06 11:00:00', ?)",
        args: [id, orgId, agentId, status, closedAt],
      });
    await session("sess_dddddddddddddddddddddddd", ACME, CRAWLER, "active", null);
    await session("sess_eeeeeeeeeeeeeeeeeeeeeeee", ACME, CRAWLER, "closed", "2025-11-06 11:00:00");
    // The original did not check that a session's agent is in the session's org.
    await session("sess_ffffffffffffffffffffffff", ACME, PLANNER, "active", null);
    await db.execute({
      sql: "INSERT INTO arc_instances (id, org_id, url, api_key_cipher, api_key_nonce, database) VALUES ('arc_default', ?, 'http://arc.internal:8000', ?, ?, 'acme_memories')",
      args: [ACME, new Uint8Array(32), new Uint8Array(12)],
    });
  } finally {
    db.close();
  }
}

const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: (env: Record<string, string>) => ({ out: (t: string) => out.push(t), err: (t: string) => err.push(t), env }) };
};

describe("memtrace migrate", () => {
  const keys = { admin: generateApiKey(), acme: generateApiKey(), disabled: generateApiKey() };
  let dir: string;
  let original: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = tempDir("memtrace-migrate-");
    dirs.push(dir);
    original = join(dir, "original-memtrace.db");
    await writeOriginalDb(original, keys);
    env = { MEMTRACE_DATA_DIR: join(dir, "data"), MEMTRACE_MASTER_KEY: generateMasterKey(), MEMTRACE_SERVER_HOST: "127.0.0.1", MEMTRACE_SERVER_PORT: "0" };
  });

  it("copies the original's orgs, keys, agents and sessions, leaving its file as it was; the keys then work over HTTP, and bring the org's memories over from its Arc", async () => {
    const before = readFileSync(original);
    const run = io();
    expect(await runCli(["migrate", original], run.io(env)), run.err.join("\n")).toBe(0);
    expect(readFileSync(original).equals(before)).toBe(true);
    const said = run.out.join("\n");
    expect(said).toContain("Copied from the original Memtrace: 2 organizations, 3 API keys");
    expect(said).toContain("2 agents, 2 sessions");
    expect(said).toContain("Left out 1 sessions whose agent belongs to another organization: sess_ffffffffffffffffffffffff");
    expect(said).toContain(
      `${ACME}: memtrace import --from-arc http://arc.internal:8000 --arc-database acme_memories --arc-measurement events --arc-api-key <its Arc key> --source-org ${ACME} --api-key <a key of ${ACME}>`,
    );

    const listed = io();
    expect(await runCli(["org", "list"], listed.io(env))).toBe(0);
    expect(listed.out.join("\n")).toMatch(new RegExp(`${ACME}\\s+Acme\\s+2025-11-03T11:12:13\\.123Z`));
    expect(await runCli(["org", "show-arc", ACME], io().io(env))).toBe(1);

    const server = await startServeProcess(env);
    try {
      // Orgs exist, so no first-run key is made.
      expect(server.output()).not.toMatch(/^mtk_/m);
      const call = async (key: string, path: string, init: RequestInit = {}) => {
        const res = await fetch(`${server.url}${path}`, { ...init, headers: { "x-api-key": key, "content-type": "application/json" } });
        return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
      };
      const agents = await call(keys.acme, "/api/v1/agents");
      expect(agents.status).toBe(200);
      expect(agents.body.agents).toEqual([
        expect.objectContaining({ id: CRAWLER, org_id: ACME, name: "crawler", description: "reads the web", config: { depth: 2 }, last_active_at: "2025-11-05T07:30:00.500Z" }),
      ]);
      const sessions = await call(keys.acme, "/api/v1/sessions");
      expect(sessions.body.sessions.map((s: any) => [s.id, s.status, s.metadata]).sort()).toEqual([
        ["sess_dddddddddddddddddddddddd", "active", { ticket: 7 }],
        ["sess_eeeeeeeeeeeeeeeeeeeeeeee", "closed", { ticket: 7 }],
      ]);
      const write = (session: string) =>
        call(keys.acme, "/api/v1/memories", { method: "POST", body: JSON.stringify({ agent_id: "crawler", content: `into ${session}`, session_id: session }) });
      expect((await write("sess_dddddddddddddddddddddddd")).status).toBe(201);
      expect((await write("sess_eeeeeeeeeeeeeeeeeeeeeeee")).status).toBe(409);
      expect((await call(keys.acme, "/api/v1/admin/orgs")).status).toBe(403);
      expect((await call(keys.admin, "/api/v1/admin/orgs")).status).toBe(200);
      expect((await call(keys.disabled, "/api/v1/agents")).status).toBe(401);

      // Then its memories, from the Arc the original bound the org to, with the key its clients hold.
      const arc = await ArcSocket.start();
      try {
        const res = await fetch(`${arc.url}/api/v1/write/msgpack`, {
          method: "POST",
          headers: { "content-type": "application/msgpack", "x-arc-database": "acme_memories" },
          body: encode({
            m: "events",
            columns: {
              time: [Date.UTC(2025, 10, 6, 10, 30) * 1000, Date.UTC(2025, 10, 6, 10, 31) * 1000],
              org_id: [ACME, ACME],
              agent_id: ["crawler", "crawler"],
              session_id: ["sess_dddddddddddddddddddddddd", ""],
              memory_type: ["episodic", "decision"],
              event_type: ["page_crawled", "general"],
              content: ["Crawled the pricing page", "Chose the yearly plan"],
              metadata_json: ['{"status":200}', "{}"],
              tags_csv: ["web", ""],
              dedup_key: ["aaaa0000aaaa0000", "bbbb1111bbbb1111"],
              importance: [0.75, 0.25],
              parent_id: ["", ""],
            },
          }),
        });
        expect(res.status).toBe(204);
        const imported = io();
        const args = ["import", "--from-arc", arc.url, "--arc-database", "acme_memories", "--url", server.url, "--api-key", keys.acme, "--progress", "never"];
        expect(await runCli(args, imported.io(env)), imported.err.join("\n")).toBe(0);
        expect(imported.err).toContain("imported 2 lines: 2 created, 0 duplicates, 0 invalid");
      } finally {
        await arc.close();
      }
      const listed = await call(keys.acme, "/api/v1/memories?agent_id=crawler&since=2025-11-01T00:00:00Z&until=2025-12-01T00:00:00Z&order=asc");
      expect(listed.body.memories.map((m: any) => [m.time, m.content, m.session_id ?? "", m.tags ?? [], m.metadata ?? {}])).toEqual([
        ["2025-11-06T10:30:00Z", "Crawled the pricing page", "sess_dddddddddddddddddddddddd", ["web"], { status: 200 }],
        ["2025-11-06T10:31:00Z", "Chose the yearly plan", "", [], {}],
      ]);
    } finally {
      await server.stop();
    }
  });

  it("refuses, changing nothing, a second copy, this Memtrace's own database, a time it cannot read, and a file that is not SQLite", async () => {
    const again = io();
    expect(await runCli(["migrate", original], again.io(env))).toBe(1);
    expect(again.err).toEqual([
      `error: ${original}: organization ${ACME}, organization org_default, agent ${CRAWLER}, agent ${PLANNER}, session sess_dddddddddddddddddddddddd, session sess_eeeeeeeeeeeeeeeeeeeeeeee are here already: copy the original's database into a new data folder, before the first start`,
    ]);
    const keysListed = io();
    expect(await runCli(["key", "list", "--org", ACME], keysListed.io(env))).toBe(0);
    expect(keysListed.out.join("\n").match(/acme-/g)).toHaveLength(2);

    const ours = io();
    const fresh = { ...env, MEMTRACE_DATA_DIR: join(dir, "other") };
    expect(await runCli(["migrate", join(env.MEMTRACE_DATA_DIR!, "memtrace.db")], ours.io(fresh))).toBe(1);
    expect(ours.err[0]).toMatch(/this is a database of this Memtrace, not the original Go Memtrace's$/);

    const badTime = join(dir, "bad-time.db");
    await writeOriginalDb(badTime, { admin: generateApiKey(), acme: generateApiKey(), disabled: generateApiKey() });
    const db = createClient({ url: `file:${badTime}` });
    await db.execute("UPDATE agents SET created_at = 'last tuesday' WHERE name = 'planner'");
    db.close();
    const unreadable = io();
    expect(await runCli(["migrate", badTime], unreadable.io(fresh))).toBe(1);
    expect(unreadable.err).toEqual([`error: ${badTime}: cannot read a row of agents: a time this cannot read: "last tuesday"`]);
    const nothing = io();
    expect(await runCli(["org", "list"], nothing.io(fresh))).toBe(0);
    expect(nothing.out.join("\n")).not.toContain(ACME);

    const text = join(dir, "notes.txt");
    writeFileSync(text, "not a database");
    const notSqlite = io();
    expect(await runCli(["migrate", text], notSqlite.io(fresh))).toBe(1);
    expect(notSqlite.err).toEqual([`error: ${text} is not a SQLite database`]);
    const missing = io();
    expect(await runCli(["migrate", join(dir, "nope.db")], missing.io(fresh))).toBe(1);
    expect(missing.err).toEqual([`error: no such file: ${join(dir, "nope.db")}`]);
    const none = io();
    expect(await runCli(["migrate"], none.io(fresh))).toBe(2);
    expect(none.err[0]).toMatch(/original_db is required \(usage: memtrace migrate <the original's memtrace.db>\)/);
  });
});

describe("isoFromOriginalTime", () => {
  it("reads the times SQLite and Go's SQLite drivers write, in UTC unless an offset says otherwise", () => {
    expect(isoFromOriginalTime("2025-11-02 10:00:00")).toBe("2025-11-02T10:00:00.000Z");
    expect(isoFromOriginalTime("2025-11-03 11:12:13.123456789+00:00")).toBe("2025-11-03T11:12:13.123Z");
    expect(isoFromOriginalTime("2025-11-05 09:30:00.5+02:00")).toBe("2025-11-05T07:30:00.500Z");
    expect(isoFromOriginalTime("2025-11-05T09:30:00Z")).toBe("2025-11-05T09:30:00.000Z");
    expect(isoFromOriginalTime("2025-11-05 09:30:00 -0700 MST")).toBe("2025-11-05T16:30:00.000Z");
    expect(isoFromOriginalTime("yesterday")).toBeUndefined();
  });
});

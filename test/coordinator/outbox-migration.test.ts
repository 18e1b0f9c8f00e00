import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { migrateOutbox } from "../../core/coordinator/outbox-migrations";
import { dedupClaim } from "../../core/memory/dedup-key";
import { LibsqlExecutor } from "../../node-adapter/sql/libsql-executor";
import { dedupLogKeys, FakeSink, makeRecord, rewindOutboxToSchema2, storedIds, useOutboxFile } from "./support";

const HOUR = 3_600_000;

// The version 1 schema as it shipped: fixed history, so spelled out here rather than imported.
const V1_SCHEMA = [
  "CREATE TABLE outbox_schema_version (version INTEGER PRIMARY KEY, applied_at_us INTEGER NOT NULL)",
  `CREATE TABLE outbox (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, org_id TEXT NOT NULL, claimed_dedup_key TEXT NOT NULL,
    record_json TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'delivered')), attempts INTEGER NOT NULL DEFAULT 0,
    accepted_at_us INTEGER NOT NULL, delivered_at_us INTEGER)`,
  `CREATE TABLE dedup_index (org_id TEXT NOT NULL, dedup_key TEXT NOT NULL, memory_id TEXT NOT NULL, expires_at_us INTEGER NOT NULL,
    PRIMARY KEY (org_id, dedup_key)) WITHOUT ROWID`,
  "CREATE INDEX dedup_index_expiry ON dedup_index (expires_at_us)",
];

const { open, file: outboxFile } = useOutboxFile();

describe("outbox schema versions 2 and 3", () => {
  it("takes over a version 1 file: every row is delivered again and its live keys still dedup", async () => {
    const file = outboxFile();
    const clock = new ManualClock();
    const nowUs = clock.now() * 1000;
    const pending = makeRecord({ dedup_key: "p" });
    const delivered = makeRecord({ dedup_key: "d" });
    const v1 = await LibsqlExecutor.open({ url: `file:${file}` });
    for (const sql of V1_SCHEMA) await v1.execute(sql);
    await v1.execute("INSERT INTO outbox_schema_version VALUES (1, ?)", [nowUs - HOUR * 1000]);
    await v1.execute(
      "INSERT INTO outbox VALUES (7, ?, 'org_a', 'p', ?, 'pending', 2, ?, NULL), (9, ?, 'org_a', 'd', ?, 'delivered', 1, ?, ?)",
      [pending.id, JSON.stringify(pending), nowUs - 2000, delivered.id, JSON.stringify(delivered), nowUs - 1000, nowUs - 500],
    );
    await v1.execute("INSERT INTO dedup_index VALUES ('org_a', 'p', ?, ?), ('org_a', 'd', ?, ?), ('org_a', 'gone', 'mem-old', ?)", [
      pending.id,
      nowUs + HOUR * 1000,
      delivered.id,
      nowUs + HOUR * 1000,
      nowUs - 1,
    ]);
    await v1.close();

    const h = await open({}, { clock });
    expect(await storedIds(h)).toEqual([pending.id, delivered.id]);
    // Version 3 claims keys per agent: the agents come from the rows still in the outbox; "gone"
    // (expired, its memory no longer held) has no agent to be claimed under and is dropped.
    expect(await dedupLogKeys(h)).toEqual([dedupClaim("agent_1", "d"), dedupClaim("agent_1", "p")]);
    // Only live keys leave a gap to look up in Arc.
    expect(h.coordinator.dedupLogStart.keysDroppedAtUs).toEqual(new Map());
    const tables = await h.sql.execute("SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('outbox', 'dedup_index')");
    expect(tables.rows).toEqual([]);

    const again = await h.coordinator.accept("org_a", [
      makeRecord({ dedup_key: "p" }),
      makeRecord({ dedup_key: "d" }),
      makeRecord({ dedup_key: "gone" }),
    ]);
    expect(again.slice(0, 2)).toEqual([
      { status: "duplicate", existing_id: pending.id },
      { status: "duplicate", existing_id: delivered.id },
    ]);
    expect(again[2]?.status).toBe("created");
    // Another agent's memory with a taken key is no duplicate.
    const otherAgent = await h.coordinator.accept("org_a", [makeRecord({ agent_id: "agent_2", dedup_key: "p" })]);
    expect(otherAgent[0]?.status).toBe("created");

    await h.coordinator.flush("org_a");
    expect(h.sink.deliveries.get(pending.id)).toBe(1);
    expect(h.sink.deliveries.get(delivered.id)).toBe(1);
    // New rows continue after the old seqs (the two duplicates used up 10 and 11).
    const seqs = await h.sql.execute("SELECT first_seq FROM outbox_groups ORDER BY first_seq");
    expect(seqs.rows.map((r) => Number(r.first_seq))).toEqual([7, 9, 12, 13]);
  });
});

describe("outbox schema version 12", () => {
  it("remembers per org when version 3 dropped live keys whose memory had left, so the owner looks them up in Arc", async () => {
    const clock = new ManualClock();
    const nowUs = clock.now() * 1000;
    // A version 2 file, as a clean stop leaves it: every row delivered and gone, the keys still in the log.
    const made = await open({}, { clock });
    await made.close();
    const v2 = await LibsqlExecutor.open({ url: `file:${outboxFile()}` });
    await rewindOutboxToSchema2(v2);
    await v2.execute("INSERT INTO dedup_log VALUES (1, 'org_live', 'k1', 'm1', ?), (2, 'org_live', 'k2', 'm2', ?), (3, 'org_expired', 'k3', 'm3', ?)", [
      nowUs + HOUR * 1000,
      nowUs + 2 * HOUR * 1000,
      nowUs - 1,
    ]);
    await v2.close();

    clock.advance(5_000);
    const h = await open({}, { clock });
    expect(h.coordinator.dedupLogStart.keysDroppedAtUs).toEqual(new Map([["org_live", (nowUs / 1000 + 5_000) * 1000]]));
    expect(await dedupLogKeys(h)).toEqual([]);
    await h.close();
    // Kept across starts.
    expect((await open({}, { clock })).coordinator.dedupLogStart.keysDroppedAtUs.get("org_live")).toBe((nowUs / 1000 + 5_000) * 1000);
  });

  it("gives a file that passed version 3 before the table existed an empty one", async () => {
    const made = await open();
    expect(made.coordinator.dedupLogStart.keysDroppedAtUs).toEqual(new Map());
    await made.close();
    const v11 = await LibsqlExecutor.open({ url: `file:${outboxFile()}` });
    await v11.execute("DROP TABLE dedup_log_gaps");
    await v11.execute("DELETE FROM outbox_schema_version WHERE version >= 12");
    await v11.close();
    const h = await open();
    expect(h.coordinator.dedupLogStart.keysDroppedAtUs).toEqual(new Map());
    expect(h.coordinator.dedupLogStart.createdAtUs).toBeGreaterThan(0);
  });
});

describe("an outbox a later version migrated", () => {
  it("is refused before anything is changed", async () => {
    const made = await open();
    await made.close();
    const later = await LibsqlExecutor.open({ url: `file:${outboxFile()}` });
    try {
      await later.execute("INSERT INTO outbox_schema_version (version, applied_at_us) VALUES (9999, 0)");
      const schema = async () => JSON.stringify((await later.execute("SELECT name, sql FROM sqlite_schema ORDER BY name")).rows);
      const before = await schema();
      await expect(migrateOutbox(later, 0)).rejects.toThrow(/^the outbox was migrated by a newer Memtrace \(schema version 9999; this one knows up to \d+\)/);
      expect(await schema()).toBe(before);
    } finally {
      await later.close();
    }
  });
});

describe("outbox schema version 9", () => {
  it("takes over a version 8 file: its owed deletes keep running, and those naming a memory still hide it", async () => {
    const clock = new ManualClock();
    const nowUs = clock.now() * 1000;
    // A version 8 file: the current schema without what versions 9 and later added.
    const made = await open({}, { clock });
    await made.close();
    const v8 = await LibsqlExecutor.open({ url: `file:${outboxFile()}` });
    await v8.execute("ALTER TABLE arc_deletes DROP COLUMN filter_json");
    await v8.execute("DROP TABLE memory_versions");
    await v8.execute("DROP TABLE unflushed_forgets");
    await v8.execute("DELETE FROM outbox_schema_version WHERE version >= 9");
    await v8.execute(
      `INSERT INTO arc_deletes (seq, org_id, where_sql, created_at_us, memory_id, agent_id)
       VALUES (1, 'org_a', 'id = ''m-updated''', ?, 'm-updated', 'ann'), (2, 'org_a', 'session_id = ''s1''', ?, NULL, NULL)`,
      [nowUs - 2, nowUs - 1],
    );
    await v8.close();

    const h = await open({}, { clock });
    expect(await h.coordinator.recentIds("org_a", { org_id: "org_a" })).toMatchObject({ hiddenInArc: ["m-updated"], hiddenFilters: [] });
    await h.coordinator.flush("org_a");
    expect(h.sink.deletes).toEqual(["id = 'm-updated'", "session_id = 's1'"]);
    expect(await h.coordinator.recentIds("org_a", { org_id: "org_a" })).toMatchObject({ hiddenInArc: [], hiddenFilters: [] });
  });
});

describe("outbox schema version 10", () => {
  it("takes over a version 9 file: updates from then on keep their memory's latest version", async () => {
    const made = await open();
    const memory = makeRecord();
    await made.coordinator.accept("org_a", [memory]);
    await made.close();
    const v9 = await LibsqlExecutor.open({ url: `file:${outboxFile()}` });
    await v9.execute("DROP TABLE memory_versions");
    await v9.execute("DROP TABLE unflushed_forgets");
    await v9.execute("DELETE FROM outbox_schema_version WHERE version >= 10");
    await v9.close();

    const h = await open();
    expect(await h.coordinator.latestVersionUs("org_a", memory.id)).toBeNull();
    const updated = await h.coordinator.replace("org_a", memory, { ...memory, content: "changed" }, { readAtMs: h.clock.now() });
    expect(updated.status).toBe("created");
    expect(await h.coordinator.latestVersionUs("org_a", memory.id)).toBe(updated.status === "created" ? updated.record.ingested_at_us : NaN);
  });
});

describe("outbox schema version 11", () => {
  it("takes over a version 10 file: a memory let go with no delete owed is remembered across a restart", async () => {
    const made = await open();
    await made.close();
    const v10 = await LibsqlExecutor.open({ url: `file:${outboxFile()}` });
    await v10.execute("DROP TABLE unflushed_forgets");
    await v10.execute("DELETE FROM outbox_schema_version WHERE version >= 11");
    await v10.close();

    const sink = new FakeSink();
    sink.flushesWithinVisibilityDelay = true;
    const h = await open({}, { sink });
    const walked = makeRecord();
    await h.coordinator.accept("org_a", [walked]);
    await h.coordinator.flush("org_a");
    await h.coordinator.forget("org_a", [walked]);
    expect((await h.sql.execute("SELECT org_id FROM unflushed_forgets")).rows.map((row) => row.org_id)).toEqual(["org_a"]);
  });
});

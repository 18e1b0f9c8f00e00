import { describe, expect, it } from "vitest";
import { migrateOutbox } from "../../core/coordinator/outbox-migrations";
import { OutboxStore, PART_TARGET_UNITS, pendingArcDeleteInsert } from "../../core/coordinator/outbox-store";
import { LibsqlExecutor } from "../../node-adapter/sql/libsql-executor";
import { makeRecord } from "./support";

/** The key pages `forEachLiveKey` reads from here on: each one's row limit, keys kept and text length. */
function watchKeyPages(sql: LibsqlExecutor): Array<{ limit: number; kept: number; length: number }> {
  const pages: Array<{ limit: number; kept: number; length: number }> = [];
  const execute = sql.execute.bind(sql);
  sql.execute = async (text, args) => {
    const result = await execute(text, args);
    if (text.includes("json_group_array")) {
      const row = result.rows[0];
      pages.push({ limit: Number(args?.[2]), kept: Number(row?.n ?? 0), length: String(row?.page ?? "").length });
    }
    return result;
  };
  return pages;
}

describe("OutboxStore", () => {
  it("loads the live dedup keys page by page, in seq order, without the expired ones", async () => {
    const sql = await LibsqlExecutor.open({ url: ":memory:" });
    try {
      await migrateOutbox(sql, 0);
      const store = new OutboxStore(sql, 2);
      const keys = Array.from({ length: 7 }, (_, i) => ({
        seq: i + 1,
        orgId: i % 2 ? "org_a" : "org_b",
        key: `k${i + 1}`,
        memoryId: `m${i + 1}`,
        expiresAtUs: i === 2 ? 500 : 10_000 + i,
      }));
      // Keys expire together within a commit, so each expiry is its own commit here.
      for (const k of keys) {
        const rows = k.seq === 1 ? [{ seq: 1, record: makeRecord() }] : [];
        await store.commit([{ orgId: k.orgId, rows, claims: [[k.seq, k.key, k.memoryId]] }], 0, k.expiresAtUs);
      }
      const seen: Array<[number, string, string, number]> = [];
      await store.forEachLiveKey(1_000, (seq, orgId, key, expiresAtUs) => void seen.push([seq, orgId, key, expiresAtUs]));
      expect(seen).toEqual(keys.filter((k) => k.seq !== 3).map((k) => [k.seq, k.orgId, k.key, k.expiresAtUs]));
      expect(await store.dedupEntries([4, 99])).toEqual([keys[3]]);
    } finally {
      await sql.close();
    }
  });

  it("loads the outbox's rows a page of groups at a time, oldest first, every org's", async () => {
    const sql = await LibsqlExecutor.open({ url: ":memory:" });
    try {
      await migrateOutbox(sql, 0);
      const store = new OutboxStore(sql);
      // Five commits, each a group per org: ten groups, loaded three to a page.
      let seq = 0;
      for (let commit = 0; commit < 5; commit++) {
        const group = (orgId: string) => ({ orgId, rows: [{ seq: ++seq, record: makeRecord({ org_id: orgId }) }, { seq: ++seq, record: makeRecord({ org_id: orgId }) }], claims: [] });
        await store.commit([group("org_a"), group("org_b")], commit, 10_000);
      }
      const pages: number[][] = [];
      await store.forEachRowPage((rows) => void pages.push(rows.map((row) => row.seq)), 3);
      expect(pages.map((page) => page.length)).toEqual([6, 6, 6, 2]);
      expect(pages.flat()).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect((await store.loadAll()).map((row) => row.seq)).toEqual(pages.flat());
    } finally {
      await sql.close();
    }
  });

  it("keeps every stored value under its byte bound: a large commit in several groups, keys in smaller pages", async () => {
    const sql = await LibsqlExecutor.open({ url: ":memory:" });
    try {
      await migrateOutbox(sql, 0);
      const store = new OutboxStore(sql, 50_000, 20_000);
      // 2,000 characters of two-byte text each: a group of 20 would be about 80 kB.
      const rows = Array.from({ length: 20 }, (_, i) => ({ seq: i + 1, record: makeRecord({ content: "é".repeat(2_000) }) }));
      const claims = Array.from({ length: 400 }, (_, i): [number, string, string] => [i + 1, `key-${i}`.padEnd(120, "k"), `m${i}`]);
      await store.commit([{ orgId: "org_a", rows, claims }], 0, 10_000);

      const stored = await sql.execute("SELECT first_seq, last_seq, length(CAST(rows_json AS BLOB)) AS bytes FROM outbox_groups ORDER BY first_seq");
      expect(stored.rows.length).toBeGreaterThan(1);
      expect(stored.rows.every((row) => Number(row.bytes) <= 20_000)).toBe(true);
      expect(Number(stored.rows.at(-1)?.last_seq)).toBe(20);
      expect((await store.loadAll()).map((row) => row.seq)).toEqual(rows.map((row) => row.seq));

      const pages = watchKeyPages(sql);
      const seen: number[] = [];
      await store.forEachLiveKey(1_000, (seq) => void seen.push(seq));
      expect(seen).toEqual(claims.map(([seq]) => seq));
      expect(pages.length).toBeGreaterThan(2);
      expect(Math.max(...pages.map((page) => page.length))).toBeLessThanOrEqual(20_000 + 300);

      await store.retire("org_a", 20);
      expect(await store.loadAll()).toEqual([]);
    } finally {
      await sql.close();
    }
  });

  it("loads keys in pages that read about as many rows as the last page kept, more again once keys are short", async () => {
    const sql = await LibsqlExecutor.open({ url: ":memory:" });
    try {
      await migrateOutbox(sql, 0);
      const store = new OutboxStore(sql, 50_000, 20_000);
      // 60 keys of 2,000 characters (about ten to a page of 20 kB), then 2,000 short ones.
      const claims = Array.from({ length: 2_060 }, (_, i): [number, string, string] => [i + 1, i < 60 ? `long-${i}`.padEnd(2_000, "x") : `k${i}`, `m${i}`]);
      await store.commit([{ orgId: "org_a", rows: [], claims }], 0, 10_000);
      const pages = watchKeyPages(sql);
      const seen: number[] = [];
      await store.forEachLiveKey(1_000, (seq) => void seen.push(seq));
      const limits = pages.map((page) => page.limit);
      const kept = pages.map((page) => page.kept);
      expect(seen).toEqual(claims.map(([seq]) => seq));
      expect(limits[0]).toBe(50_000);
      // After a page cut by bytes, the next reads what that page kept and an eighth more.
      expect(kept[0]).toBeLessThan(15);
      expect(limits[1]).toBe(256);
      // Once a page is full by rows, the next reads twice as many.
      const full = kept.findIndex((n, i) => n === limits[i]);
      expect(full).toBeGreaterThan(0);
      expect(limits[full + 1]).toBe(Math.min(50_000, 2 * limits[full]!));
    } finally {
      await sql.close();
    }
  });

  it("stores a commit of thousands of memories as small parts, in seq order, read back whole", async () => {
    const sql = await LibsqlExecutor.open({ url: ":memory:" });
    try {
      await migrateOutbox(sql, 0);
      const store = new OutboxStore(sql);
      // About 1.1 MB of JSON: one part under the byte bound alone, but far past the part target.
      const rows = Array.from({ length: 3_000 }, (_, i) => ({
        seq: i + 1,
        record: makeRecord({ id: crypto.randomUUID(), content: `step ${i}: ${"crawled the pricing page again ".repeat(10)}`, tags: ["web", "billing"] }),
      }));
      await store.commit([{ orgId: "org_a", rows, claims: [] }], 0, 10_000);

      const stored = await sql.execute("SELECT first_seq, last_seq, length(rows_json) AS units FROM outbox_groups ORDER BY first_seq");
      expect(stored.rows.length).toBeGreaterThan(20);
      expect(stored.rows.every((row) => Number(row.units) <= PART_TARGET_UNITS)).toBe(true);
      // Contiguous: each part starts where the one before it ended.
      stored.rows.forEach((row, i) => expect(Number(row.first_seq)).toBe(i === 0 ? 1 : Number(stored.rows[i - 1]!.last_seq) + 1));
      expect(Number(stored.rows.at(-1)!.last_seq)).toBe(3_000);
      expect((await store.loadAll()).map((row) => row.record)).toEqual(rows.map((row) => row.record));
    } finally {
      await sql.close();
    }
  });

  it("cuts a commit whose text looked small but grows with JSON escapes", async () => {
    const sql = await LibsqlExecutor.open({ url: ":memory:" });
    try {
      await migrateOutbox(sql, 0);
      const store = new OutboxStore(sql, 50_000, 20_000);
      // 400 control characters are 400 units of text and 2,400 of JSON (\u0001 each).
      const rows = Array.from({ length: 10 }, (_, i) => ({ seq: i + 1, record: makeRecord({ content: "\u0001".repeat(400) }) }));
      await store.commit([{ orgId: "org_a", rows, claims: [] }], 0, 10_000);
      const stored = await sql.execute("SELECT length(CAST(rows_json AS BLOB)) AS bytes FROM outbox_groups");
      expect(stored.rows.length).toBeGreaterThan(1);
      expect(stored.rows.every((row) => Number(row.bytes) <= 20_000)).toBe(true);
      expect((await store.loadAll()).map((row) => row.record.content)).toEqual(rows.map((row) => row.record.content));
    } finally {
      await sql.close();
    }
  });

  // libSQL panics, killing the process, on reading text that is not UTF-8 back: only hex is read here.
  const storedKeysHex = async (sql: LibsqlExecutor) =>
    (await sql.execute("SELECT hex(dedup_key) AS hex FROM dedup_log ORDER BY seq")).rows.map((row) => row.hex);
  const utf8Hex = (text: string) => Buffer.from(text, "utf8").toString("hex").toUpperCase();

  it("stores claimed keys well-formed, so no dedup log row holds bytes that are not UTF-8", async () => {
    const sql = await LibsqlExecutor.open({ url: ":memory:" });
    try {
      await migrateOutbox(sql, 0);
      const store = new OutboxStore(sql);
      const claims: Array<[number, string, string]> = [
        [1, "k\uD800", "m1"],
        [2, "\uDFFFtail", "m2"],
        [3, "pair \u{1F600} and 한국", "m3"],
      ];
      await store.commit([{ orgId: "org_a", rows: [], claims }], 0, 10_000);
      expect(await storedKeysHex(sql)).toEqual(["k\uFFFD", "\uFFFDtail", "pair \u{1F600} and 한국"].map(utf8Hex));
    } finally {
      await sql.close();
    }
  });

  it("reads back keys an earlier version stored as encoded surrogates, each as U+FFFD", async () => {
    const sql = await LibsqlExecutor.open({ url: ":memory:" });
    try {
      await migrateOutbox(sql, 0);
      // What the store's own INSERT made of a lone surrogate before its keys were made well-formed.
      await sql.execute(
        `INSERT INTO dedup_log (seq, org_id, dedup_key, memory_id, expires_at_us)
         SELECT value ->> 0, 'org_a', value ->> 1, value ->> 2, 10000 FROM json_each(?)`,
        ['[[1, "k\\ud800", "m1"], [2, "\\udfff\\ud800x", "m2"], [3, "한국", "m3"], [4, "plain", "m4"]]'],
      );
      expect((await storedKeysHex(sql))[0]).toBe("6BEDA080");
      const store = new OutboxStore(sql);
      const expected = ["k\uFFFD", "\uFFFD\uFFFDx", "한국", "plain"];
      const seen: string[] = [];
      await store.forEachLiveKey(1_000, (_seq, _org, key) => void seen.push(key));
      expect(seen).toEqual(expected);
      expect((await store.dedupEntries([1, 2, 3, 4])).map((entry) => entry.key)).toEqual(expected);
    } finally {
      await sql.close();
    }
  });

  it("keeps the memory an update's owed delete is for, and none for other deletes", async () => {
    const sql = await LibsqlExecutor.open({ url: ":memory:" });
    try {
      await migrateOutbox(sql, 0);
      const store = new OutboxStore(sql);
      const owed = [
        { seq: 1, orgId: "org_a", where: "id = 'm1'", createdAtUs: 10, memory: { id: "m1", agentId: "ann" } },
        { seq: 2, orgId: "org_a", where: "agent_id = 'bob'", createdAtUs: 11 },
      ];
      await sql.batch(owed.map(pendingArcDeleteInsert));
      expect(await store.loadArcDeletes()).toEqual(owed);
    } finally {
      await sql.close();
    }
  });
});

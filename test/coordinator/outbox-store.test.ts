import { describe, expect, it } from "vitest";
import { migrateOutbox } from "../../core/coordinator/outbox-migrations";
import { OutboxStore } from "../../core/coordinator/outbox-store";
import { LibsqlExecutor } from "../../node-adapter/sql/libsql-executor";
import { makeRecord } from "./support";

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
});

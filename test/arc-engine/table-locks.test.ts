import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { qualifiedTable } from "../../node-adapter/arc-engine/names";
import { runSelect } from "../../node-adapter/arc-engine/query/run-select";
import { deleteRows } from "../../node-adapter/arc-engine/storage/delete-rows";
import { DuckDBStore } from "../../node-adapter/arc-engine/storage/duckdb-store";
import { TableLocks, type TableRef } from "../../node-adapter/arc-engine/storage/table-locks";
import type { PendingBuffer } from "../../node-adapter/arc-engine/storage/write-buffer";
import { ArcServer, micros } from "./harness";

/** A gate a test opens by hand, and the promise the locked task waits on. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** "waiting" if `work` has not settled after a while; nothing here takes that long once free. */
const settledSoon = <T>(work: Promise<T>) => Promise.race([work, sleep(100).then(() => "waiting" as const)]);

const M: TableRef = { database: "db", measurement: "m" };
const OTHER: TableRef = { database: "db", measurement: "other" };

describe("TableLocks", () => {
  it("lets queries of a table run together, a write wait for them, and later queries wait for the write", async () => {
    const locks = new TableLocks();
    const order: string[] = [];
    const first = gate();
    const second = gate();
    const q1 = locks.read([M], async () => void (await first.opened, order.push("q1")));
    const q2 = locks.read([M], async () => void (await second.opened, order.push("q2")));
    const write = locks.write(M, async () => void order.push("write"));
    const q3 = locks.read([M], async () => void order.push("q3"));
    expect(await settledSoon(write)).toBe("waiting");
    first.open();
    await q1;
    expect(await settledSoon(write)).toBe("waiting");
    second.open();
    await Promise.all([q2, write, q3]);
    expect(order).toEqual(["q1", "q2", "write", "q3"]);
    expect(locks.busyTables()).toBe(0);
  });

  it("holds a query of several tables while any of them is written, and nothing of another table", async () => {
    const locks = new TableLocks();
    const writing = gate();
    const write = locks.write(M, () => writing.opened);
    expect(await settledSoon(locks.read([OTHER], async () => "other read"))).toBe("other read");
    expect(await settledSoon(locks.write(OTHER, async () => "other write"))).toBe("other write");
    const both = locks.read([OTHER, M], async () => "both");
    expect(await settledSoon(both)).toBe("waiting");
    writing.open();
    await write;
    expect(await both).toBe("both");
    expect(locks.busyTables()).toBe(0);
  });

  it("lets go of a table whose task failed", async () => {
    const locks = new TableLocks();
    await expect(locks.write(M, async () => Promise.reject(new Error("disk full")))).rejects.toThrow("disk full");
    await expect(locks.read([M], async () => Promise.reject(new Error("bad query")))).rejects.toThrow("bad query");
    expect(await settledSoon(locks.write(M, async () => "written"))).toBe("written");
    expect(locks.busyTables()).toBe(0);
  });
});

describe("the store's queries and writes of one table take turns", () => {
  const stores: DuckDBStore[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  const rows = (value: number): PendingBuffer => ({
    database: M.database,
    measurement: M.measurement,
    signature: "v:BIGINT",
    batches: [{ measurement: M.measurement, rowCount: 1, time: BigInt64Array.of(1_000_000n), columns: [{ name: "v", type: "BIGINT", values: [BigInt(value)] }] }],
    rows: 1,
  });

  async function storeWithTable(): Promise<DuckDBStore> {
    const store = await DuckDBStore.open(":memory:");
    stores.push(store);
    await store.applyBuffers([rows(1)]);
    return store;
  }

  const count = (store: DuckDBStore) => runSelect(store, `SELECT count(*) AS n FROM ${qualifiedTable(M.database, M.measurement)}`, 10_000, { tables: [M] });

  it("an append waits for a query reading its table", async () => {
    const store = await storeWithTable();
    const reading = gate();
    const query = store.tableLocks.read([M], () => reading.opened);
    const append = store.applyBuffers([rows(2)]).then(() => "appended");
    expect(await settledSoon(append)).toBe("waiting");
    reading.open();
    await query;
    expect(await append).toBe("appended");
    expect(await count(store)).toMatchObject({ kind: "rows", rows: ["[2]"] });
  });

  it("a query waits for a write of a table it reads", async () => {
    const store = await storeWithTable();
    const writing = gate();
    const write = store.tableLocks.write(M, () => writing.opened);
    const query = count(store);
    expect(await settledSoon(query)).toBe("waiting");
    writing.open();
    await write;
    expect(await query).toMatchObject({ kind: "rows", rows: ["[1]"] });
  });

  it("a delete waits for a query reading its table", async () => {
    const store = await storeWithTable();
    await store.applyBuffers([rows(2)]);
    const reading = gate();
    const query = store.tableLocks.read([M], () => reading.opened);
    const removal = deleteRows(store, { database: M.database, measurement: M.measurement, where: "v = 2", dryRun: false });
    expect(await settledSoon(removal)).toBe("waiting");
    reading.open();
    await query;
    expect(await removal).toEqual({ kind: "done", matched: 1, tableRemoved: false });
    expect(await count(store)).toMatchObject({ kind: "rows", rows: ["[1]"] });
  });
});

describe("Arc's query route", () => {
  it("takes the measurements a query reads in turn with their writes", async () => {
    const arc = await ArcServer.start();
    try {
      const T0 = micros("2026-01-01T00:00:00Z");
      expect((await arc.write({ m: "m", columns: { time: [T0], v: [1] } }, { database: "db" })).status).toBe(204);
      const store = (arc.engine as unknown as { store: DuckDBStore }).store;
      const writing = gate();
      const write = store.tableLocks.write(M, () => writing.opened);
      const query = arc.query("SELECT count(*) AS n FROM m", { database: "db" });
      expect(await settledSoon(query)).toBe("waiting");
      writing.open();
      await write;
      expect((await query).json).toMatchObject({ columns: ["n"], data: [[1]] });
    } finally {
      await arc.close();
    }
  });
});

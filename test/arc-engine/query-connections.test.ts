import { afterEach, describe, expect, it } from "vitest";
import { runSelect } from "../../node-adapter/arc-engine/query/run-select";
import { DuckDBStore } from "../../node-adapter/arc-engine/storage/duckdb-store";

const stores: DuckDBStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function openStore(): Promise<DuckDBStore> {
  const store = await DuckDBStore.open(":memory:");
  stores.push(store);
  return store;
}

describe("query connections", () => {
  it("hands a released connection to the next query instead of opening another", async () => {
    const store = await openStore();
    const first = await store.connect();
    store.release(first);
    const second = await store.connect();
    expect(second).toBe(first);
    store.release(second);
  });

  it("closes a connection released after an interrupt rather than reusing it", async () => {
    const store = await openStore();
    const interrupted = await store.connect();
    store.release(interrupted, false);
    const next = await store.connect();
    expect(next).not.toBe(interrupted);
    store.release(next);
  });

  it("opens a connection per query running at the same time", async () => {
    const store = await openStore();
    const a = await store.connect();
    const b = await store.connect();
    expect(b).not.toBe(a);
    store.release(a);
    store.release(b);
  });

  it("answers on a reused connection after a failed query and after a timed-out one", async () => {
    const store = await openStore();
    await expect(runSelect(store, "SELECT * FROM no_such_table", 10_000)).rejects.toThrow(/no_such_table/);
    expect(await runSelect(store, "SELECT 41 + 1 AS x", 10_000)).toMatchObject({ kind: "rows", columns: ["x"], rows: ["[42]"] });
    expect(await runSelect(store, "SELECT sum(a.range * b.range) FROM range(1000000) a, range(100000) b", 50)).toEqual({ kind: "timeout" });
    expect(await runSelect(store, "SELECT 'still here' AS s", 10_000)).toMatchObject({ kind: "rows", columns: ["s"], rows: ['["still here"]'] });
  });

  it("renders every chunk of a result larger than one", async () => {
    const store = await openStore();
    const outcome = await runSelect(store, "SELECT range AS n FROM range(5000) ORDER BY n", 10_000);
    expect(outcome.kind).toBe("rows");
    const rows = (outcome as { rows: string[] }).rows;
    expect(rows).toHaveLength(5000);
    expect([rows[0], rows[2048], rows[4999]]).toEqual(["[0]", "[2048]", "[4999]"]);
  });
});

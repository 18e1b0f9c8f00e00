import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ThreadedLibsqlExecutor } from "../../node-adapter/sql/threaded-libsql-executor";
import { tempDir } from "./support";

// The outbox's SQL port on a worker thread: same results as on the main thread, a batch is one
// transaction, SQLite's errors come back with their codes, prepared statements are reused
// safely, and a closed executor refuses work.

const dirs: Array<ReturnType<typeof tempDir>> = [];
const open: ThreadedLibsqlExecutor[] = [];

afterEach(async () => {
  for (const sql of open.splice(0)) await sql.close();
  for (const dir of dirs.splice(0)) dir.remove();
});

async function openExecutor(): Promise<ThreadedLibsqlExecutor> {
  const dir = tempDir();
  dirs.push(dir);
  const sql = await ThreadedLibsqlExecutor.open({ url: `file:${join(dir.path, "t.db")}`, synchronous: "FULL" });
  open.push(sql);
  await sql.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, data BLOB)");
  return sql;
}

describe("ThreadedLibsqlExecutor", () => {
  it("answers rows by column name, blobs as bytes, and applies the connection pragmas", async () => {
    const sql = await openExecutor();
    const inserted = await sql.execute("INSERT INTO t (id, name, data) VALUES (?, ?, ?)", [1, "one", new Uint8Array([1, 2, 3])]);
    expect(inserted.rowsAffected).toBe(1);
    const result = await sql.execute("SELECT id, name, data FROM t WHERE id = ?", [1]);
    expect(result.rows).toEqual([{ id: 1, name: "one", data: new Uint8Array([1, 2, 3]) }]);
    expect((await sql.execute("PRAGMA journal_mode")).rows[0]).toEqual({ journal_mode: "wal" });
    expect((await sql.execute("PRAGMA synchronous")).rows[0]).toEqual({ synchronous: 2 });
  });

  it("runs a batch as one transaction: a failing statement rolls back the others, with SQLite's code", async () => {
    const sql = await openExecutor();
    const results = await sql.batch([
      { sql: "INSERT INTO t (id, name) VALUES (?, ?)", args: [1, "a"] },
      { sql: "INSERT INTO t (id, name) VALUES (?, ?)", args: [2, "b"] },
      { sql: "SELECT count(*) AS n FROM t" },
    ]);
    expect(results[2]?.rows).toEqual([{ n: 2 }]);
    const failed = await sql
      .batch([
        { sql: "INSERT INTO t (id, name) VALUES (?, ?)", args: [3, "c"] },
        { sql: "INSERT INTO t (id, name) VALUES (?, ?)", args: [1, "duplicate"] },
      ])
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failed).toBeInstanceOf(Error);
    expect((failed as { code?: string }).code).toMatch(/^SQLITE_CONSTRAINT/);
    expect((await sql.execute("SELECT id FROM t ORDER BY id")).rows).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it("reuses a prepared statement with fresh arguments each time, in and out of batches", async () => {
    const sql = await openExecutor();
    const insert = "INSERT INTO t (id, name) VALUES (?, ?)";
    const select = "SELECT name FROM t WHERE id = ?";
    for (let id = 1; id <= 100; id++) await sql.execute(insert, [id, `n${id}`]);
    await sql.batch(Array.from({ length: 100 }, (_, i) => ({ sql: insert, args: [101 + i, `n${101 + i}`] })));
    for (const id of [1, 57, 100, 101, 200]) expect((await sql.execute(select, [id])).rows).toEqual([{ name: `n${id}` }]);
    // An id with no row answers none, not the previous run's row.
    expect((await sql.execute(select, [999])).rows).toEqual([]);
    // More distinct statements than the cache holds still run, and run right.
    for (let i = 0; i < 100; i++) expect((await sql.execute(`SELECT ? + ${i} AS v`, [1])).rows).toEqual([{ v: 1 + i }]);
  });

  it("refuses an integer past 2^53 rather than round it, and keeps working after bad SQL", async () => {
    const sql = await openExecutor();
    await sql.execute("INSERT INTO t (id, name) VALUES (?, ?)", [2n ** 60n, "big"]);
    await expect(sql.execute("SELECT id FROM t")).rejects.toThrow(/does not fit/);
    expect((await sql.execute("SELECT count(*) AS n FROM t")).rows).toEqual([{ n: 1 }]);
    await expect(sql.execute("SELEKT 1")).rejects.toThrow();
    await expect(sql.batch([{ sql: "INSERT INTO nowhere VALUES (1)" }])).rejects.toThrow(/nowhere/);
    expect((await sql.execute("SELECT name FROM t")).rows).toEqual([{ name: "big" }]);
  });

  it("stores a batch's long texts exactly, batch after batch, concurrent and failing ones too", async () => {
    const sql = await openExecutor();
    const insert = "INSERT INTO t (id, name) VALUES (?, ?)";
    // Long texts go as UTF-8 in a buffer that comes back and is reused (text-carrier.ts): later,
    // shorter texts sit over the bytes of earlier ones, so a wrong range would show.
    const texts = [
      `${"é".repeat(9_000)} 😀 ${"한".repeat(3_000)}`,
      "a".repeat(20_000),
      `${"b".repeat(6_000)}\uD800`,
      `${"😀".repeat(3_000)}`,
      "c".repeat(4_096),
      "d".repeat(4_095),
    ];
    for (const [i, text] of texts.entries()) {
      await sql.batch([
        { sql: insert, args: [i * 2 + 1, text] },
        { sql: insert, args: [i * 2 + 2, `${text}+`] },
      ]);
    }
    await expect(sql.batch([{ sql: insert, args: [100, "e".repeat(10_000)] }, { sql: insert, args: [1, "f".repeat(5_000)] }])).rejects.toThrow(/UNIQUE/);
    await Promise.all([
      sql.batch([{ sql: insert, args: [101, "g".repeat(12_000)] }]),
      sql.batch([{ sql: insert, args: [102, "h".repeat(5_000)] }]),
      sql.execute(insert, [103, "i".repeat(9_000)]),
    ]);
    const rows = (await sql.execute("SELECT id, name FROM t ORDER BY id")).rows;
    const expected = texts.flatMap((text, i) => [
      { id: i * 2 + 1, name: text.replace("\uD800", "\uFFFD") },
      { id: i * 2 + 2, name: `${text}+`.replace("\uD800", "\uFFFD") },
    ]);
    expected.push({ id: 101, name: "g".repeat(12_000) }, { id: 102, name: "h".repeat(5_000) }, { id: 103, name: "i".repeat(9_000) });
    expect(rows).toEqual(expected);
  });

  it("opens local files only", async () => {
    await expect(ThreadedLibsqlExecutor.open({ url: "libsql://example.turso.io" })).rejects.toThrow(/local files only/);
  });

  it("keeps call order across concurrent callers, and refuses work once closed", async () => {
    const sql = await openExecutor();
    await Promise.all(Array.from({ length: 50 }, (_, i) => sql.execute("INSERT INTO t (name) VALUES (?)", [`n${i}`])));
    const names = (await sql.execute("SELECT name FROM t ORDER BY id")).rows.map((row) => row.name);
    expect(names).toEqual(Array.from({ length: 50 }, (_, i) => `n${i}`));
    await sql.close();
    open.splice(open.indexOf(sql), 1);
    await expect(sql.execute("SELECT 1")).rejects.toThrow(/closed/);
  });
});

import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ThreadedLibsqlExecutor } from "../../node-adapter/sql/threaded-libsql-executor";
import { tempDir } from "./support";

// The outbox's SQL port on a worker thread: same results as on the main thread, a batch is one
// transaction, SQLite's errors come back with their codes, and a closed executor refuses work.

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

import { describe, expect, it } from "vitest";
import { rewriteTableReferences } from "../../node-adapter/arc-engine/sql/rewrite";
import { parseShowCommand } from "../../node-adapter/arc-engine/sql/show";
import { stripTrailingSemicolons, validateQuerySql } from "../../node-adapter/arc-engine/sql/validate";

const rewrite = (sql: string, header: string | null = null) => {
  const result = rewriteTableReferences(sql, header);
  if (!result.ok) throw new Error(result.error);
  return result;
};

describe("rewriteTableReferences", () => {
  it.each([
    ["SELECT * FROM m", 'SELECT * FROM "arc_engine"."default"."m"'],
    ["select * from m join n on m.id = n.id", 'select * from "arc_engine"."default"."m" join "arc_engine"."default"."n" on m.id = n.id'],
    ["SELECT * FROM db.m LEFT OUTER JOIN db2.n USING (id)", 'SELECT * FROM "arc_engine"."db"."m" LEFT OUTER JOIN "arc_engine"."db2"."n" USING (id)'],
    ["SELECT * FROM (SELECT * FROM m) x", 'SELECT * FROM (SELECT * FROM "arc_engine"."default"."m") x'],
    ["FROM m SELECT id", 'FROM "arc_engine"."default"."m" SELECT id'],
    ['SELECT * FROM "my-m"', 'SELECT * FROM "arc_engine"."default"."my-m"'],
    ["SELECT * FROM Mem", 'SELECT * FROM "arc_engine"."default"."^mem" AS "Mem"'],
    ["SELECT * FROM Mem x", 'SELECT * FROM "arc_engine"."default"."^mem" x'],
    [
      "SELECT a, b FROM m WHERE c IN (1, 2) GROUP BY a, b ORDER BY a, b",
      'SELECT a, b FROM "arc_engine"."default"."m" WHERE c IN (1, 2) GROUP BY a, b ORDER BY a, b',
    ],
    ["FROM m SELECT a, b", 'FROM "arc_engine"."default"."m" SELECT a, b'],
    ["SELECT * FROM m, range(3) r, (SELECT 1) s, LATERAL (SELECT 2) l", 'SELECT * FROM "arc_engine"."default"."m", range(3) r, (SELECT 1) s, LATERAL (SELECT 2) l'],
    ["WITH k AS (SELECT 1) SELECT * FROM m, k", 'WITH k AS (SELECT 1) SELECT * FROM "arc_engine"."default"."m", k'],
    ["SELECT (SELECT max(v) FROM m), b FROM n", 'SELECT (SELECT max(v) FROM "arc_engine"."default"."m"), b FROM "arc_engine"."default"."n"'],
  ])("rewrites %s", (sql, expected) => {
    expect(rewrite(sql).sql).toBe(expected);
  });

  it.each([
    ["WITH recent AS (SELECT 1 AS x) SELECT * FROM recent"],
    ["WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r"],
    ["SELECT * FROM range(10)"],
    ["SELECT * FROM information_schema.tables"],
    ["SELECT * FROM duckdb_tables()"],
    ["SELECT * FROM pg_catalog.pg_class"],
    ["SELECT extract(year FROM time) FROM (VALUES (1)) t(time)"],
    ["SELECT trim(both 'x' FROM s), substring(s FROM 2 FOR 3) FROM (SELECT 'a' AS s)"],
    ["SELECT a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b FROM (SELECT 1 a, 2 b)"],
    ["SELECT 'FROM m' AS s, \"FROM m\" FROM (SELECT 1 AS \"FROM m\")"],
    ["SELECT 1 -- FROM m"],
    ["SELECT * FROM a.b.c()"],
  ])("leaves %s alone", (sql) => {
    const result = rewrite(sql);
    expect(result.sql).toBe(sql);
  });

  it("rewrites inside a CTE body while keeping the CTE name", () => {
    const result = rewrite("WITH recent AS (SELECT * FROM m) SELECT * FROM recent JOIN n ON true");
    expect(result.sql).toBe('WITH recent AS (SELECT * FROM "arc_engine"."default"."m") SELECT * FROM recent JOIN "arc_engine"."default"."n" ON true');
    expect(result.tables).toEqual([
      { database: "default", measurement: "m" },
      { database: "default", measurement: "n" },
    ]);
  });

  it("rewrites a subquery nested in a function call", () => {
    expect(rewrite("SELECT coalesce((SELECT max(v) FROM m), 0)").sql).toBe(
      'SELECT coalesce((SELECT max(v) FROM "arc_engine"."default"."m"), 0)',
    );
  });

  it("resolves bare names in the header database and refuses db.m with a header", () => {
    expect(rewrite("SELECT * FROM m", "tenant").tables).toEqual([{ database: "tenant", measurement: "m" }]);
    const cross = rewriteTableReferences("SELECT * FROM other.m", "tenant");
    expect(cross.ok).toBe(false);
  });

  it.each([
    ["SELECT * FROM m, n", "Catalog Error: Table with name n does not exist!"],
    ["SELECT * FROM m a JOIN n b ON a.x = b.x, db.o", 'Catalog Error: Table with name "db.o" does not exist because schema "db" does not exist.'],
    ["SELECT * FROM (SELECT * FROM m) a, n", "Catalog Error: Table with name n does not exist!"],
  ])("does not resolve a name after a comma, as Arc does not: %s", (sql, error) => {
    expect(rewriteTableReferences(sql, null)).toEqual({ ok: false, status: 500, error });
  });

  it("refuses a string literal after a comma before anything else", () => {
    const result = rewriteTableReferences("SELECT * FROM other.m, n, 'x.csv'", "tenant");
    expect(result).toMatchObject({ ok: false, status: 400, error: expect.stringMatching(/^String literal not allowed in table position/) });
  });

  it("refuses string literals and invalid quoted names in table position", () => {
    expect(rewriteTableReferences("SELECT * FROM 'x.parquet'", null)).toMatchObject({ ok: false });
    expect(rewriteTableReferences('SELECT * FROM "a b"', null)).toMatchObject({ ok: false });
    expect(rewriteTableReferences("SELECT * FROM e'x\\'y'", null)).toMatchObject({ ok: false });
  });
});

describe("validateQuerySql", () => {
  it.each([
    ["SELECT * FROM m WHERE s = 'DROP TABLE m'", null],
    ['SELECT "set", "copy" FROM m', null],
    ["SELECT offset_ms, reset_at, settings FROM m", null],
    ["SELECT $$ SET x $$ AS s", null],
    ["SELECT 1 /* ; DROP TABLE m */", null],
    ["SELECT 1;", null],
    ["SELECT 1; ;", null],
    ["SELECT 1; SELECT 2", "Multiple SQL statements are not allowed"],
    ["SELECT * FROM m; -- trailing comment\n DROP TABLE m", "Multiple SQL statements are not allowed"],
    ["update m set x = 1", "Dangerous SQL operation not allowed"],
    ["SELECT * FROM parquet_scan ('x')", "File I/O function not allowed in user SQL: parquet_scan()"],
    ["", "SQL query is required"],
  ])("%s → %s", (sql, expected) => {
    expect(validateQuerySql(sql)).toBe(expected);
  });

  it("strips trailing semicolons and comments only", () => {
    expect(stripTrailingSemicolons("SELECT ';' ; -- done\n")).toBe("SELECT ';'");
  });
});

describe("parseShowCommand", () => {
  it.each([
    ["SHOW DATABASES", { kind: "databases" }],
    ["show tables;", { kind: "measurements", database: null }],
    ["SHOW MEASUREMENTS FROM tenant", { kind: "measurements", database: "tenant" }],
    ['SHOW TABLES FROM "my-db"', { kind: "measurements", database: "my-db" }],
    ["SHOW ALL TABLES", null],
    ["SELECT 1", null],
  ])("%s", (sql, expected) => {
    expect(parseShowCommand(sql)).toEqual(expected);
  });
});

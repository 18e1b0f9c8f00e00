import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArcServer, micros } from "./harness";

// Checklist items 12-20 and 27-29 of arc-wire.md §11.
let arc: ArcServer;
beforeAll(async () => {
  arc = await ArcServer.start({ flushDelayMs: 0 });
  const t = micros("2026-01-01T11:59:59Z");
  await arc.write({
    m: "events",
    columns: {
      time: [t + 600_000, t + 1_000_000, t + 1_000_001],
      id: ["a", "b", "c"],
      n: [1, 2, 3],
      score: [0.5, Number.NaN, Number.POSITIVE_INFINITY],
      note: ["it's", "please SET the table", "FROM events"],
    },
  });
  await arc.write({ m: "events", columns: { time: [t], id: ["other"] } }, { database: "tenant" });
  await arc.write({ m: "Mixed", columns: { time: [t], v: [1] } });
});
afterAll(() => arc.close());

const post = (body: string, contentType?: string) =>
  arc.request("/api/v1/query", {
    method: "POST",
    body,
    headers: contentType === undefined ? {} : { "content-type": contentType },
  });

const ENVELOPE_KEYS = ["success", "columns", "data", "row_count", "execution_time_ms", "timestamp"];
const ERROR_KEYS = [...ENVELOPE_KEYS, "error"];
const SECOND_PRECISION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe("POST /api/v1/query request (items 12, 28, 29)", () => {
  it.each([[undefined], ["text/plain"], ["application/x-www-form-urlencoded"]])(
    "refuses Content-Type %s with 400 Unprocessable Entity",
    async (contentType) => {
      const res = await post(JSON.stringify({ sql: "SELECT 1" }), contentType);
      expect(res.status).toBe(400);
      expect(Object.keys(res.json)).toEqual(ERROR_KEYS);
      expect(res.json.error).toBe("Invalid request body: Unprocessable Entity");
    },
  );

  it.each([["application/json; charset=utf-8"], ["application/vnd.api+json"]])("accepts %s", async (contentType) => {
    expect((await post(JSON.stringify({ sql: "SELECT 1 AS x" }), contentType)).json.data).toEqual([[1]]);
  });

  it("answers 400 for malformed JSON", async () => {
    const res = await post("{not json", "application/json");
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/^Invalid request body: /);
  });

  it("reads only sql (any case) and ignores other keys (item 28)", async () => {
    const res = await post(JSON.stringify({ SQL: "SELECT 2 AS x", format: "arrow", database: "tenant", limit: 1 }), "application/json");
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual([[2]]);
  });

  it("has no bind parameters (item 29)", async () => {
    const res = await post(JSON.stringify({ sql: "SELECT ? AS x", params: [1] }), "application/json");
    expect(res.status).toBe(500);
    expect(res.json.success).toBe(false);
  });

  it("matches a value whose quote is doubled (item 29)", async () => {
    const res = await arc.query("SELECT id FROM events WHERE note = 'it''s'");
    expect(res.json.data).toEqual([["a"]]);
  });
});

describe("success envelope and values (items 13, 14)", () => {
  it("emits the keys in Arc's order with row-major data", async () => {
    const res = await arc.query("SELECT id, n FROM events ORDER BY time");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(Object.keys(res.json)).toEqual(ENVELOPE_KEYS);
    expect(res.text).not.toContain('"types"');
    expect(res.json).toMatchObject({ success: true, columns: ["id", "n"], data: [["a", 1], ["b", 2], ["c", 3]], row_count: 3 });
    expect(Number.isInteger(res.json.execution_time_ms)).toBe(true);
    expect(res.json.timestamp).toMatch(SECOND_PRECISION);
  });

  it("prints timestamps as RFC3339 UTC with trimmed fractions", async () => {
    const res = await arc.query("SELECT time FROM events ORDER BY time");
    expect(res.json.data).toEqual([["2026-01-01T11:59:59.6Z"], ["2026-01-01T12:00:00Z"], ["2026-01-01T12:00:00.000001Z"]]);
  });

  it("prints DATE and other timestamp precisions the same way", async () => {
    const res = await arc.query(
      "SELECT DATE '2026-02-03' AS d, TIMESTAMP '2026-02-03 04:05:06.5' AS ts, '2026-02-03 04:05:06.123456789'::TIMESTAMP_NS AS ns",
    );
    expect(res.json.data).toEqual([["2026-02-03T00:00:00Z", "2026-02-03T04:05:06.5Z", "2026-02-03T04:05:06.123456789Z"]]);
  });

  it("turns NaN and Infinity into null", async () => {
    const res = await arc.query("SELECT score FROM events ORDER BY time");
    expect(res.json.data).toEqual([[0.5], [null], [null]]);
  });

  it("returns SUM(bigint) as a numeric string, COUNT and AVG as numbers", async () => {
    const res = await arc.query("SELECT sum(n) AS s, count(*) AS c, avg(n) AS a, 1.25::DECIMAL(5,2) AS d FROM events");
    expect(res.json.data).toEqual([["6", 3, 2, "1.25"]]);
  });

  it("prints lists and UUIDs as text", async () => {
    const res = await arc.query("SELECT [1, 2] AS l, '00000000-0000-0000-0000-000000000001'::UUID AS u");
    expect(res.json.data).toEqual([["[1, 2]", "00000000-0000-0000-0000-000000000001"]]);
  });
});

describe("empty results (item 15)", () => {
  it.each([
    ["SELECT * FROM missing"],
    ["SELECT count(*) FROM missing"],
    ["SELECT e.id FROM events e JOIN missing m ON e.id = m.id"],
    ["SELECT * FROM events WHERE id IN (SELECT id FROM missing)"],
  ])("answers 200 with columns [] for %s", async (sql) => {
    const res = await arc.query(sql);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ success: true, columns: [], data: [], row_count: 0 });
  });

  it("answers the same for a database with no data", async () => {
    const res = await arc.query("SELECT count(*) FROM events", { database: "nowhere" });
    expect(res.json).toMatchObject({ columns: [], data: [], row_count: 0 });
  });
});

describe("table resolution (item 16)", () => {
  it("resolves FROM m in the header database, else default", async () => {
    expect((await arc.query("SELECT id FROM events", { database: "tenant" })).json.data).toEqual([["other"]]);
    expect((await arc.query("SELECT count(*) FROM events")).json.data).toEqual([[3]]);
  });

  it("allows FROM db.m only without the header", async () => {
    expect((await arc.query("SELECT id FROM tenant.events")).json.data).toEqual([["other"]]);
    const res = await arc.query("SELECT id FROM tenant.events", { database: "default" });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe("Cross-database queries (db.table syntax) not allowed when x-arc-database header is set");
  });

  it("keeps a query with the header inside its database: the engine's catalog cannot be named", async () => {
    for (const sql of [
      "SELECT id FROM arc_engine.tenant.events",
      'SELECT id FROM "ARC_ENGINE"."tenant"."events"',
      "SELECT id, (SELECT max(id) FROM arc_engine.tenant.events) AS leak FROM events",
    ]) {
      const res = await arc.query(sql, { database: "default" });
      expect(res.status, sql).toBe(500);
      expect(res.json.error, sql).toMatch(/^Catalog Error: Catalog with name arc_engine does not exist!$/i);
    }
    // A database or measurement may still bear the catalog's name.
    const named = await ArcServer.start({ flushDelayMs: 0 });
    try {
      await named.write({ m: "arc_engine", columns: { time: [micros("2026-01-01T00:00:00Z")], v: [7] } }, { database: "arc_engine" });
      expect((await named.query("SELECT v FROM arc_engine.arc_engine")).json.data).toEqual([[7]]);
      expect((await named.query("SELECT arc_engine.v FROM arc_engine", { database: "arc_engine" })).json.data).toEqual([[7]]);
    } finally {
      await named.close();
    }
  });

  it("rejects a bad x-arc-database header with 400", async () => {
    const res = await arc.query("SELECT 1", { database: "bad name" });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/^invalid x-arc-database header/);
  });

  it("treats measurement names as case-sensitive and column names as not", async () => {
    expect((await arc.query("SELECT v FROM Mixed")).json.data).toEqual([[1]]);
    expect((await arc.query("SELECT Mixed.v FROM Mixed")).json.data).toEqual([[1]]);
    expect((await arc.query("SELECT v FROM mixed")).json.columns).toEqual([]);
    expect((await arc.query("SELECT ID FROM events WHERE N = 1")).json.data).toEqual([["a"]]);
  });

  it("leaves CTE names, literals and non-table FROMs alone", async () => {
    const cte = await arc.query("WITH events AS (SELECT 42 AS x) SELECT x FROM events");
    expect(cte.json.data).toEqual([[42]]);
    const literal = await arc.query("SELECT id FROM events WHERE note = 'FROM events' AND time IS NOT DISTINCT FROM time");
    expect(literal.json.data).toEqual([["c"]]);
    const extract = await arc.query("SELECT extract(year FROM time) AS y, substring(id FROM 1 FOR 1) AS s FROM events LIMIT 1");
    expect(extract.json.data).toEqual([[2026, "a"]]);
    const quoted = await arc.query('SELECT count(*) FROM "events"');
    expect(quoted.json.data).toEqual([[3]]);
  });

  it("refuses a string literal or an invalid quoted name in table position", async () => {
    const literal = await arc.query("SELECT * FROM 'events.csv'");
    expect(literal.status).toBe(400);
    expect(literal.json.error).toMatch(/^String literal not allowed in table position/);
    const quoted = await arc.query('SELECT * FROM "bad name"');
    expect(quoted.status).toBe(400);
    expect(quoted.json.error).toMatch(/^Quoted identifier in table position is not a valid database or measurement name/);
  });
});

describe("errors (items 17, 18)", () => {
  it("answers 500 with DuckDB's message for an unknown column", async () => {
    const res = await arc.query("SELECT nope FROM events");
    expect(res.status).toBe(500);
    expect(Object.keys(res.json)).toEqual(ERROR_KEYS);
    expect(res.json).toMatchObject({ success: false, columns: null, data: null, row_count: 0 });
    expect(res.json.error).toMatch(/Binder Error: Referenced column "nope" not found/);
    expect(res.json.timestamp).toMatch(SECOND_PRECISION);
  });

  it.each([
    ["DROP TABLE events"],
    ["DELETE FROM events"],
    ["INSERT INTO events VALUES (1)"],
    ["UPDATE events SET n = 1"],
    ["ALTER TABLE events ADD COLUMN x INT"],
    ["CREATE TABLE x (a INT)"],
    ["TRUNCATE TABLE events"],
    ["SET threads = 1"],
    ["PRAGMA version"],
    ["ATTACH 'x.db'"],
    ["COPY events TO 'x.csv'"],
    ["LOAD httpfs"],
    ["INSTALL httpfs"],
    ["CALL pragma_version()"],
    ["RESET threads"],
    ["EXPORT DATABASE 'x'"],
    ["CREATE SECRET s (TYPE s3)"],
    ["SELECT set FROM events"],
    ["CREATE VIEW v AS SELECT 1"],
    ["CHECKPOINT"],
    ["SELECT * FROM query_table('arc_engine.tenant.events')"],
    ["SELECT * FROM query('SELECT 1')"],
    [`SELECT * FROM "query_table"('arc_engine.tenant.events')`],
    [`SELECT * FROM "query"('SELECT 1')`],
  ])("refuses %s with 400 Dangerous SQL operation not allowed", async (sql) => {
    const res = await arc.query(sql);
    expect(res.status).toBe(400);
    expect(res.json.error).toBe("Dangerous SQL operation not allowed");
  });

  it("accepts keywords inside literals and quoted identifiers", async () => {
    const res = await arc.query(`SELECT 'SET' AS "set", id FROM events WHERE note = 'please SET the table'`);
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual([["SET", "b"]]);
  });

  it.each([["read_parquet('/etc/x')"], ["read_csv_auto('x')"], ["glob('*')"], ["read_text('/etc/passwd')"], [`"read_csv"('/etc/passwd')`]])(
    "refuses the file function %s",
    async (call) => {
      const res = await arc.query(`SELECT * FROM ${call}`);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatch(/^File I\/O function not allowed in user SQL: \w+\(\)$/);
    },
  );

  it("refuses several statements, allows one trailing semicolon", async () => {
    expect((await arc.query("SELECT 1; SELECT 2")).json.error).toBe("Multiple SQL statements are not allowed");
    expect((await arc.query("SELECT 1 AS x;")).json.data).toEqual([[1]]);
    expect((await arc.query("SELECT ';' AS x")).json.data).toEqual([[";"]]);
  });

  it("refuses empty and over-long SQL", async () => {
    expect((await arc.query("   ")).json.error).toBe("SQL query is required");
    const long = await arc.query(`SELECT 1 AS x -- ${"y".repeat(10_000)}`);
    expect(long.status).toBe(400);
    expect(long.json.error).toBe("SQL query exceeds maximum length (10000 characters)");
    // Arc counts bytes: 6,000 two-byte characters are over the limit.
    const wide = await arc.query(`SELECT '${"é".repeat(6_000)}' AS x`);
    expect(wide.status).toBe(400);
    expect(wide.json.error).toBe("SQL query exceeds maximum length (10000 characters)");
    expect((await arc.query(`SELECT '${"é".repeat(4_900)}' AS x`)).status).toBe(200);
  });

  it("answers 504 Query timed out past queryTimeoutMs", async () => {
    const slow = await ArcServer.start({ queryTimeoutMs: 100 });
    try {
      const res = await slow.query("SELECT sum(a.range * b.range) FROM range(1000000) a, range(100000) b");
      expect(res.status).toBe(504);
      expect(res.json.error).toBe("Query timed out");
      expect((await slow.query("SELECT 1 AS x")).json.data).toEqual([[1]]);
    } finally {
      await slow.close();
    }
  });
});

describe("SHOW statements (item 19)", () => {
  it("lists databases", async () => {
    const res = await arc.query("SHOW DATABASES");
    expect(Object.keys(res.json)).toEqual(ENVELOPE_KEYS);
    expect(res.json.columns).toEqual(["database"]);
    expect(res.json.data).toEqual([["default"], ["tenant"]]);
  });

  it("lists measurements of the header database or of FROM db", async () => {
    const columns = ["database", "table_name", "storage_path", "file_count", "total_size_mb"];
    const here = await arc.query("SHOW TABLES");
    expect(here.json.columns).toEqual(columns);
    expect(here.json.data.map((r: unknown[]) => r[1])).toEqual(["Mixed", "events"]);
    const tenant = await arc.query("show measurements from tenant;");
    expect(tenant.json.data.map((r: unknown[]) => r.slice(0, 2))).toEqual([["tenant", "events"]]);
    const header = await arc.query("SHOW MEASUREMENTS", { database: "tenant" });
    expect(header.json.data.map((r: unknown[]) => r[1])).toEqual(["events"]);
  });

  it("does not support DESCRIBE m", async () => {
    expect((await arc.query("DESCRIBE events")).status).toBe(500);
  });
});

describe("engine settings", () => {
  it("lets DuckDB's allocator return freed memory while the engine idles", async () => {
    expect((await arc.query("SELECT current_setting('allocator_background_threads') AS on")).json.data).toEqual([[true]]);
  });
});

describe("time in SQL (item 27)", () => {
  it("runs in UTC and compares time with ISO literals", async () => {
    expect((await arc.query("SELECT current_setting('TimeZone') AS tz")).json.data).toEqual([["UTC"]]);
    const res = await arc.query("SELECT id FROM events WHERE time >= '2026-01-01T12:00:00Z' ORDER BY time");
    expect(res.json.data).toEqual([["b"], ["c"]]);
    const hour = await arc.query("SELECT date_trunc('hour', time) AS h, count(*) AS c FROM events GROUP BY 1 ORDER BY 1");
    expect(hour.json.data).toEqual([
      ["2026-01-01T11:00:00Z", 1],
      ["2026-01-01T12:00:00Z", 2],
    ]);
  });
});

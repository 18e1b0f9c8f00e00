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

  it("prints DuckDB's ±infinity dates and timestamps as Arc does: Go's calendar text of the raw value", async () => {
    // Arc's streamer formats the Arrow value with Go's time package and knows no sentinels.
    const res = await arc.query(
      "SELECT 'infinity'::DATE AS a, '-infinity'::DATE AS b, 'infinity'::TIMESTAMPTZ AS c, '-infinity'::TIMESTAMPTZ AS d, 'infinity'::TIMESTAMP AS e",
    );
    expect(res.json.data).toEqual([
      [
        "5881580-07-11T00:00:00Z",
        "-5877641-06-24T00:00:00Z",
        "294247-01-10T04:00:54.775807Z",
        "-290308-12-21T19:59:05.224193Z",
        "294247-01-10T04:00:54.775807Z",
      ],
    ]);
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

describe("x-arc-profile (items 13, 3.4)", () => {
  const PROFILE_KEYS = ["total_ms", "planner_ms", "execution_ms", "rows_scanned", "latency_ms"];
  const profiled = { headers: { "x-arc-profile": "true" } };

  it("adds Arc's profile object, after timestamp, when the header is exactly true", async () => {
    const res = await arc.query("SELECT id FROM events ORDER BY time", profiled);
    expect(res.status).toBe(200);
    expect(Object.keys(res.json)).toEqual([...ENVELOPE_KEYS, "profile"]);
    expect(res.json.data).toEqual([["a"], ["b"], ["c"]]);
    const profile = res.json.profile;
    expect(Object.keys(profile)).toEqual(PROFILE_KEYS);
    for (const key of PROFILE_KEYS) expect(typeof profile[key], key).toBe("number");
    expect(Number.isInteger(profile.total_ms)).toBe(true);
    expect(profile.rows_scanned).toBe(0);
    expect(profile.execution_ms).toBeCloseTo(profile.total_ms - profile.planner_ms, 6);
  });

  it.each([["false"], ["1"], ["TRUE"]])("adds none for x-arc-profile: %s", async (value) => {
    const res = await arc.query("SELECT 1 AS x", { headers: { "x-arc-profile": value } });
    expect(Object.keys(res.json)).toEqual(ENVELOPE_KEYS);
  });

  it("adds none to SHOW, to the empty answer for a missing measurement, or to an error", async () => {
    expect(Object.keys((await arc.query("SHOW TABLES", profiled)).json)).toEqual(ENVELOPE_KEYS);
    expect(Object.keys((await arc.query("SELECT * FROM missing", profiled)).json)).toEqual(ENVELOPE_KEYS);
    expect(Object.keys((await arc.query("SELECT nope FROM events", profiled)).json)).toEqual(ERROR_KEYS);
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

describe("table position as Arc's check sees it: after every FROM and JOIN (§3.3)", () => {
  // Arc's scan tracks only parentheses, so a FROM inside a function's arguments or after IS
  // DISTINCT counts too, and DuckDB's FROM-first SELECT list continues the FROM list.
  it.each([
    ["SELECT trim('x' FROM 'xax') AS t"],
    ["SELECT id || upper(trim(BOTH FROM ' x ')) FROM events"],
    ["SELECT id FROM events WHERE id IS DISTINCT FROM 'a'"],
    ["SELECT count(*) FILTER (WHERE id IS NOT DISTINCT FROM 'b') FROM events"],
    ["FROM events SELECT id, 'x' AS x"],
  ])("refuses the string literal in %s", async (sql) => {
    const res = await arc.query(sql);
    expect(res.status).toBe(400);
    expect(res.json.error).toBe("String literal not allowed in table position (replacement scans are disabled); reference a table by name");
  });

  it("refuses an invalid quoted name there too", async () => {
    const res = await arc.query('SELECT extract(year FROM "bad name") FROM events');
    expect(res.status).toBe(400);
    expect(res.json.error).toBe(
      "Quoted identifier in table position is not a valid database or measurement name (replacement scans are disabled): bad name",
    );
  });

  it("leaves names, numbers and later literals after such a FROM alone", async () => {
    const res = await arc.query(
      `SELECT substring(id FROM 1 FOR 1) AS s, extract(year FROM "time") AS y, trim(BOTH FROM id) AS t, 'x' AS l FROM events WHERE id = 'a'`,
    );
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual([["a", 2026, "a", "x"]]);
  });
});

describe("comma-separated FROM lists (items 16, 18)", () => {
  const LITERAL = "String literal not allowed in table position (replacement scans are disabled); reference a table by name";

  it.each([
    ["SELECT * FROM events, '/etc/passwd'"],
    ["SELECT * FROM events e, (SELECT 1 AS x) s, 'events.csv' f"],
    ["SELECT count(*) FROM events a JOIN events b ON a.id = b.id, '/etc/passwd'"],
    ["SELECT * FROM (SELECT * FROM events) a, '/etc/passwd'"],
    ["SELECT * FROM tenant.events, '/etc/passwd'"],
  ])("refuses a string literal in a comma cross-join: %s", async (sql) => {
    const res = await arc.query(sql, { database: "default" });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe(LITERAL);
  });

  it("refuses a quoted name that is no valid measurement after a comma", async () => {
    const res = await arc.query('SELECT * FROM events, "/etc/passwd"');
    expect(res.status).toBe(400);
    expect(res.json.error).toBe(
      "Quoted identifier in table position is not a valid database or measurement name (replacement scans are disabled): /etc/passwd",
    );
  });

  it("does not resolve a comma-joined name, as Arc does not, nor name other databases' tables", async () => {
    for (const sql of ["SELECT count(*) FROM events a, events b", "SELECT * FROM events, tenant.events"]) {
      const res = await arc.query(sql, { database: "default" });
      expect(res.status, sql).toBe(500);
      expect(res.json.error, sql).toMatch(/^Catalog Error: Table with name \S+ does not exist/);
      expect(res.json.error, sql).not.toMatch(/Did you mean|arc_engine/);
    }
  });

  it("still joins a CTE or a table function after a comma, and leaves other commas alone", async () => {
    expect((await arc.query("WITH k AS (SELECT 1 AS x) SELECT count(*) AS c FROM events, k")).json.data).toEqual([[3]]);
    expect((await arc.query("SELECT count(*) AS c FROM events, range(2)")).json.data).toEqual([[6]]);
    const commas = await arc.query("SELECT id, n FROM events WHERE n IN (1, 2) GROUP BY id, n ORDER BY id, n LIMIT 2");
    expect(commas.json.data).toEqual([["a", 1], ["b", 2]]);
    expect((await arc.query("FROM events SELECT id, n ORDER BY id LIMIT 1")).json.data).toEqual([["a", 1]]);
  });
});

describe("DuckDB's own catalog (§3.2: information_schema, pg_, duckdb_ are not rewritten)", () => {
  // Arc's DuckDB holds no tables (it reads Parquet through read_parquet), so its catalog lists
  // none of anyone's data; the engine keeps every database in DuckDB, and must not show them.
  it.each([
    ["SELECT table_schema, table_name FROM information_schema.tables", ["table_schema", "table_name"]],
    ["SELECT table_name, column_name FROM information_schema.columns", ["table_name", "column_name"]],
    ["SELECT database_name, schema_name, table_name FROM duckdb_tables()", ["database_name", "schema_name", "table_name"]],
    ['SELECT table_name FROM "duckdb_columns"() WHERE NOT internal', ["table_name"]],
    ["SELECT schemaname, tablename FROM pg_catalog.pg_tables", ["schemaname", "tablename"]],
  ])("lists no table of any database: %s", async (sql, columns) => {
    for (const database of [undefined, "default", "tenant"]) {
      const res = await arc.query(sql, { database });
      expect(res.status, sql).toBe(200);
      expect(res.json.columns).toEqual(columns);
      expect(res.json.data, sql).toEqual([]);
    }
  });

  it("names no database of the engine, and still answers what DuckDB itself holds", async () => {
    const databases = await arc.query("SELECT database_name FROM duckdb_databases() ORDER BY 1", { database: "default" });
    expect(databases.json.data).toEqual([["memory"], ["system"], ["temp"]]);
    const settings = await arc.query("SELECT value FROM duckdb_settings() WHERE name = 'TimeZone'");
    expect(settings.json.data).toEqual([["UTC"]]);
  });

  it("reveals no table through DESCRIBE-like statements, pragma_ functions or auto-completion", async () => {
    const options = { database: "default" };
    expect((await arc.query("SHOW ALL TABLES", options)).json.data).toEqual([]);
    const info = await arc.query("SELECT name FROM pragma_table_info('arc_engine.tenant.events')", options);
    expect(info.status).toBe(500);
    expect(info.json.error).toMatch(/^Binder Error: Catalog "arc_engine" does not exist!/);
    const completion = await arc.query("SELECT suggestion FROM sql_auto_complete('SELECT * FROM arc_engine.tenant.ev')", options);
    expect(completion.status).toBe(200);
    expect(JSON.stringify(completion.json.data)).not.toMatch(/events|tenant/);
  });

  it("still describes a query over measurements, as Arc does, and names no table in a failed DESCRIBE", async () => {
    const described = await arc.query("DESCRIBE SELECT id, n FROM events", { database: "default" });
    expect(described.status).toBe(200);
    expect(described.json.data.map((row: unknown[]) => row.slice(0, 2))).toEqual([
      ["id", "VARCHAR"],
      ["n", "BIGINT"],
    ]);
    const missing = await arc.query("DESCRIBE events", { database: "default" });
    expect(missing.status).toBe(500);
    expect(missing.json.error).not.toMatch(/arc_engine|tenant/);
  });

  it("refuses json_execute_serialized_sql, which runs SQL past the table rewrite", async () => {
    const res = await arc.query(
      "SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT id FROM arc_engine.tenant.events'))",
      { database: "default" },
    );
    expect(res.status).toBe(400);
    expect(res.json.error).toBe("Dangerous SQL operation not allowed");
  });
});

describe("a measurement together with DuckDB's catalog", () => {
  // Arc would answer these from its table-less DuckDB; here no DuckDB holds both the measurement
  // and a catalog that shows nothing else, so the engine refuses them in words rather than with a
  // 500 saying that a measurement holding rows does not exist.
  it.each([
    ["SELECT id FROM events WHERE id IN (SELECT table_name FROM information_schema.tables)"],
    ["SELECT id, (SELECT count(*) FROM duckdb_tables()) AS n FROM events"],
    ["SELECT e.id, c.name FROM events e JOIN pragma_table_info('events') c ON true"],
    ["SELECT id FROM events WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_tables)"],
  ])("answers 400 for %s", async (sql) => {
    const res = await arc.query(sql, { database: "default" });
    expect(res.status).toBe(400);
    expect(Object.keys(res.json)).toEqual(ERROR_KEYS);
    expect(res.json.error).toMatch(/^Query mixes measurements with DuckDB's catalog/);
  });

  it("still gives Arc's empty answer when the measurement has no data", async () => {
    const res = await arc.query("SELECT m.id FROM missing m JOIN duckdb_tables() t ON true");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ success: true, columns: [], data: [], row_count: 0 });
  });
});

describe("DuckDB maintenance functions (item 18)", () => {
  it.each([
    ["SELECT * FROM checkpoint()"],
    ["SELECT * FROM force_checkpoint()"],
    ["SELECT * FROM checkpoint('arc_engine')"],
    [`SELECT * FROM "checkpoint"()`],
    ["SELECT * FROM system.main.checkpoint()"],
    ["SELECT * FROM enable_logging()"],
    ["SELECT * FROM truncate_duckdb_logs()"],
    ["SELECT * FROM enable_profiling()"],
    ["SELECT * FROM disable_peg_parser()"],
    ["SELECT count(*) FROM events, checkpoint()"],
    ["SELECT * FROM arrow_scan(0, 0, 0)"],
    ["SELECT setseed(0.5)"],
  ])("refuses %s as it refuses CHECKPOINT: 400 Dangerous SQL operation not allowed", async (sql) => {
    const res = await arc.query(sql);
    expect(res.status).toBe(400);
    expect(Object.keys(res.json)).toEqual(ERROR_KEYS);
    expect(res.json.error).toBe("Dangerous SQL operation not allowed");
  });

  it("still accepts the names as columns, aliases and literals", async () => {
    const res = await arc.query("SELECT 'checkpoint()' AS checkpoint, n AS force_checkpoint FROM events WHERE n = 1");
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual([["checkpoint()", 1]]);
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
    // The path names the measurement as written, never the engine's case encoding of it.
    expect(here.json.data.map((r: unknown[]) => r[2])).toEqual(["default/Mixed", "default/events"]);
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

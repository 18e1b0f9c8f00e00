import { isPunct, lex, significant, type Token } from "./lexer";

export const MAX_SQL_LENGTH = 10_000;
export const DANGEROUS_SQL = "Dangerous SQL operation not allowed";

/** Arc's deny-list, matched on the SQL with literals, quoted identifiers and comments masked. */
const DENY_LIST: readonly RegExp[] = [
  /\bDROP\s+(TABLE|DATABASE|INDEX|VIEW)\b/i,
  /\bDELETE\s+FROM\b/i,
  /\bTRUNCATE\s+TABLE\b/i,
  /\bALTER\s+TABLE\b/i,
  /\bCREATE\s+(TABLE|DATABASE|INDEX)\b/i,
  /\bINSERT\s+INTO\b/i,
  /\bUPDATE\s+\S+\s+SET\b/i,
  /\b(ATTACH|DETACH|COPY|PRAGMA|SET|RESET|LOAD|INSTALL|CALL)\b/i,
  /\b(EXPORT|IMPORT)\s+DATABASE\b/i,
  /\bCREATE\b[\s\S]*\bSECRET\b/i,
  /\bDROP\b[\s\S]*\bSECRET\b/i,
];

/**
 * Table functions that run a string as SQL or name a table by string (`json_execute_serialized_sql`
 * runs what `json_serialize_sql('…')` made of a literal). Arc has nothing to reach with them; here
 * they would bypass the per-database table resolution, so the engine refuses them as it refuses DDL.
 */
const DYNAMIC_SQL = /\b(query|query_table|json_execute_serialized_sql)\s*\(/i;

/**
 * Table functions that act on the DuckDB instance rather than read: checkpoints, the log, the
 * profiler and the parser. Arc's deny-list does not name them (arc-wire.md §3.3) and runs them on
 * its own DuckDB, which holds no data, so there they change nothing anyone reads. Here the instance
 * holds every database: a reader could checkpoint the file under the writer, or switch logging,
 * profiling or the parser for every later query, and a log would keep other databases' SQL. The
 * engine already refuses the CHECKPOINT statement (`runSelect` takes SELECT and EXPLAIN only), so
 * it refuses the function spellings with the same 400 rather than answer them differently.
 * `arrow_scan` reads raw memory addresses (a crash, or another buffer's bytes), and `setseed`
 * would make the next `random()` of a reused connection predictable to whoever set it.
 */
const INSTANCE_MAINTENANCE = new RegExp(
  `\\b(${[
    "checkpoint", "force_checkpoint", "enable_logging", "disable_logging", "truncate_duckdb_logs",
    "enable_profiling", "disable_profiling", "enable_peg_parser", "disable_peg_parser",
    "arrow_scan", "arrow_scan_dumb", "setseed",
  ].join("|")})\\s*\\(`,
  "i",
);

/** Table functions that read files (or remote stores); Arc refuses them in user SQL. */
const FILE_FUNCTION = new RegExp(
  `\\b(${[
    "read_parquet", "parquet_scan", "parquet_metadata", "parquet_schema", "parquet_file_metadata",
    "parquet_kv_metadata", "parquet_bloom_probe", "read_csv", "read_csv_auto", "sniff_csv", "read_json",
    "read_json_auto", "read_json_objects", "read_json_objects_auto", "read_ndjson", "read_ndjson_auto",
    "read_ndjson_objects", "read_text", "read_blob", "glob", "iceberg_scan", "iceberg_metadata",
    "iceberg_snapshots", "delta_scan", "read_xlsx", "read_avro", "sqlite_scan", "sqlite_attach",
    "postgres_scan", "mysql_scan",
  ].join("|")})\\s*\\(`,
  "i",
);

/** The first file-reading function called in `sql`, lower-cased, or null. */
export function fileFunctionIn(sql: string): string | null {
  const match = FILE_FUNCTION.exec(sql);
  return match ? (match[1] as string).toLowerCase() : null;
}

/**
 * The SQL with string literals, quoted identifiers and comments replaced by inert text. With
 * `unquote`, a quoted identifier that is a plain word is written bare, as Arc strips quotes before
 * it looks for forbidden functions: `"read_csv"(...)` calls `read_csv` all the same.
 */
export const maskSql = (tokens: readonly Token[], unquote = false): string =>
  tokens
    .map((t) => {
      if (t.kind === "string") return "''";
      if (t.kind === "comment") return " ";
      if (t.kind === "quoted") return unquote && /^\w+$/.test(t.value) ? t.value : '""';
      return t.text;
    })
    .join("");

/**
 * Arc's checks on user SQL (`ValidateSQLRequest`), with its error texts. Returns the text of the
 * first failure, or null. Table-position checks live in `rewriteTableReferences`.
 */
export function validateQuerySql(sql: string): string | null {
  if (sql.trim() === "") return "SQL query is required";
  // Arc's limit is on the Go string's length, which counts UTF-8 bytes.
  if (Buffer.byteLength(sql, "utf8") > MAX_SQL_LENGTH) return `SQL query exceeds maximum length (${MAX_SQL_LENGTH} characters)`;
  const tokens = lex(sql);
  const code = significant(tokens);
  const firstSemicolon = code.findIndex((t) => isPunct(t, ";"));
  if (firstSemicolon >= 0 && code.slice(firstSemicolon).some((t) => !isPunct(t, ";"))) {
    return "Multiple SQL statements are not allowed";
  }
  const masked = maskSql(tokens);
  const calls = maskSql(tokens, true);
  if (DENY_LIST.some((pattern) => pattern.test(masked)) || DYNAMIC_SQL.test(calls) || INSTANCE_MAINTENANCE.test(calls)) {
    return DANGEROUS_SQL;
  }
  const file = fileFunctionIn(calls);
  if (file) return `File I/O function not allowed in user SQL: ${file}()`;
  return null;
}

/** The SQL without trailing semicolons (validation has ruled out any other). */
export function stripTrailingSemicolons(sql: string): string {
  const tokens = lex(sql);
  let end = tokens.length;
  while (end > 0) {
    const t = tokens[end - 1] as Token;
    if (t.kind === "space" || t.kind === "comment" || isPunct(t, ";")) end--;
    else break;
  }
  return tokens
    .slice(0, end)
    .map((t) => t.text)
    .join("");
}

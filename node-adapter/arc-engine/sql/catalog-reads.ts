import { isWord, type Token } from "./lexer";

/**
 * Names through which DuckDB shows what its catalogs hold: the `information_schema` and
 * `pg_catalog` views, `pg_*` views, `duckdb_*()` and `pragma_*()` table functions, and
 * `sql_auto_complete()`, which completes table names. Arc leaves `information_schema…`, `pg_…` and
 * `duckdb_…` unrewritten in table position (§3.2), and the others are functions it never touches.
 */
const CATALOG_NAME = /^(information_schema|pg_catalog|sql_auto_complete|(duckdb|pragma|pg)_\w+)$/i;

/** Statements DuckDB answers from its catalog (Arc answers `SHOW DATABASES|TABLES` itself, before). */
const CATALOG_STATEMENTS = ["DESCRIBE", "DESC", "SHOW", "SUMMARIZE"];

/**
 * True when the query (its significant tokens) may read DuckDB's catalog, so that it must run where no table of the engine is
 * visible. It looks at names alone, wherever they stand: a column named like one of these marks
 * its query too, so a query over measurements using one is refused (`CATALOG_MIX_ERROR`). A
 * DESCRIBE-like statement over measurements (`DESCRIBE SELECT … FROM m`, whose tables the
 * rewrite has pinned to one database) reads only those, as in Arc, and stays where they are.
 */
export function readsDuckDBCatalog(code: readonly Token[], readsMeasurements: boolean): boolean {
  if (!readsMeasurements && isWord(code[0], ...CATALOG_STATEMENTS)) return true;
  return code.some((t) => (t.kind === "word" || t.kind === "quoted") && CATALOG_NAME.test(t.value));
}

/**
 * The answer to a query that reads measurements and DuckDB's catalog at once. Arc runs it (its
 * measurements are `read_parquet` calls on a DuckDB whose catalog is empty) and arc-wire.md does
 * not refuse it, but here no DuckDB holds both the measurement and a catalog that shows nothing
 * else: the store's lists every database's tables, and the empty one has no data. A 400 that says
 * so, in Arc's error envelope, beats running it on either (a leak, or a 500 claiming a measurement
 * with rows does not exist); a client that splits the query works on both.
 */
export const CATALOG_MIX_ERROR =
  "Query mixes measurements with DuckDB's catalog (information_schema, pg_catalog, duckdb_*, pragma_*, pg_*); " +
  "this Arc-compatible engine cannot answer both in one query: query them separately (a column named like a catalog function counts too)";

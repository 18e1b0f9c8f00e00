import { DuckDBInstance } from "@duckdb/node-api";

/**
 * Opens a DuckDB with nothing attached, run through the store's `setup` statements, for queries
 * that read DuckDB's own catalog (`readsDuckDBCatalog`). Arc's DuckDB holds no tables, as it reads
 * Parquet files through `read_parquet`, so there `information_schema.tables`, `duckdb_tables()`,
 * `DESCRIBE` and the like find none of anyone's data; the store's DuckDB holds every database's
 * tables, and would list them all whatever `x-arc-database` says. One thread: such queries are small.
 */
export async function openEmptyCatalog(setup: readonly string[]): Promise<DuckDBInstance> {
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const connection = await instance.connect();
  try {
    for (const statement of setup) await connection.run(statement);
  } finally {
    connection.closeSync();
  }
  return instance;
}

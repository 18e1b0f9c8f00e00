/**
 * A DuckDB of its own, in memory, for the CLI's conversions between Parquet, JSONL and Arc's rows:
 * DuckDB is the engine the embedded Arc runs on, so no other dependency reads or writes Parquet.
 */
import { DuckDBInstance } from "@duckdb/node-api";

/** SQL string literal: paths, an org id and column names are the values spliced into these statements. */
export const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** strftime's format for ISO 8601 with microseconds (the session is in UTC). */
export const ISO_US = "'%Y-%m-%dT%H:%M:%S.%fZ'";

/** Runs statements (`sql`) and queries (`rows`) on a DuckDB of its own, in memory, in UTC. */
export async function withDuckdb<T>(
  run: (sql: (statement: string) => Promise<void>, rows: (query: string) => Promise<unknown[][]>) => Promise<T>,
): Promise<T> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    return await run(
      async (statement) => {
        await connection.run(statement);
      },
      async (query) => (await connection.runAndReadAll(query)).getRows() as unknown[][],
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

import { qualifiedSchema, qualifiedTable } from "../names";
import type { DuckDBStore } from "./duckdb-store";

/**
 * Drops every stored measurement of `database` and its schema, as Arc's database delete removes
 * the database's files; buffered rows are not touched (flush first), as there. Answers how many
 * measurements it dropped, or null when the database holds none (Arc's 404). Runs on the writer,
 * exclusive of flushes, and each table waits for the queries reading it.
 */
export function dropDatabase(store: DuckDBStore, database: string): Promise<number | null> {
  return store.exclusive(async (connection) => {
    const measurements = store.catalog.measurements(database);
    if (measurements.length === 0) return null;
    for (const measurement of measurements) {
      await store.tableLocks.write({ database, measurement }, async () => {
        await connection.run(`DROP TABLE ${qualifiedTable(database, measurement)}`);
        store.catalog.remove(database, measurement);
      });
    }
    await connection.run(`DROP SCHEMA IF EXISTS ${qualifiedSchema(database)}`);
    return measurements.length;
  });
}

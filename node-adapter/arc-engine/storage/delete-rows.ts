import type { DuckDBConnection } from "@duckdb/node-api";
import { qualifiedTable } from "../names";
import type { DuckDBStore } from "./duckdb-store";

/** Arc's `delete.max_rows_per_delete`. */
export const MAX_ROWS_PER_DELETE = 1_000_000;

export interface DeleteRowsRequest {
  readonly database: string;
  readonly measurement: string;
  /** A predicate already checked by `checkDeleteWhere`. */
  readonly where: string;
  readonly dryRun: boolean;
}

export type DeleteRowsOutcome =
  | { readonly kind: "done"; readonly matched: number; readonly tableRemoved: boolean }
  | { readonly kind: "too_many"; readonly matched: number };

const firstNumber = async (connection: DuckDBConnection, sql: string): Promise<number> => {
  const reader = await connection.runAndReadAll(sql);
  return Number((reader.getRows()[0]?.[0] as bigint | undefined) ?? 0n);
};

/**
 * Deletes flushed rows matching `where`, as Arc's rewrite-based delete does to Parquet files;
 * buffered rows are not touched. A measurement left empty is dropped, like Arc removing its last
 * file, so it reads as "no data" again. Runs on the writer, exclusive of flushes. A dry run
 * counts; a delete deletes in a transaction and takes it back past `maxRows`, so the rows are
 * scanned once, not counted first and then scanned again.
 */
export async function deleteRows(store: DuckDBStore, request: DeleteRowsRequest, maxRows = MAX_ROWS_PER_DELETE): Promise<DeleteRowsOutcome> {
  const { database, measurement, where, dryRun } = request;
  const table = qualifiedTable(database, measurement);
  return store.exclusive(async (connection) => {
    if (!store.catalog.has(database, measurement)) return { kind: "done", matched: 0, tableRemoved: false };
    if (dryRun) {
      const matched = await firstNumber(connection, `SELECT count(*) FROM ${table} WHERE (${where})`);
      return matched > maxRows ? { kind: "too_many", matched } : { kind: "done", matched, tableRemoved: false };
    }
    return store.tableLocks.write(request, async () => {
      await connection.run("BEGIN TRANSACTION");
      try {
        const matched = await firstNumber(connection, `DELETE FROM ${table} WHERE (${where})`);
        if (matched > maxRows || matched === 0) {
          await connection.run("ROLLBACK");
          return matched === 0 ? { kind: "done", matched, tableRemoved: false } : { kind: "too_many", matched };
        }
        const empty = (await firstNumber(connection, `SELECT count(*) FROM ${table}`)) === 0;
        if (empty) await connection.run(`DROP TABLE ${table}`);
        await connection.run("COMMIT");
        if (empty) store.catalog.remove(database, measurement);
        return { kind: "done", matched, tableRemoved: empty };
      } catch (error) {
        await connection.run("ROLLBACK").catch(() => undefined);
        throw error;
      }
    });
  });
}

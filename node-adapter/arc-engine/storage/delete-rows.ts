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
 * file, so it reads as "no data" again. Runs on the writer, exclusive of flushes.
 */
export async function deleteRows(store: DuckDBStore, request: DeleteRowsRequest): Promise<DeleteRowsOutcome> {
  const { database, measurement, where, dryRun } = request;
  const table = qualifiedTable(database, measurement);
  return store.exclusive(async (connection) => {
    if (!store.catalog.has(database, measurement)) return { kind: "done", matched: 0, tableRemoved: false };
    const matched = await firstNumber(connection, `SELECT count(*) FROM ${table} WHERE (${where})`);
    if (matched > MAX_ROWS_PER_DELETE) return { kind: "too_many", matched };
    if (dryRun || matched === 0) return { kind: "done", matched, tableRemoved: false };
    return store.tableLocks.write(request, async () => {
      await connection.run(`DELETE FROM ${table} WHERE (${where})`);
      const empty = (await firstNumber(connection, `SELECT count(*) FROM ${table}`)) === 0;
      if (empty) {
        await connection.run(`DROP TABLE ${table}`);
        store.catalog.remove(database, measurement);
      }
      return { kind: "done", matched, tableRemoved: empty };
    });
  });
}

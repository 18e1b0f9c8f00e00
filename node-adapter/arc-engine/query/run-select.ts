import { StatementType, type DuckDBConnection } from "@duckdb/node-api";
import type { DuckDBStore } from "../storage/duckdb-store";
import { cellWriterFor } from "./json-cells";

export type SelectOutcome =
  | { readonly kind: "rows"; readonly columns: string[]; readonly rows: string[] }
  | { readonly kind: "timeout" }
  | { readonly kind: "rejected" };

const READ_ONLY = new Set<StatementType>([StatementType.SELECT, StatementType.EXPLAIN]);

/**
 * Runs one already-validated statement on its own connection and renders each row as a JSON
 * array. Anything DuckDB does not classify as SELECT or EXPLAIN is `rejected` (a second guard
 * behind Arc's text deny-list, since here the data itself lives in DuckDB). After `timeoutMs` the
 * query is interrupted and the outcome is `timeout`. DuckDB errors are thrown as they are.
 */
export async function runSelect(store: DuckDBStore, sql: string, timeoutMs: number): Promise<SelectOutcome> {
  const connection = await store.connect();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    connection.interrupt();
  }, timeoutMs);
  try {
    return await execute(connection, sql, () => timedOut);
  } catch (error) {
    if (timedOut) return { kind: "timeout" };
    throw error;
  } finally {
    clearTimeout(timer);
    store.release(connection, !timedOut);
  }
}

async function execute(connection: DuckDBConnection, sql: string, timedOut: () => boolean): Promise<SelectOutcome> {
  const prepared = await connection.prepare(sql);
  try {
    if (!READ_ONLY.has(prepared.statementType)) return { kind: "rejected" };
    const result = await prepared.run();
    const columns = result.columnNames();
    const writers = Array.from({ length: result.columnCount }, (_, i) => cellWriterFor(result.columnTypeId(i)));
    const rows: string[] = [];
    if (timedOut()) return { kind: "timeout" };
    // The result is materialized: its chunks are read in place, not fetched one hop at a time.
    for (let index = 0; index < result.chunkCount; index++) {
      const chunk = result.getChunk(index);
      const vectors = writers.map((_, c) => chunk.getColumnVector(c));
      for (let r = 0; r < chunk.rowCount; r++) {
        let row = "[";
        for (let c = 0; c < vectors.length; c++) {
          const value = (vectors[c] as (typeof vectors)[number]).getItem(r);
          if (c > 0) row += ",";
          row += value === null ? "null" : (writers[c] as (typeof writers)[number])(value);
        }
        rows.push(`${row}]`);
      }
    }
    return { kind: "rows", columns, rows };
  } finally {
    prepared.destroySync();
  }
}

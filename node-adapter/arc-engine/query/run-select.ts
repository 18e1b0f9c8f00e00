import { StatementType, type DuckDBConnection } from "@duckdb/node-api";
import type { DuckDBStore } from "../storage/duckdb-store";
import type { TableRef } from "../storage/table-locks";
import { cellWriterFor } from "./json-cells";
import type { QueryTiming } from "./profile";
import { shuffledIndexes, shuffleInPlace, type UnspecifiedOrder } from "./unspecified-order";

export type SelectOutcome =
  | { readonly kind: "rows"; readonly columns: string[]; readonly rows: string[]; readonly timing: QueryTiming }
  | { readonly kind: "timeout" }
  | { readonly kind: "rejected" };

const READ_ONLY = new Set<StatementType>([StatementType.SELECT, StatementType.EXPLAIN]);

const AS_DUCKDB_GIVES: UnspecifiedOrder = { rows: false, columns: false };

/**
 * Runs one already-validated statement on its own connection and renders each row as a JSON
 * array. Anything DuckDB does not classify as SELECT or EXPLAIN is `rejected` (a second guard
 * behind Arc's text deny-list, since here the data itself lives in DuckDB). After `timeoutMs` the
 * query is interrupted and the outcome is `timeout`. DuckDB errors are thrown as they are. The
 * orders Arc leaves open (`shuffle`) come back shuffled. With `emptyCatalog` it runs on the
 * DuckDB that holds no table (for queries reading DuckDB's catalog). It runs between writes of
 * the `tables` it reads, never during one (see `TableLocks`).
 */
export async function runSelect(
  store: DuckDBStore,
  sql: string,
  timeoutMs: number,
  {
    shuffle = AS_DUCKDB_GIVES,
    emptyCatalog = false,
    tables = [],
  }: { shuffle?: UnspecifiedOrder; emptyCatalog?: boolean; tables?: readonly TableRef[] } = {},
): Promise<SelectOutcome> {
  const connection = await store.connect({ emptyCatalog });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    connection.interrupt();
  }, timeoutMs);
  try {
    return await store.tableLocks.read(tables, () => execute(connection, sql, () => timedOut, shuffle));
  } catch (error) {
    if (timedOut) return { kind: "timeout" };
    throw error;
  } finally {
    clearTimeout(timer);
    store.release(connection, !timedOut);
  }
}

async function execute(
  connection: DuckDBConnection,
  sql: string,
  timedOut: () => boolean,
  shuffle: UnspecifiedOrder,
): Promise<SelectOutcome> {
  const started = performance.now();
  const prepared = await connection.prepare(sql);
  const planned = performance.now();
  try {
    if (!READ_ONLY.has(prepared.statementType)) return { kind: "rejected" };
    const result = await prepared.run();
    const timing = { planningMs: planned - started, runningMs: performance.now() - planned };
    const names = result.columnNames();
    // Columns are permuted as the rows are written, so every row follows `columns`.
    const order = shuffle.columns ? shuffledIndexes(result.columnCount) : names.map((_, i) => i);
    const columns = order.map((c) => names[c] as string);
    const writers = order.map((c) => cellWriterFor(result.columnTypeId(c)));
    const rows: string[] = [];
    if (timedOut()) return { kind: "timeout" };
    // The result is materialized: its chunks are read in place, not fetched one hop at a time.
    for (let index = 0; index < result.chunkCount; index++) {
      const chunk = result.getChunk(index);
      const vectors = order.map((c) => chunk.getColumnVector(c));
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
    if (shuffle.rows) shuffleInPlace(rows);
    return { kind: "rows", columns, rows, timing };
  } finally {
    prepared.destroySync();
  }
}

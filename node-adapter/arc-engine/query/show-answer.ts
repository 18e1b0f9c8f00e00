import { qualifiedTable } from "../names";
import type { DuckDBStore } from "../storage/duckdb-store";
import type { ShowCommand } from "../sql/show";

export interface ShowAnswer {
  readonly columns: string[];
  readonly rows: string[];
}

/** DuckDB's storage block size: what `total_size_mb` counts. */
const BLOCK_BYTES = 256 * 1024;

/**
 * Answers `SHOW DATABASES` (column `database`) and `SHOW TABLES|MEASUREMENTS` (Arc's columns
 * `database, table_name, storage_path, file_count, total_size_mb`) from the catalog. With no
 * Parquet files here, `file_count` counts DuckDB row groups and `total_size_mb` the storage
 * blocks the table occupies on disk (0 until checkpointed, and always 0 in memory).
 */
export async function answerShow(store: DuckDBStore, command: ShowCommand, database: string): Promise<ShowAnswer> {
  if (command.kind === "databases") {
    return { columns: ["database"], rows: store.catalog.databases().map((d) => JSON.stringify([d])) };
  }
  const target = command.database ?? database;
  const rows: string[] = [];
  for (const measurement of store.catalog.measurements(target)) {
    const [rowGroups, blocks] = await storageStats(store, qualifiedTable(target, measurement));
    // Arc's path holds the names as written; `storageName` is this engine's own business.
    const storagePath = `${target}/${measurement}`;
    const sizeMb = Math.round(((blocks * BLOCK_BYTES) / (1024 * 1024)) * 100) / 100;
    rows.push(JSON.stringify([target, measurement, storagePath, rowGroups, sizeMb]));
  }
  return { columns: ["database", "table_name", "storage_path", "file_count", "total_size_mb"], rows };
}

async function storageStats(store: DuckDBStore, table: string): Promise<[number, number]> {
  const connection = await store.connect();
  try {
    const literal = `'${table.replaceAll("'", "''")}'`;
    const reader = await connection.runAndReadAll(
      `SELECT count(DISTINCT row_group_id), count(DISTINCT block_id) FROM pragma_storage_info(${literal})`,
    );
    const [rowGroups, blocks] = (reader.getRows()[0] ?? [0n, 0n]) as [bigint, bigint];
    return [Number(rowGroups), Number(blocks)];
  } finally {
    store.release(connection);
  }
}

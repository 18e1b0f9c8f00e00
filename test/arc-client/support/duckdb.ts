import {
  DuckDBConnection,
  DuckDBInstance,
  DuckDBTimestampTZValue,
  DuckDBTypeId,
  type DuckDBValue,
} from "@duckdb/node-api";
import { afterAll, beforeAll } from "vitest";
import type { ArcQueryPort, ArcQueryResult } from "../../../core/arc/client";
import { wellFormed } from "../../../core/well-formed";
import { memoryToRow } from "../../../core/arc/memory-columns";
import { ARC_SQL_MAX_BYTES } from "../../../core/arc/memory-queries";
import type { MemoryRecord } from "../../../core/memory/schema";

/** An in-memory DuckDB session set up as Arc runs its own (UTC). */
export async function openDuckdb(): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  return { instance, connection };
}

/**
 * Opens one DuckDB session for the whole test file and closes it after; `connection()` reads it
 * inside tests and hooks.
 */
export function useDuckdb(): { connection(): DuckDBConnection } {
  let opened: { instance: DuckDBInstance; connection: DuckDBConnection } | undefined;
  beforeAll(async () => {
    opened = await openDuckdb();
  });
  afterAll(() => {
    opened?.connection.closeSync();
    opened?.instance.closeSync();
  });
  return {
    connection: () => {
      if (!opened) throw new Error("DuckDB is not open yet");
      return opened.connection;
    },
  };
}

/** The Arc memory table as Arc's Parquet files read back: TIMESTAMPTZ time, BIGINT ingested_at, DOUBLE importance. */
export async function createMemoryTable(connection: DuckDBConnection, table: string): Promise<void> {
  await connection.run(
    `CREATE OR REPLACE TABLE ${table} (time TIMESTAMPTZ, id VARCHAR, org_id VARCHAR, agent_id VARCHAR, session_id VARCHAR, ` +
      "memory_type VARCHAR, event_type VARCHAR, content VARCHAR, metadata_json VARCHAR, tags_csv VARCHAR, dedup_key VARCHAR, " +
      "importance DOUBLE, parent_id VARCHAR, ingested_at BIGINT)",
  );
}

/** Appends records (no SQL text involved), with strings as Arc stores them (well-formed UTF-8). */
export async function insertRecords(connection: DuckDBConnection, table: string, records: readonly MemoryRecord[]): Promise<void> {
  const appender = await connection.createAppender(table);
  for (const record of records) {
    const row = memoryToRow(record);
    appender.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(record.time_us)));
    for (const column of ["id", "org_id", "agent_id", "session_id", "memory_type", "event_type", "content", "metadata_json", "tags_csv", "dedup_key"] as const) {
      appender.appendVarchar(wellFormed(String(row[column])));
    }
    appender.appendDouble(record.importance);
    appender.appendVarchar(wellFormed(record.parent_id));
    appender.appendBigInt(BigInt(record.ingested_at_us));
    appender.endRow();
  }
  appender.closeSync();
}

/** Arc's JSON timestamp: RFC 3339 UTC, fraction with trailing zeros trimmed. */
export function arcJsonTime(micros: bigint): string {
  const us = Number(micros);
  const ms = Math.floor(us / 1000);
  const fraction = `${new Date(ms).toISOString().slice(20, 23)}${String(us - ms * 1000).padStart(3, "0")}`.replace(/0+$/, "");
  return `${new Date(ms).toISOString().slice(0, 19)}${fraction ? `.${fraction}` : ""}Z`;
}

function jsonCell(value: DuckDBValue, typeId: DuckDBTypeId): unknown {
  if (value === null) return null;
  if (value instanceof DuckDBTimestampTZValue) return arcJsonTime(value.micros);
  if (typeof value === "bigint") return typeId === DuckDBTypeId.HUGEINT ? value.toString() : Number(value);
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  return String(value);
}

/**
 * Runs the client's SQL in DuckDB and answers in Arc's JSON shapes (timestamps as strings,
 * HUGEINT sums as strings), refusing SQL over Arc's length limit, as Arc does.
 */
export function duckdbArcPort(connection: DuckDBConnection, measurement: string): ArcQueryPort & { queries: string[] } {
  const queries: string[] = [];
  return {
    measurement,
    queries,
    async query(sql: string): Promise<ArcQueryResult> {
      queries.push(sql);
      if (new TextEncoder().encode(sql).length > ARC_SQL_MAX_BYTES) throw new Error(`SQL over Arc's limit: ${sql.length}`);
      const reader = await connection.runAndReadAll(sql);
      const types = reader.columnTypes().map((type) => type.typeId);
      const rows = reader.getRows().map((row) => row.map((cell, i) => jsonCell(cell, types[i]!)));
      return { columns: reader.columnNames(), rows: JSON.parse(JSON.stringify(rows)) as unknown[][] };
    },
  };
}

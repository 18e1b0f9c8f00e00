import { setImmediate as nextTick } from "node:timers/promises";
import type { DuckDBAppender, DuckDBConnection, DuckDBTimestampValue } from "@duckdb/node-api";
import { qualifiedSchema, qualifiedTable, quoteIdent, STORE_CATALOG, storageName } from "../names";
import type { TypedBatch } from "../write/typed-batch";
import type { Cell, ColumnType } from "../write/typing";
import type { Catalog, StoredType, TableSchema } from "./catalog";

const RANK: Record<ColumnType, number> = { BOOLEAN: 0, BIGINT: 1, DOUBLE: 2, VARCHAR: 3 };

/**
 * The type a column ends up with when batches disagree, as DuckDB unifies Arc's Parquet files
 * (`union_by_name`): BOOLEAN < BIGINT < DOUBLE < VARCHAR. An all-null batch column is VARCHAR,
 * so it turns a numeric column into text, exactly as it does in Arc.
 */
export function widen(current: StoredType, incoming: ColumnType): StoredType {
  return current === "TIMESTAMPTZ" ? current : widerType(current, incoming);
}

const widerType = (a: ColumnType, b: ColumnType): ColumnType => (RANK[b] > RANK[a] ? b : a);

/** Rows per slice between yields, so a big flush does not hold the event loop for long. */
const SLICE_ROWS = 16_384;

type Put = (appender: DuckDBAppender, value: Cell) => void;

/** Appends in the batch's own type; the appender casts to the column type with DuckDB's rules. */
const PUT: Record<ColumnType, Put> = {
  BIGINT: (a, v) => a.appendBigInt(v as bigint),
  DOUBLE: (a, v) => a.appendDouble(v as number),
  VARCHAR: (a, v) => a.appendVarchar(v as string),
  BOOLEAN: (a, v) => a.appendBoolean(v as boolean),
};

type Slot = { kind: "time" } | { kind: "null" } | { kind: "cells"; values: readonly Cell[]; put: Put };

/**
 * Moves flushed batches into a measurement's DuckDB table: creates the schema and table on first
 * sight, adds new columns, widens types (`widen`), then appends every row with the DuckDB
 * appender. Only the engine's single writer calls it.
 */
export class TableWriter {
  constructor(
    private readonly connection: DuckDBConnection,
    private readonly catalog: Catalog,
  ) {}

  async append(database: string, measurement: string, batches: readonly TypedBatch[]): Promise<void> {
    const table = await this.prepareTable(database, measurement, batches);
    const appender = await this.connection.createAppender(storageName(measurement), storageName(database), STORE_CATALOG);
    try {
      for (const batch of batches) await this.appendBatch(appender, table, batch);
      appender.flushSync();
      table.visible = true;
    } finally {
      appender.closeSync();
    }
  }

  private async prepareTable(database: string, measurement: string, batches: readonly TypedBatch[]) {
    const wanted = new Map<string, { name: string; type: ColumnType }>();
    for (const column of batches.flatMap((b) => b.columns)) {
      const folded = column.name.toLowerCase();
      const seen = wanted.get(folded);
      wanted.set(folded, { name: seen?.name ?? column.name, type: seen ? widerType(seen.type, column.type) : column.type });
    }
    const target = qualifiedTable(database, measurement);
    const existing = this.catalog.get(database, measurement);
    if (!existing) {
      const definitions = ["time TIMESTAMPTZ", ...[...wanted.values()].map((c) => `${quoteIdent(c.name)} ${c.type}`)];
      await this.connection.run(
        `CREATE SCHEMA IF NOT EXISTS ${qualifiedSchema(database)}; CREATE TABLE ${target} (${definitions.join(", ")})`,
      );
      const table = this.catalog.create(database, measurement, false);
      table.columns.set("time", { name: "time", type: "TIMESTAMPTZ" });
      for (const [folded, c] of wanted) table.columns.set(folded, { ...c });
      return table;
    }
    for (const [folded, c] of wanted) {
      const column = existing.columns.get(folded);
      if (!column) {
        await this.connection.run(`ALTER TABLE ${target} ADD COLUMN ${quoteIdent(c.name)} ${c.type}`);
        existing.columns.set(folded, { ...c });
      } else if (widen(column.type, c.type) !== column.type) {
        const type = widen(column.type, c.type);
        await this.connection.run(`ALTER TABLE ${target} ALTER COLUMN ${quoteIdent(column.name)} TYPE ${type}`);
        column.type = type;
      }
    }
    return existing;
  }

  private async appendBatch(appender: DuckDBAppender, table: TableSchema, batch: TypedBatch): Promise<void> {
    const byName = new Map(batch.columns.map((c) => [c.name.toLowerCase(), c]));
    const slots: Slot[] = [...table.columns.entries()].map(([folded, stored]) => {
      if (stored.type === "TIMESTAMPTZ" && folded === "time") return { kind: "time" };
      const column = byName.get(folded);
      return column ? { kind: "cells", values: column.values, put: PUT[column.type] } : { kind: "null" };
    });
    const { time, rowCount } = batch;
    // TIMESTAMP into the TIMESTAMPTZ column: the appender's cast is the identity under the store's
    // UTC TimeZone, and this entry point is several times faster than the TIMESTAMPTZ one.
    const instant = { micros: 0n };
    for (let start = 0; start < rowCount; start += SLICE_ROWS) {
      if (start > 0) await nextTick();
      const end = Math.min(rowCount, start + SLICE_ROWS);
      for (let row = start; row < end; row++) {
        for (const slot of slots) {
          if (slot.kind === "time") {
            instant.micros = time[row] as bigint;
            appender.appendTimestamp(instant as DuckDBTimestampValue);
          } else if (slot.kind === "null") appender.appendNull();
          else {
            const value = slot.values[row] as Cell;
            if (value === null) appender.appendNull();
            else slot.put(appender, value);
          }
        }
        appender.endRow();
      }
    }
  }
}

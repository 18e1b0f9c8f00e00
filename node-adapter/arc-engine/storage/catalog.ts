import type { DuckDBConnection } from "@duckdb/node-api";
import { arcName, STORE_CATALOG } from "../names";
import type { ColumnType } from "../write/typing";

export type StoredType = ColumnType | "TIMESTAMPTZ";

export interface StoredColumn {
  readonly name: string;
  type: StoredType;
}

/** A measurement's table: columns in table order, keyed by lower-cased name (DuckDB folds case). */
export interface TableSchema {
  readonly database: string;
  readonly measurement: string;
  readonly columns: Map<string, StoredColumn>;
  /** False between CREATE TABLE and the end of its first append, so no query sees it empty. */
  visible: boolean;
}

const DUCKDB_TYPES: Record<string, StoredType> = {
  BOOLEAN: "BOOLEAN",
  BIGINT: "BIGINT",
  DOUBLE: "DOUBLE",
  VARCHAR: "VARCHAR",
  "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ",
};

const key = (database: string, measurement: string) => `${database}\u0000${measurement}`;

/**
 * What has been flushed: which measurements exist and their columns. Only the single writer
 * changes it; queries read it to answer "no such measurement" with Arc's empty result without
 * asking DuckDB.
 */
export class Catalog {
  private readonly tables = new Map<string, TableSchema>();

  /** Reads every table already in the DuckDB file (data persisted by an earlier run). */
  static async load(connection: DuckDBConnection): Promise<Catalog> {
    const catalog = new Catalog();
    const reader = await connection.runAndReadAll(
      `SELECT t.schema_name, t.table_name, c.column_name, c.data_type
         FROM duckdb_tables() t
         JOIN duckdb_columns() c USING (database_name, schema_name, table_name)
        WHERE t.database_name = '${STORE_CATALOG}' AND NOT t.internal
        ORDER BY t.schema_name, t.table_name, c.column_index`,
    );
    for (const [schema, table, column, dataType] of reader.getRows() as string[][]) {
      const database = arcName(schema as string);
      const measurement = arcName(table as string);
      const schemaOf = catalog.get(database, measurement) ?? catalog.create(database, measurement, true);
      const type = DUCKDB_TYPES[dataType as string] ?? "VARCHAR";
      schemaOf.columns.set((column as string).toLowerCase(), { name: column as string, type });
    }
    return catalog;
  }

  get(database: string, measurement: string): TableSchema | undefined {
    return this.tables.get(key(database, measurement));
  }

  /** True when the measurement has flushed rows that queries may see. */
  has(database: string, measurement: string): boolean {
    return this.tables.get(key(database, measurement))?.visible === true;
  }

  create(database: string, measurement: string, visible: boolean): TableSchema {
    const schema: TableSchema = { database, measurement, columns: new Map(), visible };
    this.tables.set(key(database, measurement), schema);
    return schema;
  }

  remove(database: string, measurement: string): void {
    this.tables.delete(key(database, measurement));
  }

  /** Databases holding at least one measurement, sorted. */
  databases(): string[] {
    return [...new Set(this.visibleTables().map((t) => t.database))].sort();
  }

  /** Measurements of one database, sorted. */
  measurements(database: string): string[] {
    return this.visibleTables()
      .filter((t) => t.database === database)
      .map((t) => t.measurement)
      .sort();
  }

  private visibleTables(): TableSchema[] {
    return [...this.tables.values()].filter((t) => t.visible);
  }
}

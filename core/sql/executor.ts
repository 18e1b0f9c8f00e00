/**
 * The SQL port every SQLite-family store is written over: libSQL on Node (file or remote URL),
 * D1 on Workers, Durable Object SQLite storage. Only `?` positional arguments; no interactive
 * transactions (D1 has none), so multi-statement writes go through `batch`, which is atomic.
 */
export type SqlValue = string | number | bigint | null | Uint8Array;

export interface SqlStatement {
  sql: string;
  args?: SqlValue[];
}

export type SqlRow = Record<string, SqlValue>;

export interface SqlResult {
  rows: SqlRow[];
  rowsAffected: number;
}

export interface SqlExecutor {
  execute(sql: string, args?: SqlValue[]): Promise<SqlResult>;
  /** Runs all statements in one write transaction: all commit or none do. */
  batch(statements: SqlStatement[]): Promise<SqlResult[]>;
  close(): Promise<void>;
}

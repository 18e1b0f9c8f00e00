import type { SqlExecutor, SqlResult, SqlStatement, SqlValue } from "../../core/sql/executor";
import { bigintToNumber, exactArrayBuffer, portRow } from "./sql-values";

const toStorage = (value: SqlValue): SqlStorageValue => {
  if (typeof value === "bigint") return bigintToNumber(value);
  if (value instanceof Uint8Array) return exactArrayBuffer(value);
  return value;
};

/**
 * The SQL port over a Durable Object's own SQLite (`ctx.storage.sql`), where the outbox and the
 * dedup index live on Workers. Calls are synchronous in the object's thread; `batch` runs inside
 * `transactionSync`, so a group commit is one atomic SQLite transaction, and the runtime's output
 * gate holds the RPC answer until that transaction is durable: an acknowledged memory is on disk.
 */
export class DurableObjectSqlExecutor implements SqlExecutor {
  constructor(private readonly storage: DurableObjectStorage) {}

  async execute(sql: string, args: SqlValue[] = []): Promise<SqlResult> {
    return this.run({ sql, args });
  }

  async batch(statements: SqlStatement[]): Promise<SqlResult[]> {
    return this.storage.transactionSync(() => statements.map((statement) => this.run(statement)));
  }

  /** The storage belongs to the object; there is nothing to close. */
  async close(): Promise<void> {}

  private run(statement: SqlStatement): SqlResult {
    const cursor = this.storage.sql.exec(statement.sql, ...(statement.args ?? []).map(toStorage));
    const rows = cursor.toArray().map(portRow);
    // `rowsWritten` also counts index entries; SQLite's changes() is the port's "rows affected".
    // A statement that wrote nothing (a SELECT) leaves changes() at the previous statement's count.
    const rowsAffected = cursor.rowsWritten === 0 ? 0 : Number(this.storage.sql.exec("SELECT changes() AS n").one().n);
    return { rows, rowsAffected };
  }
}

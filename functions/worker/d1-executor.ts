import type { SqlExecutor, SqlResult, SqlStatement, SqlValue } from "../../core/sql/executor";
import { bigintToNumber, portRow } from "./sql-values";

const toD1 = (value: SqlValue): D1Value => (typeof value === "bigint" ? bigintToNumber(value) : value);

const toResult = (result: D1Result): SqlResult => ({
  rows: (result.results ?? []).map(portRow),
  rowsAffected: result.meta?.changes ?? 0,
});

/**
 * The metadata store's SQL port on D1. D1 has no interactive transactions, which the port never
 * asks for: `batch` maps to `D1Database.batch`, one implicit transaction, so a migration or a
 * multi-statement delete commits whole or not at all, as on libSQL.
 */
export class D1SqlExecutor implements SqlExecutor {
  constructor(private readonly db: D1Database) {}

  async execute(sql: string, args: SqlValue[] = []): Promise<SqlResult> {
    return toResult(await this.prepare({ sql, args }).all());
  }

  async batch(statements: SqlStatement[]): Promise<SqlResult[]> {
    if (statements.length === 0) return [];
    const results = await this.db.batch(statements.map((statement) => this.prepare(statement)));
    return results.map(toResult);
  }

  /** The binding belongs to the runtime; there is no connection to close. */
  async close(): Promise<void> {}

  private prepare(statement: SqlStatement): D1PreparedStatement {
    const prepared = this.db.prepare(statement.sql);
    const args = statement.args ?? [];
    return args.length === 0 ? prepared : prepared.bind(...args.map(toD1));
  }
}

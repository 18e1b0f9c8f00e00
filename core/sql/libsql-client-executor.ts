import type { Client, InArgs, ResultSet } from "@libsql/client";
import type { SqlExecutor, SqlResult, SqlRow, SqlStatement, SqlValue } from "./executor";

const toResult = (rs: ResultSet): SqlResult => ({
  rows: rs.rows.map((row) => {
    const out: SqlRow = {};
    for (const column of rs.columns) {
      const value = row[column];
      out[column] = value instanceof ArrayBuffer ? new Uint8Array(value) : (value as SqlValue);
    }
    return out;
  }),
  rowsAffected: rs.rowsAffected,
});

/**
 * The SQL port over any libSQL client. The runtime picks the entry that builds the client
 * (`@libsql/client` with files on Node, `@libsql/client/web` on Workers); this code only needs
 * the client's type, so it stays runtime-agnostic.
 */
export class LibsqlClientExecutor implements SqlExecutor {
  constructor(private readonly client: Client) {}

  async execute(sql: string, args: SqlValue[] = []): Promise<SqlResult> {
    return toResult(await this.client.execute({ sql, args: args as InArgs }));
  }

  /** One write transaction: libSQL's batch commits all statements or none. */
  async batch(statements: SqlStatement[]): Promise<SqlResult[]> {
    if (statements.length === 0) return [];
    const results = await this.client.batch(
      statements.map((s) => ({ sql: s.sql, args: (s.args ?? []) as InArgs })),
      "write",
    );
    return results.map(toResult);
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

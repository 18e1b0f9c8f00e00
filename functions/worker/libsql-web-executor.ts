import { createClient, type Client, type InArgs, type ResultSet } from "@libsql/client/web";
import type { SqlExecutor, SqlResult, SqlRow, SqlStatement, SqlValue } from "../../core/sql/executor";

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
 * Metadata on a remote libSQL server (Turso, sqld) for Workers without a D1 binding. It uses the
 * `@libsql/client/web` entry, which speaks HTTP and WebSockets only: Workers have no files.
 */
export class LibsqlWebExecutor implements SqlExecutor {
  private constructor(private readonly client: Client) {}

  static open(options: { url: string; authToken?: string }): LibsqlWebExecutor {
    return new LibsqlWebExecutor(createClient({ url: options.url, ...(options.authToken ? { authToken: options.authToken } : {}) }));
  }

  async execute(sql: string, args: SqlValue[] = []): Promise<SqlResult> {
    return toResult(await this.client.execute({ sql, args: args as InArgs }));
  }

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

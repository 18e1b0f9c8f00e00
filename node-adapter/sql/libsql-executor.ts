import { createClient, type Client, type InArgs, type ResultSet } from "@libsql/client";
import type { SqlExecutor, SqlResult, SqlRow, SqlStatement, SqlValue } from "../../core/sql/executor";

/** Options for a libSQL connection: a `file:` path by default, or any libSQL URL (Turso, sqld). */
export interface LibsqlExecutorOptions {
  url: string;
  authToken?: string;
  /** SQLite `synchronous` for local files: FULL fsyncs every commit (the outbox), NORMAL survives a process kill. */
  synchronous?: "NORMAL" | "FULL";
}

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
 * The Node implementation of the SQL port over @libsql/client. Local files run in WAL mode with
 * a busy timeout so the CLI and a running server can share one database file.
 */
export class LibsqlExecutor implements SqlExecutor {
  private constructor(private readonly client: Client) {}

  static async open(options: LibsqlExecutorOptions): Promise<LibsqlExecutor> {
    const client = createClient({ url: options.url, ...(options.authToken ? { authToken: options.authToken } : {}) });
    if (options.url.startsWith("file:")) {
      await client.execute("PRAGMA journal_mode = WAL");
      await client.execute("PRAGMA busy_timeout = 5000");
      await client.execute(`PRAGMA synchronous = ${options.synchronous ?? "NORMAL"}`);
    }
    await client.execute("PRAGMA foreign_keys = ON");
    return new LibsqlExecutor(client);
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

import { createClient } from "@libsql/client";
import { LibsqlClientExecutor } from "../../core/sql/libsql-client-executor";

/** Options for a libSQL connection: a `file:` path by default, or any libSQL URL (Turso, sqld). */
export interface LibsqlExecutorOptions {
  url: string;
  authToken?: string;
  /** SQLite `synchronous` for local files: FULL fsyncs every commit (the outbox), NORMAL survives a process kill. */
  synchronous?: "NORMAL" | "FULL";
}

/**
 * The Node implementation of the SQL port over @libsql/client. Local files run in WAL mode with
 * a busy timeout so the CLI and a running server can share one database file.
 */
export class LibsqlExecutor extends LibsqlClientExecutor {
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
}

import { createClient } from "@libsql/client";
import { LibsqlClientExecutor } from "../../core/sql/libsql-client-executor";

/** Options for a libSQL connection: a `file:` path by default, or any libSQL URL (Turso, sqld). */
export interface LibsqlExecutorOptions {
  url: string;
  authToken?: string;
  /** SQLite `synchronous` for local files: FULL fsyncs every commit (the outbox), NORMAL survives a process kill. */
  synchronous?: "NORMAL" | "FULL";
}

/** Connection settings for every local libSQL connection, threaded or not. */
export function connectionPragmas(options: LibsqlExecutorOptions): string[] {
  const file = options.url.startsWith("file:")
    ? ["PRAGMA journal_mode = WAL", "PRAGMA busy_timeout = 5000", `PRAGMA synchronous = ${options.synchronous ?? "NORMAL"}`]
    : [];
  return [...file, "PRAGMA foreign_keys = ON"];
}

/**
 * The Node implementation of the SQL port over @libsql/client. Local files run in WAL mode with
 * a busy timeout so the CLI and a running server can share one database file.
 */
export class LibsqlExecutor extends LibsqlClientExecutor {
  static async open(options: LibsqlExecutorOptions): Promise<LibsqlExecutor> {
    const client = createClient({ url: options.url, ...(options.authToken ? { authToken: options.authToken } : {}) });
    for (const pragma of connectionPragmas(options)) await client.execute(pragma);
    return new LibsqlExecutor(client);
  }
}

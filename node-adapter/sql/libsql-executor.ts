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
 * An open that failed, naming the file: SQLite's own text ("file is not a database", "unable to
 * open database file") does not say whether it was the metadata database or the outbox. A remote
 * URL is not repeated, since it may carry a token.
 */
export function openFailure(url: string, error: unknown): Error {
  const what = url.startsWith("file:") ? url.slice("file:".length) : "the remote libSQL database";
  return new Error(`cannot open ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/**
 * The Node implementation of the SQL port over @libsql/client. Local files run in WAL mode with
 * a busy timeout so the CLI and a running server can share one database file.
 */
export class LibsqlExecutor extends LibsqlClientExecutor {
  static async open(options: LibsqlExecutorOptions): Promise<LibsqlExecutor> {
    let client: ReturnType<typeof createClient> | undefined;
    try {
      client = createClient({ url: options.url, ...(options.authToken ? { authToken: options.authToken } : {}) });
      for (const pragma of connectionPragmas(options)) await client.execute(pragma);
    } catch (error) {
      client?.close();
      throw openFailure(options.url, error);
    }
    return new LibsqlExecutor(client);
  }
}

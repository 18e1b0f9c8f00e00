import { createClient } from "@libsql/client/web";
import { LibsqlClientExecutor } from "../../core/sql/libsql-client-executor";

/**
 * Metadata on a remote libSQL server (Turso, sqld) for Workers without a D1 binding. It uses the
 * `@libsql/client/web` entry, which speaks HTTP and WebSockets only: Workers have no files.
 */
export class LibsqlWebExecutor extends LibsqlClientExecutor {
  static open(options: { url: string; authToken?: string }): LibsqlWebExecutor {
    return new LibsqlWebExecutor(createClient({ url: options.url, ...(options.authToken ? { authToken: options.authToken } : {}) }));
  }
}
